#!/usr/bin/python
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pureboot_vm
short_description: Create, reconfigure, power and remove a VM on Proxmox VE, oVirt/RHV or libvirt/KVM
version_added: 0.1.0
description:
  - Brings one virtual machine to the requested O(state) on the hypervisor given by O(hypervisor).
  - A VM that does not exist is created from O(template) with the given placement and hardware, and left stopped
    unless O(state=running).
  - Without O(template) a new VM is created blank, from O(disks), O(networks) and the other hardware options, to be
    installed over the network (PXE) by PureBoot.
  - On later runs the hardware options that are given are compared with the VM and only the differences are written,
    so a second run with the same options reports no change.
  - The same options give the same results on Proxmox VE, on oVirt/RHV and on libvirt/KVM.
  - A task that sets O(hypervisor.type) runs this module's twin of that type, for V(proxmox)
    M(pureboot.hypervisors.pureboot_vm_proxmox), which carries the one type's code. Options and results are the
    same; the module to pack and ship is smaller. With the type from E(PUREBOOT_HV_TYPE) this module runs itself.
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
  - module: pureboot.hypervisors.pureboot_vm_info
  - module: pureboot.hypervisors.pureboot_vm_template_info
"""

EXAMPLES = r"""
- name: Create a VM from a template and start it
  pureboot.hypervisors.pureboot_vm:
    hypervisor:
      type: proxmox
      api_url: "{{ pve_api_url }}"  # https://pve1.example.com:8006
      username: root@pam
      password: "{{ vault_pve_password }}"
    name: web-01
    template: ubuntu-2404-tpl
    node: pve1
    cpu_cores: 2
    memory_mb: 4096
    networks:
      - network: vmbr0
        vlan: 20
    tags: [web, lab]
    state: running

- name: Boot a VM from the network into PureBoot
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    name: web-01
    pxe_boot: true
    state: restarted

- name: Create a VM, register it in PureBoot and boot it into a workflow
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    pureboot:
      url: "{{ pureboot_url }}"  # https://pureboot.example.com
      api_key: "{{ vault_pureboot_api_key }}"
    name: web-02
    template: ubuntu-2404-tpl
    pxe_boot: true
    pureboot_node:
      workflow_id: ubuntu-2404-server
      tags: [web]
    state: running
  register: web02

- name: Create a VM, register it, queue its install and wait until PureBoot has installed it
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    pureboot:
      url: "{{ pureboot_url }}"
      api_key: "{{ vault_pureboot_api_key }}"
    name: web-03
    template: ubuntu-2404-tpl
    pxe_boot: true
    pureboot_node:
      workflow_id: ubuntu-2404-server
      install: true
      wait_for: installed
      wait_timeout: 1800
    state: running
  register: web03  # web03.pureboot_wait.states_seen: [pending, installing, installed]

- name: Create a VM from a ready image, configured by cloud-init at its first boot
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    name: app-01
    template: ubuntu-2404-tpl
    networks:
      - network: vmbr0
    cloud_init:
      user: deploy
      password: "{{ vault_deploy_password }}"
      ssh_keys:
        - "{{ lookup('ansible.builtin.file', 'files/deploy.pub') }}"
      ip_config:
        - address: 192.0.2.10/24
          gateway: 192.0.2.1
      nameservers: [192.0.2.53]
      search_domains: [lab.example.com]
    state: running

- name: Remove the VM, powering it off hard
  pureboot.hypervisors.pureboot_vm:
    hypervisor: "{{ pve }}"
    name: web-01
    state: absent
    force: true
