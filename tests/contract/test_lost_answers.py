"""Writes whose answer was lost, on oVirt and on PureBoot: read back, never sent again blindly.

A DropProxy (tests/reliability/chaos.py) in front of the oVirt simulator or the PureBoot double loses the one
request a test scripts: after the server acted (lost_answer: the client must find the effect and go on, sending
nothing twice) or before it saw anything (lost_request: the client must find no effect and send it again, once).
The Proxmox cases are in test_proxmox_faults.py.
"""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient
from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend
from ansible_collections.pureboot.hypervisors.tests.reliability.chaos import LOST_ANSWER, LOST_REQUEST, DropProxy

FATES = [LOST_ANSWER, LOST_REQUEST]


@pytest.fixture
def ovirt(ovirt_engine):
    return OvirtBackend(ovirt_engine)


@pytest.fixture
def engine_proxy(ovirt):
    dropper = DropProxy(ovirt.engine.url, ovirt.engine.cafile).start()
    yield dropper
    dropper.stop()


def reached(proxy, method, suffix):
    return [e for e in proxy.reached_server() if e['method'] == method and e['path'].split('?', 1)[0].endswith(suffix)]


def sent(proxy, method, suffix):
    return [e for e in proxy.entries() if e['method'] == method and e['path'].split('?', 1)[0].endswith(suffix)]


@pytest.mark.parametrize('fate', FATES)
def test_ovirt_lost_create_answer_is_read_back(ovirt, engine_proxy, fate):
    engine_proxy.lose_next('POST', '/api/vms', fate)
    with ovirt.driver(api_url=engine_proxy.url, ca_file=engine_proxy.cafile) as driver:
        vm = driver.create_vm('lost-create', dict(ovirt.placement, template=ovirt.template), timeout=60)
    assert vm['name'] == 'lost-create'
    with ovirt.engine.state.lock:
        assert [v.name for v in ovirt.engine.state.vms.values()].count('lost-create') == 1
    assert len(reached(engine_proxy, 'POST', '/api/vms')) == 1
    assert len(sent(engine_proxy, 'POST', '/api/vms')) == (1 if fate == LOST_ANSWER else 2)


@pytest.mark.parametrize('fate', FATES)
def test_ovirt_lost_start_and_remove_answers_are_read_back(ovirt, engine_proxy, fate):
    with ovirt.driver(api_url=engine_proxy.url, ca_file=engine_proxy.cafile) as driver:
        vm = driver.create_vm('lost-power', dict(ovirt.placement, template=ovirt.template), timeout=60)
        engine_proxy.lose_next('POST', '/start', fate)
        vm = driver.power(vm, 'start', timeout=60)
        assert vm['status'] == 'running'
        vm = driver.power(vm, 'stop', timeout=60)
        engine_proxy.lose_next('DELETE', '/api/vms/' + vm['id'], fate)
        driver.delete_vm(vm, timeout=60)
        assert driver.get_vm(vm_id=vm['id']) is None
    assert len(reached(engine_proxy, 'POST', '/start')) == 1
    assert len(reached(engine_proxy, 'DELETE', vm['id'])) == 1


@pytest.fixture
def pureboot_proxy(pureboot_server):
    dropper = DropProxy(pureboot_server.url, pureboot_server.cafile).start()
    yield dropper
    dropper.stop()


@pytest.fixture
def client(pureboot_server, pureboot_proxy):
    with PureBootClient(pureboot_proxy.url, api_key=pureboot_server.api_key, ca_file=pureboot_proxy.cafile) as opened:
        yield opened


@pytest.mark.parametrize('fate', FATES)
def test_pureboot_lost_registration_is_read_back_by_mac(pureboot_server, pureboot_proxy, client, fate):
    pureboot_proxy.lose_next('POST', '/api/v1/nodes', fate)
    node = client.create_node(mac_address='bc:24:11:00:00:42', hostname='lost-node', arch='x86_64')
    assert node['mac_address'] == 'bc:24:11:00:00:42'
    assert [n['mac_address'] for n in pureboot_server.nodes].count('bc:24:11:00:00:42') == 1
    assert len(reached(pureboot_proxy, 'POST', '/api/v1/nodes')) == 1


@pytest.mark.parametrize('fate', FATES)
def test_pureboot_lost_update_state_and_tag_are_read_back(pureboot_server, pureboot_proxy, client, fate):
    node = client.create_node(mac_address='bc:24:11:00:00:43', hostname='before', arch='x86_64')
    path = '/api/v1/nodes/' + node['id']
    pureboot_proxy.lose_next('PATCH', path, fate)
    assert client.update_node(node['id'], hostname='after')['hostname'] == 'after'
    pureboot_proxy.lose_next('POST', path + '/tags', fate)
    assert 'lost' in client.add_node_tag(node['id'], 'lost')['tags']
    pureboot_proxy.lose_next('PATCH', path + '/state', fate)
    assert client.set_node_state(node['id'], 'retired', force=True)['state'] == 'retired'
    for method, suffix in (('PATCH', path), ('POST', path + '/tags'), ('PATCH', path + '/state')):
        assert len(reached(pureboot_proxy, method, suffix)) == 1, (method, suffix)
