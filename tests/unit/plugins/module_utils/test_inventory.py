"""The inventory's decisions, without Ansible: which hosts the fetched data makes (names, ansible_host, the
PureBoot node, default groups, warnings), and collect()'s refusal of filters it does not know."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import AUTH, INVALID_INPUT, HypervisorError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._inventory import FILTER_KEYS, collect, inventory_hosts, validate_filters
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.nodes import NODE_VIEW_KEYS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import nic_record, vm_record

MAC = '52:54:00:00:00:01'
UUID = 'c0ffee00-0000-4000-8000-000000000001'


def vm(name, hypervisor='pve-lab', macs=(MAC,), **fields):
    fields.setdefault('id', '100')
    fields.setdefault('status', 'running')
    fields.setdefault('hypervisor_type', 'proxmox')
    nics = [nic_record('net{0}'.format(number), mac, 'vmbr0') for number, mac in enumerate(macs)]
    return vm_record(name=name, hypervisor=hypervisor, nics=nics, **fields)


def node(mac=MAC, **fields):
    """A node as PureBoot lists it, with a key the inventory must not show (node_view keeps NODE_VIEW_KEYS)."""
    return dict(
        {'id': 'node-1', 'mac_address': mac, 'hostname': None, 'state': 'active', 'ip_address': None, 'tags': ['pxe'], 'created_at': '2026-01-01T00:00:00Z'},
        **fields,
    )


def fetched(vms, nodes=None, skipped=(), warnings=(), pureboot_error=None):
    """collect()'s data; nodes None: no PureBoot configured (or, with pureboot_error, not read)."""
    return {'vms': list(vms), 'nodes': nodes, 'skipped': list(skipped), 'warnings': list(warnings), 'pureboot_error': pureboot_error}


def one_host(data, trust_pureboot_ip=False):
    hosts, _warnings = inventory_hosts(data, trust_pureboot_ip)
    assert len(hosts) == 1
    return hosts[0]


# Host names


def test_a_host_is_named_after_its_vm_and_a_vm_without_a_name_after_its_id():
    hosts, warnings = inventory_hosts(fetched([vm('web'), vm(None, id='7e2a')]))
    assert [host.name for host in hosts] == ['web', '7e2a']
    assert warnings == []


def test_a_name_on_several_hypervisors_is_none_of_their_hosts_each_is_prefixed_with_its_hypervisor():
    first = vm('db', hypervisor='pve-lab', id='100')
    second = vm('db', hypervisor='rhv', hypervisor_type='ovirt', id='5d1f')
    hosts, warnings = inventory_hosts(fetched([first, second]))
    assert [(host.name, host.variables['pureboot_vm']['id']) for host in hosts] == [('pve-lab_db', '100'), ('rhv_db', '5d1f')]
    assert warnings == [
        "2 VMs are named 'db' (on pve-lab, rhv); the host of the one on pve-lab with id 100 is 'pve-lab_db'",
        "2 VMs are named 'db' (on pve-lab, rhv); the host of the one on rhv with id 5d1f is 'rhv_db'",
    ]


def test_the_hypervisors_that_were_skipped_and_their_warnings_come_before_the_renames():
    data = fetched(
        [vm('db'), vm('db', hypervisor='rhv', hypervisor_type='ovirt')],
        skipped=[{'hypervisor': 'gone', 'error': 'gone: cannot reach https://127.0.0.1:9'}],
        warnings=["pve-lab: node 'pve2' is offline; its VMs are listed without details"],
    )
    _hosts, warnings = inventory_hosts(data)
    assert warnings == [
        'skipped gone: cannot reach https://127.0.0.1:9',
        "pve-lab: node 'pve2' is offline; its VMs are listed without details",
        "2 VMs are named 'db' (on pve-lab, rhv); the host of the one on pve-lab with id 100 is 'pve-lab_db'",
        "2 VMs are named 'db' (on pve-lab, rhv); the host of the one on rhv with id 100 is 'rhv_db'",
    ]


# ansible_host


