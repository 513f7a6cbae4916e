"""The twins of pureboot_vm and pureboot_vm_info, one per hypervisor type (plugins/modules/<module>_<type>.py), as
they must read: written from their module's documentation, so that what they say and return is said once.

    python tests/unit/plugins/modules/one_type_twins.py    # from the collection's root: writes them again

test_one_type_modules.py checks that each file is what render() gives (docs/drivers.md, "One type's code per task").
"""

import ast
import pathlib
import sys

import yaml

COLLECTION = pathlib.Path(__file__).resolve().parents[4]
MODULES = COLLECTION / 'plugins' / 'modules'

# Each type: its product's name in docs, its package and its driver class.
TYPES = {
    'libvirt': ('libvirt/KVM', '_libvirt', 'LibvirtDriver'),
    'ovirt': ('oVirt/RHV', '_ovirt', 'OvirtDriver'),
    'proxmox': ('Proxmox VE', '_proxmox', 'ProxmoxDriver'),
}

# Each type: the connection, the template and the placement its examples name (make lab defines them:
# docs/getting-started.md).
EXAMPLE_CONNECTIONS = {
    'libvirt': ('kvm', 'ubuntu-2404-tpl', ''),
    'ovirt': ('rhv', 'rhel9-tpl', 'cluster: Default\n    '),
    'proxmox': ('pve', 'ubuntu-2404-tpl', ''),
}

# Each module with a twin: where its code is (module_utils file, function), what it does, and an example task.
TWINNED = {
    'pureboot_vm': (
        '_vm_module',
        'run_vm_module',
        'Create, reconfigure, power and remove a VM',
        """- name: A running VM; pureboot.hypervisors.pureboot_vm runs this module for such a task by itself
  pureboot.hypervisors.pureboot_vm_{kind}:
    hypervisor: "{{{{ {connection} }}}}"
    name: web-01
    template: {template}
    {placement}state: running
""",
    ),
    'pureboot_vm_info': (
        '_vm_info_module',
        'run_vm_info_module',
        'List the VMs',
        """- name: Running web VMs; pureboot.hypervisors.pureboot_vm_info runs this module for such a task by itself
  pureboot.hypervisors.pureboot_vm_info_{kind}:
    hypervisor: "{{{{ {connection} }}}}"
    name: "web-*"
    status: running
""",
    ),
}

TEMPLATE = '''#!/usr/bin/python
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
{doc}"""

EXAMPLES = r"""
{example}"""

RETURN = r"""
{ret}"""

from ansible_collections.pureboot.hypervisors.plugins.module_utils.{package}.driver import {driver}
from ansible_collections.pureboot.hypervisors.plugins.module_utils.{code} import {runner}


def main():
    # The one driver named here, not the registry (_drivers.py): that keeps the other types out of the module's zip.
    {runner}({{{driver}.TYPE: lambda: {driver}}})


if __name__ == '__main__':
    main()
'''


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, as the collection's documentation writes them."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _dump(data):
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=116, allow_unicode=True)


def _module_doc(module, variable):
    source = (MODULES / (module + '.py')).read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == variable:
            return yaml.safe_load(node.value.value)
    raise LookupError('{0} has no {1}'.format(module, variable))


def render(module, kind):
    """The source of module's twin of kind."""
    code, runner, what, example = TWINNED[module]
    product, package, driver = TYPES[kind]
    doc = {
        'module': '{0}_{1}'.format(module, kind),
        'short_description': "{0} on {1}, with that one type's code".format(what, product),
        'version_added': '0.1.0',
        'description': [
            'M(pureboot.hypervisors.{0}) with the {1} driver alone. Options, behaviour and results are the same; the module '
            "carries one hypervisor type's code, so a task has less to pack, ship and load.".format(module, product),
            'M(pureboot.hypervisors.{0}) runs this module by itself when its task sets O(hypervisor.type) to V({1}). A task '
            'may also name it directly; another O(hypervisor.type) then fails the task with one line.'.format(module, kind),
        ],
        'author': ['PureBoot contributors (@pureboot)'],
        'extends_documentation_fragment': _module_doc(module, 'DOCUMENTATION')['extends_documentation_fragment'],
        'seealso': [{'module': 'pureboot.hypervisors.' + module}],
    }
    returns = {}
    for key, value in _module_doc(module, 'RETURN').items():
        returns[key] = {'description': ['As M(pureboot.hypervisors.{0}) returns it.'.format(module)], 'returned': value['returned'], 'type': value['type']}
        if 'elements' in value:
            returns[key]['elements'] = value['elements']
    return TEMPLATE.format(
        doc=_dump(doc),
        example=example.format(
            kind=kind, connection=EXAMPLE_CONNECTIONS[kind][0], template=EXAMPLE_CONNECTIONS[kind][1], placement=EXAMPLE_CONNECTIONS[kind][2]
        ),
        ret=_dump(returns),
        package=package,
        driver=driver,
        code=code,
        runner=runner,
    )


def twins():
    """{path of a twin: its source as render() gives it}, every twin."""
    return {MODULES / '{0}_{1}.py'.format(module, kind): render(module, kind) for module in TWINNED for kind in TYPES}


if __name__ == '__main__':
    for path, text in twins().items():
        path.write_text(text)
        print('wrote', path.relative_to(COLLECTION), file=sys.stderr)
