"""NetworkedPve answers the network listings from its state, through fakepve's routing."""

import proxmoxer
import pytest
from proxmoxer.core import ResourceException


@pytest.fixture
def api(fakepve, fakepve_cafile):
    return proxmoxer.ProxmoxAPI(
        host='127.0.0.1', port=int(fakepve.url.rsplit(':', 1)[1]), user='root@pam', password=fakepve.password, verify_ssl=fakepve_cafile
    )


def test_each_node_lists_its_own_bridges(fakepve, api):
    fakepve.add_node('pve2')
    fakepve.bridges['pve2'] = ['vmbr0', 'vmbr7']
    assert [i['iface'] for i in api.nodes('pve1').network.get(type='any_bridge')] == ['vmbr0', 'vmbr1']
    assert [i['iface'] for i in api.nodes('pve2').network.get(type='any_bridge')] == ['vmbr0', 'vmbr7']
    assert 'eno1' in [i['iface'] for i in api.nodes('pve1').network.get()]


def test_vnets_are_listed_and_faults_still_apply(fakepve, api):
    fakepve.vnets['lab'] = 'zone1'
    assert [v['vnet'] for v in api.cluster.sdn.vnets.get()] == ['lab', 'vnet1']
    fakepve.fail('GET', '/network', status=403, message='Permission check failed (/nodes/pve1, Sys.Audit)')
    with pytest.raises(ResourceException) as raised:
        api.nodes('pve1').network.get()
    assert raised.value.status_code == 403


def test_an_unknown_node_is_refused(api):
    with pytest.raises(ResourceException) as raised:
        api.nodes('pve9').network.get()
    assert raised.value.status_code == 500


def test_cloud_init_password_is_never_answered(fakepve, api):
    fakepve.add_vm(100, 'ci', config={'cores': 1, 'memory': 512})
    api.nodes('pve1').qemu(100).config.put(ciuser='deploy', cipassword='Never-answered-1')
    assert api.nodes('pve1').qemu(100).config.get()['cipassword'] == '**********'
    pending = {item['key']: item for item in api.nodes('pve1').qemu(100).pending.get()}
    assert pending['cipassword']['value'] == '**********' and pending['ciuser']['value'] == 'deploy'
    # The model keeps what was written, for tests to read.
    assert fakepve.vm(100).config['cipassword'] == 'Never-answered-1'
