"""Which module a task of pureboot_vm or pureboot_vm_info runs: the twin of the type the task names, else itself."""

import types

import pytest

from ansible_collections.pureboot.hypervisors.plugins.action.pureboot_vm import ActionModule as VmAction
from ansible_collections.pureboot.hypervisors.plugins.action.pureboot_vm_info import ActionModule as VmInfoAction
from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HYPERVISOR_TYPES


def module_for(action_class, args):
    # Only the task's arguments are read; the rest of an action (connection, loader) plays no part in the choice.
    action = action_class.__new__(action_class)
    action._task = types.SimpleNamespace(args=args)
    return action.module_for_task()


@pytest.mark.parametrize('action_class', [VmAction, VmInfoAction])
@pytest.mark.parametrize('kind', HYPERVISOR_TYPES)
def test_a_task_naming_a_type_runs_that_types_twin(action_class, kind):
    assert module_for(action_class, {'hypervisor': {'type': kind, 'api_url': 'https://hv.example.com'}}) == '{0}_{1}'.format(action_class.MODULE, kind)


@pytest.mark.parametrize('action_class', [VmAction, VmInfoAction])
@pytest.mark.parametrize(
    'args',
    [
        {},  # the whole connection from the environment (AWX)
        {'hypervisor': None},
        {'hypervisor': {'api_url': 'https://hv.example.com'}},  # the type from PUREBOOT_HV_TYPE, which only the module reads
        {'hypervisor': {'type': 'vmware'}},  # the module's to refuse, in its own words
        {'hypervisor': {'type': 'ovirt_x'}},
        {'hypervisor': {'type': ['ovirt']}},
        {'hypervisor': 'type=ovirt'},  # a string the module parses itself
    ],
)
def test_any_other_task_runs_the_module_of_every_type(action_class, args):
    assert module_for(action_class, args) == action_class.MODULE


def test_each_action_names_its_own_module():
    assert (VmAction.MODULE, VmInfoAction.MODULE) == ('pureboot.hypervisors.pureboot_vm', 'pureboot.hypervisors.pureboot_vm_info')
