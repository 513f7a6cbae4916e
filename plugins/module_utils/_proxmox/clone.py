# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Proxmox VE clones: a mixin of ProxmoxDriver (driver.py) that clones a template to a VM id of its own.

/cluster/nextid reserves nothing, so the choice of a free id, the retry after a collision, the wait for another
clone's storage lock and the read-back of a clone whose answer was lost belong together, apart from the rest of
create_vm (preflight, then the hardware written as any change)."""

from __future__ import annotations

import random
import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, HypervisorError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.tasks import lost_answer
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.vmid import ID_WINDOW, free_vmid, name_offset
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import describe_vm
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import wait_for

ID_ATTEMPTS = 100
# Seconds between two clones refused because the storage lock was held by another clone.
STORAGE_LOCK_PAUSE = 1.0


class ProxmoxClone:
    """The clone of a template to a VM id of its own, for ProxmoxDriver.create_vm."""

    def _clone(self, node, template_id, params, subject, deadline):
        """Clone the template to a free id and wait for the clone to end; returns the new VM's id.

        /cluster/nextid reserves nothing: every fork of a play creating VMs at the same moment gets the same id
        from it. So each VM starts at the place its name gives in the window of free ids from there on, and
        after a collision (the clone refuses a taken id: the clone itself is the claim, never a VM found there)
        tries another place at random. A clone whose answer was lost is read back, never sent again blindly;
        one that failed because another clone held the storage lock is started again, until deadline.
        """
        name = params['name']
        lowest = int(self._call('GET', 'cluster/nextid', subject))
        taken = {int(r['vmid']) for r in self._recent_resources()}
        candidate = free_vmid(lowest, taken, name_offset(name))
        for _attempt in range(ID_ATTEMPTS):
            outcome = self._clone_once(node, template_id, candidate, params, subject, deadline)
            if outcome == 'done':
                return candidate
            if outcome == 'taken':
                taken.add(candidate)
                taken.update(int(r['vmid']) for r in self._made_meanwhile(name, subject))
                candidate = free_vmid(lowest, taken, random.randrange(ID_WINDOW))
        raise self.error(ConflictError, 'no free VM id found after {0} attempts'.format(ID_ATTEMPTS), subject)

    def _clone_once(self, node, template_id, vmid, params, subject, deadline):
        """One clone to vmid: 'done' once it ended well, 'taken' when the id was, 'again' when it must be sent again
        (a lock held elsewhere, or a request that never arrived). Until the clone is made, messages name the VM
        by its name only: the id is not its own yet. A blank VM (template_id None) is created instead."""
        if template_id is None:
            return self._create_once(node, vmid, params, subject, deadline)
        try:
            upid = self._call('POST', 'nodes/{0}/qemu/{1}/clone'.format(node, template_id), subject, newid=vmid, **params)
        except ConflictError as exc:
            if exc.details.get('id_taken'):
                return 'taken'
            # The source is locked (a clone of a VM that is no template locks it): wait as for any lock.
            if exc.details.get('locked') and time.monotonic() + STORAGE_LOCK_PAUSE < deadline:
                time.sleep(STORAGE_LOCK_PAUSE * (0.5 + random.random()))
                return 'again'
            raise
        except HypervisorError as exc:
            if not lost_answer(exc):
                raise
            return self._clone_read_back(vmid, params['name'], subject, deadline)
        try:
            self._wait_task(node, upid, max(deadline - time.monotonic(), 1), describe_vm(params['name'], vmid))
        except ConflictError as exc:
            # The clone task could not take a lock in time: on a storage that serialises allocations another
            # full clone holds it ("can't lock file '/var/lock/pve-manager/pve-storage-...' - got timeout"). PVE
            # removed the half-made VM; start the clone again once the other may be done.
            if not exc.details.get('locked') or time.monotonic() + STORAGE_LOCK_PAUSE >= deadline:
                raise
            time.sleep(STORAGE_LOCK_PAUSE * (0.5 + random.random()))
            return 'again'
        return 'done'

    def _clone_read_back(self, vmid, name, subject, deadline):
        """After a clone request whose answer was lost. PVE writes the new VM's configuration, locked, before it
        answers: a VM with this id and this name is the clone (wait until its lock is gone); one with another name
        took the id first; none means the request never arrived, or the clone failed at once: send it again."""

        def settled():
            resource = self._find_resource(vm_id=vmid)
            if resource is None:
                return 'again'
            if resource.get('name') != name or resource.get('template'):
                return 'taken'
            return None if resource.get('lock') else 'done'

        return wait_for(settled, max(deadline - time.monotonic(), 1), 'the clone to VM id {0}'.format(vmid), hypervisor=self.label, subject=subject)

    def _made_meanwhile(self, name, subject):
        """The VM listing after a collision, to take from it; a VM of our name made meanwhile by another client
        (another controller running the same play) is not made a second time."""
        resources = self._find_resource_listing()
        same = [r for r in resources if r.get('name') == name and not r.get('template')]
        if same:
            raise self.error(
                ConflictError, 'VM {0!r} was made meanwhile by another client (id {1}); not making a second one'.format(name, same[0]['vmid']), subject
            )
        return resources

    def _find_resource_listing(self):
        self._listing = self._resources()
        return self._listing
