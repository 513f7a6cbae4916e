# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""pureboot_vm_info, written once for the module of every type and its twin of each type (pureboot_vm_info_<type>):
they differ only in the drivers they carry (_drivers.py says why). Documented in plugins/doc_fragments/vm_info.py."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pureboot.hypervisors.plugins.module_utils._module import run_module
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import hypervisor_argument_spec, vm_filter_suboptions
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import pureboot_argument_spec


def list_vms(driver, client, params):
    """The result: the VMs the filters of params match, each with its PureBoot node when client is given."""
    vms = driver.list_vms(
        name=params['name'],
        status=params['status'],
        node=params['node'],
        cluster=params['cluster'],
        tags=params['tags'],
        include_templates=params['include_templates'],
    )
    if client is not None:
        # The node code only with PureBoot (_pureboot/options.py says why).
        from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.nodes import NodeIndex, node_view

        # One listing of the nodes, matched locally: PureBoot has no MAC filter.
        nodes = NodeIndex(client.list_nodes())
        for vm in vms:
            vm['pureboot_node'] = node_view(nodes.for_vm(vm)) or None
    return {'changed': False, 'vms': vms}


def vm_info_argument_spec():
    """pureboot_vm_info's options, as AnsibleModule takes them."""
    argument_spec = hypervisor_argument_spec()
    argument_spec.update(vm_filter_suboptions())
    argument_spec.update(include_templates=dict(type='bool', default=False))
    argument_spec.update(pureboot_argument_spec())
    return argument_spec


def run_vm_info_module(drivers):
    """Run pureboot_vm_info with drivers ({type: function importing its driver class}, as run_module takes them)."""
    module = AnsibleModule(argument_spec=vm_info_argument_spec(), supports_check_mode=True)
    run_module(module, lambda driver, client: list_vms(driver, client, module.params), drivers)
