"""fakepve with what a real Proxmox VE changes on a running VM at once (hotplug), each rule from the PVE source it
follows (qemu-server 9.2.6).

fakepve keeps every change of a running VM pending except a few keys (name, description, onboot, tags, protection,
startup, agent, hookscript, and a CD-ROM's medium). A real PVE writes a running VM's changes to [PENDING] too, but
then applies at once what it can (qemu-server PVE/API2/Qemu.pm update_vm_api calls vmconfig_hotplug_pending of
PVE/QemuServer.pm for a running VM, vmconfig_apply_pending for a stopped one). HotplugPve, a mixin for a FakePve,
runs after fakepve's own config write (PUT and POST .../config) and, when the VM runs, moves into the config each
pending change PVE would apply at once; what PVE skips stays pending until the next start:

0. a pending change equal to the config, or a pending delete of a key the config lacks, is dropped: it changes
   nothing (update_vm_api calls cleanup_pending before it hotplugs);
1. the "fast plug" options go into the config at once, every pending one and not only this request's: description,
   hookscript, lock, migrate_downtime, migrate_speed, name, onboot, protection, shares, startup, tags,
   vmstatestorage and the cloud-init options (citype, ciuser, cipassword, ciupgrade, cicustom, searchdomain,
   nameserver, sshkeys, ipconfig0..31) ($fast_plug_option, with every key of $confdesc_cloudinit);
2. the hotplug features are those of the VM's ``hotplug`` as it runs (not a pending one): '0' none, '1' or no key
   network, disk and usb (parse_hotplug_features, called with `$conf->{hotplug} // '1'`; $confdesc's default);
3. of the other keys, only those this request sets or deletes ($selection, the request's $modified) are looked at;
   a key set:
   - ``netN`` (vmconfig_update_net): a NIC that has a bridge before and after, with the same model, MAC, queues and
     mtu, takes a new bridge, tag, trunks, firewall, rate or link_down at once, with or without the network
     feature; any other change (model, MAC, queues, mtu) and a new NIC need the ``network`` feature. A value
     without a MAC counts as a new MAC: PVE gives it a random one (update_vm_api: parse_net, print_net);
   - a drive (ide, sata, scsi, virtio; vmconfig_update_disk): efidisk0 and tpmstate0 stay pending; a CD-ROM (or
     cloud-init drive) that was one takes its new medium at once; a disk whose volume changes needs ``disk``; a
     disk whose volume stays takes a change at once unless one of aio, discard, iothread, queues, product, cache,
     ssd, vendor, ro changes; a new drive needs ``disk`` and a bus other than ide and sata;
   - ``memory`` needs the ``memory`` feature, and then (PVE/QemuServer/Memory.pm qemu_memory_hotplug) refuses less
     than the static 1024 MiB (times the sockets with 1 GiB hugepages) and plugs or unplugs DIMMs of 512 MiB (1 GiB
     with 1 GiB hugepages; each size for 32 DIMMs, then doubled), so the memory stored is the DIMM total reached:
     up to the first total at or above the new size, down while above it (foreach_dimm);
   - ``balloon`` at once unless ballooning is switched on or off (0 is off, no key is on);
   - ``vcpus`` needs ``cpu``; ``cpuunits`` and ``cpulimit`` at once (cgroup changes);
   - ``agent`` (vmconfig_update_agent): at once only when the VM has a true ``agent`` and nothing but
     fstrim_cloned_disks changes (PVE/QemuServer/Agent.pm parse_guest_agent: a disabled agent has no options).
     fakepve applies ``agent`` at once always; HotplugPve puts such a change back to pending;
   - ``tablet`` needs ``usb``; ``usbN`` needs ``usb`` and an ostype l26 or Windows above 7 (QEMU 7.1 or newer, as
     fakepve's QEMU 10 is, with no older ``machine`` pinned);
   - ``hotplug`` itself at once unless the old or the new value has memory or cpu;
   - any other key (cores, sockets, cpu, bios, boot, ostype, machine, scsihw, numa, ...) stays pending ("skip");
4. a key deleted, likewise: ``netN`` needs ``network``; a drive needs ``disk`` and not efidisk, ide, sata nor
   tpmstate; ``memory`` needs ``memory``; ``vcpus`` needs ``cpu``; ``balloon`` unless it was 0; ``tablet`` and
   ``usbN`` as above; ``hotplug`` unless it holds cpu or memory; the fast plug options, ``cpuunits`` and
   ``cpulimit`` at once; any other delete stays pending.

A refusal (memory below the static memory, a drive's media type changed: "unable to change media type") leaves the
key pending and answers 400 "Parameter verification failed." with "hotplug problem - ..." for it, after the rest is
written (update_vm_api's raise_param_exc($errors)).

5. a start of a VM whose ``hotplug`` (pending changes applied, as vm_start applies them first) has memory and whose
   ``numa`` is not on fails inside its task: "NUMA needs to be enabled for memory hotplug" (qemu-server vm_start ->
   config_to_command -> PVE/QemuServer/Memory.pm config). A test that seeds such a running VM still makes one no
   real PVE runs.

Not modelled: the other hotplug errors (memory above the host's maximum, a DIMM the guest does not
give back, a vCPU count beyond cores times sockets), and the unusedN entry of a detached or replaced disk (fakepve
drops the old volume from the config, stopped VMs alike).
"""

