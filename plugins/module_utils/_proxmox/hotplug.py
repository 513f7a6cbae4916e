# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Which hardware changes a running Proxmox VE VM takes only at its next start. Pure functions.

PVE writes a running VM's changes to its pending config and then applies at once what it can hotplug (qemu-server
PVE/API2/Qemu.pm update_vm_api calls PVE/QemuServer.pm vmconfig_hotplug_pending); what it cannot stays pending until
the VM starts again. What it can depends on the VM's `hotplug` features, read from the config the VM runs with
(parse_hotplug_features: '0' none, '1' or no key network, disk and usb). For the changes this collection writes:

- networks: with the `network` feature every NIC change, a new NIC and a removed one apply at once. Without it, a NIC
  that keeps its model, MAC, queues and mtu and has a bridge before and after takes a new bridge or VLAN tag at once
  (vmconfig_update_net); any other change, a new NIC and a removed one wait;
- memory_mb: at once only with the `memory` feature (qemu_memory_hotplug plugs or unplugs DIMMs; PVE starts such a
  VM only with NUMA on, so a running one has it);
- disks: a disk grows at once (resize_vm); an added disk is plugged at once only with the `disk` feature and on a bus
  other than ide and sata (vmconfig_update_disk);
- cpu_cores and cpu_sockets (cores, sockets), cpu_type (cpu), firmware (bios), boot_order (boot), os_type (ostype):
  never hotplugged, whatever the features (vmconfig_hotplug_pending's "skip" for any other key);
- start_on_boot, description and tags (onboot, description, tags): at once ($fast_plug_option).

With the `memory` feature a VM's memory is a fixed part plus DIMMs (PVE/QemuServer/Memory.pm foreach_dimm): PVE
plugs DIMMs until the memory reaches the size asked for and stores the size reached, and starts such a VM only when
the size is one the DIMMs reach exactly (Memory.pm config: "memory size (N) must be aligned to 512 for
hotplugging"). memory_steps() gives the sizes around one that is not, which the driver refuses before any write.
"""

from __future__ import annotations

import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.changes import net_value
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.config import NET_MODELS, _split_props

# qemu-server's hotplug features, and what '1' (or no `hotplug` key) means: $confdesc's default for `hotplug`.
HOTPLUG_FEATURES = ('network', 'disk', 'cpu', 'memory', 'usb', 'cloudinit')
DEFAULT_FEATURES = frozenset(('network', 'disk', 'usb'))
# The record keys whose waiting depends on the features or on the change; the other cold keys always wait.
DECIDED_HERE = ('networks', 'memory_mb', 'disks')
# Memory.pm: $STATICMEM, the memory a VM with memory hotplug starts with before any DIMM; foreach_dimm's groups:
# 8 groups of 32 DIMMs, the DIMM size doubling from one group to the next.
STATIC_MEMORY = 1024
DIMM_GROUPS, DIMMS_PER_GROUP = 8, 32


def hotplug_features(value):
    """parse_hotplug_features of a VM's `hotplug` (None: no key, which PVE reads as '1')."""
    text = '1' if value is None else str(value)
    if text == '0':
        return frozenset()
    if text == '1':
        return DEFAULT_FEATURES
    # PVE::Tools::split_list: commas, semicolons and whitespace.
    return frozenset(word for word in re.split(r'[\s,;]+', text) if word in HOTPLUG_FEATURES)


def _net_fields(value):
    """The options of a netN value as PVE parses them, the `<model>=<MAC>` pair as model and macaddr."""
    fields = {}
    for key, val in _split_props(value):
        if key in NET_MODELS:
            fields['model'], fields['macaddr'] = key, val
        else:
            fields[key] = val
    return fields


def nic_change_is_live(old, new):
    """Whether PVE applies netN's new value at once without the network feature (vmconfig_update_net): the same
    model, MAC, queues and mtu, and a bridge before and after; a bridge, tag, trunks, firewall, rate or link_down
    change then applies to the running NIC. A value without a MAC is a new MAC: PVE makes a random one (parse_net)."""
    before, after = _net_fields(old), _net_fields(new)
    if not before.get('macaddr') or not after.get('macaddr'):
        return False
    if any(before.get(key) != after.get(key) for key in ('model', 'macaddr', 'queues', 'mtu')):
        return False
    return bool(before.get('bridge')) and bool(after.get('bridge'))


def nics_wait(running, config, change, features):
    """Whether the `networks` change waits for the next start. running: the config the VM runs with (no pending
    change); config: with its pending changes applied, what the write is made from (changes.py config_params)."""
    if 'network' in features:
        return False
    for nic in change['after']:
        key = nic.get('name')
        if key is None or running.get(key) is None:
            return True  # a new NIC (or one only pending so far): plugged only with the network feature
        if not nic_change_is_live(running[key], net_value(config, key, nic)):
            return True
    # A NIC removed from the running VM is unplugged only with the network feature.
    return any(nic.get('name') in running for nic in change['before'][len(change['after']) :])


def disks_wait(change, features):
    """Whether the `disks` change waits: an added disk without the disk feature, or on ide or sata."""
    return any('disk' not in features or disk.get('interface') in ('ide', 'sata') for disk in change.get('add') or ())


def qemu_runs(vm):
    """Whether the VM (a record) has a QEMU process, which is what PVE looks at (check_running): a paused VM
    counts as running."""
    return vm.get('status') in ('running', 'paused')


def waiting_changes(running, config, changes, cold_keys):
    """The keys of changes (diff_hardware's, not yet written) a running VM takes only at its next start, sorted.
    running: the config it runs with, without pending changes; config: with them, what the write is made from;
    cold_keys: the keys that always wait (the driver's COLD_KEYS), of which networks and memory_mb are decided here."""
    features = hotplug_features(running.get('hotplug'))
    waiting = {key for key in changes if key in cold_keys and key not in DECIDED_HERE}
    if 'memory_mb' in changes and 'memory' not in features:
        waiting.add('memory_mb')
    if 'networks' in changes and nics_wait(running, config, changes['networks'], features):
        waiting.add('networks')
    if 'disks' in changes and disks_wait(changes['disks'], features):
        waiting.add('disks')
    return sorted(waiting)


def memory_steps(memory, config):
    """None when a VM with config can have memory MiB (no memory hotplug, or a size its DIMMs reach exactly); else
    (lower, upper), the sizes either side it can have (lower None below the least). Memory.pm foreach_dimm: the
    static part is 1024 MiB (times the sockets with 1 GiB hugepages) and the DIMMs 512 MiB (1024 with 1 GiB
    hugepages), doubling after every 32."""
    if 'memory' not in hotplug_features(config.get('hotplug')):
        return None
    gib_pages = str(config.get('hugepages')) == '1024'
    size = STATIC_MEMORY * (int(config.get('sockets') or 1) if gib_pages else 1)
    dimm = 1024 if gib_pages else 512
    lower = None
    for _group in range(DIMM_GROUPS):
        for _index in range(DIMMS_PER_GROUP):
            if size == memory:
                return None
            if size > memory:
                return lower, size
            lower = size
            size += dimm
        dimm *= 2
    return None if size == memory else (lower, None)
