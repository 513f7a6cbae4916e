#!/usr/bin/python
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pureboot_vm_info_ovirt
short_description: List the VMs on oVirt/RHV, with that one type's code
version_added: 0.1.0
description:
  - M(pureboot.hypervisors.pureboot_vm_info) with the oVirt/RHV driver alone. Options, behaviour and results are the same;
    the module carries one hypervisor type's code, so a task has less to pack, ship and load.
  - M(pureboot.hypervisors.pureboot_vm_info) runs this module by itself when its task sets O(hypervisor.type) to V(ovirt).
    A task may also name it directly; another O(hypervisor.type) then fails the task with one line.
author:
  - PureBoot contributors (@pureboot)
extends_documentation_fragment:
  - pureboot.hypervisors.vm_info
  - pureboot.hypervisors.hypervisor
  - pureboot.hypervisors.pureboot
  - pureboot.hypervisors.attributes
  - pureboot.hypervisors.attributes.info_module
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
seealso:
  - module: pureboot.hypervisors.pureboot_vm_info
"""

EXAMPLES = r"""
- name: Running web VMs; pureboot.hypervisors.pureboot_vm_info runs this module for such a task by itself
  pureboot.hypervisors.pureboot_vm_info_ovirt:
    hypervisor: "{{ rhv }}"
    name: "web-*"
    status: running
"""

RETURN = r"""
vms:
  description:
    - As M(pureboot.hypervisors.pureboot_vm_info) returns it.
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.driver import OvirtDriver
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_info_module import run_vm_info_module


def main():
    # The one driver named here, not the registry (_drivers.py): that keeps the other types out of the module's zip.
    run_vm_info_module({OvirtDriver.TYPE: lambda: OvirtDriver})


if __name__ == '__main__':
    main()
