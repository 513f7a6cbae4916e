"""The pure parts of pureboot_vm's state logic: the power decision table and how the node step joins the result."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import (
    NO_NODE, power_action, vm_spec, with_node)


@pytest.mark.parametrize('status, state, force, expected', [
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
])
def test_power_decisions(status, state, force, expected):
    assert power_action(status, state, force) == expected


def test_the_node_step_joins_the_vm_result():
    vm_result = {'changed': False, 'vm': {'name': 'web'}, 'warnings': ['vm warning'],
                 'diff': {'before': {'name': 'web'}, 'after': {'name': 'web'}}}
    link = {'changed': True, 'pureboot_node': {'id': 'n1'}, 'warnings': ['node warning'],
            'diff': {'before': None, 'after': {'id': 'n1', 'state': 'pending'}}}
    merged = with_node(vm_result, link)
    assert merged['changed'] is True and merged['pureboot_node'] == {'id': 'n1'}
    assert merged['warnings'] == ['vm warning', 'node warning']
    assert merged['diff'] == {'before': {'name': 'web', 'pureboot_node': None},
                              'after': {'name': 'web', 'pureboot_node': {'id': 'n1', 'state': 'pending'}}}
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
