# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""pureboot_vm_info's action: runs pureboot_vm_info_<type> when the task sets hypervisor.type (plugin_utils/_one_type.py says why)."""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.plugin_utils._one_type import OneTypeAction


class ActionModule(OneTypeAction):
    MODULE = 'pureboot.hypervisors.pureboot_vm_info'
