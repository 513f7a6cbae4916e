"""A Proxmox VE config's disks, CPU, ostype and onboot, read and written (pure functions)."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.hardware import (
    add_disk_params,
    cpu_params,
    cpu_type,
    disk_records,
    hardware_fields,
    os_type_matches,
    os_type_value,
    other_params,
    out_of_bus_order,
    size_gb,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import disk_record


def test_disks_are_the_drives_that_are_no_cdrom_in_bus_order():
    config = {
        'virtio0': 'ceph-vm:vm-1-disk-2,size=1T',
        'scsi1': 'local-lvm:vm-1-disk-1,size=512M',
        'scsi0': 'local-lvm:vm-1-disk-0,iothread=1,size=32G',
        'ide2': 'local:iso/x.iso,media=cdrom',
        'ide0': 'local-lvm:vm-1-cloudinit,media=cdrom',
        'sata0': 'none,media=cdrom',
        'efidisk0': 'local-lvm:vm-1-disk-3,size=4M',
        'unused0': 'local-lvm:vm-1-disk-9',
        'net0': 'virtio=x',
    }
    assert disk_records(config) == [
        disk_record('scsi0', 32, 'local-lvm', 'scsi'),
        disk_record('scsi1', 1, 'local-lvm', 'scsi'),
        disk_record('virtio0', 1024, 'ceph-vm', 'virtio'),
    ]


@pytest.mark.parametrize('text, gib', [('32G', 32), ('1.5T', 1536), ('512M', 1), ('4194304', 1), ('', None), ('x', None)])
def test_sizes_are_whole_gib_rounded_up(text, gib):
    assert size_gb(text) == gib


def test_cpu_ostype_and_onboot_fields():
    assert hardware_fields({'sockets': '2', 'cpu': 'x86-64-v2-AES,flags=+aes', 'onboot': 1}) == {
        'disks': [],
        'cpu_sockets': 2,
        'cpu_type': 'x86-64-v2-AES',
        'start_on_boot': True,
    }
    assert cpu_type({'cpu': 'cputype=host'}) == 'host' and cpu_type({}) is None
    assert hardware_fields({})['start_on_boot'] is False and hardware_fields({})['cpu_sockets'] == 1
    assert os_type_value('linux') == 'l26' and os_type_value('windows') == 'win11' and os_type_value('l24') == 'l24'
    assert os_type_matches('l24', 'linux') and not os_type_matches('win10', 'linux') and os_type_matches('win10', 'win10')
    assert other_params({'os_type': {'after': 'linux'}, 'cpu_type': {'after': 'host'}, 'start_on_boot': {'after': False}}) == {
        'ostype': 'l26',
        'cpu': 'host',
        'onboot': 0,
    }


def test_cpu_params_keep_the_total_and_the_sockets():
    config = {'cores': 2, 'sockets': 2}
    assert cpu_params(config, {}) == {}
    assert cpu_params(config, {'cpu_cores': {'after': 8}}) == {'cores': 4}
    assert cpu_params(config, {'cpu_cores': {'after': 3}}) == {'cores': 3, 'sockets': 1}
    assert cpu_params(config, {'cpu_sockets': {'after': 4}}) == {'cores': 1, 'sockets': 4}
    with pytest.raises(ValueError, match='multiple of cpu_sockets'):
        cpu_params(config, {'cpu_sockets': {'after': 3}})


def test_added_disks_take_free_slots_and_keep_the_scsi_controller_of_the_disks_there():
    config = {'scsi0': 'local-lvm:vm-1-disk-0,size=8G', 'scsi1': 'local-lvm:vm-1-cloudinit,media=cdrom'}
    params, keys = add_disk_params(config, [disk_record(None, 4, 'local-lvm', 'scsi'), disk_record(None, 2, 'ceph-vm', 'virtio')])
    assert keys == ['scsi2', 'virtio0']
    # scsi0 runs on PVE's default controller (lsi): a scsihw now would move it at the next start.
    assert params == {'scsi2': 'local-lvm:4', 'virtio0': 'ceph-vm:2'}
    assert 'scsihw' not in add_disk_params(dict(config, scsihw='lsi'), [disk_record(None, 1, 's', 'scsi')])[0]


def test_the_first_scsi_disk_of_a_stopped_vm_brings_a_controller_model():
    config = {'virtio0': 'local-lvm:vm-1-disk-0,size=8G', 'ide2': 'none,media=cdrom'}
    assert add_disk_params(config, [disk_record(None, 1, 's', 'scsi')])[0] == {'scsi0': 's:1', 'scsihw': 'virtio-scsi-single'}
    assert add_disk_params({}, [disk_record(None, 1, 's', 'scsi')])[0] == {'scsi0': 's:1', 'scsihw': 'virtio-scsi-single'}, 'a blank VM'
    # Running, the disk is plugged now on the controller the VM runs with; scsihw would wait and move it later.
    assert add_disk_params(config, [disk_record(None, 1, 's', 'scsi')], running=True)[0] == {'scsi0': 's:1'}
    assert 'scsihw' not in add_disk_params(config, [disk_record(None, 1, 's', 'virtio')])[0]
    full = {'ide{0}'.format(n): 's:vm-1-disk-{0},size=1G'.format(n) for n in range(4)}
    with pytest.raises(ValueError, match='bus ide has no free slot'):
        add_disk_params(full, [disk_record(None, 1, 's', 'ide')])


def test_a_disk_that_would_come_before_the_listed_ones_is_found():
    current = [disk_record('scsi0', 8, 's', 'scsi')]
    assert out_of_bus_order(current, [disk_record(None, 1, 's', 'virtio')]) is None
    assert out_of_bus_order(current, [disk_record(None, 1, 's', 'sata')]) == (0, 'scsi')
    assert out_of_bus_order([], [disk_record(None, 1, 's', 'virtio'), disk_record(None, 1, 's', 'ide')]) == (1, 'virtio')
