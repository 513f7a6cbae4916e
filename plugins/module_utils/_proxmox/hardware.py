# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A Proxmox VE VM's disks, CPU, OS type and autostart, read from and written to its config. Pure functions.

Disks are the <bus><n> drives that are not CD-ROMs nor cloud-init drives (efidisk0, tpmstate0 and unusedN are not
disks either), in bus order: ide, sata, scsi, virtio (the order PVE picks a boot disk in, qemu-server
PVE/QemuServer/Drive.pm), then by number. A new disk is `<storage>:<size in GiB>`, PVE's syntax for a volume to
allocate (qemu-server PVE/API2/Qemu.pm, NEW_DISK_RE `^(([^/:\\s]+):)?(\\d+(\\.\\d+)?)$`).
"""

from __future__ import annotations

import math
import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import disk_record

# Bus order, and the slots each bus has (qemu-server PVE/QemuServer/Drive.pm: MAX_IDE_DISKS 4, MAX_SATA_DISKS 6,
# MAX_SCSI_DISKS 31, MAX_VIRTIO_DISKS 16).
DISK_BUSES = ('ide', 'sata', 'scsi', 'virtio')
BUS_SLOTS = {'ide': 4, 'sata': 6, 'scsi': 31, 'virtio': 16}
DRIVE = re.compile(r'^(ide|sata|scsi|virtio)(\d+)$')
# pve-common PVE/JSONSchema.pm parse_size: a number with an optional unit; a bare number is bytes.
SIZE = re.compile(r'^(\d+(?:\.\d+)?)([KMGT]?)$')
UNITS = {'': 1, 'K': 1024, 'M': 1024**2, 'G': 1024**3, 'T': 1024**4}
# The collection's OS families as PVE's ostype (qemu-server's enum: other, wxp, w2k, w2k3, w2k8, wvista, win7,
# win8, win10, win11, l24, l26, solaris), and the ostypes of each family.
OS_WORDS = {'linux': 'l26', 'windows': 'win11', 'other': 'other'}
OS_FAMILIES = {'linux': ('l24', 'l26'), 'windows': ('wxp', 'w2k', 'w2k3', 'w2k8', 'wvista', 'win7', 'win8', 'win10', 'win11'), 'other': ('other', 'solaris')}
# PVE's scsihw for a VM with SCSI disks: one controller per disk, what PVE's GUI proposes for new VMs.
SCSI_CONTROLLER = 'virtio-scsi-single'


def _props(value):
    parts = str(value or '').split(',')
    props = dict(part.split('=', 1) for part in parts[1:] if '=' in part)
    first = parts[0]
    if '=' in first:
        key, val = first.split('=', 1)
        props[key] = val
        first = props.get('file', props.get('volume', ''))
    return first, props


def _rank(key):
    found = DRIVE.match(key)
    return (DISK_BUSES.index(found.group(1)), int(found.group(2)))


def is_disk(key, value):
    """True for a drive that is a disk: not a CD-ROM (media=cdrom, 'none', 'cdrom') nor a cloud-init drive."""
    if not DRIVE.match(key):
        return False
    volume, props = _props(value)
    return props.get('media') != 'cdrom' and volume not in ('none', 'cdrom', '') and 'cloudinit' not in volume


def disk_keys(config):
    """The config keys of the VM's disks, in bus order."""
    return sorted((key for key in config if is_disk(key, config[key])), key=_rank)


def size_gb(text):
    """A drive's size= (pve-common disk-size: 32G, 512M, 1.5T, bytes) in whole GiB, a part rounded up."""
    found = SIZE.match(str(text or '').strip())
    if not found:
        return None
    return int(math.ceil(float(found.group(1)) * UNITS[found.group(2)] / UNITS['G']))


def disk_records(config):
    """The VM's disks as disk_record()s, in bus order."""
    records = []
    for key in disk_keys(config):
        volume, props = _props(config[key])
        storage = volume.split(':', 1)[0] if ':' in volume else None
        records.append(disk_record(key, size_gb(props.get('size')), storage, DRIVE.match(key).group(1)))
    return records


def cpu_type(config):
    """The CPU model of `cpu` ('host', 'x86-64-v2-AES,flags=+aes', 'cputype=kvm64'), None when unset."""
    value = str(config.get('cpu') or '')
    if not value:
        return None
    first, props = _props(value)
    return props.get('cputype') or first or None


