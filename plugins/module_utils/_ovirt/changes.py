# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A VM's NICs and tags on oVirt: a mixin of OvirtDriver (driver.py), for apply_changes.

NICs and tags are not fields of the VM's PUT but sub-collections of their own (vms/{id}/nics, vms/{id}/tags), each
changed by requests of their own: a NIC updated (unplugged for it and plugged back when its model or MAC changes on
a running VM), unplugged before its removal from a running VM, or added with the next free name; a tag assigned,
unassigned, or first made when the engine has none of that name. The engine has no next-run configuration for NICs:
on a running VM each NIC change takes effect at once."""

from __future__ import annotations

import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, HypervisorError, InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.disks import _natural
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.lookups import _ref_id, _vm_service
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.rules import runs
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.sdk import otypes


def _new_nic_name(taken):
    """nicN after the highest N in use, so a new NIC sorts after the others."""
    numbers = [int(found.group(1)) for found in (re.match(r'^nic(\d+)$', name or '') for name in taken) if found]
    number = max(numbers + [len(taken)]) + 1
    return 'nic{0}'.format(number)


def nic_update(nic, desired, profile_id, current_profile_id):
    """The body that makes the SDK nic the desired one (its vNIC profile profile_id, when given), or None when it is
    already: only what differs is sent."""
    body = otypes.Nic()
    touched = False
    if profile_id is not None and current_profile_id != profile_id:
        body.vnic_profile = otypes.VnicProfile(id=profile_id)
        touched = True
    if desired.get('model') and (nic.interface is None or nic.interface.value != desired['model']):
        body.interface = otypes.NicInterface(desired['model'])
        touched = True
    if desired.get('mac') and (nic.mac is None or (nic.mac.address or '').lower() != desired['mac']):
        body.mac = otypes.Mac(address=desired['mac'])
        touched = True
    return body if touched else None


def unplugged_for(nic, body, running):
    """Whether the update body of nic must be sent with the NIC unplugged: the engine refuses a new model or MAC for a
    NIC plugged into a running VM (UpdateVmInterfaceCommand, CANNOT_PERFORM_HOT_UPDATE, 409: "Please un-plug the
    interface, update the properties, and then plug it back"). A new vNIC profile it takes while plugged."""
    return running and bool(nic.plugged) and (body.interface is not None or body.mac is not None)


class OvirtChanges:
    """The NIC and tag changes of OvirtDriver.apply_changes."""

    def _apply_nics(self, current, wanted, cluster, subject):
        """Make the VM's NICs the wanted list, in order: extra NICs removed, changed ones updated, new ones added
        (cluster: the VM's clusters lookup entry, whose data center holds the vNIC profiles)."""

        def nics_service(system):
            return _vm_service(system, current.id).nics_service()

        nics = sorted(self._read(lambda system: nics_service(system).list(), subject), key=lambda n: _natural(n.name))
        dc_id = (cluster or {}).get('dc_id')
        profiles = self._lookup_ids('profiles', [_ref_id(n.vnic_profile) for n in nics])
        running = runs(current)
        for nic in nics[len(wanted) :]:
            if nic.plugged and running:
                # The engine removes only an unplugged NIC from a running VM.
                self._write(lambda system, nic_id=nic.id: nics_service(system).nic_service(nic_id).update(otypes.Nic(plugged=False)), subject)
            self._write(lambda system, nic_id=nic.id: nics_service(system).nic_service(nic_id).remove(), subject)
        taken = [n.name for n in nics[: len(wanted)]]
        for index, desired in enumerate(wanted):
            profile = self._profile(desired['network'], dc_id, subject) if desired.get('network') else None
            if index < len(nics):
                nic = nics[index]
                current_profile_id = (profiles.get(_ref_id(nic.vnic_profile)) or {}).get('id')
                body = nic_update(nic, desired, profile['id'] if profile is not None else None, current_profile_id)
                if body is None:
                    continue
                if unplugged_for(nic, body, running):
                    self._update_unplugged(lambda system, nic_id=nic.id: nics_service(system).nic_service(nic_id), nic.name, body, subject)
                else:
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

    def _update_unplugged(self, nic_service, name, body, subject):
        """Unplug the NIC (nic_service(system): its service), send body, plug it back: the engine's own way to change
        a plugged NIC's model or MAC on a running VM. The guest loses that NIC meanwhile, as on a hot-unplug."""

        def plug(plugged):
            self._write(lambda system: nic_service(system).update(otypes.Nic(plugged=plugged)), subject)

        plug(False)
        try:
            self._write(lambda system: nic_service(system).update(body), subject)
        except HypervisorError as exc:
            # Plugged back after a refused update (a MAC in use: 409), so the VM keeps the NIC it had.
            try:
                plug(True)
            except HypervisorError as plug_exc:
                exc.message = '{0}; {1} is left unplugged: {2}'.format(exc.message.rstrip('.'), name, plug_exc.message)
            raise
        plug(True)

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
