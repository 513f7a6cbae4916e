"""A run that uses one hypervisor type imports that type's code and SDK only.

The registry names every driver (Ansible packs a module with the module_utils it names); were those imports run
at the registry's import, or a driver's SDK imported at the top of its file, a Proxmox-only run would load and
compile the oVirt and libvirt code and SDKs too (about half a second on every task). Python's own import log
(`-X importtime`, PYTHONPROFILEIMPORTTIME) of a real ansible-inventory run and of a pureboot_vm module's imports
plus a login shows what was loaded. Without PureBoot, only Proxmox VE's runs load requests (proxmoxer's own).
"""

import base64
import io
import json
import re
import subprocess
import sys
import zipfile

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.runner import ansible_inventory, assert_ok, listing, run_playbook

# The top-level package of each type's SDK, as Python imports it.
SDK_PACKAGES = {'proxmox': 'proxmoxer', 'ovirt': 'ovirtsdk4', 'libvirt': 'libvirt'}

# What a pureboot_vm module run imports before its work: the module (and with it the registry),
# then a driver for its one hypervisor, logged in and out.
MODULE_IMPORTS = """
import json, sys
import ansible_collections.pureboot.hypervisors.plugins.modules.pureboot_vm
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
with driver_for(json.loads(sys.argv[1])) as driver:
    driver.open()
"""


# Where each type's own code lives.
TYPE_PACKAGE = 'ansible_collections.pureboot.hypervisors.plugins.module_utils._{0}'


def imported_modules(import_log):
    """The modules (dotted names) an `-X importtime` log (stderr) names."""
    found = set()
    for line in import_log.splitlines():
        if line.startswith('import time:') and line.count('|') == 2:
            name = line.rsplit('|', 1)[1].strip()
            if name != 'package':  # the header line
                found.add(name)
    return found


def assert_only_its_own_type(kind, modules):
    packages = {name.split('.', 1)[0] for name in modules}
    assert SDK_PACKAGES[kind] in packages, 'the import log does not show the {0} SDK: it was not read right'.format(kind)
    assert TYPE_PACKAGE.format(kind) + '.driver' in modules, 'the import log does not show the {0} driver'.format(kind)
    foreign = sorted(package for other, package in SDK_PACKAGES.items() if other != kind and package in packages)
    foreign += [
        TYPE_PACKAGE.format(other) for other in sorted(SDK_PACKAGES) if other != kind and any(name.startswith(TYPE_PACKAGE.format(other)) for name in modules)
    ]
    assert not foreign, 'a {0}-only run imported {1}'.format(kind, ', '.join(foreign))


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_an_inventory_of_one_type_imports_no_other_types_code_or_sdk(backend, tmp_path):
    config = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [backend.connection()]}
    result = ansible_inventory(tmp_path, config, env={'PYTHONPROFILEIMPORTTIME': '1'})
    listing(result)
    assert_only_its_own_type(backend.kind, imported_modules(result.stderr))


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_a_module_of_one_type_imports_no_other_types_code_or_sdk(backend):
    result = subprocess.run(
        [sys.executable, '-X', 'importtime', '-c', MODULE_IMPORTS, json.dumps(backend.connection())], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    modules = imported_modules(result.stderr)
    assert_only_its_own_type(backend.kind, modules)
    if backend.kind != 'proxmox':
        # proxmoxer speaks through requests; the oVirt SDK (libcurl) and libvirt-python do not, and without PureBoot
        # nothing of ours needs it (about 0.1 s of every task's start-up).
        assert 'requests' not in modules, 'a {0} module run without PureBoot imported requests'.format(backend.kind)


# What only a PureBoot server or a write needs: requests (and with it urllib3), the PureBoot client and the node
# planning of pureboot_vm, and the libvirt code that makes, seeds or removes a VM.
NOT_FOR_A_LIBVIRT_LISTING = (
    'requests',
    'urllib3',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.link',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.install',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._sha_crypt',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._disks',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.cloud_init',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.iso9660',
    'ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.template_policy',
)


@pytest.mark.parametrize('backend', ['libvirt'], indirect=True)
def test_a_libvirt_inventory_without_pureboot_imports_no_http_client_and_no_write_code(backend, pureboot_server, tmp_path):
    """A libvirt source reads a local or SSH daemon: nothing of it needs an HTTP client, unless a PureBoot server is
    configured (then requests is loaded, which shows the import log is read right)."""
    config = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [backend.connection()]}
    result = ansible_inventory(tmp_path, config, env={'PYTHONPROFILEIMPORTTIME': '1'})
    listing(result)
    modules = imported_modules(result.stderr)
    assert TYPE_PACKAGE.format('libvirt') + '.driver' in modules, 'the import log does not show the libvirt driver: it was not read right'
    assert [name for name in NOT_FOR_A_LIBVIRT_LISTING if name in modules] == []

    config['pureboot'] = {'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_file': pureboot_server.cafile}
    result = ansible_inventory(tmp_path, config, env={'PYTHONPROFILEIMPORTTIME': '1'})
    listing(result)
    modules = imported_modules(result.stderr)
    assert {'requests', TYPE_PACKAGE.format('pureboot') + '.client'} <= modules


def shipped(remote_tmp):
    """{module: [files of its zip]} of every AnsiballZ file a run kept (ANSIBLE_KEEP_REMOTE_FILES)."""
    found = {}
    for path in remote_tmp.glob('*/AnsiballZ_*.py'):
        payload = max(re.findall(rb'[A-Za-z0-9+/=]{1000,}', path.read_bytes()), key=len)
        found[path.stem[len('AnsiballZ_') :]] = zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))).namelist()
    return found


@pytest.mark.parametrize('backend', ['ovirt'], indirect=True)
def test_a_task_naming_its_type_ships_that_types_code_alone(backend, tmp_path):
    """pureboot_vm_info's action runs pureboot_vm_info_ovirt for a task whose hypervisor says `type: ovirt`, and the
    module of every type for one whose type comes from PUREBOOT_HV_TYPE (which only the module reads); both list
    the same VMs (the simulator's templates). tests/unit/plugins/modules/test_one_type_modules.py checks what each twin packs."""
    typed = backend.connection()
    untyped = {key: value for key, value in typed.items() if key != 'type'}
    module = 'pureboot.hypervisors.pureboot_vm_info'
    tasks = [
        {'name': 'typed', module: {'hypervisor': typed, 'include_templates': True}, 'register': 'typed'},
        {'name': 'untyped', module: {'hypervisor': untyped, 'include_templates': True}, 'environment': {'PUREBOOT_HV_TYPE': 'ovirt'}, 'register': 'untyped'},
        {'name': 'the same VMs', 'ansible.builtin.assert': {'that': ['typed.vms == untyped.vms', 'typed.vms | length > 0']}},
    ]
    remote_tmp = tmp_path / 'remote-tmp'
    result = run_playbook(
        tmp_path, [{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], env={'ANSIBLE_KEEP_REMOTE_FILES': '1', 'ANSIBLE_REMOTE_TMP': str(remote_tmp)}
    )
    assert_ok(result)
    modules = shipped(remote_tmp)
    assert sorted(modules) == ['pureboot_vm_info', 'pureboot_vm_info_ovirt']
    for name, kinds in (('pureboot_vm_info_ovirt', ['ovirt']), ('pureboot_vm_info', sorted(SDK_PACKAGES))):
        packed = [kind for kind in sorted(SDK_PACKAGES) if any(path.startswith(TYPE_PACKAGE.format(kind).replace('.', '/') + '/') for path in modules[name])]
        assert packed == kinds, name
