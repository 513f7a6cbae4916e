# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A Proxmox VE VM's config, read and written: the net<N>, boot, smbios1 and tag strings of GET/PUT
/nodes/{node}/qemu/{vmid}/config, its memory, and a new NIC's MAC. Pure functions."""

from __future__ import annotations

import random
import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import nic_record, normalize_mac

# Proxmox's own OUI, used for the MACs of NICs this driver adds.
PROXMOX_OUI = 'bc:24:11'
NET_MODELS = (
    'virtio',
    'e1000',
    'e1000e',
    'rtl8139',
    'vmxnet3',
    'i82551',
    'i82557b',
    'i82559er',
    'ne2k_isa',
    'ne2k_pci',
    'pcnet',
    'e1000-82540em',
    'e1000-82544gc',
    'e1000-82545em',
)
DISK_PREFIXES = ('scsi', 'virtio', 'sata', 'ide')
BOOT_LETTERS = {'c': 'disk', 'd': 'cdrom', 'n': 'network'}


def _split_props(value):
    """'virtio=BC:..,bridge=vmbr0,tag=5' -> [('virtio', 'BC:..'), ('bridge', 'vmbr0'), ('tag', '5')]."""
    pairs = []
    for part in str(value or '').split(','):
        if part:
            key, val = part.split('=', 1) if '=' in part else (part, '')
            pairs.append((key, val))
    return pairs


def parse_net(name, value):
    """A netN config value as a NIC record, plus the options this driver does not manage (firewall, ...)."""
    model = mac = bridge = vlan = None
    other = []
    for key, val in _split_props(value):
        if key in NET_MODELS:
            model, mac = key, val or None
        elif key == 'model':
            model = val
        elif key == 'macaddr':
            mac = val
        elif key == 'bridge':
            bridge = val
        elif key == 'tag':
            vlan = val
        else:
            other.append((key, val))
    return nic_record(name, mac=mac, network=bridge, model=model, vlan=vlan), other


def format_net(nic, other=()):
    """A NIC record (plus unmanaged options) as a netN config value."""
    mac = normalize_mac(nic.get('mac'))
    parts = ['{0}={1}'.format(nic.get('model') or 'virtio', mac.upper() if mac else '')]
    if nic.get('network'):
        parts.append('bridge={0}'.format(nic['network']))
    if nic.get('vlan') is not None:
        parts.append('tag={0}'.format(int(nic['vlan'])))
    parts.extend('{0}={1}'.format(k, v) if v else k for k, v in other)
    return ','.join(parts)


def _natural(key):
    found = re.match(r'^(\D+)(\d+)$', key)
    return (found.group(1), int(found.group(2))) if found else (key, 0)


def _is_cdrom(value):
    return 'media=cdrom' in str(value) or str(value).split(',', maxsplit=1)[0] in ('cdrom', 'none')


def boot_devices(config):
    """{'network': 'net0', 'disk': 'scsi0', 'cdrom': 'ide2'}: the first device of each kind in the config."""
    found = {}
    for key in sorted(config, key=_natural):
        if re.match(r'^net\d+$', key):
            found.setdefault('network', key)
        elif re.match(r'^(scsi|virtio|sata|ide)\d+$', key):
            found.setdefault('cdrom' if _is_cdrom(config[key]) else 'disk', key)
    return found


def parse_boot_order(config):
    """The boot order as a list of network/disk/cdrom, from 'order=scsi0;net0' or the legacy 'cdn'."""
    boot = str(config.get('boot') or '')
    order = []
    if boot.startswith('order=') or '=' in boot:
        for key, val in _split_props(boot):
            if key != 'order':
                continue
            for device in val.split(';'):
                if re.match(r'^net\d+$', device):
                    kind = 'network'
                elif device in config:
                    kind = 'cdrom' if _is_cdrom(config[device]) else 'disk'
                else:
                    continue
                if kind not in order:
                    order.append(kind)
    elif boot:
        for letter in boot:
            kind = BOOT_LETTERS.get(letter)
            if kind and kind not in order:
                order.append(kind)
    else:
        # PVE's default when nothing is set: the first disk, the first CD-ROM, the first NIC.
        devices = boot_devices(config)
        order = [kind for kind in ('disk', 'cdrom', 'network') if kind in devices]
    return order


def _smbios_uuid(config):
    for key, val in _split_props(config.get('smbios1')):
        if key == 'uuid':
            return val.lower()
    return None


def _tags(text):
    return [t for t in re.split(r'[;, ]+', str(text or '')) if t]


def _status(resource_status, lock=None, qmpstatus=None):
    if lock == 'suspended':
        return 'suspended'
    if lock:
        return 'locked'
    if qmpstatus == 'paused':
        return 'paused'
    if resource_status in ('running', 'stopped'):
        return resource_status
    return 'unknown'


def _node_of_path(path):
    found = re.match(r'^nodes/([^/]+)', path)
    return found.group(1) if found else None


def _memory_mb(config):
    """Memory in MiB; PVE sends it as a string, older releases as 'current=N'."""
    return int(str(config.get('memory', 512)).rsplit('=', maxsplit=1)[-1])


def _new_mac():
    return '{0}:{1:02x}:{2:02x}:{3:02x}'.format(PROXMOX_OUI, random.randint(0, 255), random.randint(0, 255), random.randint(0, 255))
