# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""proxmoxer, imported when a Proxmox VE driver is made (_sdk.py says why).

proxmoxer.core is where ProxmoxAPI and the exceptions it raises (ResourceException, AuthenticationError) are
defined. requests, which proxmoxer sends with, is imported by _http.py for every client anyway.
"""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._sdk import LazySdk

proxmoxer_core = LazySdk('proxmoxer.core', 'proxmoxer')