import re

from fakepve.model import PveError, TaskError
from fakepve.qemu import DRIVE_KEY, split_drive
from fakepve.schema import parse_boolean

from .rules import current_memory

# update_vm_api's parameters that are no config keys.
NOT_CONFIG = ('digest', 'delete', 'skiplock', 'force', 'revert', 'background_delay', 'node', 'vmid')
CLOUD_INIT_OPTIONS = ('citype', 'ciuser', 'cipassword', 'ciupgrade', 'cicustom', 'searchdomain', 'nameserver', 'sshkeys')
FAST_PLUG = frozenset(
    ('description', 'hookscript', 'lock', 'migrate_downtime', 'migrate_speed', 'name', 'onboot', 'protection', 'shares', 'startup', 'tags', 'vmstatestorage')
    + CLOUD_INIT_OPTIONS
    + tuple('ipconfig{0}'.format(n) for n in range(32))
)
# parse_hotplug_features: the words, and what '1' (or no key) means.
HOTPLUG_WORDS = ('network', 'disk', 'cpu', 'memory', 'usb', 'cloudinit')
DEFAULT_HOTPLUG = 'network,disk,usb'
# vmconfig_update_disk: a change of one of these on a disk that keeps its volume waits for the next start.
DISK_COLD_OPTIONS = ('aio', 'discard', 'iothread', 'queues', 'product', 'cache', 'ssd', 'vendor', 'ro')
# PVE::QemuServer::Memory: $STATICMEM, the memory not made of DIMMs, and the first DIMM size.
STATIC_MEMORY = 1024
DIMM_SIZE = 512
# The agent format's boolean keys, and its aliases (PVE/QemuServer/Agent.pm $agent_fmt).
AGENT_BOOLEANS = ('enabled', 'fstrim_cloned_disks', 'freeze-fs')
AGENT_ALIASES = {'freeze-fs-on-backup': 'freeze-fs', 'guest-fsfreeze': 'freeze-fs'}
NET_MODELS = (
    'e1000',
    'e1000-82540em',
    'e1000-82544gc',
    'e1000-82545em',
    'e1000e',
    'i82551',
    'i82557b',
    'i82559er',
    'ne2k_isa',
    'ne2k_pci',
    'pcnet',
    'rtl8139',
    'virtio',
    'vmxnet3',
)
# What hotplug_value() answers for a change PVE leaves pending (its `die "skip\n"`).
SKIP = object()


def perl_true(value):
    """Perl's truth of a config value: no key, '' and '0' are false."""
    return value is not None and str(value) not in ('', '0')


def hotplug_features(value):
    """parse_hotplug_features of the VM's ``hotplug`` (None: no key, PVE passes '1')."""
    text = '1' if value is None else str(value)
    if text == '0':
        return frozenset()
    if text == '1':
        text = DEFAULT_HOTPLUG
    return frozenset(word for word in re.split(r'[\s,;]+', text) if word in HOTPLUG_WORDS)


def parse_net(value):
    """The fields of a netN value vmconfig_update_net compares: model, macaddr and the other options."""
    fields = {}
    for part in str(value).split(','):
        key, eq, val = part.partition('=')
        if key in NET_MODELS:
            fields['model'], fields['macaddr'] = key, val or None
        elif eq:
            fields[key] = val
    return fields


def net_change_is_live(old, new, features):
    """vmconfig_update_net: whether PVE applies netN's new value at once (old None: a new NIC)."""
    if 'network' in features:
        return True
    if old is None:
        return False
    before, after = parse_net(old), parse_net(new)
    # No MAC: PVE's parse_net makes a random one, so it differs.
    if not before.get('macaddr') or not after.get('macaddr'):
        return False
    for key in ('model', 'macaddr', 'queues', 'mtu'):
        if before.get(key) != after.get(key):
            return False
    return bool(before.get('bridge')) and bool(after.get('bridge'))


def _drive(value):
    """(volume, options, media) of a drive value; 'none' and 'cdrom', and a cloud-init volume, are CD-ROMs (PVE
    gives them media=cdrom: cleanup_drive_path, create_disks)."""
    volume, props = split_drive(value)
    media = props.get('media')
    if media is None:
        media = 'cdrom' if volume in ('none', 'cdrom') or is_cloud_init(volume) else 'disk'
    return volume, props, media


