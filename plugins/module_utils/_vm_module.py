# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""pureboot_vm, written once for the module of every type and its twin of each type (pureboot_vm_<type>): they
differ only in the drivers they carry (_drivers.py says why). Documented in plugins/doc_fragments/vm.py."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import cloud_init_suboptions
from ansible_collections.pureboot.hypervisors.plugins.module_utils._module import run_module
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import hypervisor_argument_spec
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import pureboot_argument_spec, pureboot_node_suboptions
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import BOOT_DEVICES, CLONE_MODES, DISK_INTERFACES, FIRMWARES
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import STATES, ensure_vm_and_node


def vm_argument_spec():
    """pureboot_vm's options, as AnsibleModule takes them."""
    argument_spec = hypervisor_argument_spec()
    argument_spec.update(
        name=dict(type='str'),
        id=dict(type='str'),
        state=dict(type='str', default='present', choices=list(STATES)),
        template=dict(type='str'),
        node=dict(type='str'),
        cluster=dict(type='str'),
        storage=dict(type='str'),
        pool=dict(type='str'),
        clone_mode=dict(type='str', default='full', choices=list(CLONE_MODES)),
        cpu_cores=dict(type='int'),
        memory_mb=dict(type='int'),
        networks=dict(
            type='list', elements='dict', options=dict(network=dict(type='str'), vlan=dict(type='int'), model=dict(type='str'), mac=dict(type='str'))
        ),
        boot_order=dict(type='list', elements='str', choices=list(BOOT_DEVICES)),
        firmware=dict(type='str', choices=list(FIRMWARES)),
        description=dict(type='str'),
        disks=dict(
            type='list',
            elements='dict',
            options=dict(size_gb=dict(type='int', required=True), storage=dict(type='str'), interface=dict(type='str', choices=list(DISK_INTERFACES))),
        ),
        os_type=dict(type='str'),
        cpu_sockets=dict(type='int'),
        cpu_type=dict(type='str'),
        start_on_boot=dict(type='bool'),
        tags=dict(type='list', elements='str'),
        pxe_boot=dict(type='bool'),
        cloud_init=dict(type='dict', options=cloud_init_suboptions()),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
        force=dict(type='bool', default=False),
        pureboot_node=dict(type='dict', options=pureboot_node_suboptions()),
    )
    argument_spec.update(pureboot_argument_spec())
    return argument_spec


def run_vm_module(drivers):
    """Run pureboot_vm with drivers ({type: function importing its driver class}, as run_module takes them)."""
    module = AnsibleModule(argument_spec=vm_argument_spec(), required_one_of=[('name', 'id')], supports_check_mode=True)
    run_module(module, lambda driver, client: ensure_vm_and_node(driver, client, module.params, module.check_mode), drivers)
