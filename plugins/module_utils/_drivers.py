# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The registry of drivers by `type`: adding a hypervisor type means its package (_<type>/), its name in
_driver.HYPERVISOR_TYPES and one line here; docs/drivers.md ("Adding a type") lists the other files it touches.

Each type's driver is imported by a function of its own, when a run first asks for that type: a Proxmox VE task
neither imports nor compiles the oVirt and libvirt code (a module's module_utils come in its AnsiballZ zip, which
Python compiles anew on every task). The imports are still written out by name, because Ansible packs a module
with the module_utils it finds in import statements, wherever they stand in the file. No driver imports its SDK
before one of its type is made (_sdk.py), so a run loads only the SDK of the types it uses.

So a module that imports this registry is packed with every type's code. pureboot_vm and pureboot_vm_info have a
twin per type (plugins/modules/pureboot_vm_<type>.py) that names its one driver instead, and their action plugins
run the twin when the task names the type: docs/drivers.md, "One type's code per task".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HYPERVISOR_TYPES, Connection, open_driver

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HypervisorDriver


def _libvirt() -> type[HypervisorDriver]:
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.driver import LibvirtDriver

    return LibvirtDriver


def _ovirt() -> type[HypervisorDriver]:
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.driver import OvirtDriver

    return OvirtDriver


def _proxmox() -> type[HypervisorDriver]:
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.driver import ProxmoxDriver

    return ProxmoxDriver


# Each type of HYPERVISOR_TYPES, and the function that imports its driver class (whose TYPE is the key:
# test_drivers.py checks both).
DRIVER_LOADERS: dict[str, Callable[[], type[HypervisorDriver]]] = {'libvirt': _libvirt, 'ovirt': _ovirt, 'proxmox': _proxmox}
__all__ = ['DRIVER_LOADERS', 'HYPERVISOR_TYPES', 'driver_class', 'driver_classes', 'driver_for']


def driver_class(kind: str) -> type[HypervisorDriver]:
    """The driver class of a registered type, imported now if it was not yet."""
    return DRIVER_LOADERS[kind]()


def driver_classes() -> dict[str, type[HypervisorDriver]]:
    """Every registered type's driver class by type, for what needs every type's facts (it imports them all)."""
    return {kind: driver_class(kind) for kind in HYPERVISOR_TYPES}


def driver_for(options: Connection | Mapping[str, Any] | None) -> HypervisorDriver:
    """A driver for one `hypervisor` option (a dict), of any type; raises InvalidInputError on bad options."""
    return open_driver(options, DRIVER_LOADERS)
