"""What a new user met trying the collection (issue 22, item 5), through the driver and pureboot_vm's logic as a
playbook meets them, on every hypervisor type where it applies."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import HypervisorError


def test_a_proxmox_api_url_at_a_pureboot_server_says_what_answered(pureboot_server):
    driver = driver_for({'type': 'proxmox', 'name': 'pve-at-pureboot', 'api_url': pureboot_server.url,
                         'username': 'root@pam', 'password': 'secret', 'ca_file': pureboot_server.cafile})
    with pytest.raises(HypervisorError) as caught:
        driver.open()
    print(caught.value)
    assert 0


@pytest.mark.pureboot(tls=False)
@pytest.mark.parametrize('kind', ['proxmox', 'ovirt'])
def test_https_to_a_plain_http_server_says_it_answered_plain_http(pureboot_server, kind):
    url = pureboot_server.url.replace('http://', 'https://')
    options = {'type': kind, 'name': 'at-plain', 'api_url': url, 'username': 'root@pam', 'password': 'secret'}
    if kind == 'ovirt':
        options['username'] = 'admin@internal'
    driver = driver_for(options)
    with pytest.raises(HypervisorError) as caught:
        driver.open()
    print(caught.value)
    assert 0
