"""fakepve, extended where the collection needs more of Proxmox VE than it models: per-node networks (networks.py),
the disk writes of a VM's config and its resize (disks.py), and the rules PVE enforces beyond its API schema
(rules.py).

Not called `fakepve`: a package of that name here would shadow the installed fakepve on pytest's path.
"""

from .disks import DiskPve
from .networks import NetworkedPve
from .rules import StrictPve

__all__ = ['DiskPve', 'NetworkedPve', 'StrictPve']
