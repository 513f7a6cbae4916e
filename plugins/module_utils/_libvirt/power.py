# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Power actions of libvirt domains: a mixin of LibvirtDriver (driver.py).

libvirt answers a start or a destroy when it is done, but a shutdown only asks the guest: the ACPI power button
is pressed again every PRESS_INTERVAL seconds until the domain is shut off (a guest that is still booting ignores
a press), and a reboot is that shutdown and a start, so they live together with the wait for the status."""

from __future__ import annotations

import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import vm_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import remaining, wait_for

# Seconds between presses of the ACPI power button while a guest has not shut down (see LibvirtDriver._shutdown).
PRESS_INTERVAL = 3.0


class LibvirtPower:
    """Power actions of LibvirtDriver."""

    def power(self, vm, action, timeout, wait=True):
        subject = vm_subject(vm)
        self.check_power_action(action, subject)
        deadline = time.monotonic() + timeout
        dom = self._lookup(vm_id=vm['id'])
        if dom is None:
            raise self.error(NotFoundError, 'the VM is gone', subject)
        if action == 'reboot':
            # A shutdown and a start, not libvirt's reboot: that one keeps the QEMU process, so a changed definition
            # would wait for yet another start, and a press the guest ignored (still booting) would turn its next
            # shutdown into a reboot.
            self._shutdown(dom, vm, deadline, subject)
            action = 'start'
        elif action == 'shutdown':
            if not wait:
                self._write(lambda _conn: dom.shutdownFlags(self._shutdown_flags), subject)
                return self.get_vm(vm_id=vm['id']) or vm
            return self._shutdown(dom, vm, deadline, subject)
        if action == 'start':
            self._write(lambda _conn: dom.create(), subject)
        else:
            self._write(lambda _conn: dom.destroy(), subject)
        if not wait:
            return self.get_vm(vm_id=vm['id']) or vm
        target = 'stopped' if action == 'stop' else 'running'
        return wait_for(lambda: self._in_status(vm, target, subject), remaining(deadline), 'status {0}'.format(target), hypervisor=self.label, subject=subject)

    def _in_status(self, vm, target, subject):
        current = self.get_vm(vm_id=vm['id'])
        if current is None:
            raise self.error(NotFoundError, 'the VM disappeared while waiting for it to be {0}'.format(target), subject)
        return current if current['status'] == target else None

    def _shutdown(self, dom, vm, deadline, subject):
        """Press the ACPI power button until the guest has shut down (or the deadline passed); returns the record.

        A guest listens to the button only once its OS runs: a press while it boots is lost, so the button is
        pressed again every PRESS_INTERVAL seconds, as a person at the console would.
        """
        pressed = [None]

        def press():
            try:
                self._write(lambda _conn: dom.shutdownFlags(self._shutdown_flags), subject)
            except ConflictError:
                pass  # it went down meanwhile ("domain is not running")
            pressed[0] = time.monotonic()

        def stopped():
            current = self._in_status(vm, 'stopped', subject)
            if current is None and time.monotonic() - pressed[0] >= PRESS_INTERVAL:
                press()
            return current

        press()
        return wait_for(
            stopped,
            remaining(deadline),
            'status stopped (a guest ignores the ACPI power button until its OS handles it; force: true stops it hard)',
            hypervisor=self.label,
            subject=subject,
        )
