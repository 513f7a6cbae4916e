"""pureboot_vm's state logic: the power decision table, how the node step joins the result, and the PureBoot
checks and preview made before the VM is written (against the PureBoot double).
"""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, HypervisorError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import nic_record, vm_record
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import (
    NO_NODE,
    checked_node_options,
    power_action,
    preview_node,
    vm_spec,
    with_node,
)


@pytest.mark.parametrize(
    'status, state, force, expected',
    [
        ('running', 'running', False, ([], None)),
        ('stopped', 'running', False, (['start'], None)),
        ('starting', 'running', False, ([], 'running')),
        ('paused', 'running', False, (['start'], None)),
        ('stopped', 'stopped', False, ([], None)),
        ('running', 'stopped', False, (['shutdown'], None)),
        ('running', 'stopped', True, (['stop'], None)),
        ('stopping', 'stopped', False, ([], 'stopped')),
        ('stopping', 'stopped', True, (['stop'], None)),
        ('running', 'restarted', False, (['reboot'], None)),
        ('running', 'restarted', True, (['stop', 'start'], None)),
        ('stopped', 'restarted', False, (['start'], None)),
        ('stopped', 'present', False, ([], None)),
        ('running', 'present', True, ([], None)),
    ],
)
def test_power_decisions(status, state, force, expected):
    assert power_action(status, state, force) == expected


def test_the_node_step_joins_the_vm_result():
    vm_result = {'changed': False, 'vm': {'name': 'web'}, 'warnings': ['vm warning'], 'diff': {'before': {'name': 'web'}, 'after': {'name': 'web'}}}
    link = {'changed': True, 'pureboot_node': {'id': 'n1'}, 'warnings': ['node warning'], 'diff': {'before': None, 'after': {'id': 'n1', 'state': 'pending'}}}
    merged = with_node(vm_result, link)
    assert merged['changed'] is True and merged['pureboot_node'] == {'id': 'n1'}
    assert merged['warnings'] == ['vm warning', 'node warning']
    assert merged['diff'] == {'before': {'name': 'web', 'pureboot_node': None}, 'after': {'name': 'web', 'pureboot_node': {'id': 'n1', 'state': 'pending'}}}
    assert vm_result['diff']['before'] == {'name': 'web'}, 'the VM step result is not changed in place'
    assert with_node(vm_result, NO_NODE)['changed'] is False


def test_a_later_step_failing_says_what_was_done_and_keeps_the_partial_result():
    error = ApiError('GET /api/v1/nodes: HTTP 500', hypervisor='pureboot (pb)')
    error.after("VM 'web' (id 104) is running on pve", {'changed': True, 'vm': {'id': '104'}})
    assert str(error) == "pureboot (pb): VM 'web' (id 104) is running on pve: GET /api/v1/nodes: HTTP 500"
    assert error.partial_result == {'changed': True, 'vm': {'id': '104'}}


def test_pxe_boot_puts_the_network_first():
    params = {'name': 'web', 'template': 'tpl', 'pxe_boot': True, 'boot_order': None}
    spec = vm_spec(params, {'boot_order': ['disk', 'network']})
    assert spec['boot_order'][0] == 'network'


def test_the_spec_says_when_pxe_boot_made_the_boot_order():
    assert vm_spec({'name': 'web', 'pxe_boot': True})['pxe_boot'] is True
    assert vm_spec({'name': 'web', 'pxe_boot': True})['boot_order'] == ['network', 'disk']
    assert vm_spec({'name': 'web', 'template': 'tpl', 'boot_order': ['disk']})['pxe_boot'] is False
    assert vm_spec({'name': 'web', 'pxe_boot': False, 'boot_order': ['disk']})['pxe_boot'] is False


def test_pxe_boot_defaults_to_true_for_a_blank_vm_only():
    blank = vm_spec({'name': 'web', 'disks': [{'size_gb': 8}], 'networks': [{'network': 'n'}]})
    assert blank['template'] is None
    assert blank['pxe_boot'] is True and blank['boot_order'] == ['network', 'disk']
    # An existing VM (made blank or not) keeps its boot order unless pxe_boot is given.
    existing = vm_spec({'name': 'web'}, {'name': 'web', 'boot_order': ['disk']})
    assert existing['pxe_boot'] is False and existing['boot_order'] is None
    for key in ('disks', 'os_type', 'cpu_sockets', 'cpu_type', 'start_on_boot'):
        assert key in blank


@pytest.fixture
def client(pureboot_server):
    pureboot_server.add_group('lab-web')
    return PureBootClient(url=pureboot_server.url, api_key=pureboot_server.api_key, ca_file=pureboot_server.cafile)


def test_node_options_are_checked_with_reads_only(pureboot_server, client):
    checked = checked_node_options(client, {'group': 'lab-web', 'workflow_id': 'w1'}, "VM 'web'")
    group_id = next(g['id'] for g in pureboot_server.groups if g['name'] == 'lab-web')
    assert checked == {'group': None, 'group_id': group_id, 'workflow_id': 'w1'}
    assert checked_node_options(client, {}, "VM 'web'") == {}
    assert checked_node_options(client, {'register': False, 'group': 'nope'}, "VM 'web'") == {'register': False, 'group': 'nope'}
    assert pureboot_server.writes() == []


@pytest.mark.parametrize(
    'options, message',
    [
        ({'group': 'lab-wbe'}, "group 'lab-wbe' not found; available: lab-web"),
        ({'group': 'lab-web', 'group_id': 'x'}, 'give group or group_id, not both'),
        ({'tags': ['has space']}, 'is not a valid PureBoot tag'),
        ({'arch': 'mips'}, 'pureboot_node.arch must be one of'),
        ({'colour': 'red'}, "unknown pureboot_node option 'colour'"),
    ],
)
def test_wrong_node_options_fail_before_anything_is_written(pureboot_server, client, options, message):
    with pytest.raises(HypervisorError) as caught:
        checked_node_options(client, options, "VM 'web'")
    assert message in str(caught.value) and '\n' not in str(caught.value)
    assert pureboot_server.writes() == []


def test_the_node_of_a_vm_not_made_yet_is_previewed(client):
    vm = vm_record(name='web', firmware='uefi', nics=[nic_record('net0', None, 'vmbr0', 'virtio')], uuid=None)
    preview = preview_node(client, vm, {'group': 'lab-web', 'tags': ['Web']})
    assert preview['changed'] is True
    node = preview['pureboot_node']
    assert (node['mac_address'], node['hostname'], node['boot_mode'], node['state'], node['tags']) == (None, 'web', 'uefi', 'discovered', ['web'])
    assert node['group_id'] and preview['diff']['after'] == node
    assert preview_node(client, vm_record(name='web', nics=[]), {})['pureboot_node'] is None
    assert preview_node(client, vm, {'register': False})['changed'] is False
