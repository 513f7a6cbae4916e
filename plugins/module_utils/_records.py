# -*- coding: utf-8 -*-
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The normalised VM and template records (docs/modules.md): the same keys for every hypervisor type."""

from __future__ import annotations

import fnmatch
import re

VM_STATUSES = ('running', 'stopped', 'paused', 'suspended', 'starting', 'stopping', 'locked', 'unknown')
BOOT_DEVICES = ('network', 'disk', 'cdrom')
FIRMWARES = ('bios', 'uefi')
# How a VM is made from its template: a full copy of the disks, or disks backed by the template's.
CLONE_MODES = ('full', 'linked')
# A hypervisor host's (Proxmox node's, oVirt host's) status, the same words for every type.
HOST_STATUSES = ('online', 'offline', 'maintenance', 'unknown')

# The buses a VM disk can be on (disks[].interface); each type lists the ones it has (DISK_INTERFACES).
DISK_INTERFACES = ('virtio', 'scsi', 'sata', 'ide')

VM_KEYS = ('id', 'name', 'hypervisor', 'hypervisor_type', 'status', 'node', 'cluster', 'cpu_cores', 'memory_mb',
           'nics', 'disks', 'ip_addresses', 'uuid', 'template', 'boot_order', 'firmware', 'os_type', 'cpu_sockets',
           'cpu_type', 'start_on_boot', 'tags', 'description')
TEMPLATE_KEYS = ('id', 'name', 'os_type', 'cpu_cores', 'memory_mb', 'disk_gb', 'node', 'cluster', 'description',
                 'hypervisor')
# What HypervisorDriver.connect() answers, the same for every type.
SERVER_KEYS = ('version', 'product')

_MAC = re.compile(r'^([0-9A-Fa-f]{2})([:-]?)([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})\2([0-9A-Fa-f]{2})$')


def normalize_mac(mac):
    """A MAC as the collection shows it everywhere (lowercase, colon-separated), or None when it is not a MAC."""
    if not mac:
        return None
    found = _MAC.match(str(mac).strip())
    if not found:
        return None
    return ':'.join(found.group(i) for i in (1, 3, 4, 5, 6, 7)).lower()


def vm_record(**fields):
    """A VM record with every key of VM_KEYS (missing ones None, lists empty); unknown keys are refused."""
    unknown = set(fields) - set(VM_KEYS)
    if unknown:
        raise KeyError('unknown VM record keys: {0}'.format(', '.join(sorted(unknown))))
    record = dict((key, fields.get(key)) for key in VM_KEYS)
    for key in ('nics', 'disks', 'ip_addresses', 'boot_order', 'tags'):
        record[key] = list(record[key] or [])
    # Tags are compared case-insensitively and Proxmox VE keeps them lowercase: every type returns them so.
    record['tags'] = sorted(set(str(tag).lower() for tag in record['tags']))
    record['template'] = bool(record['template'])
    if record['status'] not in VM_STATUSES:
        record['status'] = 'unknown'
    return record


def host_record(name, status):
    """One host of HypervisorDriver.facts(): its name and a status of HOST_STATUSES (else 'unknown')."""
    return {'name': name, 'status': status if status in HOST_STATUSES else 'unknown'}


def nic_record(name, mac=None, network=None, model=None, vlan=None):
    """One NIC of a VM record."""
    return {'name': name, 'mac': normalize_mac(mac), 'network': network, 'model': model,
            'vlan': int(vlan) if vlan not in (None, '') else None}


def disk_record(name, size_gb, storage=None, interface=None):
    """One disk of a VM record, in bus order (the first is the boot disk): its name as the type calls it (Proxmox
    scsi0, libvirt vda, an oVirt disk's name), its size in whole GiB (rounded up), its storage and its bus."""
    return {'name': name, 'size_gb': int(size_gb) if size_gb is not None else None, 'storage': storage,
            'interface': interface}


def template_record(**fields):
    """A template record with every key of TEMPLATE_KEYS."""
    unknown = set(fields) - set(TEMPLATE_KEYS)
    if unknown:
        raise KeyError('unknown template record keys: {0}'.format(', '.join(sorted(unknown))))
    return dict((key, fields.get(key)) for key in TEMPLATE_KEYS)


def server_record(**fields):
    """A connect() answer with every key of SERVER_KEYS."""
    unknown = set(fields) - set(SERVER_KEYS)
    if unknown:
        raise KeyError('unknown server record keys: {0}'.format(', '.join(sorted(unknown))))
    return dict((key, fields.get(key)) for key in SERVER_KEYS)


def name_matches(name, pattern):
    """True when pattern is None, equals name, or is a glob matching it (case-sensitive, as hypervisors are)."""
    if pattern is None:
        return True
    if name is None:
        return False
    return name == pattern or fnmatch.fnmatchcase(name, pattern)


def tags_match(tags, wanted):
    """True when every wanted tag is among tags (case-insensitive)."""
    have = set(t.lower() for t in tags or ())
    return all(t.lower() in have for t in wanted or ())


def vm_matches(record, name=None, status=None, node=None, cluster=None, tags=None, include_templates=False):
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


def describe_vm(name=None, vm_id=None):
    """How every message names a VM: VM 'web-1' (id 104), VM 'web-1', VM 104, or VM when nothing is known."""
    if name and vm_id not in (None, ''):
        return "VM '{0}' (id {1})".format(name, vm_id)
    if name:
        return "VM '{0}'".format(name)
    if vm_id not in (None, ''):
        return 'VM {0}'.format(vm_id)
    return 'VM'
