"""oVirt's words for disks, OS types and CPUs (_ovirt/disks.py) and the VM PUT body (_ovirt/hardware.py), on SDK
objects built here: no server needed."""

import pytest
from ovirtsdk4 import types

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt import disks
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.hardware import vm_update

GIB = 1024**3


def attachment(alias, size, interface='virtio_scsi', bootable=False, domain='sd-1'):
    return types.DiskAttachment(
        bootable=bootable,
        interface=types.DiskInterface(interface),
        disk=types.Disk(alias=alias, provisioned_size=size, storage_domains=[types.StorageDomain(id=domain)]),
    )


def test_disk_records_are_in_bus_order_with_the_boot_disk_first():
    found = disks.disk_records(
        [attachment('vm_Disk10', 2 * GIB), attachment('vm_Disk2', GIB + 1, 'sata'), attachment('vm_Disk1', 20 * GIB, 'virtio', bootable=True, domain='sd-2')],
        {'sd-1': 'data', 'sd-2': 'fast'},
    )
    assert found == [
        {'name': 'vm_Disk1', 'size_gb': 20, 'storage': 'fast', 'interface': 'virtio'},
        # A size that is not whole GiB is rounded up: asking for it again is no shrink.
        {'name': 'vm_Disk2', 'size_gb': 2, 'storage': 'data', 'interface': 'sata'},
        {'name': 'vm_Disk10', 'size_gb': 2, 'storage': 'data', 'interface': 'scsi'},
    ]


def test_new_disks_are_named_as_the_engine_names_them():
    assert disks.disk_alias('web', []) == 'web_Disk1'
    assert disks.disk_alias('web', ['web_Disk1', 'web_Disk7']) == 'web_Disk8'
    assert disks.name_new_disks('web', [{'name': 'tpl_Disk1'}, {'name': None}, {'name': None}]) == [
        {'name': 'tpl_Disk1'},
        {'name': 'web_Disk2'},
        {'name': 'web_Disk3'},
    ]


@pytest.mark.parametrize(
    'current, wanted, same',
    [
        ('rhel_9x64', 'linux', True),
        ('other_linux', 'linux', True),
        ('debian_9', 'linux', True),
        ('windows_2019x64', 'linux', False),
        ('windows_2019x64', 'windows', True),
        ('other', 'other', True),
        ('other_linux', 'other', False),
        ('other_ppc64', 'other', True),
        ('other_s390x', 'other', True),
        ('other_linux_ppc64', 'other', False),
        ('other_linux_ppc64', 'linux', True),
        (None, 'other', False),
        (None, 'linux', False),
        ('rhel_9x64', 'rhel_9x64', True),
    ],
)
def test_os_type_families(current, wanted, same):
    assert disks.os_type_matches(current, wanted) is same


def test_os_type_words():
    assert [disks.os_type_value(w) for w in ('linux', 'windows', 'other', 'rhel_9x64')] == ['other_linux', 'windows_2022', 'other', 'rhel_9x64']


@pytest.mark.parametrize(
    'architecture, words',
    [
        ('x86_64', ['other_linux', 'windows_2022', 'other', 'rhel_9x64']),
        ('ppc64', ['other_linux_ppc64', 'windows_2022', 'other_ppc64', 'rhel_9x64']),
        ('s390x', ['other_linux_s390x', 'windows_2022', 'other_s390x', 'rhel_9x64']),
        ('undefined', ['other_linux', 'windows_2022', 'other', 'rhel_9x64']),
    ],
)
def test_os_type_words_by_architecture(architecture, words):
    assert [disks.os_type_value(w, architecture) for w in ('linux', 'windows', 'other', 'rhel_9x64')] == words


def test_interfaces_follow_the_chipset():
    assert disks.interface_refusal([{'interface': 'sata'}], 0, 'q35_ovmf') is None
    assert disks.interface_refusal([{'interface': 'ide'}], 2, 'q35_sea_bios') == (
        "disks[2].interface 'ide' is not on the q35 chipset of this VM (BIOS type q35_sea_bios); use virtio, scsi, sata"
    )
    assert 'i440fx chipset' in disks.interface_refusal([{'interface': None}, {'interface': 'sata'}], 0, 'i440fx_sea_bios')


def test_cpu_type_of_a_vm():
    assert disks.cpu_type(types.Vm(cpu=types.Cpu(mode=types.CpuMode.HOST_PASSTHROUGH))) == 'host'
    assert disks.cpu_type(types.Vm(cpu=types.Cpu(), custom_cpu_model='Skylake-Client')) == 'Skylake-Client'
    assert disks.cpu_type(types.Vm(cpu=types.Cpu())) is None


def current_vm(sockets=1, cores=2, threads=1):
    return types.Vm(
        cpu=types.Cpu(topology=types.CpuTopology(sockets=sockets, cores=cores, threads=threads)), memory_policy=types.MemoryPolicy(guaranteed=GIB, max=4 * GIB)
    )


def test_vm_update_topology_type_and_os():
    body = vm_update(current_vm(), {'cpu_sockets': {'after': 2}, 'cpu_type': {'after': 'host'}, 'os_type': {'after': 'other_linux'}})
    assert (body.cpu.topology.sockets, body.cpu.topology.cores, body.cpu.mode) == (2, 1, types.CpuMode.HOST_PASSTHROUGH)
    assert body.os.type == 'other_linux' and body.os.boot is None
    body = vm_update(current_vm(sockets=2, cores=2), {'cpu_cores': {'after': 8}, 'cpu_type': {'after': 'EPYC'}})
    assert (body.cpu.topology.sockets, body.cpu.topology.cores, body.cpu.mode, body.custom_cpu_model) == (2, 4, types.CpuMode.CUSTOM, 'EPYC')
    # A total the sockets do not divide: one socket.
    assert vm_update(current_vm(sockets=2, cores=2), {'cpu_cores': {'after': 3}}).cpu.topology.sockets == 1
    with pytest.raises(InvalidInputError, match='cpu_sockets 4 does not divide'):
        vm_update(current_vm(), {'cpu_sockets': {'after': 4}}, 'rhv')
    assert vm_update(current_vm(), {'tags': {'after': ['a']}}) is None
