#!/usr/bin/python
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pureboot_vm_template_info
short_description: List the VM templates of a Proxmox VE, oVirt/RHV or libvirt/KVM hypervisor
version_added: 0.1.0
description:
  - Lists the templates VMs can be created from, with their hardware.
  - O(pureboot) is accepted, so that a play's C(module_defaults) for the C(group/pureboot.hypervisors.all) action
    group apply to this module too, and ignored; templates have no PureBoot node, and PureBoot is never contacted.
author:
  - PureBoot contributors (@pureboot)
options:
  name:
    description:
      - Exact name or shell-style glob of the templates to list.
    type: str
  node:
    description:
      - Only templates on this Proxmox node (or libvirt host); a node that does not exist fails with the list of those
        that do.
    type: str
  cluster:
    description:
      - Only templates usable in this oVirt cluster (those of its data center); a cluster that does not exist fails
        with the list of those that do.
    type: str
extends_documentation_fragment:
  - pureboot.hypervisors.hypervisor
  - pureboot.hypervisors.pureboot
  - pureboot.hypervisors.attributes
  - pureboot.hypervisors.attributes.info_module
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
seealso:
  - module: pureboot.hypervisors.pureboot_vm
"""

EXAMPLES = r"""
- name: Ubuntu templates
  pureboot.hypervisors.pureboot_vm_template_info:
    hypervisor: "{{ pve }}"
    name: "ubuntu-*"
  register: ubuntu

- name: Their names
  ansible.builtin.debug:
    msg: "{{ ubuntu.templates | map(attribute='name') | list }}"
"""

RETURN = r"""
templates:
  description: The matching templates.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Proxmox VMID, oVirt UUID or libvirt domain UUID of the template, as a string.
      type: str
      sample: '9000'
    name:
      description: Name of the template.
      type: str
      sample: ubuntu-2404-tpl
    os_type:
      description: Guest OS type as the hypervisor names it.
      type: str
      sample: l26
    cpu_cores:
      description: Virtual CPUs a VM gets from it.
      type: int
      sample: 1
    memory_mb:
      description: Memory in MiB a VM gets from it.
      type: int
      sample: 1024
    disk_gb:
      description: Size of its first disk in GiB.
      type: float
      sample: 8.0
    node:
      description: Proxmox node or libvirt host the template is on.
      type: str
      sample: pve1
    cluster:
      description: oVirt cluster of the template, when it has one.
      type: str
    description:
      description: Description of the template.
      type: str
    hypervisor:
      description: Name of the hypervisor connection.
      type: str
      sample: pve-lab
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import DRIVER_LOADERS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._module import run_module
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import hypervisor_argument_spec
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import pureboot_argument_spec


def list_templates(driver, params):
    return {'changed': False, 'templates': driver.list_templates(name=params['name'], node=params['node'], cluster=params['cluster'])}


def main():
    argument_spec = hypervisor_argument_spec()
    argument_spec.update(name=dict(type='str'), node=dict(type='str'), cluster=dict(type='str'))
    # Only so that group module_defaults with `pureboot` apply here too (see DOCUMENTATION); never used.
    argument_spec.update(pureboot_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda driver, _client: list_templates(driver, module.params), DRIVER_LOADERS, pureboot=False)


if __name__ == '__main__':
    main()
