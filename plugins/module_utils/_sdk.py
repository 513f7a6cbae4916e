# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A hypervisor SDK imported when a driver of its type is made, not when its module is imported.

The registry (_drivers.py) imports every driver statically, because Ansible packs a module with the
module_utils it imports by name. If each driver imported its SDK at the top, a run that only uses Proxmox
VE would load libvirt-python and the oVirt SDK too (about half a second). Each type names its SDK as a
LazySdk instead; the driver's __init__ calls require(), which imports it (or raises MissingLibraryError
with missing_required_lib()'s words), and the type's code reads the SDK's names through the LazySdk as
it would read them from the module.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import MissingLibraryError

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType


class LazySdk:
    """One SDK module (`module`, installed as the distribution `requirement`), imported on first use."""

    def __init__(self, module: str, requirement: str, on_load: Callable[[ModuleType], None] | None = None) -> None:
        self._name = module
        self._requirement = requirement
        # Called once with the module when it is imported (libvirt-python's error printer is replaced so).
        self._on_load = on_load
        self._module: ModuleType | None = None

    def require(self, hypervisor: str | None = None) -> ModuleType:
        """The module, imported now if it was not yet; MissingLibraryError naming the distribution when absent."""
        if self._module is None:
            try:
                # __import__, not importlib.import_module: Python's import log (-X importtime), which shows what
                # a run loads and what it costs, does not see the latter.
                __import__(self._name)
            except ImportError:
                raise MissingLibraryError(missing_required_lib(self._requirement), hypervisor=hypervisor)
            module = sys.modules[self._name]
            if self._on_load is not None:
                self._on_load(module)
            self._module = module
        return self._module

    def __getattr__(self, name: str) -> Any:
        # Only names the instance does not have come here: the SDK's own (sdk.Error, libvirt.VIR_...).
        if name.startswith('__'):
            raise AttributeError(name)
        return getattr(self.require(), name)
