#!/usr/bin/python
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pureboot_vm_info
short_description: List the VMs of a Proxmox VE, oVirt/RHV or libvirt/KVM hypervisor
version_added: 0.1.0
description:
  - Lists VMs with their normalised records, the same keys for every hypervisor type.
  - Filters are applied before per-VM details are fetched, so narrow lists are cheap on large clusters.
  - With O(pureboot), each VM carries its PureBoot node, the node with the MAC of one of its NICs. The SMBIOS UUID
    only confirms one of several; a node whose MAC is on none of the VM's NICs is never the VM's node, whatever its
    UUID (PureBoot registers nodes with any MAC and UUID without a login).
  - A task that sets O(hypervisor.type) runs this module's twin of that type, for V(proxmox)
    M(pureboot.hypervisors.pureboot_vm_info_proxmox), which carries the one type's code. Options and results are the
    same; the module to pack and ship is smaller. With the type from E(PUREBOOT_HV_TYPE) this module runs itself.
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
  - module: pureboot.hypervisors.pureboot_vm
"""

EXAMPLES = r"""
- name: Running web VMs
  pureboot.hypervisors.pureboot_vm_info:
    hypervisor: "{{ pve }}"
    name: "web-*"
    status: running
  register: web

- name: Their MAC addresses
  ansible.builtin.debug:
    msg: "{{ web.vms | map(attribute='nics') | map('first') | map(attribute='mac') | list }}"
"""

RETURN = r"""
vms:
  description:
    - The matching VMs, each a normalised record as M(pureboot.hypervisors.pureboot_vm) returns it in RV(ignore:vm).
    - With O(pureboot), each also has C(pureboot_node), its node (null when none matches).
  returned: always
  type: list
  elements: dict
  sample:
    - id: '101'
      name: web-01
      hypervisor: pve-lab
      hypervisor_type: proxmox
      status: running
      node: pve1
      cluster: null
      cpu_cores: 2
      memory_mb: 4096
      nics:
        - name: net0
          mac: bc:24:11:5e:0a:01
          network: vmbr0
          model: virtio
          vlan: 20
      disks:
        - name: scsi0
          size_gb: 32
          storage: local-lvm
          interface: scsi
      ip_addresses: [192.0.2.10]
      uuid: 5f1c2d3e-0000-4000-8000-000000000101
      template: false
      boot_order: [network, disk]
      firmware: bios
      os_type: l26
      cpu_sockets: 1
      cpu_type: host
      start_on_boot: true
      tags: [lab, web]
      description: ''
      pureboot_node:
        id: 0b9e4c1a-7f2d-4c55-9a51-2d0f3c7e8b11
        mac_address: bc:24:11:5e:0a:01
        hostname: web-01
        state: active
        arch: x86_64
        boot_mode: bios
        system_uuid: 5f1c2d3e-0000-4000-8000-000000000101
        group_id: null
        workflow_id: ubuntu-2404-server
        tags: [web]
        ip_address: 192.0.2.10
"""

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import DRIVER_LOADERS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_info_module import run_vm_info_module


def main():
    run_vm_info_module(DRIVER_LOADERS)


if __name__ == '__main__':
    main()
