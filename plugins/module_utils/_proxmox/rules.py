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


# qemu-server PVE/QemuServer/CPUConfig.pm: the built-in CPU models a VM's `cpu` may name ($cpu_vendor_list and the
# x86-64-v* models); any other needs the `custom-` prefix of a model defined in /etc/pve/virtual-guest/cpu-models.conf,
# which the API cannot list to this collection, so such a name is passed on as given.
CPU_MODELS = frozenset(
    (
        '486',
        'Broadwell',
        'Broadwell-IBRS',
        'Broadwell-noTSX',
        'Broadwell-noTSX-IBRS',
        'Cascadelake-Server',
        'Cascadelake-Server-noTSX',
        'Conroe',
        'EPYC',
        'EPYC-IBPB',
        'EPYC-Milan',
        'EPYC-Rome',
        'Haswell',
        'Haswell-IBRS',
        'Haswell-noTSX',
        'Haswell-noTSX-IBRS',
        'Icelake-Client',
        'Icelake-Client-noTSX',
        'Icelake-Server',
        'Icelake-Server-noTSX',
        'IvyBridge',
        'IvyBridge-IBRS',
        'KnightsMill',
        'Nehalem',
        'Nehalem-IBRS',
        'Opteron_G1',
        'Opteron_G2',
        'Opteron_G3',
        'Opteron_G4',
        'Opteron_G5',
        'Penryn',
        'SandyBridge',
        'SandyBridge-IBRS',
        'Skylake-Client',
        'Skylake-Client-IBRS',
        'Skylake-Client-noTSX-IBRS',
        'Skylake-Server',
        'Skylake-Server-IBRS',
        'Skylake-Server-noTSX-IBRS',
        'Westmere',
        'Westmere-IBRS',
        'athlon',
        'core2duo',
        'coreduo',
        'host',
        'kvm32',
        'kvm64',
        'max',
        'pentium',
        'pentium2',
        'pentium3',
        'phenom',
        'qemu32',
        'qemu64',
        'x86-64-v2',
        'x86-64-v2-AES',
        'x86-64-v3',
        'x86-64-v4',
    )
)
CUSTOM_CPU = re.compile(r'^custom-[A-Za-z0-9_.-]{1,64}$')
# qemu-server's `ostype` enum (PVE/QemuServer.pm $confdesc).
OS_TYPES = ('other', 'wxp', 'w2k', 'w2k3', 'w2k8', 'wvista', 'win7', 'win8', 'win10', 'win11', 'l24', 'l26', 'solaris')


def check_cpu_and_os(spec, os_words, hypervisor, subject):
    """cpu_type must be a CPU model PVE knows (or custom-<name>), os_type a family of os_words or PVE's own ostype:
    refused in one line before any write (PVE would refuse the config write; a comma would add properties to it)."""
    cpu_type = spec.get('cpu_type')
    if cpu_type is not None and cpu_type not in CPU_MODELS and not CUSTOM_CPU.match(str(cpu_type)):
        raise InvalidInputError(
            "cpu_type '{0}' is no CPU model of Proxmox VE: give host, one of its built-in models (e.g. x86-64-v2-AES, "
            'kvm64) or custom-<name> for a model defined on the cluster'.format(cpu_type),
            hypervisor=hypervisor,
            subject=subject,
        )
    os_type = spec.get('os_type')
    if os_type is not None and os_type not in os_words and os_type not in OS_TYPES:
        raise InvalidInputError(
            "os_type '{0}' must be one of {1}, or Proxmox VE's own ostype: {2}".format(os_type, ', '.join(sorted(os_words)), ', '.join(OS_TYPES)),
            hypervisor=hypervisor,
            subject=subject,
        )
