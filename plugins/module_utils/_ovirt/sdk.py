# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The oVirt SDK (ovirtsdk4 and its types), imported when an oVirt driver is made (_sdk.py says why)."""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._sdk import LazySdk

REQUIREMENT = 'ovirt-engine-sdk-python'

sdk = LazySdk('ovirtsdk4', REQUIREMENT)
otypes = LazySdk('ovirtsdk4.types', REQUIREMENT)
