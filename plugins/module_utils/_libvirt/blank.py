# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Blank VMs, disks and the volumes the collection makes, on libvirt: a mixin of LibvirtDriver (driver.py, session.py), which
holds the connection, the lookups and the reads and writes this uses.

A blank VM is a new domain (blank_definition) with new qcow2 volumes `<vm>-<target>.qcow2` in its pools. Every
volume the collection makes for a VM (a blank VM's, a clone's, an added disk's, the cloud-init seed) is noted in the
domain's <pbh:vm> metadata when it is made; `absent` removes exactly those, never a shareable disk nor a volume
another domain uses: the others are left in place, with a warning. A volume named for the VM that no domain uses
is what an interrupted create left behind (the create was stopped after the copy, before the define): the next
create removes it and makes it again, instead of failing on it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import apply_to_record, check_blank_spec, check_boot_order, spec_subject, vm_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, ConflictError, InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.disks import (
    BLANK_ARCH,
    GIB,
    add_disk,
    blank_definition,
    cpu_type,
    next_target,
    os_type_matches,
    os_type_value,
    set_cpu,
    set_os_type,
    size_gb,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.domain_xml import disk_volume_name, parse_domain, to_xml, volume_xml
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.sdk import libvirt
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import disk_record

DEFAULT_POOL = 'default'


class LibvirtBlank:
    """Blank VMs, disks and volume ownership (see the module's docstring)."""

    # ------------------------------------------------------------ the contract's hooks
    def os_type_value(self, os_type):
        return os_type_value(os_type)

    def os_type_matches(self, current, wanted):
        return os_type_matches(current, wanted)

    def predict_changes(self, vm, changes):
        after = apply_to_record(vm, changes)
        if 'disks' in changes:
            taken = set(self._seen_targets.get(vm['id'], ())) | {d['name'] for d in vm['disks']}
            disks = []
            for disk in after['disks']:
                if disk['name'] is None:
                    disk = dict(disk, name=next_target(disk['interface'], taken))
                    taken.add(disk['name'])
                disks.append(disk)
            after['disks'] = disks
        return after

    # ------------------------------------------------------------ records
    def _hardware_fields(self, dom, facts, known=None, autostart=None):
        """The record fields of disks, CPU and autostart; known: {(pool, volume): capacity} not to look up."""
        if autostart is None:
            autostart = bool(self._read(lambda _conn: dom.autostart()))
        self._seen_targets[facts['uuid']] = [d['target'] for d in facts['disks']]
        return {'disks': self._disk_records(facts, known or {}), 'cpu_sockets': facts['cpu_sockets'], 'cpu_type': cpu_type(facts), 'start_on_boot': autostart}

    def _disk_records(self, facts, known):
        records = []
        for disk in facts['disks']:
            if disk['device'] != 'disk':
                continue
            capacity, pool = known.get((disk['pool'], disk['volume'])), disk['pool']
            if capacity is None:
                try:
                    volume = self._volume(disk, None)
                    capacity = self._read(lambda _conn, volume=volume: volume.info()[1])
                    if pool is None:
                        pool = self._read(lambda _conn, volume=volume: volume.storagePoolLookupByVolume().name())
                except (NotFoundError, InvalidInputError, ApiError):
                    pass  # a disk whose volume is gone or outside any pool: no size, no storage
            records.append(disk_record(disk['target'], size_gb(capacity), pool, disk['bus']))
        return records

    # ------------------------------------------------------------ volumes
    def _references(self, exclude=None):
        """{(pool, volume) or path: [domain names]} of every disk of every domain but the one of UUID exclude."""
        found = {}
        for dom in self._domains():
            try:
                _text, facts = self._definition(dom)
            except NotFoundError:
                continue
            if facts['uuid'] == exclude:
                continue
            for disk in facts['disks']:
                for key in ((disk['pool'], disk['volume']), disk['path']):
                    if key and key != (None, None):
                        found.setdefault(key, []).append(facts['name'])
        return found

    def _orphans(self, pool, pool_name, names, subject):
        """The volumes of names that pool holds already and no domain uses (left by an interrupted create: removed
        and made again); one that a domain uses is a conflict."""
        taken = set(self._read(lambda _conn: pool.listVolumes(), subject))
        clashes = [name for name in names if name in taken]
        if not clashes:
            return []
        references = self._references()
        used = {
            name: references.get((pool_name, name)) or references.get(self._read(lambda _conn, name=name: pool.storageVolLookupByName(name).path(), subject))
            for name in clashes
        }
        busy = sorted(name for name in clashes if used[name])
        if busy:
            raise self.error(
                ConflictError,
                "storage pool '{0}' holds volume(s) {1} already, used by domain(s) {2}; use another name".format(
                    pool_name, ', '.join(busy), ', '.join(sorted({d for name in busy for d in used[name]}))
                ),
                subject,
            )
        return clashes

    def _remove_orphans(self, pool, names, subject):
        for name in names:
            self._write(lambda _conn, name=name: pool.storageVolLookupByName(name).delete(0), subject)
            self.warnings.append('{0}: {1}: removed volume {2}, left by an interrupted create, to make it again'.format(self.label, subject, name))

    def _default_pool_name(self, subject, what):
        pools = self._read(lambda conn: sorted(p.name() for p in conn.listAllStoragePools(0)), subject)
        if DEFAULT_POOL in pools:
            return DEFAULT_POOL
        raise self.error(
            InvalidInputError,
            "{0}: give its storage pool (or the option 'storage'); there is no pool named '{1}'; pools: {2}".format(
                what, DEFAULT_POOL, ', '.join(pools) or 'none'
            ),
            subject,
        )

    # ------------------------------------------------------------ blank VMs
    def _preflight_blank(self, spec):
        self.validate_spec(spec)
        check_blank_spec(spec, self.label)
        subject = spec_subject(spec)
        name = spec['name']
        self._check_node(spec.get('node'), subject)
        for index, nic in enumerate(spec['networks']):
            if not nic.get('network'):
                raise self.error(InvalidInputError, 'networks[{0}].network is required for a new NIC'.format(index), subject)
            self._check_network(nic['network'], index, subject)
        if self._lookup(name=name) is not None:
            raise self.error(ConflictError, 'a domain of this name exists already', subject)
        change = self.diff_hardware({'disks': [], 'name': name}, {'disks': spec['disks'], 'storage': spec.get('storage')})['disks']
        pools, volumes, taken = {}, [], set()
        for index, disk in enumerate(change['add']):
            pool_name = disk['storage'] or self._default_pool_name(subject, 'disks[{0}]'.format(index))
            if pool_name not in pools:
                pools[pool_name] = self._pool(pool_name, subject)
            target = next_target(disk['interface'], taken)
            taken.add(target)
            volumes.append((pool_name, disk_volume_name(name, target), disk['interface'], disk['size_gb'] * GIB))
        orphans = {pool_name: self._orphans(pool, pool_name, [v[1] for v in volumes if v[0] == pool_name], subject) for pool_name, pool in pools.items()}
        self._check_cpu_model(spec.get('cpu_type'), BLANK_ARCH, subject)
        root = blank_definition(name, spec, self._domain_type('kvm', BLANK_ARCH, None), [(pool_name, volume, bus) for pool_name, volume, bus, _size in volumes])
        check_boot_order(spec, spec['networks'], self.label, devices=['disk'])
        return {'blank': True, 'xml': to_xml(root), 'pools': pools, 'volumes': volumes, 'orphans': orphans}

    def _predict_blank(self, spec, checked):
        facts = parse_domain(checked['xml'])
        known = {(pool, volume): size for pool, volume, _bus, size in checked['volumes']}
        record = self._record(
            facts, (libvirt.VIR_DOMAIN_SHUTOFF, 0), None, self._hardware_fields(None, facts, known, autostart=bool(spec.get('start_on_boot')))
        )
        record.update(id=None, uuid=None, nics=[dict(nic, mac=None) for nic in record['nics']])
        return record

    def _create_blank(self, name, spec):
        spec = dict(spec, name=name)
        subject = spec_subject(spec)
        checked = self._preflight_blank(spec)
        for pool_name, names in checked['orphans'].items():
            self._remove_orphans(checked['pools'][pool_name], names, subject)
        made = []
        try:
            for pool_name, volume, _bus, size in checked['volumes']:
                pool = checked['pools'][pool_name]
                self._write(lambda _conn, pool=pool, volume=volume, size=size: pool.createXML(volume_xml(volume, size), 0), subject)
                made.append((pool, volume))
            dom = self._write(lambda conn: conn.defineXML(checked['xml']), subject)
        except Exception:
            # Nothing of a failed create stays behind, so a re-run starts from scratch.
            for pool, volume in made:
                self._remove_volumes(pool, [volume])
            raise
        if spec.get('start_on_boot'):
            self._write(lambda _conn: dom.setAutostart(1), subject)
        return self.get_vm(vm_id=dom.UUIDString())

    # ------------------------------------------------------------ changes of an existing VM
    def _apply_disks(self, dom, vm, change, root, subject):
        """Grow the disks of change['grow'] and add those of change['add'] (new volumes, noted in the metadata, and
        attached in root, which the caller defines); a running domain grows at once (blockResize) and gets the new
        disks plugged in."""
        running = vm['status'] == 'running'
        facts = parse_domain(to_xml(root))
        for _index, target, size in change['grow']:
            disk = next(d for d in facts['disks'] if d['target'] == target)
            if running:
                self._write(lambda _conn, target=target, size=size: dom.blockResize(target, size * GIB, libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES), subject)
            else:
                volume = self._volume(disk, subject)
                self._write(lambda _conn, volume=volume, size=size: volume.resize(size * GIB, 0), subject)
        for index, disk in enumerate(change['add']):
            pool_name = disk['storage'] or self._default_pool_name(subject, 'disks[{0}]'.format(len(change['before']) + index))
            pool = self._pool(pool_name, subject)
            taken = {t.get('dev') for t in root.findall('devices/disk/target')}
            volume = disk_volume_name(vm['name'], next_target(disk['interface'], taken))
            self._remove_orphans(pool, self._orphans(pool, pool_name, [volume], subject), subject)
            self._write(lambda _conn, volume=volume, size=disk['size_gb'], pool=pool: pool.createXML(volume_xml(volume, size * GIB), 0), subject)
            target = add_disk(root, pool_name, volume, disk['interface'])
            if running:
                element = next(d for d in root.findall('devices/disk') if d.find('target').get('dev') == target)
                try:
                    self._write(
                        lambda _conn, element=element: dom.attachDeviceFlags(ET.tostring(element, encoding='unicode'), libvirt.VIR_DOMAIN_AFFECT_LIVE), subject
                    )
                except (ConflictError, InvalidInputError, ApiError) as exc:
                    self.warnings.append('{0}: {1}: disk {2} is plugged in at the next start ({3})'.format(self.label, subject, target, exc.message))

    def _apply_other(self, dom, root, changes, subject):
        """cpu_sockets, cpu_type and os_type into root; start_on_boot as the domain's autostart."""
        if 'cpu_sockets' in changes or 'cpu_type' in changes:
            set_cpu(root, sockets=changes.get('cpu_sockets', {}).get('after'), model=changes.get('cpu_type', {}).get('after'))
        if 'os_type' in changes:
            set_os_type(root, changes['os_type']['after'])
        if 'start_on_boot' in changes:
            self._write(lambda _conn: dom.setAutostart(1 if changes['start_on_boot']['after'] else 0), subject)

    # ------------------------------------------------------------ removal
    def delete_vm(self, vm, timeout, wait=True):
        # Imported here, not at the top: cloud-init's code is loaded only when a VM is removed or its seed is used.
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.cloud_init import is_seed_disk

        subject = vm_subject(vm)
        dom = self._lookup(vm_id=vm['id'])
        if dom is None:
            return
        _text, facts = self._definition(dom, subject)
        owned = {tuple(v) for v in facts['volumes']}
        references = None
        # The disks first: a re-run after a failure here still finds the domain, and removes what is left.
        for disk in facts['disks']:
            seed = is_seed_disk(disk, facts['name'])
            if disk['device'] != 'disk' and not seed:
                continue  # a CD-ROM's ISO is shared; the VM's own cloud-init seed is not
            try:
                volume = self._volume(disk, subject)
            except NotFoundError:
                continue  # removed by an earlier run
            name = self._read(lambda _conn, volume=volume: volume.name(), subject)
            pool = disk['pool'] or self._read(lambda _conn, volume=volume: volume.storagePoolLookupByVolume().name())
            if references is None:
                references = self._references(exclude=facts['uuid'])
            users = references.get((pool, name)) or references.get(disk['path'] or self._read(lambda _conn, volume=volume: volume.path(), subject)) or []
            reason = (
                'it is shareable'
                if disk['shareable']
                else 'domain(s) {0} use it'.format(', '.join(sorted(set(users))))
                if users
                else None
                if seed or (pool, name) in owned
                else 'the collection did not make it for this VM'
            )
            if reason:
                self.warnings.append('{0}: {1}: volume {2} of pool {3} is left in place: {4}'.format(self.label, subject, name, pool, reason))
                continue
            self._write(lambda _conn, volume=volume: volume.delete(0), subject)
        self._write(lambda _conn: dom.undefineFlags(self._undefine_flags), subject)
