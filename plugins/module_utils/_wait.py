# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The one waiting helper of the driver layer: poll a predicate until it holds or time runs out."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, TypeVar

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, TimeoutError_

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar('T')

# The pace of a wait for work the hypervisor does after it answered (a Proxmox VE task, an oVirt VM leaving
# image_locked or powering up, a removal): such work is hardly ever over when the request that started it is
# answered, so the first look comes after 0.2 s, then after 0.4 s more, doubling up to 2 s (looks at 0.2, 0.6,
# 1.4, 3.0, 5.0 s...). A task of 0.5 s (a clone or start on Ceph-backed storage) then costs two looks and ends
# 0.1 s late; looking at once and every 0.1 s doubling cost four (0, 0.1, 0.3, 0.7 s): docs/performance.md.
TASK_FIRST_LOOK = 0.2
TASK_INTERVAL = 0.4


def remaining(deadline: float, clock: Callable[[], float] = time.monotonic) -> float:
    """Seconds left until deadline (a clock() value); 0 still allows one last look."""
    return max(deadline - clock(), 0.0)


def wait_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    interval: float = 0.25,
    max_interval: float = 2.0,
    first_delay: float = 0.0,
    hypervisor: str | None = None,
    subject: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Call check() until it returns something other than None/False and return that.

    The first check comes after first_delay seconds (wait_for_task: work the server does after answering), then
    the interval starts short and doubles up to max_interval. check() may raise to stop early (a task that
    ended in error). When timeout seconds pass, raise TimeoutError_ saying what was awaited.
    """
    deadline = clock() + max(timeout, 0)
    delay = interval
    if first_delay > 0:
        sleep(min(first_delay, max(deadline - clock(), 0.0)))
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        remaining = deadline - clock()
        if remaining <= 0:
            raise TimeoutError_('timed out after {0}s waiting for {1}'.format(int(round(timeout)), what), hypervisor=hypervisor, subject=subject)
        sleep(min(delay, remaining))
        delay = min(delay * 2, max_interval)


def wait_for_task(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    hypervisor: str | None = None,
    subject: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """wait_for() at the pace of work the hypervisor does after it answered (TASK_FIRST_LOOK, TASK_INTERVAL)."""
    return wait_for(check, timeout, what, interval=TASK_INTERVAL, first_delay=TASK_FIRST_LOOK, hypervisor=hypervisor, subject=subject, clock=clock, sleep=sleep)


def retry_while_locked(
    action: Callable[[], T], deadline: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], object] = time.sleep
) -> T:
    """Run action() again while it fails with a ConflictError marked locked (a backup, a clone, a migration,
    the hypervisor's own config lock), until deadline (a clock() value); then re-raise it saying how long.

    Only refusals are retried: a locked VM refuses a write without doing it, so asking again is safe.
    """
    started = clock()
    while True:
        try:
            return action()
        except ConflictError as exc:
            if not exc.details.get('locked'):
                raise
            if clock() >= deadline:
                exc.message = 'still locked after {0}s: {1}'.format(int(round(deadline - started)), exc.message)
                raise
            sleep(min(1.0, max(deadline - clock(), 0.05)))
