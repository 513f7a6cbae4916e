"""What pureboot_vm says of a running Proxmox VE VM's changes: the ones PVE hotplugs take effect at once and are not
warned of; the ones it keeps pending for the next start are (_proxmox/hotplug.py). The double applies them as PVE
does (tests/simulators/fakepve_net/hotplug.py), so the VM's running config shows which is which.
"""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HARDWARE_KEYS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, TaskFailedError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import PLACEMENT_KEYS, ensure_vm
from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend


@pytest.fixture
def pve(fakepve, fakepve_cafile):
    return ProxmoxBackend(fakepve, fakepve_cafile)


@pytest.fixture
def driver(pve):
    driver = pve.driver()
    yield driver
    driver.close()


def running_vm(pve, driver, name, **config):
    """A clone of the template, its config seeded with config (as a user's `hotplug` setting would be), started."""
    vm = driver.create_vm(name, {'template': pve.template, 'node': 'pve1'}, timeout=60)
    pve.pve.vm(int(vm['id'])).config.update(config)
    driver.power(vm, 'start', timeout=30)
    return vm


def run_module(pve, name, check_mode=False, **hardware):
    """ensure_vm as pureboot_vm runs it: a fresh driver looks the VM up by name, then state: present."""
    params = dict(dict.fromkeys(HARDWARE_KEYS + PLACEMENT_KEYS), name=name, state='present', **hardware)
    params.update(cloud_init=None, pxe_boot=None, wait=True, wait_timeout=120, force=False)
    with pve.driver() as driver:
        return ensure_vm(driver, params, check_mode, driver.get_vm(name=name), power=False)


def next_start(result):
    return [w for w in result['warnings'] if 'takes effect at its next start' in w]


def test_a_nic_change_on_a_running_vm_is_live_and_not_warned(pve, driver):
    vm = running_vm(pve, driver, 'hot-nic')
    nics = [{'network': pve.second_network, 'model': 'e1000', 'vlan': 12}, {'network': pve.network}]
    writes = pve.write_count()
    predicted = run_module(pve, 'hot-nic', check_mode=True, networks=nics)
    assert predicted['changed'] and next_start(predicted) == [] and pve.write_count() == writes
    result = run_module(pve, 'hot-nic', networks=nics)
    assert result['changed'] and next_start(result) == [], result['warnings']
    fake = pve.pve.vm(int(vm['id']))
    assert fake.pending == {}
    assert fake.config['net0'].startswith('e1000=') and 'bridge=vmbr1' in fake.config['net0'] and 'tag=12' in fake.config['net0']
    assert 'bridge=vmbr0' in fake.config['net1']


def test_with_hotplug_off_a_nic_change_waits_and_is_warned(pve, driver):
    vm = running_vm(pve, driver, 'cold-nic', hotplug='0')
    nics = [{'network': pve.network, 'model': 'e1000'}]
    predicted = run_module(pve, 'cold-nic', check_mode=True, networks=nics)
    assert len(next_start(predicted)) == 1 and ': networks changed while the VM runs; ' in next_start(predicted)[0]
    result = run_module(pve, 'cold-nic', networks=nics)
    assert next_start(result) == next_start(predicted)
    fake = pve.pve.vm(int(vm['id']))
    assert fake.config['net0'].startswith('virtio=') and fake.pending['net0'].startswith('e1000=')
    # The record shows the NIC as it will be, so a second run changes nothing and says nothing.
    again = run_module(pve, 'cold-nic', networks=nics)
    assert not again['changed'] and again['warnings'] == []


def test_with_hotplug_off_a_bridge_and_vlan_change_is_still_live(pve, driver):
    """PVE moves a NIC to another bridge or VLAN without unplugging it, so without the network feature too."""
    vm = running_vm(pve, driver, 'cold-bridge', hotplug='0')
    result = run_module(pve, 'cold-bridge', networks=[{'network': pve.second_network, 'vlan': 30}])
    assert result['changed'] and next_start(result) == [], result['warnings']
    fake = pve.pve.vm(int(vm['id']))
    assert fake.pending == {} and 'bridge=vmbr1' in fake.config['net0'] and 'tag=30' in fake.config['net0']


def test_memory_waits_unless_memory_hotplug_and_is_named_alone(pve, driver):
    running_vm(pve, driver, 'hot-mem')
    result = run_module(pve, 'hot-mem', memory_mb=2048, networks=[{'network': pve.second_network}])
    assert len(next_start(result)) == 1 and ': memory_mb changed while the VM runs; ' in next_start(result)[0], result['warnings']
    # With the memory feature (which PVE starts a VM with only when NUMA is on) it is plugged at once.
    vm = running_vm(pve, driver, 'hot-dimm', hotplug='network,disk,memory', numa=1)
    result = run_module(pve, 'hot-dimm', memory_mb=2048)
    assert result['changed'] and next_start(result) == [], result['warnings']
    assert str(pve.pve.vm(int(vm['id'])).config['memory']) == '2048'