"""

RETURN = r"""
vm:
  description:
    - The VM's normalised record after the task, the same keys for every hypervisor type.
    - In check mode, the record the VM would have. With O(state=absent), the record it had before removal (empty
      when there was no such VM).
  returned: always
  type: dict
  contains:
    id:
      description: Proxmox VMID, oVirt UUID or libvirt domain UUID, as a string.
      type: str
      sample: '101'
    name:
      description: Name of the VM.
      type: str
      sample: web-01
    hypervisor:
      description: Name of the hypervisor connection.
      type: str
      sample: pve-lab
    hypervisor_type:
      description: V(proxmox), V(ovirt) or V(libvirt).
      type: str
      sample: proxmox
    status:
      description: One of V(running), V(stopped), V(paused), V(suspended), V(starting), V(stopping), V(locked),
        V(unknown).
      type: str
      sample: running
    node:
      description: Proxmox node, oVirt host or libvirt host the VM is on.
      type: str
      sample: pve1
    cluster:
      description: oVirt cluster of the VM.
      type: str
    cpu_cores:
      description: Number of virtual CPUs.
      type: int
      sample: 2
    memory_mb:
      description: Memory in MiB.
      type: int
      sample: 4096
    nics:
      description: NICs in order, each with C(name), C(mac) (lowercase, colon-separated), C(network), C(model),
        C(vlan).
      type: list
      elements: dict
    disks:
      description: Disks in bus order (the first is the boot disk), each with C(name) (Proxmox V(scsi0), libvirt
        V(vda), the oVirt disk's name), C(size_gb) (whole GiB, a part rounded up), C(storage), C(interface).
      type: list
      elements: dict
    ip_addresses:
      description: Addresses the guest reports.
      type: list
      elements: str
    uuid:
      description: SMBIOS UUID of the VM.
      type: str
    template:
      description: Whether this is a template.
      type: bool
    boot_order:
      description: Boot devices in order.
      type: list
      elements: str
      sample: [network, disk]
    firmware:
      description: V(bios) or V(uefi).
      type: str
    os_type:
      description: Guest OS type as the hypervisor names it.
      type: str
    cpu_sockets:
      description: CPU sockets the virtual CPUs are spread over.
      type: int
    cpu_type:
      description: CPU model, V(host) for the host's CPU passed through.
      type: str
    start_on_boot:
      description: Whether the VM starts with its host; null on oVirt, which has no such setting.
      type: bool
    tags:
      description: Tags of the VM.
      type: list
      elements: str
    description:
      description: Description of the VM.
      type: str
cloud_init:
  description:
    - The VM's cloud-init settings after the task (in check mode, the settings it would have), redacted.
    - C(password) is a mask when a password is set, else null; C(ssh_keys) are fingerprints (C(ssh-ed25519
      SHA256:...)); C(user_data) is C(sha256:) and the first 16 hex digits of the document's SHA-256.
  returned: when O(cloud_init) is given and O(state) is not V(absent)
  type: dict
  sample: {user: deploy, password: '********', ssh_keys: ['ssh-ed25519 SHA256:n1pB6Xk...'],
           ip_config: [{address: 192.0.2.10/24, gateway: 192.0.2.1, address6: null, gateway6: null}],
           nameservers: [192.0.2.53], search_domains: [lab.example.com], user_data: null}
pureboot_node:
  description:
    - The VM's PureBoot node after the task, when O(pureboot) is given; in check mode the node it would have.
    - With O(state=absent), the node as retired (or kept).
  returned: when O(pureboot) is given
  type: dict
  contains:
    id:
      description: Node id (a UUID).
      type: str
    mac_address:
      description: The VM's first NIC MAC, lowercase.
      type: str
      sample: bc:24:11:5e:0a:01
    hostname:
      description: Hostname of the node.
      type: str
    state:
      description: PureBoot state, for example V(discovered), V(installing), V(active), V(retired).
      type: str
    system_uuid:
      description: SMBIOS UUID of the VM.
      type: str
    arch:
      description: Architecture.
      type: str
    boot_mode:
      description: V(bios) or V(uefi).
      type: str
    group_id:
      description: PureBoot group id.
      type: str
    workflow_id:
      description: Workflow of the node.
      type: str
    tags:
      description: Tags of the node.
      type: list
      elements: str
pureboot_install:
  description:
    - What O(pureboot_node.install) or O(pureboot_node.reinstall) did (in check mode, would do).
  returned: when O(pureboot) is given with O(pureboot_node.install) or O(pureboot_node.reinstall)
  type: dict
  contains:
    queued:
      description: Whether the install was queued (the node's state changed).
      type: bool
    from_state:
      description: The node's state before.
      type: str
      sample: discovered
    transitions:
      description: The states the node was moved to, in order.
      type: list
      elements: str
      sample: [pending]
    forced:
      description: Whether the change was forced (O(pureboot_node.force_install)).
      type: bool
    why:
      description: What it came down to, in words.
      type: str
      sample: queued from discovered
pureboot_wait:
  description:
    - The wait for O(pureboot_node.wait_for). When a wait fails, the same dictionary is in the failed result's
      C(error_details).
  returned: when O(pureboot_node.wait_for) is given, not in check mode
  type: dict
  contains:
    state:
      description: The state waited for.
      type: str
      sample: installed
    states_seen:
      description: The node's states as the polls saw them, each once, in order.
      type: list
      elements: str
      sample: [pending, installing, installed]
    seconds:
      description: How long the wait took.
      type: int
      sample: 48
"""

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import DRIVER_LOADERS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_module import run_vm_module


def main():
    run_vm_module(DRIVER_LOADERS)


if __name__ == '__main__':
    main()
