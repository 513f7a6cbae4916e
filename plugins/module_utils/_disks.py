# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The `disks` option, for every hypervisor type: its checks and how desired disks compare with a VM's.

A VM's disks are listed in bus order (the first is the boot disk). The n-th disk the user lists is the VM's n-th
disk: when the VM has it, it grows to size_gb (a disk never shrinks: a smaller size is refused before anything is
written); when it does not, it is added. Disks beyond the list are left alone: the module never removes a disk.
The storage and interface of a disk the VM already has are not compared (a disk is never moved or re-plugged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict, cast

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import DISK_INTERFACES, DiskRecord, disk_record

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

DISK_KEYS = ('size_gb', 'storage', 'interface')
# 64 TiB: beyond what a virtual disk of any type is made with, well inside every type's own limit (qcow2's is
# 64 TiB at 64 KiB clusters with default refcounts; Proxmox and oVirt take more).
MAX_DISK_GB = 64 * 1024
# The guest OS families every type maps to its own words (os_type); any other value is passed as the type's own.
OS_FAMILIES = ('linux', 'windows', 'other')
MAX_CPU_SOCKETS = 64


class DisksChange(TypedDict):
    """The `disks` change of diff_hardware() (diff_disks())."""

    before: list[DiskRecord]
    after: list[DiskRecord]
    grow: list[tuple[int, str | None, int]]
    add: list[DiskRecord]


def validate_disks(disks: Iterable[Any] | None, interfaces: Sequence[str], hypervisor: str | None, subject: str | None) -> None:
    """Shape and range checks of `disks` (a list of dicts), with no request; interfaces: the buses the type has."""
    for index, disk in enumerate(disks or ()):
        if not isinstance(disk, dict):
            raise InvalidInputError('disks[{0}] must be a dict with size_gb, storage, interface'.format(index), hypervisor=hypervisor, subject=subject)
        unknown = sorted(set(disk) - set(DISK_KEYS))
        if unknown:
            raise InvalidInputError(
                'disks[{0}]: unknown key(s) {1}; known: {2}'.format(index, ', '.join(unknown), ', '.join(DISK_KEYS)), hypervisor=hypervisor, subject=subject
            )
        size = disk.get('size_gb')
        if size is None:
            raise InvalidInputError('disks[{0}].size_gb is required'.format(index), hypervisor=hypervisor, subject=subject)
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_DISK_GB:
            raise InvalidInputError(
                'disks[{0}].size_gb must be a whole number of GiB between 1 and {1}, got {2}'.format(index, MAX_DISK_GB, size),
                hypervisor=hypervisor,
                subject=subject,
            )
        interface = disk.get('interface')
        if interface is not None and interface not in interfaces:
            raise InvalidInputError(
                "disks[{0}].interface must be one of {1}, got '{2}'".format(index, ', '.join(i for i in DISK_INTERFACES if i in interfaces), interface),
                hypervisor=hypervisor,
                subject=subject,
            )
        if disk.get('storage') is not None and not str(disk['storage']).strip():
            raise InvalidInputError('disks[{0}].storage is empty'.format(index), hypervisor=hypervisor, subject=subject)


def validate_cpu(spec: Mapping[str, Any], hypervisor: str | None, subject: str | None) -> None:
    """cpu_sockets within range, dividing cpu_cores (the total of virtual CPUs) when both are given."""
    sockets = spec.get('cpu_sockets')
    if sockets is None:
        return
    if not 1 <= int(sockets) <= MAX_CPU_SOCKETS:
        raise InvalidInputError('cpu_sockets must be between 1 and {0}, got {1}'.format(MAX_CPU_SOCKETS, sockets), hypervisor=hypervisor, subject=subject)
    cores = spec.get('cpu_cores')
    if cores is not None and int(cores) % int(sockets):
        raise InvalidInputError(
            'cpu_cores ({0}, the total of virtual CPUs) must be a multiple of cpu_sockets ({1})'.format(cores, sockets), hypervisor=hypervisor, subject=subject
        )


def new_disk(disk: Mapping[str, Any], spec: Mapping[str, Any], current_disks: Sequence[DiskRecord], default_interface: str | None) -> DiskRecord:
    """The disk_record() of a disk to add (name None: the type names it), its storage resolved by the shared rule:
    the disk's own, else the VM's `storage` option, else the storage of the VM's first disk (None: the type's
    default, resolved by its preflight)."""
    storage = disk.get('storage') or spec.get('storage') or (current_disks[0]['storage'] if current_disks else None)
    return disk_record(None, disk['size_gb'], storage, disk.get('interface') or default_interface)


def diff_disks(
    current_disks: Iterable[DiskRecord] | None,
    desired: Iterable[Mapping[str, Any]] | None,
    spec: Mapping[str, Any],
    default_interface: str | None,
    hypervisor: str | None,
    subject: str | None,
) -> DisksChange | None:
    """The `disks` change of diff_hardware(), or None when there is none:

    {'before': [disk_record...], 'after': [disk_record...], 'grow': [(index, name, size_gb)], 'add': [disk_record...]}

    grow: the VM's disk at index (its name) to size_gb; add: the records of the disks to add, in order, after the
    VM's disks (name None: the type names it; storage resolved by new_disk()). A smaller size_gb than a disk has is
    refused here, so before any write."""
    current_disks = list(current_disks or [])
    after = [cast(DiskRecord, dict(d)) for d in current_disks]
    grow: list[tuple[int, str | None, int]] = []
    add: list[DiskRecord] = []
    for index, disk in enumerate(desired or ()):
        if index < len(current_disks):
            have = current_disks[index]
            size = int(disk['size_gb'])
            if have['size_gb'] is not None and size < have['size_gb']:
                raise InvalidInputError(
                    "disks[{0}].size_gb is {1}, and disk '{2}' has {3} GiB: a disk is never shrunk; give {3} or more".format(
                        index, size, have['name'], have['size_gb']
                    ),
                    hypervisor=hypervisor,
                    subject=subject,
                )
            if have['size_gb'] is None or size > have['size_gb']:
                grow.append((index, have['name'], size))
                after[index] = cast(DiskRecord, dict(have, size_gb=size))
        else:
            record = new_disk(disk, spec, current_disks, default_interface)
            add.append(record)
            after.append(record)
    if not grow and not add:
        return None
    return {'before': current_disks, 'after': after, 'grow': grow, 'add': add}
