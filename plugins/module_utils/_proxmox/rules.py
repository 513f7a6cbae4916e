# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Rules a real Proxmox VE enforces that the collection keeps itself, so a request PVE would refuse fails first in
one line, before anything is written. Each cites the PVE source it follows. Pure functions."""

from __future__ import annotations

import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError

# qemu-server: $MAX_NETS = 32, the slots net0 .. net31 (and ipconfig0 .. ipconfig31 with them).
MAX_NETS = 32
# pve-common PVE/JSONSchema.pm, format 'dns-name' of a VM's name: dot-separated labels of letters, digits and
# '-', neither starting nor ending with '-'.
DNS_LABEL = r'[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?'
DNS_NAME = re.compile(r'^(?:{0}\.)*{0}$'.format(DNS_LABEL))
# pve-common PVE/JSONSchema.pm parse_boolean: the words a boolean property takes.
TRUE_WORDS = ('1', 'on', 'yes', 'true')


def stored_description(text):
    """A description as PVE stores it: comment lines of the config file, read back with the trailing whitespace
    (Perl's \\s) stripped (qemu-server write_vm_config / parse_vm_config)."""
    return re.sub(r'[ \t\n\r\f\v]+\Z', '', str(text or ''))


def agent_enabled(value):
    """Whether an `agent` config value enables the guest agent: its `enabled` key (the default key, so given bare
    or as enabled=...) with any of PVE's true words (qemu-server's agent format, pve-common parse_property_string
    and parse_boolean): '1', 'on', 'enabled=yes', 'fstrim_cloned_disks=1,enabled=true' ..."""
    for part in str(value if value is not None else '').split(','):
        key, sep, item = part.partition('=')
        if not sep:
            key, item = 'enabled', part
        if key.strip() == 'enabled':
            return item.strip().lower() in TRUE_WORDS
    return False


def check_vm_name(name, hypervisor, subject):
    """A new VM's name must be a DNS name (the `name` parameter's format in qemu-server)."""
    if name and not DNS_NAME.match(str(name)):
        raise InvalidInputError(
            "name '{0}' is not a DNS name, which Proxmox VE wants for VM names: letters, digits "
            "and '-' in dot-separated labels, no label starting or ending with '-'".format(name),
            hypervisor=hypervisor,
            subject=subject,
        )


def check_nic_count(networks, hypervisor, subject):
    if networks is not None and len(networks) > MAX_NETS:
        raise InvalidInputError(
            'networks has {0} NICs; a Proxmox VE VM has at most {1} (net0 to net{2})'.format(len(networks), MAX_NETS, MAX_NETS - 1),
            hypervisor=hypervisor,
            subject=subject,
        )


def check_ip_config_fits(entries, nic_keys, hypervisor, subject):
    """ip_config entry i configures the VM's i-th NIC in the order of its slots (netN, written as ipconfigN): PVE's
    cloud-init reads ipconfigN for netN only (qemu-server QemuServer/Cloudinit.pm), so entries beyond the NICs
    would be stored and never applied."""
    if entries is not None and len(entries) > len(nic_keys):
        raise InvalidInputError(
            'cloud_init: ip_config has {0} entries and the VM has {1} NIC(s) ({2}); each entry configures one NIC, in the order of their slots'.format(
                len(entries), len(nic_keys), ', '.join(nic_keys) or 'none'
            ),
            hypervisor=hypervisor,
            subject=subject,
        )


def local_disks(config, shared_storages):
    """[(config key, storage)] of the disks and CD-ROM images of config on a storage not in shared_storages: what
    keeps PVE from cloning the VM to another node (qemu-server API2/Qemu.pm clone_vm,
    $check_storage_access_clone)."""
    found = []
    for key in sorted(config):
        if not re.match(r'^(ide|sata|scsi|virtio|efidisk|tpmstate)\d+$', key):
            continue
        volume = str(config[key]).split(',', maxsplit=1)[0]
        if volume in ('', 'none', 'cdrom') or ':' not in volume:
            continue
        storage = volume.split(':', 1)[0]
        if storage not in shared_storages:
            found.append((key, storage))
    return found
