"""The shared parts of the driver contract: connection options, input checks and the desired-vs-current diff."""

import re

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import (
    Connection,
    HypervisorDriver,
    apply_to_record,
    check_boot_order,
    check_named,
    connection_label,
    desired_nics,
    diff_hardware,
    normalize_tags,
    parallel_map,
    validate_hardware,
    with_pxe_boot,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_classes, driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import nic_record, vm_record


def vm(**fields):
    base = dict(
        id='7',
        name='web',
        cpu_cores=2,
        memory_mb=2048,
        boot_order=['disk', 'network'],
        firmware='bios',
        description='',
        tags=['a', 'b'],
        nics=[nic_record('net0', '52:54:00:00:00:01', 'vmbr0', 'virtio'), nic_record('net1', '52:54:00:00:00:02', 'vmbr1', 'e1000', 20)],
    )
    base.update(fields)
    return vm_record(**base)


def test_connection_defaults_name_and_hides_secrets():
    conn = Connection({'type': 'proxmox', 'api_url': 'https://pve1.example.com:8006/', 'username': 'root@pam', 'password': 's3cret-pass'})
    expected = ('pve1.example.com', 'pve1.example.com', 8006, 30, True)
    assert (conn.name, conn.host, conn.port, conn.timeout, conn.verify_ssl) == expected
    assert conn.tls_verify() is True
    assert 's3cret-pass' not in repr(conn.public())
    assert conn.secrets == ['s3cret-pass']


@pytest.mark.parametrize(
    'options, message',
    [
        ({'api_url': 'https://x'}, "option 'type' is required"),
        ({'type': 'proxmox'}, "option 'api_url' is required"),
        ({'type': 'proxmox', 'api_url': 'ftp://x'}, 'is not an https URL'),
        ({'type': 'proxmox', 'api_url': 'http://pve.example.com:8006'}, 'uses plain http; hypervisor APIs are reached over https only'),
        ({'type': 'ovirt', 'api_url': 'http://engine.example.com/ovirt-engine/api'}, 'uses plain http'),
        ({'type': 'proxmox', 'api_url': 'https://x', 'colour': 1}, 'unknown hypervisor option(s): colour'),
        ({'type': 'proxmox', 'api_url': 'https://x', 'timeout': 0}, "'timeout' must be between 1 and 3600 seconds, got 0"),
        ({'type': 'proxmox', 'api_url': 'https://x', 'timeout': 10**12}, "'timeout' must be between 1 and 3600 seconds"),
        ({'type': 'proxmox', 'api_url': 'https://x', 'ca_file': '/nonexistent/ca.pem'}, "ca_file '/nonexistent/ca.pem' does not exist"),
        ({'type': 'vmware', 'api_url': 'https://x'}, "unknown hypervisor type 'vmware'; known: libvirt, ovirt, proxmox"),
        ({'type': 'ovirt', 'api_url': 'https://x', 'username': 'admin@internal'}, 'missing credentials: give username + password or token'),
        (
            {'type': 'ovirt', 'api_url': 'https://x', 'token': 'abcd', 'api_token_id': 'a@pve!b', 'api_token_secret': 'c'},
            "option 'api_token_id' does not apply to ovirt hypervisors",
        ),
        (
            {'type': 'proxmox', 'api_url': 'https://x', 'username': 'root@pam'},
            'missing credentials: give username + password or api_token_id + api_token_secret',
        ),
        (
            {'type': 'proxmox', 'api_url': 'https://x', 'token': 'abcd', 'username': 'u', 'password': 'p'},
            "option 'token' does not apply to proxmox hypervisors",
        ),
        (
            {'type': 'proxmox', 'api_url': 'https://x', 'api_token_id': 'root@pam', 'api_token_secret': 'abcd'},
            "api_token_id must look like 'user@realm!tokenname'",
        ),
    ],
)
def test_bad_connection_options_are_one_clear_line(options, message):
    with pytest.raises(InvalidInputError) as caught:
        driver_for(options)
    assert message in str(caught.value)
    assert '\n' not in str(caught.value)


@pytest.mark.parametrize(
    'spec, message',
    [
        ({'cpu_cores': 0}, 'cpu_cores must be between 1 and 512, got 0'),
        ({'memory_mb': 8}, 'memory_mb must be between 16'),
        ({'firmware': 'coreboot'}, 'firmware must be one of bios, uefi'),
        ({'boot_order': ['floppy']}, 'boot_order entries must be network, disk, cdrom'),
        ({'networks': [{'mac': '52:54:00'}]}, "networks[0].mac '52:54:00' is not a MAC address"),
        ({'networks': [{'vlan': 5000}]}, 'networks[0].vlan must be between 1 and 4094'),
        ({'boot_order': ['disk', 'network', 'disk']}, 'boot_order names disk more than once; give each device once'),
        ({'tags': ['a', 'B', 'has space']}, "got 'has space'"),
        ({'tags': ['a;b']}, "tags must be 1-50 letters, digits, '_', '-' or '.', not starting with '-' or '.'; got 'a;b'"),
        ({'tags': ['-lead']}, "got '-lead'"),
        ({'tags': ['x' * 51]}, 'tags must be 1-50'),
    ],
)
def test_hardware_checks(spec, message):
    with pytest.raises(InvalidInputError) as caught:
        validate_hardware(dict(spec, name='web'), 'hv1')
    assert str(caught.value).startswith("hv1: VM 'web': ")
    assert message in str(caught.value)


def test_identical_desired_state_has_no_changes():
    assert (
        diff_hardware(
            vm(),
            {
                'cpu_cores': 2,
                'memory_mb': '2048',
                'tags': ['B', 'a'],
                'description': None,
                'boot_order': ['disk', 'network'],
                'firmware': 'bios',
                'networks': [{'network': 'vmbr0'}, {'network': 'vmbr1', 'vlan': '20', 'mac': '52-54-00-00-00-02'}],
            },
        )
        == {}
    )


def test_only_the_keys_that_differ_are_changes():
    changes = diff_hardware(vm(), {'cpu_cores': 4, 'memory_mb': 2048, 'description': 'new', 'tags': ['a']})
    assert changes == {'cpu_cores': {'before': 2, 'after': 4}, 'description': {'before': '', 'after': 'new'}, 'tags': {'before': ['a', 'b'], 'after': ['a']}}
    after = apply_to_record(vm(), changes)
    assert (after['cpu_cores'], after['description'], after['tags']) == (4, 'new', ['a'])


def test_network_changes_keep_what_was_not_given():
    changes = diff_hardware(vm(), {'networks': [{'network': 'vmbr0'}, {'vlan': 30}, {'network': 'vmbr2'}]})
    after = changes['networks']['after']
    assert [n['network'] for n in after] == ['vmbr0', 'vmbr1', 'vmbr2']
    assert after[1]['mac'] == '52:54:00:00:00:02' and after[1]['vlan'] == 30 and after[1]['model'] == 'e1000'
    assert after[2]['mac'] is None
    fewer = diff_hardware(vm(), {'networks': [{'network': 'vmbr0'}]})
    assert [n['name'] for n in fewer['networks']['after']] == ['net0']


def test_desired_nics_for_a_vm_without_nics():
    assert desired_nics([], [{'network': 'ovirtmgmt', 'mac': 'AA:BB:CC:DD:EE:FF'}]) == [
        {'name': None, 'mac': 'aa:bb:cc:dd:ee:ff', 'network': 'ovirtmgmt', 'model': None, 'vlan': None}
    ]


def test_pxe_boot_puts_network_first():
    assert with_pxe_boot(['disk', 'cdrom', 'network']) == ['network', 'disk', 'cdrom']
    assert with_pxe_boot(None) == ['network', 'disk']
    assert with_pxe_boot(['network', 'disk']) == ['network', 'disk']


def test_parallel_map_keeps_order_and_raises_in_the_caller():
    assert parallel_map(lambda x: x * 2, range(20), 4) == [x * 2 for x in range(20)]

    def boom(x):
        if x == 3:
            raise ValueError('three')
        return x

    with pytest.raises(ValueError, match='three'):
        parallel_map(boom, range(5), 3)


@pytest.mark.parametrize(
    'options, label',
    [
        ({'name': 'pve-lab', 'api_url': 'https://pve1.example.com:8006'}, 'pve-lab'),
        ({'api_url': 'https://pve1.example.com:8006/'}, 'pve1.example.com'),
        ({'api_url': 'https://[fd00::5]:8006'}, 'fd00::5'),
        ({'api_url': 'https://[fd00::5:8006'}, 'https://[fd00::5:8006'),
        ({}, 'hypervisor'),
    ],
)
def test_one_way_to_name_a_connection(options, label):
    assert connection_label(options) == label


@pytest.mark.parametrize(
    'options, call, message',
    [
        (
            {'type': 'proxmox', 'username': 'root@pam', 'password': 'x'},
            lambda d: d.list_vms(cluster='Default'),
            "pve: filter 'cluster' does not apply to proxmox hypervisors",
        ),
        (
            {'type': 'proxmox', 'username': 'root@pam', 'password': 'x'},
            lambda d: d.list_templates(cluster='Default'),
            "pve: filter 'cluster' does not apply to proxmox hypervisors",
        ),
        ({'type': 'ovirt', 'token': 'x'}, lambda d: d.list_templates(node='host1'), "pve: filter 'node' does not apply to ovirt hypervisors"),
        (
            {'type': 'ovirt', 'token': 'x'},
            lambda d: d.validate_spec({'name': 'web', 'pool': 'lab'}),
            "pve: VM 'web': option 'pool' does not apply to ovirt hypervisors",
        ),
    ],
    ids=['proxmox-vm-cluster', 'proxmox-template-cluster', 'ovirt-template-node', 'ovirt-pool'],
)
def test_what_a_type_does_not_have_fails_by_one_rule_before_any_request(options, call, message):
    # Port 9 of a loopback address: nothing answers there, so any request would fail otherwise.
    driver = driver_for(dict(options, name='pve', api_url='https://127.0.0.1:9'))
    with pytest.raises(InvalidInputError) as caught:
        call(driver)
    assert str(caught.value) == message


def test_a_type_that_leaves_out_part_of_the_contract_cannot_be_made():
    class Partial(HypervisorDriver):
        TYPE = 'partial'

        def connect(self):
            return {}

    with pytest.raises(TypeError, match='abstract'):
        Partial(Connection({'type': 'proxmox', 'api_url': 'https://x'}))  # pylint: disable=abstract-class-instantiated


def test_tags_that_every_type_stores_as_given_are_accepted():
    validate_hardware({'name': 'web', 'tags': ['a', 'B', 'x_1.2-3', '_u', 'x' * 50]}, 'hv1')
    assert normalize_tags(['B', 'a', 'b']) == ['a', 'b']
    assert diff_hardware(vm(tags=['a', 'b']), {'tags': ['B', 'A', 'a']}) == {}


def test_check_named_lists_what_exists():
    check_named('node', 'pve1', ['pve2', 'pve1'], 'hv1')
    with pytest.raises(NotFoundError) as caught:
        check_named('node', 'pve9', ['pve2', 'pve1', None], 'hv1', "VM 'web'")
    assert str(caught.value) == "hv1: VM 'web': node 'pve9' not found; available: pve1, pve2"
    with pytest.raises(NotFoundError) as caught:
        check_named('cluster', 'c', [], 'hv1')
    assert str(caught.value) == "hv1: cluster 'c' not found; available: none"


@pytest.mark.parametrize(
    'spec, nics, devices, message',
    [
        ({'boot_order': ['network', 'disk'], 'pxe_boot': True}, [], None, 'pxe_boot needs a NIC to boot from the network, and the VM has none; give networks'),
        ({'boot_order': ['network', 'disk']}, [], None, 'boot_order names network, and the VM has no NIC; give networks'),
        ({'boot_order': ['cdrom', 'disk']}, [{'name': 'net0'}], ['disk'], 'boot_order names cdrom, and the VM has no such device'),
    ],
)
def test_the_boot_order_names_only_devices_the_vm_has(spec, nics, devices, message):
    with pytest.raises(InvalidInputError) as caught:
        check_boot_order(dict(spec, name='web'), nics, 'hv1', devices=devices)
    assert str(caught.value) == "hv1: VM 'web': " + message


def test_a_boot_order_the_vm_can_follow_passes():
    check_boot_order({'name': 'web', 'boot_order': ['network', 'disk']}, [{'name': 'net0'}], 'hv1', devices=['disk'])
    check_boot_order({'name': 'web', 'boot_order': ['disk', 'cdrom']}, [], 'hv1')
    check_boot_order({'name': 'web'}, [], 'hv1', devices=[])


def test_a_multicast_mac_is_refused_on_every_type():
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import validate_hardware
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError

    validate_hardware({'name': 'x', 'networks': [{'mac': '52:54:00:00:00:01'}]}, 'hv')
    with pytest.raises(InvalidInputError, match=r"networks\[0\]\.mac '01:00:5E:00:00:01' is a multicast address"):
        validate_hardware({'name': 'x', 'networks': [{'mac': '01:00:5E:00:00:01'}]}, 'hv')


@pytest.mark.parametrize(
    'api_url_is_uri, api_url, refused',
    [
        (False, 'https://hv.example.com', None),
        (False, 'qemu+ssh://root@kvm1/system', "api_url 'qemu+ssh://root@kvm1/system' is not an https URL"),
        (False, 'http://hv.example.com', "api_url 'http://hv.example.com' uses plain http"),
        (True, 'qemu+ssh://root@kvm1/system', None),
        (True, 'http://hv.example.com', None),  # a URI type checks its own URI (libvirt: uri.check_uri)
    ],
)
def test_the_https_rule_follows_the_type_s_api_url_is_uri_fact(api_url_is_uri, api_url, refused):
    class Minimal(HypervisorDriver):
        TYPE = 'minimal'
        API_URL_IS_URI = api_url_is_uri
        LOGINS = ((),)
        connect = close = facts = _list_vms = get_vm = _list_templates = find_template = None
        preflight = create_vm = apply_changes = power = delete_vm = translate_error = None

    connection = Connection({'type': 'minimal', 'api_url': api_url})
    if refused is None:
        assert Minimal(connection).conn is connection
    else:
        with pytest.raises(InvalidInputError, match=re.escape(refused)):
            Minimal(connection)


def test_only_libvirt_says_its_api_url_is_a_uri():
    assert {kind for kind, driver in driver_classes().items() if driver.API_URL_IS_URI} == {'libvirt'}


def test_by_default_the_changed_cold_keys_of_a_running_vm_wait_for_its_next_start():
    class Minimal(HypervisorDriver):
        TYPE = 'minimal'
        LOGINS = ((),)
        connect = close = facts = _list_vms = get_vm = _list_templates = find_template = None
        preflight = create_vm = apply_changes = power = delete_vm = translate_error = None

    driver = Minimal(Connection({'type': 'minimal', 'api_url': 'https://hv.example.com'}))
    changes = diff_hardware(vm(), {'memory_mb': 4096, 'cpu_cores': 4, 'description': 'new', 'networks': [{'network': 'vmbr2'}]})
    assert driver.cold_changes(vm(status='running'), changes) == ['cpu_cores', 'memory_mb', 'networks']
    assert driver.cold_changes(vm(status='stopped'), changes) == []
