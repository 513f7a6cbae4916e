"""cloud_init writes whose answer is lost: read back, never sent twice when the hypervisor carried them out."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import diff_cloud_init, empty_settings, normalize_cloud_init
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend
from ansible_collections.pureboot.hypervisors.tests.reliability.chaos import LOST_ANSWER, LOST_REQUEST, DropProxy

SETTINGS = normalize_cloud_init({'user': 'deploy', 'password': 'Lost-answer-pa55', 'nameservers': ['192.0.2.53'], 'ip_config': [{'address': 'dhcp'}]})


@pytest.fixture
def pve(fakepve, fakepve_cafile):
    return ProxmoxBackend(fakepve, fakepve_cafile)


@pytest.mark.parametrize('fate, reached', [(LOST_ANSWER, 1), (LOST_REQUEST, 1)])
def test_proxmox_lost_put_is_read_back_and_sent_only_when_missing(pve, fate, reached):
    vm = pve.driver().create_vm('ci-lost', {'template': pve.template, 'node': 'pve1'}, timeout=60)
    proxy = DropProxy(pve.pve.url, pve.cafile).start()
    try:
        driver = driver_for(pve.connection(api_url=proxy.url, ca_file=proxy.cafile))
        proxy.lose_next('PUT', '/config', fate=fate)
        change = diff_cloud_init(empty_settings(), SETTINGS)
        after = driver.write_cloud_init(vm, SETTINGS, change, timeout=30)
        puts = [e for e in proxy.reached_server() if e['method'] == 'PUT']
    finally:
        proxy.stop()
    # Carried out once: a lost answer is not sent again; a lost request is sent again, once.
    assert len(puts) == reached, [(e['fate'], e['path']) for e in proxy.entries()]
    assert diff_cloud_init(after, SETTINGS) == {}
    config = pve.pve.vm(int(vm['id'])).config
    assert config['ciuser'] == 'deploy' and config['cipassword'] == 'Lost-answer-pa55'
    assert sum(1 for key in config if str(config[key]).split(',', maxsplit=1)[0].endswith('cloudinit')) == 1
