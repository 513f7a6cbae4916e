# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Power actions and removal of oVirt VMs: a mixin of OvirtDriver (driver.py).

The engine changes a VM's status before it answers a start, stop, shutdown, reboot or removal, and carries the
action out afterwards: these writes are read back by the status on the action's way (never sent again blindly)
and then waited for through the transitional states, which is what this file holds."""

from __future__ import annotations

import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import vm_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import NotFoundError, TaskFailedError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.lookups import _vm_service
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import TASK_INTERVAL, remaining, retry_while_locked, wait_for, wait_for_task

# The record statuses that show a power action was taken, for reading back one whose answer was lost (a reboot
# shows only while the engine reports it).
ACTION_STATUSES = {'start': ('starting', 'running'), 'stop': ('stopping', 'stopped'), 'shutdown': ('stopping', 'stopped'), 'reboot': ('starting',)}


class OvirtPower:
    """Power actions and removal of OvirtDriver."""

    def power(self, vm, action, timeout, wait=True):
        subject = vm_subject(vm)
        self.check_power_action(action, subject)
        deadline = time.monotonic() + timeout

        def under_way():
            # The engine changes the status before it answers: a VM on its way is the action's answer.
            current = self.get_vm(vm_id=vm['id'])
            return True if current is not None and current['status'] in ACTION_STATUSES.get(action, ()) else False

        retry_while_locked(lambda: self._write(lambda system: getattr(_vm_service(system, vm['id']), action)(), subject, read_back=under_way), deadline)
        if not wait:
            return self.get_vm(vm_id=vm['id']) or vm
        target = 'stopped' if action in ('shutdown', 'stop') else 'running'
        seen = set()

        def reached():
            current = self.get_vm(vm_id=vm['id'])
            if current is None:
                raise self.error(NotFoundError, 'the VM disappeared while waiting for it to be {0}'.format(target), subject)
            if current['status'] == target:
                return current
            if target == 'running' and current['status'] == 'stopped' and 'starting' in seen:
                raise self.error(TaskFailedError, "the VM went down while starting; the engine's events say why", subject)
            seen.add(current['status'])
            return None

        # The engine answers once the action is under way (wait_for_launch, powering_down): hardly ever over yet.
        return wait_for_task(reached, remaining(deadline), 'status {0}'.format(target), hypervisor=self.label, subject=subject)

    def delete_vm(self, vm, timeout, wait=True):
        subject = vm_subject(vm)
        deadline = time.monotonic() + timeout

        def removed():
            current = self._vm_by_id(vm['id'], subject)
            return True if current is None or (current.status is not None and current.status.value == 'image_locked') else False

        retry_while_locked(lambda: self._write(lambda system: _vm_service(system, vm['id']).remove(), subject, read_back=removed), deadline)
        if wait:
            # The engine answers a DELETE once RemoveVmCommand has run (the REST layer's performAction, without
            # `async`), and that command takes the VM out of its database in the same run (removeVm ->
            # removeVmFromDb) before its disks are removed in the background: the VM is gone at the answer, so the
            # first look comes at once (then at the task pace, for an engine that answers earlier).
            wait_for(
                lambda: self._vm_by_id(vm['id'], subject) is None,
                remaining(deadline),
                'the VM to be removed',
                interval=TASK_INTERVAL,
                hypervisor=self.label,
                subject=subject,
            )