@pytest.mark.parametrize(
    'vm_addresses, node_address, trust_pureboot_ip, expected',
    [
        (['192.0.2.5', '198.51.100.5'], '10.0.0.9', False, '192.0.2.5'),
        (['192.0.2.5'], '10.0.0.9', True, '192.0.2.5'),
        ([], '10.0.0.9', False, None),
        ([], '10.0.0.9', True, '10.0.0.9'),
        ([], None, True, None),
    ],
    ids=['hypervisor-first', 'hypervisor-even-if-pureboot-trusted', 'pureboot-not-trusted', 'pureboot-trusted', 'nobody-knows'],
)
def test_ansible_host_is_the_hypervisors_first_address_then_pureboots_only_when_trusted(vm_addresses, node_address, trust_pureboot_ip, expected):
    host = one_host(fetched([vm('web', ip_addresses=vm_addresses)], nodes=[node(ip_address=node_address)]), trust_pureboot_ip)
    assert host.variables.get('ansible_host') == expected
    assert ('ansible_host' in host.variables) == (expected is not None)


def test_a_trusted_pureboot_address_needs_the_vms_own_node():
    # The only node with an address has another MAC: it is not this VM's, so its address is not the VM's either.
    host = one_host(fetched([vm('web')], nodes=[node('52:54:00:00:00:99', ip_address='10.0.0.9')]), True)
    assert 'ansible_host' not in host.variables


def test_without_pureboot_trusting_it_changes_nothing():
    host = one_host(fetched([vm('web')]), trust_pureboot_ip=True)
    assert set(host.variables) == {'pureboot_vm'}


# Default groups


def test_the_default_groups_with_pureboot_name_the_hypervisor_type_status_and_node_state():
    host = one_host(fetched([vm('web', hypervisor='pve-lab', status='stopped')], nodes=[node(state='installing')]))
    # Raw names: the plugin turns them into Ansible's group names (pve-lab becomes pve_lab there).
    assert host.groups == ['pureboot_hypervisor_pve-lab', 'pureboot_type_proxmox', 'pureboot_status_stopped', 'pureboot_state_installing']


def test_without_pureboot_there_is_no_node_variable_and_no_state_group():
    host = one_host(fetched([vm('web', hypervisor='rhv', hypervisor_type='ovirt')]))
    assert host.groups == ['pureboot_hypervisor_rhv', 'pureboot_type_ovirt', 'pureboot_status_running']
    assert 'pureboot_node' not in host.variables


@pytest.mark.parametrize('nodes', [[], [node('52:54:00:00:00:99')], [node(state=None)]], ids=['no-nodes', 'another-mac', 'node-without-state'])
def test_with_pureboot_a_vm_without_a_node_or_its_state_is_unregistered(nodes):
    host = one_host(fetched([vm('web')], nodes=nodes))
    assert host.groups[-1] == 'pureboot_unregistered'
    assert len(host.groups) == 4


# The PureBoot node: only by a NIC's MAC


def test_the_node_is_the_one_with_the_mac_of_one_of_the_vms_nics_and_shows_only_the_node_view():
    host = one_host(
        fetched([vm('web', macs=('52:54:00:00:00:0a', MAC))], nodes=[node('52:54:00:00:00:99', id='other'), node(MAC.upper(), workflow_id='ubuntu')])
    )
    assert host.variables['pureboot_node']['id'] == 'node-1'
    assert host.variables['pureboot_node']['workflow_id'] == 'ubuntu'
    assert set(host.variables['pureboot_node']) == set(NODE_VIEW_KEYS)


def test_a_node_with_the_vms_uuid_but_another_mac_is_not_its_node():
    # Anyone can register a node with any SMBIOS UUID (GET /api/v1/boot needs no login): the UUID alone proves nothing.
    host = one_host(fetched([vm('web', uuid=UUID)], nodes=[node('52:54:00:00:00:99', system_uuid=UUID)]))
    assert host.variables['pureboot_node'] is None
    assert host.groups[-1] == 'pureboot_unregistered'


def test_when_two_nics_have_a_node_the_vms_uuid_picks_one_else_the_first_nic_wins():
    macs = ('52:54:00:00:00:0a', '52:54:00:00:00:0b')
    nodes = [node(macs[0], id='first'), node(macs[1], id='second', system_uuid=UUID.upper())]
    assert one_host(fetched([vm('web', macs=macs, uuid=UUID)], nodes=nodes)).variables['pureboot_node']['id'] == 'second'
    assert one_host(fetched([vm('web', macs=macs)], nodes=nodes)).variables['pureboot_node']['id'] == 'first'


