# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The registry of drivers by `type`: adding a hypervisor type means its package (_<type>/) and one line here;
docs/drivers.md ("Adding a type") lists the other files it touches.

Imports are static because Ansible packs a module with the module_utils it imports by name; no driver
imports its SDK before one of its type is made (_sdk.py), so a run loads only the SDK of the types it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.driver import LibvirtDriver
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.driver import OvirtDriver
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.driver import ProxmoxDriver

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HypervisorDriver

DRIVERS: dict[str, type[HypervisorDriver]] = {LibvirtDriver.TYPE: LibvirtDriver, OvirtDriver.TYPE: OvirtDriver, ProxmoxDriver.TYPE: ProxmoxDriver}
HYPERVISOR_TYPES = tuple(sorted(DRIVERS))


def driver_for(options: Connection | Mapping[str, Any] | None) -> HypervisorDriver:
    """A driver for one `hypervisor` option (a dict); raises InvalidInputError on bad options."""
    connection = options if isinstance(options, Connection) else Connection(options)
    driver_class = DRIVERS.get(connection.type)
    if driver_class is None:
        raise InvalidInputError("unknown hypervisor type '{0}'; known: {1}".format(connection.type, ', '.join(HYPERVISOR_TYPES)), hypervisor=connection.name)
    return driver_class(connection)
