# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The normalised VM and template records (docs/modules.md): the same keys for every hypervisor type."""

from __future__ import annotations

import fnmatch
import re
from typing import TYPE_CHECKING, Any, TypedDict, cast

if TYPE_CHECKING:
    from collections.abc import Iterable

VM_STATUSES = ('running', 'stopped', 'paused', 'suspended', 'starting', 'stopping', 'locked', 'unknown')
BOOT_DEVICES = ('network', 'disk', 'cdrom')
FIRMWARES = ('bios', 'uefi')
# How a VM is made from its template: a full copy of the disks, or disks backed by the template's.
CLONE_MODES = ('full', 'linked')
# A hypervisor host's (Proxmox node's, oVirt host's) status, the same words for every type.
HOST_STATUSES = ('online', 'offline', 'maintenance', 'unknown')

# The buses a VM disk can be on (disks[].interface); each type lists the ones it has (DISK_INTERFACES).
DISK_INTERFACES = ('virtio', 'scsi', 'sata', 'ide')

VM_KEYS = (
    'id',
    'name',
    'hypervisor',
    'hypervisor_type',
    'status',
    'node',
    'cluster',
    'cpu_cores',
    'memory_mb',
    'nics',
    'disks',
    'ip_addresses',
    'uuid',
    'template',
    'boot_order',
    'firmware',
    'os_type',
    'cpu_sockets',
    'cpu_type',
    'start_on_boot',
    'tags',
    'description',
)
TEMPLATE_KEYS = ('id', 'name', 'os_type', 'cpu_cores', 'memory_mb', 'disk_gb', 'node', 'cluster', 'description', 'hypervisor')
# What HypervisorDriver.connect() answers, the same for every type.
SERVER_KEYS = ('version', 'product')


# The records as types (mypy.ini): the functions below build them as plain dicts with every key, so every key is
# present (None when unknown); a record is still a dict to Ansible and the tests.
class NicRecord(TypedDict):
    """One NIC of a VM record (nic_record())."""

    name: str | None
    mac: str | None
    network: str | None
    model: str | None
    vlan: int | None


class DiskRecord(TypedDict):
    """One disk of a VM record (disk_record()), in bus order."""

    name: str | None
    size_gb: int | None
    storage: str | None
    interface: str | None


class VmRecord(TypedDict):
    """A VM as every type answers (vm_record()): the keys of VM_KEYS."""

    id: str | None
    name: str | None
    hypervisor: str | None
    hypervisor_type: str | None
    status: str
    node: str | None
    cluster: str | None
    cpu_cores: int | None
    memory_mb: int | None
    nics: list[NicRecord]
    disks: list[DiskRecord]
    ip_addresses: list[str]
    uuid: str | None
    template: bool
    boot_order: list[str]
    firmware: str | None
    os_type: str | None
    cpu_sockets: int | None
    cpu_type: str | None
    start_on_boot: bool | None
    tags: list[str]
    description: str | None


class TemplateRecord(TypedDict):
    """A template as every type answers (template_record()): the keys of TEMPLATE_KEYS."""

    id: str | None
    name: str | None
    os_type: str | None
    cpu_cores: int | None
    memory_mb: int | None
    disk_gb: float | None
    node: str | None
    cluster: str | None
    description: str | None
    hypervisor: str | None


class HostRecord(TypedDict):
    """One host of HypervisorDriver.facts() (host_record())."""

    name: str
    status: str


class FactsRecord(TypedDict):
    """What HypervisorDriver.facts() answers."""

    version: str | None
    hosts: list[HostRecord]
    host_count: int
    vm_count: int
    template_count: int


class ServerRecord(TypedDict):
    """What HypervisorDriver.connect() answers (server_record())."""

    version: str | None
    product: str | None


_MAC = re.compile(r'^([0-9A-Fa-f]{2})([:-]?)([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})$')


def normalize_mac(mac: object) -> str | None:
    """A MAC as the collection shows it everywhere (lowercase, colon-separated), or None when it is not a MAC."""
    if not mac:
        return None
    found = _MAC.match(str(mac).strip())
    if not found:
        return None
    return ':'.join(found.group(i) for i in (1, 3, 4, 5, 6, 7)).lower()