def test_the_vm_record_is_the_fetched_one():
    record = vm('web', ip_addresses=['192.0.2.5'], tags=['db'])
    assert one_host(fetched([record])).variables['pureboot_vm'] == record


# collect(): filters


def unreachable_proxmox():
    """A complete connection to a loopback port where nothing answers: any request fails as unreachable."""
    return {
        'name': 'pve-lab',
        'type': 'proxmox',
        'api_url': 'https://127.0.0.1:9',
        'username': 'root@pam',
        'password': 'x',
        'api_token_id': None,
        'api_token_secret': None,
        'token': None,
        'verify_ssl': True,
        'ca_file': None,
        'timeout': 5,
    }


@pytest.mark.parametrize('filters, unknown', [({'colour': 'red'}, 'colour'), ({'name': 'web*', 'tag': ['db'], 'cluster': 'c1'}, 'cluster, tag')])
def test_unknown_filter_keys_fail_with_one_line_before_any_hypervisor_is_asked(filters, unknown):
    # strict: had a hypervisor been asked first, its unreachable error would be the one raised.
    with pytest.raises(HypervisorError) as caught:
        collect([unreachable_proxmox()], filters, strict=True)
    assert caught.value.category == INVALID_INPUT
    assert str(caught.value) == 'inventory: unknown filter(s) {0}; known: {1}'.format(unknown, ', '.join(FILTER_KEYS))
    assert '\n' not in str(caught.value)


def test_filters_left_empty_are_not_filters():
    # A source file's `filters: {colour: }` (None) is no filter at all, known or not.
    assert validate_filters({'colour': None, 'name': None}) == {}


@pytest.mark.parametrize(
    'filters, message',
    [
        (
            {'status': ['runing']},
            'value of status must be one or more of: running, stopped, paused, suspended, starting, stopping, locked, unknown. Got no match for: runing',
        ),
        ({'status': 'runing'}, 'Got no match for: runing'),
        ({'tags': {'web': True}}, 'tags'),
    ],
    ids=['misspelt-status', 'misspelt-single-status', 'tags-not-a-list'],
)
def test_a_wrong_filter_value_fails_with_one_line_before_any_hypervisor_is_asked(filters, message):
    # The same spec as pureboot_vm_info's options: a typo fails instead of making an empty inventory.
    with pytest.raises(HypervisorError) as caught:
        collect([unreachable_proxmox()], filters, strict=True)
    assert caught.value.category == INVALID_INPUT
    assert str(caught.value).startswith('inventory: filters: ') and message in str(caught.value)
    assert '\n' not in str(caught.value)


def test_filter_values_are_normalised_as_the_modules_options_are():
    assert validate_filters({'status': 'running', 'tags': ['web'], 'name': 'web-*'}) == {'status': ['running'], 'tags': ['web'], 'name': 'web-*'}


@pytest.mark.parametrize(
    'hypervisors, message',
    [
        ([], "inventory: 'hypervisors' lists no connection; give at least one"),
        (['pve-lab'], "inventory: every entry of 'hypervisors' must be a dictionary (a connection)"),
        (
            [{'name': 'pve-lab', 'api_url': 'https://127.0.0.1:9'}],
            "pve-lab: option 'type' is required (libvirt or ovirt or proxmox): set it in the connection or in the PUREBOOT_HV_TYPE environment variable",
        ),
    ],
    ids=['none', 'not-a-dict', 'no-type'],
)
def test_a_source_that_can_list_nothing_fails_instead_of_giving_an_empty_inventory(hypervisors, message):
    with pytest.raises(HypervisorError) as caught:
        collect(hypervisors)
    assert str(caught.value) == message and caught.value.category == INVALID_INPUT


# collect(): PureBoot failing


def test_pureboot_failing_leaves_the_vms_without_node_data_unless_strict(pureboot_server):
    # A context, as the plugin uses the client: its connections are closed at the end (an open one is a
    # ResourceWarning from the socket's finaliser on Python 3.13).
    with PureBootClient(pureboot_server.url, api_key='pb_live_' + 'x' * 32, ca_file=pureboot_server.cafile) as wrong_key:
        # The hypervisor is skipped (nothing listens there), as before; PureBoot refuses the key.
        data = collect([unreachable_proxmox()], pureboot_client=wrong_key)
        assert [skipped['hypervisor'] for skipped in data['skipped']] == ['pve-lab']
        assert data['nodes'] is None and data['pureboot_error'].startswith('pureboot (127.0.0.1): ')
        assert 'authentication with the API key failed' in data['pureboot_error']
        with pytest.raises(HypervisorError) as caught:
            collect([unreachable_proxmox()], pureboot_client=wrong_key, strict_pureboot=True)
    assert caught.value.category == AUTH


