# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A new VM's id on Proxmox VE: chosen by the caller (POST /nodes/{node}/qemu/{vmid}/clone takes newid), so parallel
creates spread over the free ids instead of all taking /cluster/nextid. Pure functions."""

from __future__ import annotations

import zlib

# A new VM's id is one of the first ID_WINDOW free ids from /cluster/nextid on, chosen by its name: forks
# creating VMs at the same moment all get the same nextid, and would all but one collide on it.
ID_WINDOW = 1000


def free_vmid(lowest, taken, skip):
    """The free id (not in taken) that comes after skip other free ids, counting from lowest on."""
    vmid = int(lowest)
    while True:
        if vmid not in taken:
            if skip == 0:
                return vmid
            skip -= 1
        vmid += 1


def name_offset(name, window=ID_WINDOW):
    """Where in the window of free ids the VM called name starts looking: the same for the same name, spread
    over the window for different names (CRC-32, not a secret)."""
    return zlib.crc32(str(name).encode('utf-8')) % window
