# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""oVirt's words for disks, guest OS types and CPU settings, and the records made of them; no request here.

A VM's disks are its disk attachments: the attachment holds the bus (`interface`), the boot flag and whether the
disk is plugged; the disk holds its size (`provisioned_size`, bytes), its name (`alias`) and its storage domain.
"""

from __future__ import annotations

import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import disk_record

GIB = 1024**3
# disks[].interface -> the engine's DiskInterface; the engine's -> the record's word (spapr_vscsi is SCSI on POWER).
INTERFACE_VALUES = {'virtio': 'virtio', 'scsi': 'virtio_scsi', 'sata': 'sata', 'ide': 'ide'}
INTERFACE_WORDS = {'virtio': 'virtio', 'virtio_scsi': 'scsi', 'spapr_vscsi': 'scsi', 'sata': 'sata', 'ide': 'ide'}
# The buses of each chipset (the engine's osinfo-defaults.properties: `i440fx/IDE, VirtIO_SCSI, VirtIO, q35/SATA`).
CHIPSET_INTERFACES = {'i440fx': ('virtio', 'scsi', 'ide'), 'q35': ('virtio', 'scsi', 'sata')}
# os_type's families in the engine's OS ids (osinfo-defaults.properties): generic Linux, the newest Windows, Other OS,
# of x86_64 (the engine's default architecture)...
OS_TYPE_VALUES = {'linux': 'other_linux', 'windows': 'windows_2022', 'other': 'other'}
# ... and of the other architectures that have them (osinfo-defaults.properties: other_linux_ppc64, other_ppc64,
# other_linux_s390x, other_s390x; no Windows runs there, so `windows` stays x86_64's and is refused by the check).
OS_TYPE_VALUES_BY_ARCHITECTURE = {
    'ppc64': {'linux': 'other_linux_ppc64', 'other': 'other_ppc64'},
    's390x': {'linux': 'other_linux_s390x', 'other': 'other_s390x'},
}
# The words whose engine OS depends on the cluster's architecture.
ARCHITECTURE_WORDS = frozenset(word for values in OS_TYPE_VALUES_BY_ARCHITECTURE.values() for word in values)
# Engine OS ids of Linux guests (osinfo-defaults.properties): a VM of one of these already is `linux`.
LINUX_OS = re.compile(r'^(other_linux|rhel|rhcos|sles|ubuntu|debian|centos|fedora|oracle|suse)')
# Engine OS ids of the Other OS of each architecture (osinfo-defaults.properties: other, other_ppc64, other_s390x).
OTHER_OS = re.compile(r'^other(_ppc64|_s390x)?$')
CPU_HOST = 'host'
HOST_PASSTHROUGH = 'host_passthrough'


def os_type_value(os_type, architecture=None):
    """The engine's OS id for os_type on a cluster of that CPU architecture (None: x86_64's): linux, windows and other
    mapped, anything else taken as the engine's own."""
    return OS_TYPE_VALUES_BY_ARCHITECTURE.get(architecture, {}).get(os_type) or OS_TYPE_VALUES.get(os_type, os_type)


def os_type_matches(current, wanted):
    """A VM whose OS id is current already is what wanted asks for (a family is met by any OS id of it)."""
    if wanted == 'linux':
        return bool(current) and bool(LINUX_OS.match(current))
    if wanted == 'windows':
        return bool(current) and current.startswith('windows')
    if wanted == 'other':
        return bool(current) and bool(OTHER_OS.match(current))
    return current == os_type_value(wanted)


def cpu_type(entity):
    """The record's cpu_type: 'host' for host passthrough, else the custom CPU model, else None (the cluster's)."""
    cpu = entity.cpu
    if cpu is not None and cpu.mode is not None and cpu.mode.value == HOST_PASSTHROUGH:
        return CPU_HOST
    return getattr(entity, 'custom_cpu_model', None) or None


def cpu_sockets(entity):
    topology = entity.cpu.topology if entity.cpu is not None else None
    return topology.sockets if topology is not None and topology.sockets else None


def topology_for(total, sockets, threads=1):
    """(sockets, cores, threads) giving total virtual CPUs on sockets sockets, or None when sockets does not divide
    it (threads dropped to 1 when they do not fit)."""
    if total % sockets:
        return None
    if (total // sockets) % threads:
        threads = 1
    return sockets, total // sockets // threads, threads


def size_gb(size):
    """Bytes -> whole GiB, rounded up (a disk of 10.5 GiB needs 11 to be asked for again without shrinking)."""
    return -(-int(size) // GIB) if size else None


def disk_records(attachments, domain_names):
    """The record's disks from disk attachments with their disks (follow=disk_attachments.disk), in bus order:
    the bootable disk first, then the others by name. domain_names: {storage domain id: name}."""
    records = []
    for attachment in sorted(attachments or (), key=lambda a: (not a.bootable, _natural(attachment_alias(a)))):
        disk = attachment.disk
        if disk is None:
            continue
        domains = disk.storage_domains or ()
        storage = domain_names.get(domains[0].id) if domains and domains[0] is not None else None
        interface = attachment.interface.value if attachment.interface is not None else None
        records.append(disk_record(attachment_alias(attachment), size_gb(disk.provisioned_size), storage, INTERFACE_WORDS.get(interface, interface)))
    return records


def attachment_alias(attachment):
    """The name of an attached disk (its alias)."""
    disk = attachment.disk
    return (disk.alias or disk.name or disk.id) if disk is not None else ''


def _natural(name):
    """'vm_Disk10' sorts after 'vm_Disk9'."""
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', name or '')]


def disk_alias(vm_name, taken):
    """<vm>_Disk<N>, the engine's own name for a VM's new disk (ImagesHandler.setDiskAlias), N after those taken."""
    numbers = [int(found.group(1)) for found in (re.match(r'^.*_Disk(\d+)$', name or '') for name in taken) if found]
    return '{0}_Disk{1}'.format(vm_name, max(numbers + [len(taken)]) + 1)


def name_new_disks(vm_name, disks):
    """The disks of a predicted record with the added ones (name None) named as the driver will name them."""
    named = []
    for disk in disks:
        if disk.get('name') is None:
            disk = dict(disk, name=disk_alias(vm_name, [d['name'] for d in named]))
        named.append(disk)
    return named


def chipset(bios_type):
    """BiosType's chipset: i440fx_sea_bios is i440fx, every q35_* (and an unknown one) q35."""
    return 'i440fx' if (bios_type or '').startswith('i440fx') else 'q35'


def interface_refusal(disks, first_index, bios_type):
    """The one line refusing a disk whose bus the VM's chipset does not have, or None."""
    have = CHIPSET_INTERFACES[chipset(bios_type)]
    for offset, disk in enumerate(disks):
        if disk.get('interface') and disk['interface'] not in have:
            return "disks[{0}].interface '{1}' is not on the {2} chipset of this VM (BIOS type {3}); use {4}".format(
                first_index + offset, disk['interface'], chipset(bios_type), bios_type or 'cluster default', ', '.join(have)
            )
    return None