def vm_record(**fields: Any) -> VmRecord:
    """A VM record with every key of VM_KEYS (missing ones None, lists empty); unknown keys are refused."""
    unknown = set(fields) - set(VM_KEYS)
    if unknown:
        raise KeyError('unknown VM record keys: {0}'.format(', '.join(sorted(unknown))))
    record: dict[str, Any] = {key: fields.get(key) for key in VM_KEYS}
    for key in ('nics', 'disks', 'ip_addresses', 'boot_order', 'tags'):
        record[key] = list(record[key] or [])
    # Tags are compared case-insensitively and Proxmox VE keeps them lowercase: every type returns them so.
    record['tags'] = sorted({str(tag).lower() for tag in record['tags']})
    record['template'] = bool(record['template'])
    if record['status'] not in VM_STATUSES:
        record['status'] = 'unknown'
    return cast(VmRecord, record)


def host_record(name: str, status: str | None) -> HostRecord:
    """One host of HypervisorDriver.facts(): its name and a status of HOST_STATUSES (else 'unknown')."""
    return {'name': name, 'status': status if status in HOST_STATUSES else 'unknown'}


def nic_record(name: str | None, mac: str | None = None, network: str | None = None, model: str | None = None, vlan: int | str | None = None) -> NicRecord:
    """One NIC of a VM record."""
    return {'name': name, 'mac': normalize_mac(mac), 'network': network, 'model': model, 'vlan': int(vlan) if vlan not in (None, '') else None}


def disk_record(name: str | None, size_gb: float | None, storage: str | None = None, interface: str | None = None) -> DiskRecord:
    """One disk of a VM record, in bus order (the first is the boot disk): its name as the type calls it (Proxmox
    scsi0, libvirt vda, an oVirt disk's name), its size in whole GiB (rounded up), its storage and its bus."""
    return {'name': name, 'size_gb': int(size_gb) if size_gb is not None else None, 'storage': storage, 'interface': interface}


def template_record(**fields: Any) -> TemplateRecord:
    """A template record with every key of TEMPLATE_KEYS."""
    unknown = set(fields) - set(TEMPLATE_KEYS)
    if unknown:
        raise KeyError('unknown template record keys: {0}'.format(', '.join(sorted(unknown))))
    return cast(TemplateRecord, {key: fields.get(key) for key in TEMPLATE_KEYS})


def server_record(**fields: Any) -> ServerRecord:
    """A connect() answer with every key of SERVER_KEYS."""
    unknown = set(fields) - set(SERVER_KEYS)
    if unknown:
        raise KeyError('unknown server record keys: {0}'.format(', '.join(sorted(unknown))))
    return cast(ServerRecord, {key: fields.get(key) for key in SERVER_KEYS})


def name_matches(name: str | None, pattern: str | None) -> bool:
    """True when pattern is None, equals name, or is a glob matching it (case-sensitive, as hypervisors are)."""
    if pattern is None:
        return True
    if name is None:
        return False
    return name == pattern or fnmatch.fnmatchcase(name, pattern)


def tags_match(tags: Iterable[str] | None, wanted: Iterable[str] | None) -> bool:
    """True when every wanted tag is among tags (case-insensitive)."""
    have = {t.lower() for t in tags or ()}
    return all(t.lower() in have for t in wanted or ())


def vm_matches(
    record: VmRecord,
    name: str | None = None,
    status: str | Iterable[str] | None = None,
    node: str | None = None,
    cluster: str | None = None,
    tags: Iterable[str] | None = None,
    include_templates: bool = False,
) -> bool:
    """The VM filters (pureboot_vm_info and the inventory), applied to a record."""
    if record['template'] and not include_templates:
        return False
    if not name_matches(record['name'], name):
        return False
    if status and record['status'] not in ([status] if isinstance(status, str) else status):
        return False
    if node and record['node'] != node:
        return False
    if cluster and record['cluster'] != cluster:
        return False
    return tags_match(record['tags'], tags)


def describe_vm(name: str | None = None, vm_id: object = None) -> str:
    """How every message names a VM: VM 'web-1' (id 104), VM 'web-1', VM 104, or VM when nothing is known."""
    if name and vm_id not in (None, ''):
        return "VM '{0}' (id {1})".format(name, vm_id)
    if name:
        return "VM '{0}'".format(name)
    if vm_id not in (None, ''):
        return 'VM {0}'.format(vm_id)
    return 'VM'
