"""The registry of drivers by `type`: each type maps to its driver, and building one asks nothing of the server."""

import ast
import pathlib
import re

import pytest
import yaml

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection, HypervisorDriver
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import DRIVER_LOADERS, HYPERVISOR_TYPES, driver_class, driver_classes, driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError

# One working set of credentials per type; port 9 of a loopback address, where nothing answers, so any request
# made while building a driver would fail the test.
LOGINS = {'proxmox': {'username': 'root@pam', 'password': 'x'}, 'ovirt': {'token': 'x'}, 'libvirt': {}}
# libvirt's api_url is a libvirt URI.
URLS = {'libvirt': 'qemu+tcp://127.0.0.1:9/system'}


def options(kind, **extra):
    return dict(LOGINS[kind], name='hv-' + kind, type=kind, api_url=URLS.get(kind, 'https://127.0.0.1:9'), **extra)


def test_every_registered_type_is_a_driver_of_that_type():
    assert HYPERVISOR_TYPES == tuple(sorted(DRIVER_LOADERS)) == tuple(sorted(driver_classes())) == tuple(sorted(LOGINS))
    for kind, registered in driver_classes().items():
        assert issubclass(registered, HypervisorDriver) and registered.TYPE == kind


@pytest.mark.parametrize('kind', sorted(LOGINS))
def test_driver_for_builds_the_types_driver_without_a_request(kind):
    driver = driver_for(options(kind))
    assert type(driver) is driver_class(kind)  # pylint: disable=unidiomatic-typecheck
    assert driver.label == 'hv-' + kind and driver.conn.api_url == URLS.get(kind, 'https://127.0.0.1:9')


def test_driver_for_takes_a_connection_as_it_is():
    connection = Connection(options('proxmox'))
    assert driver_for(connection).conn is connection


def test_an_unknown_type_names_the_connection_and_the_known_types():
    with pytest.raises(InvalidInputError) as caught:
        driver_for(dict(options('proxmox'), type='vmware'))
    assert str(caught.value) == "hv-proxmox: unknown hypervisor type 'vmware'; known: {0}".format(', '.join(HYPERVISOR_TYPES))


# ------------------------------------------------------------- the types the user-facing files name
COLLECTION = pathlib.Path(__file__).resolve().parents[4]
TYPE_KEYS = ('type', 'hypervisor_type')


def named_types(text):
    """The V(...) values of a doc description ('V(proxmox), V(ovirt) or V(libvirt).')."""
    return set(re.findall(r'V\(([^)]+)\)', text))


def type_descriptions(doc, found):
    """Descriptions of every `type`/`hypervisor_type` entry of a module's docs that name values (V(...))."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in TYPE_KEYS and isinstance(value, dict) and named_types(str(value.get('description', ''))):
                found.append(named_types(str(value['description'])))
            type_descriptions(value, found)
    elif isinstance(doc, list):
        for item in doc:
            type_descriptions(item, found)
    return found


def choices_naming_types(spec, found):
    """Every `choices` list of an argument spec that names a registered type."""
    if isinstance(spec, dict):
        if isinstance(spec.get('choices'), list) and set(map(str, spec['choices'])) & set(HYPERVISOR_TYPES):
            found.append(set(map(str, spec['choices'])))
        for value in spec.values():
            choices_naming_types(value, found)
    elif isinstance(spec, list):
        for item in spec:
            choices_naming_types(item, found)
    return found


def test_the_doc_fragment_names_exactly_the_registered_types():
    from ansible_collections.pureboot.hypervisors.plugins.doc_fragments.hypervisor import ModuleDocFragment

    doc = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)
    assert set(doc['options']['hypervisor']['suboptions']['type']['choices']) == set(HYPERVISOR_TYPES)


@pytest.mark.parametrize('module', sorted(p.stem for p in (COLLECTION / 'plugins' / 'modules').glob('*.py')))
def test_every_module_doc_names_exactly_the_registered_types(module):
    source = (COLLECTION / 'plugins' / 'modules' / (module + '.py')).read_text()
    docs = [
        yaml.safe_load(ast.literal_eval(node.value))
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and node.targets[0].id in ('DOCUMENTATION', 'RETURN')
    ]
    for named in type_descriptions(docs, []):
        assert named == set(HYPERVISOR_TYPES), module


def test_the_awx_credential_type_names_exactly_the_registered_types():
    credential = yaml.safe_load((COLLECTION / 'extensions' / 'awx' / 'credential_type_hypervisor.yml').read_text())
    field = next(f for f in credential['inputs']['fields'] if f['id'] == 'type')
    assert set(field['choices']) == set(HYPERVISOR_TYPES)


@pytest.mark.parametrize('spec', sorted(str(p.relative_to(COLLECTION)) for p in COLLECTION.glob('roles/*/meta/argument_specs.yml')))
def test_the_roles_argument_specs_name_exactly_the_registered_types(spec):
    for named in choices_naming_types(yaml.safe_load((COLLECTION / spec).read_text()), []):
        assert named == set(HYPERVISOR_TYPES), spec
