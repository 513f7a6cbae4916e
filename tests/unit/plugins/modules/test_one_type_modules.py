"""What Ansible packs with each module: a twin of one type (pureboot_vm_<type>, pureboot_vm_info_<type>) carries
its type's code and no other's, and not the registry; the modules of every type carry every type.

Packed by ansible-core's own packer (module_common.modify_module, as ansible-playbook calls it), in a process of its
own so that its collection loader does not meet this one's imports."""

import json
import subprocess
import sys

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HYPERVISOR_TYPES
from ansible_collections.pureboot.hypervisors.tests.unit.plugins.modules.one_type_twins import COLLECTION, TYPES, twins

COLLECTIONS_PATH = COLLECTION.parents[2]
PACKAGE = 'ansible_collections/pureboot/hypervisors/plugins/module_utils/'

# Prints {module: [file in its zip]} for each module named on the command line.
PACK = r"""
import base64, io, json, re, sys, zipfile
from ansible.executor import module_common
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, module_loader
from ansible.template import Templar

init_plugin_loader([sys.argv[1]])
packed = {}
for name in sys.argv[2:]:
    found = module_loader.find_plugin_with_context(name)
    built = module_common.modify_module(
        module_name=found.resolved_fqcn, module_path=found.plugin_resolved_path, module_args={}, templar=Templar(loader=DataLoader()),
        task_vars={'ansible_python_interpreter': sys.executable}, module_compression='ZIP_DEFLATED',
    )
    data = built.b_module_data if hasattr(built, 'b_module_data') else built[0]  # a tuple up to ansible-core 2.18
    payload = max(re.findall(rb'[A-Za-z0-9+/=]{1000,}', data), key=len)
    packed[name] = zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))).namelist()
print(json.dumps(packed))
"""

TWINS = ['pureboot.hypervisors.{0}_{1}'.format(module, kind) for module in ('pureboot_vm', 'pureboot_vm_info') for kind in HYPERVISOR_TYPES]
EVERY_TYPE = ['pureboot.hypervisors.pureboot_vm', 'pureboot.hypervisors.pureboot_vm_info']


@pytest.fixture(scope='module')
def packed():
    result = subprocess.run([sys.executable, '-c', PACK, str(COLLECTIONS_PATH)] + TWINS + EVERY_TYPE, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def types_in(files):
    return {kind for kind in HYPERVISOR_TYPES if any(name.startswith(PACKAGE + '_' + kind + '/') for name in files)}


@pytest.mark.parametrize('module', TWINS)
def test_a_twin_packs_its_own_type_and_no_other(packed, module):
    files = packed[module]
    assert types_in(files) == {module.rsplit('_', 1)[1]}
    assert PACKAGE + '_drivers.py' not in files
    assert PACKAGE + '_driver.py' in files


@pytest.mark.parametrize('module', EVERY_TYPE)
def test_the_module_of_every_type_packs_every_type(packed, module):
    assert types_in(packed[module]) == set(HYPERVISOR_TYPES)
    assert PACKAGE + '_drivers.py' in packed[module]


def test_every_type_has_its_twins_and_each_reads_as_written_from_its_module():
    """The twins' documentation is their module's (one_type_twins.py writes them); run it after changing those."""
    assert set(TYPES) == set(HYPERVISOR_TYPES)
    for path, text in twins().items():
        assert path.read_text() == text, '{0} is not what one_type_twins.py writes: run it'.format(path.relative_to(COLLECTION))