def test_pureboot_not_read_gives_no_node_variable_and_no_node_state_group_and_says_why():
    data = fetched([vm('web')], pureboot_error='pureboot (127.0.0.1): authentication with the API key failed: x')
    hosts, warnings = inventory_hosts(data)
    assert [host.name for host in hosts] == ['web']
    assert 'pureboot_node' not in hosts[0].variables
    assert hosts[0].groups == ['pureboot_hypervisor_pve-lab', 'pureboot_type_proxmox', 'pureboot_status_running']
    assert warnings == [
        'PureBoot could not be read, so the hosts have no pureboot_node and no pureboot_state_* or '
        'pureboot_unregistered group (strict_pureboot makes this fail): pureboot (127.0.0.1): '
        'authentication with the API key failed: x'
    ]


# Host names: no VM vanishes


def dups(*ids, hypervisor='pve-lab'):
    return [vm('dup', hypervisor=hypervisor, id=vm_id) for vm_id in ids]


def names_of(vms, taken=(), controller=()):
    hosts, warnings = inventory_hosts(fetched(vms), taken=taken, controller=controller)
    return {host.name: host.variables['pureboot_vm']['id'] for host in hosts}, warnings


def test_same_named_vms_on_one_hypervisor_each_get_a_host_named_with_their_id_and_a_warning():
    hosts, warnings = names_of(dups('150', '151'))
    assert hosts == {'dup_150': '150', 'dup_151': '151'}
    assert warnings == [
        "pve-lab has 2 VMs named 'dup'; the host of the one with id 150 is 'dup_150'",
        "pve-lab has 2 VMs named 'dup'; the host of the one with id 151 is 'dup_151'",
    ]


def test_the_names_of_same_named_vms_are_stable_when_one_appears_or_goes():
    assert names_of(dups('151', '150'))[0] == {'dup_150': '150', 'dup_151': '151'}, 'listing order does not matter'
    assert names_of(dups('150', '151', '152'))[0] == {'dup_150': '150', 'dup_151': '151', 'dup_152': '152'}
    three_less_one = names_of(dups('150', '152') + [vm('web', id='160')])[0]
    assert three_less_one == {'dup_150': '150', 'dup_152': '152', 'web': '160'}
    assert names_of(dups('152')) == ({'dup': '152'}, []), 'unique again: plain again'


def test_same_named_vms_of_two_hypervisors_are_qualified_by_both_rules_and_none_keeps_the_bare_name():
    hosts, _warnings = names_of(dups('150', '151') + [vm('dup', hypervisor='rhv', hypervisor_type='ovirt', id='5d1f')])
    assert hosts == {'pve-lab_dup_150': '150', 'pve-lab_dup_151': '151', 'rhv_dup': '5d1f'}
    hosts, _warnings = names_of([vm('dup', id='100')] + dups('5d1f', '6e2a', hypervisor='rhv'))
    assert hosts == {'pve-lab_dup': '100', 'rhv_dup_5d1f': '5d1f', 'rhv_dup_6e2a': '6e2a'}


def test_a_bare_name_never_moves_to_a_vm_of_another_hypervisor():
    """A new VM on another hypervisor, listed before or after, never takes web01 from the VM that had it: web01
    stops being a host (a play aimed at it finds nothing) instead of silently reaching another machine."""
    alone = names_of([vm('web01', id='100')])[0]
    assert alone == {'web01': '100'}
    newcomer = vm('web01', hypervisor='ovirt-lab', hypervisor_type='ovirt', id='5d1f')
    for listed in ([vm('web01', id='100'), newcomer], [newcomer, vm('web01', id='100')]):
        hosts, warnings = names_of(listed)
        assert hosts == {'pve-lab_web01': '100', 'ovirt-lab_web01': '5d1f'}
        assert len(warnings) == 2
    assert names_of([newcomer])[0] == {'web01': '5d1f'}, 'once the other is gone, the name is plain again'


