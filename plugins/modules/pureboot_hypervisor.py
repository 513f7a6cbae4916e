#!/usr/bin/python
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pureboot_hypervisor
short_description: Test a Proxmox VE, oVirt/RHV or libvirt/KVM connection and report its facts
version_added: 0.1.0
description:
  - Logs in to the hypervisor given by O(hypervisor) and reports its status, version, hosts and how many VMs and
    templates it has, with the latency of the first request.
  - With O(fail_on_error=false) an unreachable or refusing hypervisor is reported with RV(hypervisor.status=error)
    instead of failing the task, for health checks over many hypervisors.
  - With O(pureboot), the connection is also kept in PureBoot's hypervisor registry, so the PureBoot UI shows the
    connections managed as code; it is created or updated by name, and deleted with O(state=absent).
  - Nothing secret is ever returned.
  - The connection test changes nothing; with O(pureboot) the task reports a change when the registry entry is
    created, updated or removed.
author:
  - PureBoot contributors (@pureboot)
options:
  state:
    description:
      - V(present) tests the connection live.
      - V(absent) does not contact the hypervisor; with O(pureboot) it removes the connection from PureBoot's
        registry by O(hypervisor.name) alone (or the host of O(hypervisor.api_url) when no name is given); neither
        O(hypervisor.type) nor a credential is needed.
    type: str
    choices: [present, absent]
    default: present
  fail_on_error:
    description:
      - Fail the task when the hypervisor cannot be reached or refuses the login.
      - With V(false) such a hypervisor is reported with RV(hypervisor.status=error), RV(hypervisor.error) and
        RV(hypervisor.error_category). Wrong options (a missing credential, an unknown type) still fail.
    type: bool
    default: true
  register_credentials:
    description:
      - Send O(hypervisor.password) to PureBoot's registry too. PureBoot stores it only base64-encoded, so the
        module warns whenever it is sent.
    type: bool
    default: false
  password_update:
    description:
      - V(on_create) sends the password only when the registry entry is created (it cannot be read back to compare);
        V(always) sends it on every run, which then always reports a change.
    type: str
    choices: [on_create, always]
    default: on_create
extends_documentation_fragment:
  - pureboot.hypervisors.hypervisor
  - pureboot.hypervisors.pureboot
  - pureboot.hypervisors.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: The test only reads; the registry is compared but not written.
  diff_mode:
    support: full
    details: The PureBoot registry entry before and after.
seealso:
  - module: pureboot.hypervisors.pureboot_vm_info
"""

EXAMPLES = r"""
- name: Test the lab's Proxmox VE cluster
  pureboot.hypervisors.pureboot_hypervisor:
    hypervisor:
      name: pve-lab
      type: proxmox
      api_url: "{{ pve_api_url }}"  # https://pve1.example.com:8006
      api_token_id: automation@pve!ansible
      api_token_secret: "{{ vault_pve_token }}"
  register: lab

- name: Health of every hypervisor, without stopping at the first that is down
  pureboot.hypervisors.pureboot_hypervisor:
    # Loop over names, not connections: a failed loop item is printed whole, secrets included.
    hypervisor: "{{ hypervisors | selectattr('name', 'equalto', item) | first }}"
    fail_on_error: false
  loop: "{{ hypervisors | map(attribute='name') | list }}"
  register: health

- name: Keep the connection in PureBoot's registry
  pureboot.hypervisors.pureboot_hypervisor:
    hypervisor: "{{ pve }}"
    pureboot:
      url: "{{ pureboot_url }}"  # https://pureboot.example.com
      api_key: "{{ vault_pureboot_api_key }}"
"""

RETURN = r"""
hypervisor:
  description: The connection and what the test found.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the connection.
      type: str
      sample: pve-lab
    type:
      description: V(proxmox), V(ovirt) or V(libvirt).
      type: str
      sample: proxmox
    api_url:
      description: Address of the API.
      type: str
      sample: https://pve1.example.com:8006
    status:
      description: V(online), or V(error) when O(fail_on_error=false) and the test failed; null with O(state=absent).
      type: str
      sample: online
    error:
      description: The error, one line, when RV(hypervisor.status=error).
      type: str
    error_category:
      description: V(auth), V(tls), V(unreachable), V(timeout) or V(api), when RV(hypervisor.status=error).
      type: str
    version:
      description: Version of the hypervisor's API.
      type: str
      sample: 9.0.10
    host_count:
      description: Number of hosts (Proxmox nodes, oVirt hosts; 1 on libvirt, where a connection is one host).
      type: int
      sample: 2
    vm_count:
      description: Number of VMs, templates excluded.
      type: int
      sample: 12
    template_count:
      description: Number of templates.
      type: int
      sample: 3
    hosts:
      description:
        - Each host with its C(name) and C(status).
        - C(status) is the same word on every hypervisor type, V(online), V(offline), V(maintenance) or V(unknown)
          (an oVirt host V(up) is V(online); one installing or connecting is V(unknown)).
      type: list
      elements: dict
      sample: [{name: pve1, status: online}]
    latency_ms:
      description: Milliseconds the first request (with the login) took.
      type: int
      sample: 42
    last_sync_at:
      description: When the test ran (UTC, ISO 8601).
      type: str
      sample: '2026-11-25T12:00:00Z'
pureboot_registry:
  description: The connection's entry in PureBoot's hypervisor registry (never a password); null once removed, and
    null for a libvirt connection, which PureBoot's registry does not take (the task warns instead).
  returned: when O(pureboot) is given
  type: dict
  sample:
    id: 3f2b6c1e-5a4d-4e8f-9b0a-1c2d3e4f5a6b
    name: pve-lab
    type: proxmox
    api_url: https://pve1.example.com:8006
    username: root@pam
    verify_ssl: true
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pureboot.hypervisors.plugins.module_utils._hypervisor_state import ensure_hypervisor
from ansible_collections.pureboot.hypervisors.plugins.module_utils._module import run_module
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import hypervisor_argument_spec
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import pureboot_argument_spec
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.registry import PASSWORD_UPDATES


def main():
    argument_spec = hypervisor_argument_spec()
    argument_spec.update(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        fail_on_error=dict(type='bool', default=True),
        register_credentials=dict(type='bool', default=False),
        password_update=dict(type='str', default='on_create', choices=list(PASSWORD_UPDATES), no_log=False),
    )
    argument_spec.update(pureboot_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    # The live test opens (and closes) its own driver: state=absent needs none.
    run_module(module, lambda _driver, client: ensure_hypervisor(module.params, module.check_mode, client))


if __name__ == '__main__':
    main()