def is_cloud_init(volume):
    """drive_is_cloudinit (PVE/QemuServer/Drive.pm): the volume is <storage>:cloudinit or vm-<id>-cloudinit."""
    return bool(re.search(r'[:/](?:vm-\d+-)?cloudinit(?:\.(?:raw|qcow2|vmdk))?$', volume or ''))


def drive_change_is_live(key, old, new, features):
    """vmconfig_update_disk (and the efidisk0/tpmstate0 rule before it): whether PVE applies the drive at once;
    ValueError for a change PVE refuses."""
    if key in ('efidisk0', 'tpmstate0'):
        return False
    if old is not None:
        old_volume, old_props, old_media = _drive(old)
        volume, props, media = _drive(new)
        if media != old_media:
            raise ValueError('unable to change media type')
        if old_media == 'cdrom':
            return True  # a new medium (change_medium), whatever the hotplug features
        if volume != old_volume:
            return 'disk' in features
        return all(props.get(option) == old_props.get(option) for option in DISK_COLD_OPTIONS)
    return 'disk' in features and not re.match(r'^(ide|sata)\d+$', key)


def parse_agent(value):
    """parse_guest_agent: {key: value} with booleans as '1'/'0' and aliases resolved; {} when disabled."""
    if value is None:
        return {}
    found = {}
    for index, part in enumerate(str(value).split(',')):
        key, eq, val = part.partition('=')
        if not eq:
            if index or not part:
                continue
            key, val = 'enabled', part
        key = AGENT_ALIASES.get(key, key)
        found[key] = (parse_boolean(val) or val) if key in AGENT_BOOLEANS else val
    return found if found.get('enabled') == '1' else {}


def agent_change_is_live(old, new):
    """vmconfig_update_agent: only with a true agent before, and no change but fstrim_cloned_disks."""
    if not perl_true(old):
        return False
    before, after = parse_agent(old), parse_agent(new)
    return all(before.get(key) == after.get(key) for key in set(before) | set(after) if key != 'fstrim_cloned_disks')


def usb_hotplug(config, features):
    """$is_usb_hotplug_supported: usb, QEMU 7.1 or newer (fakepve's 10, unless an older machine is pinned) and an
    ostype l26 or Windows above 7 (PVE/QemuServer/Helpers.pm windows_version)."""
    pinned = re.search(r'-(\d+)\.(\d+)', str(config.get('machine') or ''))
    if pinned and (int(pinned.group(1)), int(pinned.group(2))) < (7, 1):
        return False
    ostype = str(config.get('ostype') or '')
    windows = re.match(r'^win(\d+)$', ostype)
    return 'usb' in features and (ostype == 'l26' or bool(windows and int(windows.group(1)) > 7))


def dimm_sizes(config):
    """The static memory and the DIMM sizes of foreach_dimm, in plug order."""
    huge = str(config.get('hugepages') or '') == '1024'
    static = STATIC_MEMORY * (int(config.get('sockets') or 1) if huge else 1)
    size = 1024 if huge else DIMM_SIZE
    sizes = []
    for _round in range(8):
        sizes.extend([size] * 32)
        size *= 2
    return static, sizes


def hotplugged_memory(config, new):
    """qemu_memory_hotplug: the memory stored after plugging or unplugging DIMMs (as PVE prints it: a number), or
    ValueError for a size PVE refuses."""
    old, value = current_memory(config.get('memory')), current_memory(new)
    if value == old:
        return new
    static, sizes = dimm_sizes(config)
    if value < static:
        raise ValueError("memory can't be lower than {0} MB".format(static))
    # The DIMMs the running VM has: those foreach_dimm plugged up to its memory.
    plugged, total = [], static
    for size in sizes:
        if total >= old:
            break
        total += size
        plugged.append(size)
    if value > old:
        for size in sizes[len(plugged) :]:
            if total >= value:
                break
            total += size
        return str(total)
    current = old
    while plugged and current > value:
        current -= plugged.pop()
    return str(current)


def hotplug_value(key, old, new, config, features):
    """What PVE stores for key at once on a running VM (old: the value it runs with, None if none): new, the memory
    the DIMMs reach, or SKIP when it stays pending; ValueError for a change PVE refuses."""
    if key == 'hotplug':
        live = not any(word in str(value or '') for value in (new, old) for word in ('memory', 'cpu'))
    elif key == 'tablet':
        live = 'usb' in features
    elif re.match(r'^usb\d+$', key):
        live = usb_hotplug(config, features)
    elif key == 'vcpus':
        live = 'cpu' in features
    elif key == 'balloon':
        live = (old is None or perl_true(old)) == perl_true(new)
    elif re.match(r'^net\d+$', key):
        live = net_change_is_live(old, new, features)
    elif DRIVE_KEY.match(key):
        live = drive_change_is_live(key, old, new, features)
    elif key == 'memory':
        if 'memory' not in features:
            return SKIP
        return hotplugged_memory(config, new)
    elif key == 'agent':
        live = agent_change_is_live(old, new)
    else:
        live = key in ('cpuunits', 'cpulimit')
    return new if live else SKIP


