# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""libvirt-python, imported when a libvirt driver is made (_sdk.py says why), with its error printer silenced."""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._sdk import LazySdk


def _silence(module):
    # libvirt-python prints every error to stderr by default; here each one is raised and translated instead,
    # and a module's output must be its JSON only.
    module.registerErrorHandler(lambda _context, _error: None, None)


libvirt = LazySdk('libvirt', 'libvirt-python', on_load=_silence)
