"""Which changes a running Proxmox VE VM takes only at its next start (_proxmox/hotplug.py), as pure functions."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HypervisorDriver, diff_hardware
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.hotplug import hotplug_features, memory_steps, nic_change_is_live, waiting_changes
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import disk_record, nic_record

COLD = HypervisorDriver.COLD_KEYS
MAC = 'BC:24:11:00:00:01'
NET0 = 'virtio={0},bridge=vmbr0'.format(MAC)


def vm_of(config):
    """The parts of a VM record diff_hardware compares here, from a config."""
    nics = []
    for key in sorted(k for k in config if k.startswith('net')):
        fields = dict(part.split('=', 1) for part in config[key].split(','))
        model = next(k for k in fields if k in ('virtio', 'e1000'))
        nics.append(nic_record(key, mac=fields[model], network=fields.get('bridge'), model=model, vlan=fields.get('tag')))
    return {'nics': nics, 'memory_mb': 2048, 'cpu_cores': 2, 'disks': [disk_record('scsi0', 4, 'local-lvm', 'scsi')]}


def waiting(spec, hotplug=None, running=None, config=None):
    """waiting_changes for spec's changes of a VM with one NIC (NET0), running with hotplug (None: no key)."""
    running = dict(running or {'net0': NET0, 'memory': '2048'}, **({} if hotplug is None else {'hotplug': hotplug}))
    config = config or running
    return waiting_changes(running, config, diff_hardware(vm_of(config), spec), COLD)


@pytest.mark.parametrize(
    'value, features',
    [
        (None, {'network', 'disk', 'usb'}),
        ('1', {'network', 'disk', 'usb'}),
        ('0', set()),
        ('', set()),
        ('network,memory,cpu', {'network', 'memory', 'cpu'}),
        ('disk;usb', {'disk', 'usb'}),
    ],
)
def test_hotplug_features_as_pve_reads_them(value, features):
    assert hotplug_features(value) == features


@pytest.mark.parametrize(
    'new, live',
    [
        ('virtio={0},bridge=vmbr1'.format(MAC), True),
        ('virtio={0},bridge=vmbr0,tag=5,firewall=1'.format(MAC), True),
        ('e1000={0},bridge=vmbr0'.format(MAC), False),
        ('virtio=BC:24:11:00:00:02,bridge=vmbr0', False),
        ('virtio,bridge=vmbr0', False),
        ('virtio={0},bridge=vmbr0,queues=4'.format(MAC), False),
        ('virtio={0},bridge=vmbr0,mtu=9000'.format(MAC), False),
        ('virtio={0}'.format(MAC), False),
    ],
)
def test_a_nic_change_without_the_network_feature(new, live):
    assert nic_change_is_live(NET0, new) is live


def test_by_default_nothing_of_a_nic_change_waits():
    nics = [{'network': 'vmbr1', 'model': 'e1000'}, {'network': 'vmbr0'}]
    assert waiting({'networks': nics}) == []
    assert waiting({'networks': []}) == []


def test_without_the_network_feature_a_bridge_or_vlan_change_does_not_wait():
    assert waiting({'networks': [{'network': 'vmbr1', 'vlan': 7}]}, hotplug='disk,usb') == []
    assert waiting({'networks': [{'network': 'vmbr1'}]}, hotplug='0') == []


@pytest.mark.parametrize(
    'networks',
    [
        [{'network': 'vmbr0', 'model': 'e1000'}],  # a new model
        [{'network': 'vmbr0', 'mac': 'bc:24:11:00:00:09'}],  # a new MAC
        [{'network': 'vmbr0'}, {'network': 'vmbr1'}],  # a new NIC
        [],  # the NIC removed
    ],
)
def test_without_the_network_feature_the_rest_of_a_nic_change_waits(networks):
    assert waiting({'networks': networks}, hotplug='0') == ['networks']


def test_a_nic_is_compared_with_the_one_the_vm_runs_with():
    """A model change left pending before: PVE compares the new value with the running NIC, so a bridge change on top
    of it still changes the model of the NIC that runs."""
    pending = dict(net0='e1000={0},bridge=vmbr0'.format(MAC), memory='2048', hotplug='0')
    assert waiting({'networks': [{'network': 'vmbr1'}]}, hotplug='0', config=pending) == ['networks']
    # A NIC only pending so far is a new NIC to the running VM.
    added = dict(net0=NET0, net1='virtio=BC:24:11:00:00:05,bridge=vmbr0', memory='2048', hotplug='0')
    assert waiting({'networks': [{'network': 'vmbr0'}, {'network': 'vmbr1'}]}, hotplug='0', config=added) == ['networks']


def test_the_other_options_of_a_nic_are_kept_so_do_not_count():
    nic = 'virtio={0},bridge=vmbr0,firewall=1,queues=4'.format(MAC)
    assert waiting({'networks': [{'network': 'vmbr1'}]}, hotplug='0', running={'net0': nic}) == []


def test_memory_waits_unless_memory_hotplug():
    assert waiting({'memory_mb': 4096}) == ['memory_mb']
    assert waiting({'memory_mb': 4096}, hotplug='network,disk,memory') == []


def test_the_cpu_firmware_boot_and_os_type_always_wait():
    spec = {'cpu_cores': 4, 'memory_mb': 4096, 'networks': [{'network': 'vmbr1', 'model': 'e1000'}]}
    assert waiting(spec) == ['cpu_cores', 'memory_mb']
    assert waiting(spec, hotplug='network,disk,cpu,memory') == ['cpu_cores']


def test_an_added_disk_waits_on_ide_or_sata_or_without_the_disk_feature():
    scsi = {'disks': [{'size_gb': 4}, {'size_gb': 1, 'interface': 'scsi'}]}
    sata = {'disks': [{'size_gb': 4}, {'size_gb': 1, 'interface': 'sata'}]}
    assert waiting(scsi) == []
    assert waiting(sata) == ['disks']
    assert waiting(scsi, hotplug='network') == ['disks']
    # A disk grows at once, whatever the features.
    assert waiting({'disks': [{'size_gb': 8}]}, hotplug='0') == []


@pytest.mark.parametrize(
    'memory, config, steps',
    [
        # No memory hotplug: any size.
        (3000, {}, None),
        (3000, {'hotplug': 'network,disk'}, None),
        # 1024 MiB, then 512 MiB DIMMs (Memory.pm foreach_dimm).
        (1024, {'hotplug': 'memory'}, None),
        (3072, {'hotplug': 'network,memory'}, None),
        (3000, {'hotplug': 'network,memory'}, (2560, 3072)),
        (512, {'hotplug': 'memory'}, (None, 1024)),
        # After 32 DIMMs of 512 MiB (17408 MiB) the DIMMs are 1 GiB.
        (17408, {'hotplug': 'memory'}, None),
        (17920, {'hotplug': 'memory'}, (17408, 18432)),
        # 1 GiB hugepages: 1 GiB DIMMs, and the static part per socket.
        (2560, {'hotplug': 'memory', 'hugepages': '1024', 'sockets': '2'}, (2048, 3072)),
        (3072, {'hotplug': 'memory', 'hugepages': '1024', 'sockets': '2'}, None),
    ],
)
def test_memory_steps_are_the_sizes_dimms_reach(memory, config, steps):
    assert memory_steps(memory, config) == steps