def delete_is_live(key, config, features):
    """Whether PVE deletes key from a running VM's config at once; ValueError for a delete PVE refuses."""
    if key == 'hotplug':
        return not re.search(r'cpu|memory', str(config.get('hotplug') or ''))
    if key == 'tablet':
        return 'usb' in features
    if re.match(r'^usb\d+$', key):
        return usb_hotplug(config, features)
    if key == 'vcpus':
        return 'cpu' in features
    if key == 'balloon':
        return not (config.get('balloon') is not None and str(config['balloon']) == '0')
    if key in FAST_PLUG or key in ('cpuunits', 'cpulimit'):
        return True
    if re.match(r'^net\d+$', key):
        return 'network' in features
    if DRIVE_KEY.match(key):
        return 'disk' in features and not re.match(r'^(efidisk|ide|sata|tpmstate)\d+$', key)
    if key == 'memory':
        if 'memory' not in features:
            return False
        # Back to the default 512 MiB, below the static memory: PVE refuses it.
        hotplugged_memory(config, None)
        return True
    return False


class HotplugPve:
    """Mixin for a FakePve: the hotplug of a running VM's changes, and the start of a VM with memory hotplug, as
    above."""

    async def _do_start(self, vm, user, p):
        starting = dict(vm.config)
        starting.update(vm.pending)
        numa_missing = 'memory' in hotplug_features(starting.get('hotplug')) and parse_boolean(str(starting.get('numa') or 0)) != '1'
        # What vm_start refuses before it builds the command (a template, a lock, a running VM) and an HA start are
        # fakepve's: only a start that would reach config_to_command fails on the memory hotplug rule.
        if not numa_missing or vm.template or vm.lock or vm.status == 'running' or vm.ha_managed:
            return await super()._do_start(vm, user, p)

        async def body():
            vm.apply_pending()
            raise TaskError('NUMA needs to be enabled for memory hotplug')

        return await self.task(vm.node, 'qmstart', vm.vmid, user, body, vm=vm)

    async def _apply_config(self, vm, user, p):
        before = dict(vm.config)
        result = await super()._apply_config(vm, user, p)
        if vm.status == 'running':
            deletes = [key for key in str(p.get('delete', '') or '').split(',') if key]
            self.hotplug(vm, before, [key for key in p if key not in NOT_CONFIG], deletes)
        return result

    def hotplug(self, vm, before, written, deletes):
        """vmconfig_hotplug_pending on vm after a write of the keys written and deletes; before: its config
        before that write (fakepve may have changed keys of the config itself)."""
        # fakepve applied the agent at once: PVE compares with the agent the VM ran with.
        if 'agent' in written and 'agent' in vm.config and not agent_change_is_live(before.get('agent'), vm.config['agent']):
            vm.pending['agent'] = vm.config['agent']
            if 'agent' in before:
                vm.config['agent'] = before['agent']
            else:
                vm.config.pop('agent')
        # cleanup_pending: PVE compares the values as strings.
        for key, value in list(vm.pending.items()):
            if (value is None and key not in vm.config) or (value is not None and str(vm.config.get(key)) == str(value)):
                del vm.pending[key]
        for key in [k for k, v in vm.pending.items() if k in FAST_PLUG and v is not None]:
            vm.config[key] = vm.pending.pop(key)
        features = hotplug_features(vm.config.get('hotplug'))
        errors = {}
        for key in sorted(deletes):
            if key not in vm.pending or vm.pending[key] is not None:
                continue  # fakepve deleted it at once already
            try:
                live = delete_is_live(key, vm.config, features)
            except ValueError as exc:
                errors[key] = 'hotplug problem - {0}'.format(exc)
                continue
            if live:
                del vm.pending[key]
                vm.config.pop(key, None)
        for key in sorted(written):
            # fakepve stored agent at once (see above); a pending delete is no value to set.
            if key == 'agent' or vm.pending.get(key) is None:
                continue
            try:
                value = hotplug_value(key, vm.config.get(key), vm.pending[key], vm.config, features)
            except ValueError as exc:
                errors[key] = 'hotplug problem - {0}'.format(exc)
                continue
            if value is not SKIP:
                vm.config[key] = value
                del vm.pending[key]
        if errors:
            raise PveError(400, 'Parameter verification failed.', errors)


__all__ = ['HotplugPve', 'hotplug_features']