def hardware_fields(config):
    """The record fields of this module: disks, cpu_sockets, cpu_type, start_on_boot."""
    return {
        'disks': disk_records(config),
        'cpu_sockets': int(config.get('sockets', 1)),
        'cpu_type': cpu_type(config),
        'start_on_boot': str(config.get('onboot', 0)) in ('1', 'true'),
    }


def os_type_value(os_type):
    """PVE's ostype for an os_type option (a family, or PVE's own word)."""
    return OS_WORDS.get(os_type, os_type)


def os_type_matches(current, wanted):
    """Whether ostype current already is what the option wanted asks for (l24 is linux)."""
    if wanted in OS_FAMILIES:
        return current in OS_FAMILIES[wanted]
    return current == wanted


def free_slot(config, bus, taken=()):
    """The first key of bus that neither config nor taken holds, or None when the bus is full."""
    for number in range(BUS_SLOTS[bus]):
        key = '{0}{1}'.format(bus, number)
        if key not in config and key not in taken:
            return key
    return None


def new_disk_value(disk):
    """A disk to allocate, as PVE's new-volume syntax: local-lvm:32."""
    return '{0}:{1}'.format(disk['storage'], int(disk['size_gb']))


def out_of_bus_order(current, added):
    """The first added disk (disk_record) whose bus comes before the last bus of the disks before it (current, then
    the added ones before it), as (index among added, that bus): PVE lists disks in bus order, so it would not be the
    disk at its place in the list. None when every added disk comes after."""
    last = max([DISK_BUSES.index(d['interface']) for d in current if d.get('interface') in DISK_BUSES] or [0])
    for index, disk in enumerate(added):
        rank = DISK_BUSES.index(disk['interface'])
        if rank < last:
            return index, DISK_BUSES[last]
        last = rank
    return None


def add_disk_params(config, added, running=False):
    """The config parameters that add the disks of added (disk_records, storage resolved), each at the first free
    slot of its bus; and a scsihw when the first SCSI device of a stopped VM that has no controller model set is
    added. Returns (params, keys in order) or raises ValueError naming a full bus.

    A VM without scsihw runs its SCSI devices on PVE's default, lsi (the API schema's default): a scsihw written
    for one with a SCSI disk already would move that disk, its boot disk perhaps, to another controller at its next
    start, which a guest without that controller's driver does not boot from. On a running VM scsihw is no hotplug
    (it waits for the next start) while a disk plugged now lands on the controller the VM runs with, so the new
    disk would move at the next start: there the controller is left as PVE has it too."""
    params, keys = {}, []
    for disk in added:
        key = free_slot(config, disk['interface'], params)
        if key is None:
            bus = disk['interface']
            raise ValueError('bus {0} has no free slot ({1} at most)'.format(bus, BUS_SLOTS[bus]))
        params[key] = new_disk_value(disk)
        keys.append(key)
    first_scsi = not config.get('scsihw') and not any(DRIVE.match(key) and key.startswith('scsi') for key in config)
    if any(disk['interface'] == 'scsi' for disk in added) and first_scsi and not running:
        params['scsihw'] = SCSI_CONTROLLER
    return params, keys


def cpu_params(config, changes):
    """The cores/sockets parameters for cpu_cores (the total) and cpu_sockets changes, or ValueError when the total
    is no multiple of the sockets."""
    if 'cpu_cores' not in changes and 'cpu_sockets' not in changes:
        return {}
    sockets = int(config.get('sockets', 1))
    total = int(config.get('cores', 1)) * sockets
    if 'cpu_cores' in changes:
        total = int(changes['cpu_cores']['after'])
    if 'cpu_sockets' in changes:
        sockets = int(changes['cpu_sockets']['after'])
        if total % sockets:
            raise ValueError('cpu_cores ({0}, the total of virtual CPUs) must be a multiple of cpu_sockets ({1})'.format(total, sockets))
        return {'cores': total // sockets, 'sockets': sockets}
    if total % sockets == 0:
        return {'cores': total // sockets}
    return {'cores': total, 'sockets': 1}


def other_params(changes):
    """The parameters of os_type, cpu_type and start_on_boot changes."""
    params = {}
    if 'os_type' in changes:
        params['ostype'] = os_type_value(changes['os_type']['after'])
    if 'cpu_type' in changes:
        params['cpu'] = changes['cpu_type']['after']
    if 'start_on_boot' in changes:
        params['onboot'] = 1 if changes['start_on_boot']['after'] else 0
    return params