def test_a_disk_added_on_scsi_or_virtio_is_plugged_at_once(pve, driver):
    """(A disk on ide or sata, which would wait, cannot follow the template's SCSI disk: the driver keeps bus order.)"""
    vm = running_vm(pve, driver, 'hot-disk')
    disk = {'size_gb': 8, 'storage': None, 'interface': None}
    result = run_module(pve, 'hot-disk', disks=[disk, dict(disk, size_gb=1, interface='scsi')])
    assert result['changed'] and next_start(result) == [], result['warnings']
    result = run_module(pve, 'hot-disk', disks=[disk, dict(disk, size_gb=1, interface='scsi'), dict(disk, size_gb=1, interface='virtio')])
    assert next_start(result) == []
    fake = pve.pve.vm(int(vm['id']))
    assert 'scsi1' in fake.config and 'virtio0' in fake.config
    # The template's scsi0 runs on PVE's default controller (lsi, no scsihw): nothing moves it to another one at
    # the next start, and nothing is left pending.
    assert fake.pending == {} and 'scsihw' not in fake.config


def test_the_cpu_always_waits(pve, driver):
    vm = running_vm(pve, driver, 'hot-cpu', hotplug='network,disk,cpu,memory', numa=1)
    result = run_module(pve, 'hot-cpu', cpu_cores=2)
    assert len(next_start(result)) == 1 and ': cpu_cores changed while the VM runs; ' in next_start(result)[0]
    assert pve.pve.vm(int(vm['id'])).pending == {'cores': '2'}


def test_memory_off_the_dimm_steps_is_refused_with_memory_hotplug(pve, driver):
    """With the memory feature PVE plugs 512 MiB DIMMs until the memory reaches the size asked for (3000: 3072) and
    unplugs them until it is no more than it (3000 from 3072: 2560), so a size off the steps would swing on every
    run; PVE would not start the VM with it either. The module refuses it before any write, check mode alike, and a
    size on the steps settles."""
    running_vm(pve, driver, 'dimm-steps', hotplug='network,disk,memory', numa=1)
    writes = pve.write_count()
    for check_mode in (True, False):
        with pytest.raises(InvalidInputError) as refused:
            run_module(pve, 'dimm-steps', check_mode=check_mode, memory_mb=3000)
        assert 'memory_mb 3000' in str(refused.value) and '2560 or 3072 MiB' in str(refused.value), str(refused.value)
    assert pve.write_count() == writes
    assert run_module(pve, 'dimm-steps', memory_mb=3072)['changed']
    assert not run_module(pve, 'dimm-steps', memory_mb=3072)['changed']


def test_a_clone_of_a_template_with_memory_hotplug_is_held_to_the_dimm_steps(pve, driver):
    """The clone starts with its template's hotplug features: a size off the steps is refused before the clone."""
    template = next(t for t in driver.list_templates() if t['name'] == pve.template)
    pve.pve.vm(int(template['id'])).config.update(hotplug='network,disk,memory', numa=1)
    writes = pve.write_count()
    for check_mode in (True, False):
        with pytest.raises(InvalidInputError) as refused:
            run_module(pve, 'dimm-clone', check_mode=check_mode, template=pve.template, node='pve1', memory_mb=3000)
        assert '2560 or 3072 MiB' in str(refused.value), str(refused.value)
    assert pve.write_count() == writes and driver.get_vm(name='dimm-clone') is None


def test_a_paused_vm_is_warned_of_as_a_running_one(pve, driver):
    """PVE hotplugs into a paused VM and keeps the rest pending, as for a running one (its QEMU process runs)."""
    vm = running_vm(pve, driver, 'paused-cpu')
    pve.pve.vm(int(vm['id'])).qmpstatus = 'paused'
    result = run_module(pve, 'paused-cpu', cpu_cores=2, networks=[{'network': pve.second_network}])
    assert len(next_start(result)) == 1 and ': cpu_cores changed while the VM runs; ' in next_start(result)[0], result['warnings']
    assert pve.pve.vm(int(vm['id'])).pending == {'cores': '2'}


def test_a_vm_with_memory_hotplug_and_no_numa_fails_to_start_in_one_line(pve, driver):
    """PVE starts no VM whose hotplug has memory without numa (Memory.pm config, inside the start task): a template
    set up so gives clones that fail at their start, named in one line with PVE's reason."""
    vm = driver.create_vm('no-numa', {'template': pve.template, 'node': 'pve1'}, timeout=60)
    pve.pve.vm(int(vm['id'])).config.update(hotplug='network,disk,memory')
    with pytest.raises(TaskFailedError) as caught:
        driver.power(vm, 'start', timeout=30)
    text = str(caught.value)
    assert '\n' not in text and "VM 'no-numa'" in text and 'NUMA needs to be enabled for memory hotplug' in text, text
    assert driver.get_vm(name='no-numa')['status'] == 'stopped'
