# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Rules the oVirt engine enforces that the collection keeps itself, so a request the engine would refuse fails first
in one line, before anything is written. Each cites the engine source it follows. Pure functions."""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError

# VmBase: @Size(max = BusinessEntitiesDefinitions.GENERAL_MAX_SIZE) and @ValidDescription ([\p{ASCII}\p{L}]*).
MAX_DESCRIPTION = 255
# The engine's MaxNumOfCpuPerSocket (VmValidator).
MAX_CORES_PER_SOCKET = 254
# The words of the engine's lock conflicts (EngineMessage VM_IS_LOCKED, OBJECT_LOCKED, VM_IS_BEING_UPDATED): a write
# that meets one is waited out like any lock.
LOCK_WORDS = ('locked', 'related operation is currently in progress', 'is being updated')


# VM statuses without a running guest: the engine's VMStatus.Down, and ImageLocked (a VM whose disks are being made,
# never started). A suspended VM counts as running, as for RemoveVmCommand: its memory is kept for its resume.
NOT_RUNNING = ('down', 'image_locked')


def runs(vm):
    """Whether the SDK VM has a running guest, whose changes wait for its next start or need a device unplugged."""
    return vm.status is not None and vm.status.value not in NOT_RUNNING


def is_lock_conflict(text):
    lowered = str(text).lower()
    return any(word in lowered for word in LOCK_WORDS)


def check_description(description, hypervisor, subject):
    if not description:
        return
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInputError(
            'description has {0} characters; the oVirt engine takes at most {1}'.format(len(description), MAX_DESCRIPTION),
            hypervisor=hypervisor,
            subject=subject,
        )
    refused = sorted({ch for ch in description if ord(ch) >= 128 and not ch.isalpha()})
    if refused:
        raise InvalidInputError(
            'description holds {0}; the oVirt engine takes ASCII and letters only'.format(', '.join(repr(ch) for ch in refused)),
            hypervisor=hypervisor,
            subject=subject,
        )


def sockets_and_cores(total, sockets, threads):
    """(sockets, cores per socket, threads) for total vCPUs: the current sockets and threads when they divide it
    and leave at most MAX_CORES_PER_SOCKET cores a socket, else one thread a core over the fewest sockets that do."""
    if total % (sockets * threads) == 0 and total // (sockets * threads) <= MAX_CORES_PER_SOCKET:
        return sockets, total // (sockets * threads), threads
    # total sockets of one core each always qualifies, so the loop returns.
    count = next(count for count in range(1, total + 1) if total % count == 0 and total // count <= MAX_CORES_PER_SOCKET)
    return count, total // count, 1
