# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Proxmox VE tasks: a mixin of ProxmoxDriver (driver.py) with what starts a task and waits for its end.

Every write of PVE's qemu API answers with a task id (UPID) and does its work in that task; power actions and removal
are such a task and nothing else, so they live here with the waiting: a task that ends in error fails at once with
its last log lines, a lock is waited out, and a write whose answer was lost is read back from the node's task list."""

from __future__ import annotations

import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import vm_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, ConflictError, HypervisorError, NotFoundError, TaskFailedError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.config import _node_of_path
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import retry_while_locked, wait_for_task

# What the answer of a lost write is read back as: the task types of each write, as their UPIDs name them.
POWER_TASKS = {'start': 'qmstart', 'stop': 'qmstop', 'shutdown': 'qmshutdown', 'reboot': 'qmreboot'}
POWER_RESULTS = {'start': 'running', 'stop': 'stopped', 'shutdown': 'stopped'}
# Seconds a node's clock may differ from ours when a task's start time is compared with when we sent its request.
CLOCK_SLACK = 30
TASK_LOG_LINES = 10


# PVE's refusals of an action that does not fit the VM's status, by action: a start of a running VM fails in its task
# ("VM 100 already running", qemu-server PVE/QemuServer.pm vm_start), a shutdown or reboot of a stopped one and the
# removal of a running one are refused before any task ("VM 100 not running", "VM 100 is running - destroy failed",
# PVE/API2/Qemu.pm). The lookup's status may lag (get_vm): the caller reads it afresh and decides again.
STATUS_REFUSALS = {'start': 'already running', 'shutdown': 'not running', 'reboot': 'not running', 'delete': 'is running - destroy failed'}


def _status_changed(exc, refusal):
    """exc as a ConflictError marked status_changed when its message is PVE's refusal for the VM's status; else exc."""
    if not refusal or refusal not in exc.message:
        return exc
    return ConflictError(exc.message, hypervisor=exc.hypervisor, subject=exc.subject, details=dict(exc.details, status_changed=True))


def lost_answer(exc):
    """True when exc is a write whose connection failed or timed out before its answer: the server may have acted."""
    return getattr(exc, 'unanswered', False)


class ProxmoxTasks:
    """Task runs, power actions and removal of ProxmoxDriver."""

    def _wait_task(self, node, upid, timeout, subject):
        """Wait for a task; raise TaskFailedError with its last log lines as soon as it ends in error."""
        kind = upid.split(':')[5] if upid.count(':') > 5 else 'task'

        def finished():
            status = self._call('GET', 'nodes/{0}/tasks/{1}/status'.format(node, upid), subject) or {}
            if status.get('status') != 'stopped':
                return None
            exit_status = status.get('exitstatus') or ''
            if exit_status == 'OK' or exit_status.startswith('WARNINGS'):
                return status
            lines = self._task_log(node, upid, subject)
            error_class = TaskFailedError
            if 'is locked' in exit_status or "can't lock file" in exit_status:
                error_class = ConflictError
            raise self.error(
                error_class,
                'task {0} failed: {1}; last log lines: {2}'.format(kind, exit_status, ' | '.join(lines)),
                subject,
                details={'task': upid, 'task_log': lines, 'locked': error_class is ConflictError},
            )

        # PVE answers a write with the task's UPID as soon as the task is forked: it is still running then.
        return wait_for_task(finished, timeout, 'task {0} to finish'.format(kind), hypervisor=self.label, subject=subject)

    def _task_log(self, node, upid, subject):
        try:
            lines = self._call('GET', 'nodes/{0}/tasks/{1}/log'.format(node, upid), subject, limit=1000) or []
        except HypervisorError:
            return []
        return [line.get('t', '') for line in lines][-TASK_LOG_LINES:]

    def _run_task(self, method, path, subject, timeout, params=None, wait=True, read_back=None):
        """Start a task (waiting out locks) and wait for it to end.

        When the request went out and its answer was lost, read_back(sent_at) says what the server did: the
        UPID of the task it started, None when the write's effect is there already, or False when it never
        arrived (then, and only then, the request is sent again, once).
        """
        node = _node_of_path(path)
        deadline = time.monotonic() + timeout

        def attempt():
            sent_at = time.time()
            try:
                upid = self._call(method, path, subject, **(params or {}))
            except HypervisorError as exc:
                if read_back is None or not lost_answer(exc):
                    raise
                upid = read_back(sent_at)
                if upid is False:
                    upid = self._call(method, path, subject, **(params or {}))
            if wait and upid:
                self._wait_task(node, upid, max(deadline - time.monotonic(), 1), subject)
            return upid

        return retry_while_locked(attempt, deadline)

    def _task_of(self, node, vmid, kind, sent_at, subject):
        """The UPID of the newest task of kind for VM vmid started since sent_at (less CLOCK_SLACK: the node's
        clock is not ours), or None."""
        # source=all: without it PVE lists finished tasks only, and a task still running is what is looked for.
        tasks = self._call('GET', 'nodes/{0}/tasks'.format(node), subject, vmid=vmid, limit=20, source='all') or []
        recent = [t for t in tasks if t.get('type') == kind and int(t.get('starttime') or 0) >= sent_at - CLOCK_SLACK]
        recent.sort(key=lambda t: int(t.get('starttime') or 0))
        return recent[-1]['upid'] if recent else None

    def power(self, vm, action, timeout, wait=True):
        subject = vm_subject(vm)
        self.check_power_action(action, subject)
        params = {}
        if action == 'shutdown':
            params = {'timeout': max(int(timeout), 1), 'forceStop': 0}
        node, vmid = vm['node'], vm['id']

        def read_back(sent_at):
            upid = self._task_of(node, vmid, POWER_TASKS[action], sent_at, subject)
            if upid:
                return upid
            status = self._current(node, vmid, subject).get('status')
            return None if status == POWER_RESULTS.get(action) else False

        try:
            self._run_task('POST', 'nodes/{0}/qemu/{1}/status/{2}'.format(node, vmid, action), subject, timeout, params, wait=wait, read_back=read_back)
        except (ConflictError, TaskFailedError, ApiError) as exc:
            raise _status_changed(exc, STATUS_REFUSALS.get(action)) from None
        # A power action changes the status only (pending changes that a start applies were read as the
        # configuration already): read that, not the whole VM again. This is the one status read of the run.
        try:
            current = self._current(node, vmid, subject)
        except NotFoundError:
            return vm
        return self._with_current(dict(vm, ip_addresses=[]), current)

    def _current(self, node, vmid, subject):
        return self._call('GET', 'nodes/{0}/qemu/{1}/status/current'.format(node, vmid), subject) or {}

    def delete_vm(self, vm, timeout, wait=True):
        subject = vm_subject(vm)
        node, vmid = vm['node'], vm['id']

        def read_back(sent_at):
            upid = self._task_of(node, vmid, 'qmdestroy', sent_at, subject)
            if upid:
                return upid
            return None if self._find_resource(vm_id=vmid) is None else False

        try:
            self._run_task(
                'DELETE',
                'nodes/{0}/qemu/{1}'.format(node, vmid),
                subject,
                timeout,
                {'purge': 1, 'destroy-unreferenced-disks': 1},
                wait=wait,
                read_back=read_back,
            )
        except (ConflictError, ApiError) as exc:
            raise _status_changed(exc, STATUS_REFUSALS['delete']) from None
