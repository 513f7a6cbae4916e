"""The registry of drivers by `type`: each type maps to its driver, and building one asks nothing of the server."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection, HypervisorDriver
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import DRIVERS, HYPERVISOR_TYPES, driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError

# One working set of credentials per type; port 9 of a loopback address, where nothing answers, so any request
# made while building a driver would fail the test.
LOGINS = {'proxmox': {'username': 'root@pam', 'password': 'x'}, 'ovirt': {'token': 'x'}, 'libvirt': {}}
# libvirt's api_url is a libvirt URI.
URLS = {'libvirt': 'qemu+tcp://127.0.0.1:9/system'}


def options(kind, **extra):
    return dict(LOGINS[kind], name='hv-' + kind, type=kind, api_url=URLS.get(kind, 'https://127.0.0.1:9'), **extra)


def test_every_registered_type_is_a_driver_of_that_type():
    assert HYPERVISOR_TYPES == tuple(sorted(DRIVERS)) == tuple(sorted(LOGINS))
    for kind, driver_class in DRIVERS.items():
        assert issubclass(driver_class, HypervisorDriver) and driver_class.TYPE == kind


@pytest.mark.parametrize('kind', sorted(LOGINS))
def test_driver_for_builds_the_types_driver_without_a_request(kind):
    driver = driver_for(options(kind))
    assert type(driver) is DRIVERS[kind]  # pylint: disable=unidiomatic-typecheck
    assert driver.label == 'hv-' + kind and driver.conn.api_url == URLS.get(kind, 'https://127.0.0.1:9')


def test_driver_for_takes_a_connection_as_it_is():
    connection = Connection(options('proxmox'))
    assert driver_for(connection).conn is connection


def test_an_unknown_type_names_the_connection_and_the_known_types():
    with pytest.raises(InvalidInputError) as caught:
        driver_for(dict(options('proxmox'), type='vmware'))
    assert str(caught.value) == "hv-proxmox: unknown hypervisor type 'vmware'; known: {0}".format(', '.join(HYPERVISOR_TYPES))
