"""A run that uses one hypervisor type imports that type's code and SDK only.

The registry names every driver (Ansible packs a module with the module_utils it names); were those imports run
at the registry's import, or a driver's SDK imported at the top of its file, a Proxmox-only run would load and
compile the oVirt and libvirt code and SDKs too (about half a second on every task). Python's own import log
(`-X importtime`, PYTHONPROFILEIMPORTTIME) of a real ansible-inventory run and of a pureboot_vm module's imports
plus a login shows what was loaded. Without PureBoot, only Proxmox VE's runs load requests (proxmoxer's own).
"""

import json
import subprocess
import sys

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.runner import ansible_inventory, listing

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