@pytest.mark.parametrize(
    'name',
    [
        'localhost',
        'LOCALHOST',
        'localhost.',
        'localhost.localdomain',
        'ip6-localhost',
        '127.0.0.1',
        '127.0.0.53',
        '127.1',
        '2130706433',
        '0x7f000001',
        '0.0.0.0',
        '::1',
        '[::1]',
        '::',
        '::ffff:127.0.0.1',
        'ctl',
        'CTL.example.com',
    ],
)
def test_a_vm_named_like_the_controller_is_qualified_and_warned_about(name):
    hosts, warnings = names_of([vm(name, id='100')], controller=['ctl.example.com', 'ctl'])
    assert hosts == {'pve-lab_' + name: '100'}
    assert warnings == [
        "VM '{0}' (id 100) of pve-lab: '{0}' names the controller (localhost, a loopback address or its own name); its host is 'pve-lab_{0}'".format(name)
    ]


@pytest.mark.parametrize(
    'name', ['pureboot_status_running', 'PUREBOOT_STATE_installed', 'pureboot_unregistered', 'pureboot_hypervisor_pve_lab', 'pureboot_type_ovirt']
)
def test_a_vm_named_in_the_namespace_of_the_default_groups_is_qualified_and_warned_about(name):
    """Ansible matches a pattern against host names when no group has that name, and always for a glob: a stopped
    VM named 'pureboot_status_running' must join neither `hosts: pureboot_status_running` (no VM running yet) nor
    `hosts: pureboot_status_*`, whether or not that group exists in this run."""
    hosts, warnings = names_of([vm(name, id='100', status='stopped')])
    assert hosts == {'pve-lab_' + name: '100'}
    assert warnings == ["VM '{0}' (id 100) of pve-lab: '{0}' is in the namespace of this plugin's default groups; its host is 'pve-lab_{0}'".format(name)]


@pytest.mark.parametrize('name', ['tag_prod', 'TAG_x', 'os-linux_web', 'webservers', 'All_Tags'])
def test_a_vm_named_in_the_namespace_of_the_sources_own_groups_is_qualified_and_warned_about(name):
    """The same for the groups the source's `groups` and `keyed_groups` make: a VM named 'tag_prod' must not join
    `hosts: tag_prod` while no VM carries the tag, nor `hosts: tag_*`."""
    source_groups = ({'webservers', 'all_tags'}, ('os-linux_', 'os_linux_', 'tag_'))
    hosts, warnings = inventory_hosts(fetched([vm(name, id='100')]), controller=(), source_groups=source_groups)
    assert [host.name for host in hosts] == ['pve-lab_' + name]
    assert warnings == [
        "VM '{0}' (id 100) of pve-lab: '{0}' is in the namespace of this source's groups or keyed_groups; its host is 'pve-lab_{0}'".format(name)
    ]


@pytest.mark.parametrize('name', ['pureboot', 'pureboot_server', 'pureboot-status-running', 'pureboot_statuses'])
def test_other_pureboot_names_stay_as_they_are(name):
    # 'pureboot-status-running' is no pattern match for 'pureboot_status_*': Ansible compares names as they are.
    assert names_of([vm(name, id='100')]) == ({name: '100'}, [])


def test_a_hypervisor_label_in_the_namespace_still_gives_every_vm_one_host():
    # The administrator's label, not a VM user's: the qualified name is kept rather than qualified again.
    hosts, warnings = names_of([vm('pureboot_state_x', hypervisor='pureboot_state', id='100'), vm('web', hypervisor='pureboot_state', id='101')])
    assert hosts == {'pureboot_state_pureboot_state_x': '100', 'web': '101'}
    assert len(warnings) == 1


def test_a_qualified_name_that_still_means_loopback_gets_the_id_too():
    # Any name under .localhost resolves to loopback (RFC 6761), 'pve-lab_x.localhost' too.
    hosts, _warnings = names_of([vm('x.localhost', id='100')])
    assert hosts == {'pve-lab_x.localhost_100': '100'}


@pytest.mark.parametrize('name', ['web01', '10.0.0.5', 'localhost-db', '128.0.0.1', 'ctl2', '150'])
def test_other_names_are_not_the_controllers(name):
    assert names_of([vm(name, id='100')], controller=['ctl.example.com', 'ctl']) == ({name: '100'}, [])


