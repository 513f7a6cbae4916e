#!/usr/bin/python
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pureboot_vm_ovirt
short_description: Create, reconfigure, power and remove a VM on oVirt/RHV, with that one type's code
version_added: 0.1.0
description:
  - M(pureboot.hypervisors.pureboot_vm) with the oVirt/RHV driver alone. Options, behaviour and results are the same;
    the module carries one hypervisor type's code, so a task has less to pack, ship and load.
  - M(pureboot.hypervisors.pureboot_vm) runs this module by itself when its task sets O(hypervisor.type) to V(ovirt).
    A task may also name it directly; another O(hypervisor.type) then fails the task with one line.
author:
  - PureBoot contributors (@pureboot)
extends_documentation_fragment:
  - pureboot.hypervisors.vm
  - pureboot.hypervisors.hypervisor
  - pureboot.hypervisors.pureboot
  - pureboot.hypervisors.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
seealso:
  - module: pureboot.hypervisors.pureboot_vm
"""

EXAMPLES = r"""
- name: A running VM; pureboot.hypervisors.pureboot_vm runs this module for such a task by itself
  pureboot.hypervisors.pureboot_vm_ovirt:
    hypervisor: "{{ rhv }}"
    name: web-01
    template: rhel9-tpl
    cluster: Default
    state: running
"""

RETURN = r"""
vm:
  description:
    - As M(pureboot.hypervisors.pureboot_vm) returns it.
  returned: always
  type: dict
cloud_init:
  description:
    - As M(pureboot.hypervisors.pureboot_vm) returns it.
  returned: when O(cloud_init) is given and O(state) is not V(absent)
  type: dict
pureboot_node:
  description:
    - As M(pureboot.hypervisors.pureboot_vm) returns it.
  returned: when O(pureboot) is given
  type: dict
pureboot_install:
  description:
    - As M(pureboot.hypervisors.pureboot_vm) returns it.
  returned: when O(pureboot) is given with O(pureboot_node.install) or O(pureboot_node.reinstall)
  type: dict
pureboot_wait:
  description:
    - As M(pureboot.hypervisors.pureboot_vm) returns it.
  returned: when O(pureboot_node.wait_for) is given, not in check mode
  type: dict
"""

from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.driver import OvirtDriver
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_module import run_vm_module


def main():
    # The one driver named here, not the registry (_drivers.py): that keeps the other types out of the module's zip.
    run_vm_module({OvirtDriver.TYPE: lambda: OvirtDriver})


if __name__ == '__main__':
    main()
