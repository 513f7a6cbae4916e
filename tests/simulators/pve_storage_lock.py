"""The storage lock of a Proxmox VE node, added to a running fakepve: full clones on one storage, one at a time.

PVE allocates and copies a full clone's disks holding the storage's lock file; another clone on the same storage
waits for it a fixed time in its own worker, then its task ends with
`clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout` (and PVE removes the
half-made VM). Users of every Proxmox tool meet this when they clone several VMs at once. fakepve (0.x) does not
model it, so `hold_storage_locks(pve, ...)` wraps the clone of one FakePve instance: each full clone holds the
lock of every storage its disks go to for `copy_secs`, and a clone that cannot take a lock within `wait_secs`
fails as above. Both are PVE seconds (scaled by the fake's time_scale, which must not be 0: at 0 tasks run one
after another and never meet a lock). `pve.storage_lock_timeouts` counts the clones that failed so.
"""

import asyncio

from fakepve.model import TaskError


def lock_error(storage):
    return "can't lock file '/var/lock/pve-manager/pve-storage-{0}' - got timeout".format(storage)


def _clone_storages(body):
    """The storages a full clone task's body copies disks to (none for a linked clone). fakepve's clone handler
    is bound when the server starts, so it cannot be wrapped afterwards; its task body can, and the body's
    closure holds what the handler decided: full, storage (the one asked for) and plan (the disks to copy)."""
    cells = dict(zip(body.__code__.co_freevars, (cell.cell_contents for cell in body.__closure__ or ())))
    if not cells.get('full') or 'plan' not in cells:
        return []
    return sorted({cells.get('storage') or volume.split(':', 1)[0] for volume, _props in cells['plan'].values()})


def hold_storage_locks(pve, copy_secs=20.0, wait_secs=10.0):
    """Make pve's full clones hold their storages' locks for copy_secs; others wait wait_secs, then fail."""
    locks = {}
    pve.storage_lock_timeouts = 0
    original_task = pve.task

    async def task(node, ttype, tid, user, body, **kwargs):
        storages = _clone_storages(body) if ttype == 'qmclone' else []
        if not storages:
            return await original_task(node, ttype, tid, user, body, **kwargs)

        async def locked_body():
            held = []
            try:
                for storage in storages:
                    lock = locks.setdefault(storage, asyncio.Lock())
                    try:
                        await asyncio.wait_for(lock.acquire(), wait_secs * (pve.time_scale or 0))
                    except TimeoutError:
                        pve.storage_lock_timeouts += 1
                        # As PVE's clone worker does on any failure: the half-made VM goes.
                        if kwargs.get('vm') in pve.vms:
                            pve.vms.remove(kwargs['vm'])
                        raise TaskError('clone failed: ' + lock_error(storage)) from None
                    held.append(lock)
                await pve.pause(copy_secs)
                return await body()
            finally:
                for lock in held:
                    lock.release()

        return await original_task(node, ttype, tid, user, locked_body, **kwargs)

    pve.task = task
    return pve
