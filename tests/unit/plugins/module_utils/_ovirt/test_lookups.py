"""The checks of the oVirt lookups (_ovirt/lookups.py): a profile whose network is in the data center but not
attached to the VM's cluster, and an OS type the engine does not have, are refused in one line, with as few
requests as the check needs. The engine is
a stand-in answering the SDK calls the lookups make, counting them: no server needed."""

from types import SimpleNamespace

import pytest
from ovirtsdk4 import types

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.driver import OvirtDriver

CLUSTER = {'id': 'c-1', 'name': 'Default', 'dc_id': 'dc-1', 'dc_name': 'Default', 'bios_type': None, 'architecture': 'x86_64'}
NETWORKS = {'n-mgmt': 'ovirtmgmt', 'n-100': 'vlan100'}


def profile(name, network_id):
    network = types.Network(id=network_id, name=NETWORKS[network_id], data_center=types.DataCenter(id='dc-1'))
    return types.VnicProfile(id='p-' + name, name=name, network=network)


class Engine:
    """The SDK services the lookups call, with the networks attached to cluster c-1."""

    def __init__(self, attached):
        self.attached = attached
        self.requests = []

    def vnic_profiles_service(self):
        return SimpleNamespace(list=lambda follow=None: self._answer('profiles', [profile('ovirtmgmt', 'n-mgmt'), profile('vlan100', 'n-100')]))

    def clusters_service(self):
        def cluster_service(cluster_id):
            networks = [types.Network(id=i, name=NETWORKS[i]) for i in self.attached]
            return SimpleNamespace(networks_service=lambda: SimpleNamespace(list=lambda: self._answer('networks of ' + cluster_id, networks)))

        return SimpleNamespace(cluster_service=cluster_service)

    def operating_systems_service(self):
        names = ('other', 'other_linux', 'rhel_8x64', 'rhel_9x64', 'windows_2022', 'other_linux_ppc64')
        systems = [
            types.OperatingSystemInfo(id=str(i), name=n, architecture=types.Architecture.PPC64 if n.endswith('ppc64') else types.Architecture.X86_64)
            for i, n in enumerate(names)
        ]
        return SimpleNamespace(list=lambda: self._answer('operating systems', systems))

    def _answer(self, what, answer):
        self.requests.append(what)
        return answer


@pytest.fixture
def engine():
    return Engine(attached=['n-mgmt'])


@pytest.fixture
def driver(engine, monkeypatch):
    driver = OvirtDriver(Connection({'type': 'ovirt', 'name': 'rhv', 'api_url': 'https://engine.example.com', 'token': 'abcd'}))
    monkeypatch.setattr(driver, '_read', lambda request, subject=None: request(engine))
    return driver


def test_a_profile_whose_network_is_not_attached_to_the_cluster_is_refused_in_one_line(driver):
    with pytest.raises(InvalidInputError) as caught:
        driver._nic_profiles([{'network': 'ovirtmgmt'}, {'network': 'vlan100'}], CLUSTER, "VM 'web'")
    text = str(caught.value)
    assert '\n' not in text and 'rhv' in text
    assert "networks[1].network: network 'vlan100' of vNIC profile 'vlan100' is not attached to cluster 'Default'" in text
    assert text.endswith('use a profile of one that is: ovirtmgmt')


def test_attached_networks_pass_and_the_clusters_networks_are_read_once_a_session(driver, engine):
    engine.attached = ['n-mgmt', 'n-100']
    found = driver._nic_profiles([{'network': 'vlan100'}], CLUSTER, None)
    assert found[0]['name'] == 'vlan100'
    driver._nic_profiles([{'network': 'ovirtmgmt'}, {'network': 'vlan100'}], CLUSTER, None)
    assert engine.requests == ['profiles', 'networks of c-1']


def test_nics_that_name_no_profile_cost_no_request(driver, engine):
    assert driver._nic_profiles([{'model': 'e1000'}], CLUSTER, None) == {}
    assert driver._nic_profiles(None, CLUSTER, None) == {}
    assert engine.requests == []


def test_a_nic_that_keeps_its_network_is_not_checked(driver, engine):
    """The engine checks a NIC it adds or moves to another profile only: one already on a detached network stays."""
    before = [{'name': 'nic1', 'network': 'vlan100', 'model': 'virtio'}]
    assert driver._nic_profiles([{'network': 'vlan100', 'model': 'e1000'}], CLUSTER, None, before) == {}
    assert engine.requests == []
    with pytest.raises(InvalidInputError):
        driver._nic_profiles([{'network': 'vlan100'}, {'network': 'vlan100'}], CLUSTER, None, before)


def test_an_unknown_profile_is_still_not_found_first(driver, engine):
    with pytest.raises(NotFoundError) as caught:
        driver._nic_profiles([{'network': 'nope'}], CLUSTER, None)
    assert 'available: ovirtmgmt, vlan100' in str(caught.value)
    assert 'networks of c-1' not in engine.requests


def test_an_os_type_the_engine_does_not_have_is_refused_in_one_line_naming_the_closest(driver, engine):
    with pytest.raises(InvalidInputError) as caught:
        driver._check_os_type('rhel_9x65', "VM 'web'")
    text = str(caught.value)
    assert '\n' not in text and text.startswith("rhv: VM 'web': os_type 'rhel_9x65' is not an operating system of the engine")
    assert "which would store it as 'other'" in text and 'one of its 6 OS types (GET /operatingsystems), e.g. rhel_9x64, rhel_8x64' in text
    with pytest.raises(InvalidInputError) as caught:
        driver._check_os_type('no-such-os-type', None)
    # Nothing close: the first names in order.
    assert str(caught.value).endswith('e.g. other, other_linux, other_linux_ppc64, rhel_8x64, rhel_9x64')


def test_an_os_type_of_another_architecture_than_the_clusters_is_refused_naming_both(driver, engine):
    with pytest.raises(InvalidInputError) as caught:
        driver._check_os_type('other_linux_ppc64', "VM 'web'", CLUSTER)
    text = str(caught.value)
    assert '\n' not in text and text.startswith("rhv: VM 'web': os_type 'other_linux_ppc64' is an operating system for ppc64")
    assert "cluster 'Default' runs x86_64, so the engine would refuse it; give one of its 5 OS types for x86_64, e.g. other_linux" in text
    driver._check_os_type('rhel_9x64', None, CLUSTER)
    driver._check_os_type('other_linux_ppc64', None, dict(CLUSTER, architecture='ppc64'))
    # An architecture neither side states leaves only the name to check.
    driver._check_os_type('other_linux_ppc64', None, dict(CLUSTER, architecture=None))
    driver._check_os_type('other_linux_ppc64', None, dict(CLUSTER, architecture='undefined'))
    driver._check_os_type('other_linux_ppc64', None)
    assert engine.requests == ['operating systems']


def test_the_os_list_is_read_once_a_session_and_names_compare_exactly(driver, engine):
    driver._check_os_type('rhel_9x64', None)
    driver._check_os_type('other_linux', None)
    with pytest.raises(InvalidInputError):
        driver._check_os_type('RHEL_9x64', None)
    assert engine.requests == ['operating systems']
