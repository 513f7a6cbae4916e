"""fakepve, extended where the collection needs more of Proxmox VE than it models: per-node networks (networks.py),
the disk writes of a VM's config and its resize (disks.py), the rules PVE enforces beyond its API schema
(rules.py), and what a running VM takes at once rather than at its next start (hotplug.py).

Not called `fakepve`: a package of that name here would shadow the installed fakepve on pytest's path.
"""

from .disks import DiskPve
from .hotplug import HotplugPve
from .networks import NetworkedPve
from .rules import StrictPve

__all__ = ['DiskPve', 'HotplugPve', 'NetworkedPve', 'StrictPve']
