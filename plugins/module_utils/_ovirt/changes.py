# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A VM's NICs and tags on oVirt: a mixin of OvirtDriver (driver.py), for apply_changes.

NICs and tags are not fields of the VM's PUT but sub-collections of their own (vms/{id}/nics, vms/{id}/tags), each
changed by requests of their own: a NIC updated, unplugged before its removal from a running VM, or added with
the next free name; a tag assigned, unassigned, or first made when the engine has none of that name."""

from __future__ import annotations

import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.disks import _natural
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.lookups import _ref_id, _vm_service
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.sdk import otypes


def _new_nic_name(taken):
    """nicN after the highest N in use, so a new NIC sorts after the others."""
    numbers = [int(found.group(1)) for found in (re.match(r'^nic(\d+)$', name or '') for name in taken) if found]
    number = max(numbers + [len(taken)]) + 1
    return 'nic{0}'.format(number)


class OvirtChanges:
    """The NIC and tag changes of OvirtDriver.apply_changes."""

    def _apply_nics(self, current, wanted, subject):
        """Make the VM's NICs the wanted list, in order: extra NICs removed, changed ones updated, new ones added."""

        def nics_service(system):
            return _vm_service(system, current.id).nics_service()

        nics = sorted(self._read(lambda system: nics_service(system).list(), subject), key=lambda n: _natural(n.name))
        dc_id = self._lookup('clusters').get(_ref_id(current.cluster), {}).get('dc_id')
        profiles = self._lookup_ids('profiles', [_ref_id(n.vnic_profile) for n in nics])
        for nic in nics[len(wanted) :]:
            if nic.plugged and current.status is not None and current.status.value != 'down':
                # The engine removes only an unplugged NIC from a running VM.
                self._write(lambda system, nic_id=nic.id: nics_service(system).nic_service(nic_id).update(otypes.Nic(plugged=False)), subject)
            self._write(lambda system, nic_id=nic.id: nics_service(system).nic_service(nic_id).remove(), subject)
        taken = [n.name for n in nics[: len(wanted)]]
        for index, desired in enumerate(wanted):
            profile = self._profile(desired['network'], dc_id, subject) if desired.get('network') else None
            if index < len(nics):
                nic = nics[index]
                body = otypes.Nic()
                touched = False
                if profile is not None and (profiles.get(_ref_id(nic.vnic_profile)) or {}).get('id') != profile['id']:
                    body.vnic_profile = otypes.VnicProfile(id=profile['id'])
                    touched = True
                if desired.get('model') and (nic.interface is None or nic.interface.value != desired['model']):
                    body.interface = otypes.NicInterface(desired['model'])
                    touched = True
                if desired.get('mac') and (nic.mac is None or (nic.mac.address or '').lower() != desired['mac']):
                    body.mac = otypes.Mac(address=desired['mac'])
                    touched = True
                if touched:
                    self._write(lambda system, nic_id=nic.id, body=body: nics_service(system).nic_service(nic_id).update(body), subject)
                continue
            if profile is None:
                raise self.error(InvalidInputError, 'networks[{0}].network (the vNIC profile) is required for a new NIC'.format(index), subject)
            name = _new_nic_name(taken)
            taken.append(name)
            body = otypes.Nic(
                name=name,
                vnic_profile=otypes.VnicProfile(id=profile['id']),
                interface=otypes.NicInterface(desired.get('model') or 'virtio'),
                mac=otypes.Mac(address=desired['mac']) if desired.get('mac') else None,
            )
            self._write(lambda system, body=body: nics_service(system).add(body), subject)

    def _apply_tags(self, current, wanted, subject):
        """Give the VM exactly the wanted tags (by name, case-insensitive); tags that do not exist yet are made."""

        def assigned_service(system):
            return _vm_service(system, current.id).tags_service()

        assigned = self._read(lambda system: assigned_service(system).list(), subject)
        wanted_lower = [t.lower() for t in wanted]
        for tag in assigned:
            if tag.name.lower() not in wanted_lower:
                self._write(lambda system, tag_id=tag.id: assigned_service(system).tag_service(tag_id).remove(), subject)
        have = {t.name.lower() for t in assigned}
        missing = [t for t in wanted if t.lower() not in have]
        if not missing:
            return
        existing = {t.name.lower(): t for t in self._read(lambda system: system.tags_service().list(), subject)}
        for name in missing:
            tag = existing.get(name.lower())
            if tag is None:
                try:
                    tag = self._write(lambda system, name=name: system.tags_service().add(otypes.Tag(name=name)), subject)
                except ConflictError:
                    # Made meanwhile by another run: use that one.
                    tags = self._read(lambda system: system.tags_service().list(), subject)
                    tag = next((t for t in tags if t.name.lower() == name.lower()), None)
                    if tag is None:
                        raise
            self._write(lambda system, tag_id=tag.id: assigned_service(system).add(otypes.Tag(id=tag_id)), subject)