def test_the_controllers_own_names_are_read_from_the_system():
    import socket

    from ansible_collections.pureboot.hypervisors.plugins.module_utils._inventory import controller_names

    names = controller_names()
    assert socket.gethostname().lower() in names and socket.gethostname().split('.')[0].lower() in names
    assert socket.getfqdn().lower() in names


def test_a_host_or_group_of_an_earlier_source_keeps_its_name():
    hosts, warnings = names_of([vm('db1', id='100'), vm('Web', id='101'), vm('all', id='102'), vm('app', id='103')], taken=['db1', 'web', 'all', 'ungrouped'])
    assert hosts == {'pve-lab_db1': '100', 'pve-lab_Web': '101', 'pve-lab_all': '102', 'app': '103'}
    assert warnings[0] == (
        "VM 'db1' (id 100) of pve-lab: 'db1' is already a host or group of an inventory source loaded before this one; its host is 'pve-lab_db1'"
    )
    # Its qualified name taken as well: the id is added, as for any taken name.
    hosts, _warnings = names_of([vm('db1', id='100')], taken=['db1', 'pve-lab_db1'])
    assert hosts == {'pve-lab_db1_100': '100'}


def test_a_vm_named_like_another_vms_host_still_gets_a_host_of_its_own():
    hosts, warnings = names_of(dups('150', '151') + [vm('dup_150', id='200')])
    assert hosts == {'dup_150': '150', 'dup_151': '151', 'dup_150_200': '200'}
    assert warnings[-1] == "VM 'dup_150' (id 200) of pve-lab: host name 'dup_150' is taken; its host is 'dup_150_200'"


# cloud-init (use_cloud_init)


def test_cloud_init_host_takes_the_user_and_the_first_static_address():
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._inventory import cloud_init_host

    settings = {'user': 'deploy', 'password_set': True, 'ip_config': [{'address': 'dhcp', 'address6': '2001:db8::10/64'}, {'address': '192.0.2.10/24'}]}
    assert cloud_init_host(settings) == {'user': 'deploy', 'address': '2001:db8::10'}
    assert cloud_init_host({'ip_config': [{'address': '192.0.2.10/24', 'address6': '2001:db8::10/64'}]}) == {'user': None, 'address': '192.0.2.10'}
    assert cloud_init_host(None) == {'user': None, 'address': None}


def test_cloud_init_user_and_address_only_when_read_and_the_hypervisor_address_first():
    reported = vm('web', ip_addresses=['198.51.100.7'])
    silent = vm('db', id='101')
    data = dict(
        fetched([reported, silent], nodes=[node(ip_address='203.0.113.9', mac='52:54:00:00:00:09')]),
        cloud_init={'pve-lab 100': {'user': 'deploy', 'address': '192.0.2.10'}, 'pve-lab 101': {'user': None, 'address': '192.0.2.11'}},
    )
    hosts, _warnings = inventory_hosts(data, trust_pureboot_ip=True)
    web, db = hosts
    assert (web.variables['ansible_user'], web.variables['ansible_host']) == ('deploy', '198.51.100.7')
    assert 'ansible_user' not in db.variables and db.variables['ansible_host'] == '192.0.2.11'
    # Without the option (no cloud_init in the data) nothing of it appears.
    plain_hosts, _warnings = inventory_hosts(fetched([silent]))
    assert 'ansible_user' not in plain_hosts[0].variables and 'ansible_host' not in plain_hosts[0].variables


def test_unknown_source_options_fail_naming_the_nearest_valid_one():
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._inventory import validate_source_options

    known = ['plugin', 'hypervisors', 'filters', 'include_templates', 'strict_hypervisors', 'compose']
    validate_source_options({'plugin': 'x', 'filters': {}, 'compose': {}}, known)
    with pytest.raises(HypervisorError) as caught:
        validate_source_options({'plugin': 'x', 'filter': {'name': 'web*'}}, known)
    assert caught.value.category == 'invalid_input'
    assert "unknown option 'filter' (did you mean 'filters'?) in the source; valid options: compose, filters" in str(caught.value)
    with pytest.raises(HypervisorError) as caught:
        validate_source_options({'colour': 1, 'hypervisor': []}, known)
    assert "unknown options 'colour', 'hypervisor' (did you mean 'hypervisors'?)" in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1
