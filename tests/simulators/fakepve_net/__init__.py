"""fakepve, extended where the collection needs more of Proxmox VE than it models (see networks.py).

Not called `fakepve`: a package of that name here would shadow the installed fakepve on pytest's path.
"""

from .networks import NetworkedPve

__all__ = ['NetworkedPve']
