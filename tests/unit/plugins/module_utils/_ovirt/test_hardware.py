"""The PUTs of an oVirt VM's own fields: a running VM's memory for its next start, the rest as before."""

import pytest
from ovirtsdk4 import types

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.hardware import vm_updates
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.rules import runs

MIB = 1024**2
GIB = 1024**3


def current_vm(status='down'):
    return types.Vm(
        status=types.VmStatus(status),
        memory=GIB,
        cpu=types.Cpu(topology=types.CpuTopology(sockets=1, cores=2, threads=1)),
        memory_policy=types.MemoryPolicy(guaranteed=GIB, max=4 * GIB),
    )


MEMORY = {'memory_mb': {'before': 1024, 'after': 1500}}
DESCRIPTION = {'description': {'before': None, 'after': 'web'}}


@pytest.mark.parametrize('status, running', [('down', False), ('image_locked', False), ('up', True), ('powering_up', True), ('suspended', True)])
def test_a_vm_runs_in_any_status_but_down_and_image_locked(status, running):
    assert runs(current_vm(status)) is running
    assert runs(types.Vm()) is False


def test_a_stopped_vm_takes_everything_in_one_put_without_next_run():
    [(body, next_run)] = vm_updates(current_vm('down'), dict(MEMORY, **DESCRIPTION))
    assert (body.memory, body.description, next_run) == (1500 * MIB, 'web', None)


def test_a_running_vm_takes_its_memory_at_its_next_start_and_the_rest_as_before():
    [(others, others_next_run), (memory, memory_next_run)] = vm_updates(current_vm('up'), dict(MEMORY, **DESCRIPTION))
    assert (others.description, others.memory, others_next_run) == ('web', None, None)
    assert (memory.memory, memory.memory_policy.guaranteed, memory.description, memory_next_run) == (1500 * MIB, GIB, None, True)
    [(memory, next_run)] = vm_updates(current_vm('up'), MEMORY)
    assert (memory.memory, next_run) == (1500 * MIB, True)
    [(body, next_run)] = vm_updates(current_vm('up'), DESCRIPTION)
    assert (body.description, next_run) == ('web', None)
    assert vm_updates(current_vm('up'), {'tags': {'after': ['a']}}) == []


def test_a_refused_topology_comes_before_the_memory_put():
    with pytest.raises(InvalidInputError, match='cpu_sockets 4 does not divide'):
        vm_updates(current_vm('up'), dict(MEMORY, cpu_sockets={'before': 1, 'after': 4}), 'rhv')
