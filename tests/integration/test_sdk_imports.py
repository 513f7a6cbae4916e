"""A run that uses one hypervisor type imports that type's SDK only.

The registry imports every driver (Ansible packs a module with the module_utils it names), so a driver that
imported its SDK at the top would make a Proxmox-only run load libvirt-python and the oVirt SDK too (about half
a second each time). Python's own import log (`-X importtime`, PYTHONPROFILEIMPORTTIME) of a real
ansible-inventory run and of a pureboot_vm module's imports plus a login shows what was loaded.
"""

import json
import subprocess
import sys

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.runner import ansible_inventory, listing

# The top-level package of each type's SDK, as Python imports it.
SDK_PACKAGES = {'proxmox': 'proxmoxer', 'ovirt': 'ovirtsdk4', 'libvirt': 'libvirt'}

# What a pureboot_vm module run imports before its work: the module (and with it the registry of every driver),
# then a driver for its one hypervisor, logged in and out.
MODULE_IMPORTS = """
import json, sys
import ansible_collections.pureboot.hypervisors.plugins.modules.pureboot_vm
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
with driver_for(json.loads(sys.argv[1])) as driver:
    driver.open()
"""


def imported_packages(import_log):
    """The top-level packages an `-X importtime` log (stderr) names."""
    found = set()
    for line in import_log.splitlines():
        if line.startswith('import time:') and line.count('|') == 2:
            name = line.rsplit('|', 1)[1].strip()
            if name != 'package':  # the header line
                found.add(name.split('.', 1)[0])
    return found


def assert_only_its_own_sdk(kind, packages):
    assert SDK_PACKAGES[kind] in packages, 'the import log does not show the {0} SDK: it was not read right'.format(kind)
    foreign = sorted(package for other, package in SDK_PACKAGES.items() if other != kind and package in packages)
    assert not foreign, 'a {0}-only run imported {1}'.format(kind, ', '.join(foreign))


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_an_inventory_of_one_type_imports_no_other_sdk(backend, tmp_path):
    config = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [backend.connection()]}
    result = ansible_inventory(tmp_path, config, env={'PYTHONPROFILEIMPORTTIME': '1'})
    listing(result)
    assert_only_its_own_sdk(backend.kind, imported_packages(result.stderr))


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_a_module_of_one_type_imports_no_other_sdk(backend):
    result = subprocess.run(
        [sys.executable, '-X', 'importtime', '-c', MODULE_IMPORTS, json.dumps(backend.connection())], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert_only_its_own_sdk(backend.kind, imported_packages(result.stderr))
