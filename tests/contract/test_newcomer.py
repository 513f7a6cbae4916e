"""What a new user met trying the collection (issue 22), as pureboot_vm meets it, on every hypervisor type where it
applies: templates are never managed as VMs, a graceful stop that timed out says so, a wrong endpoint is named."""

import re

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import HypervisorError, InvalidInputError, TimeoutError_
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import ensure_vm_and_node
from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend


def pureboot_vm(driver, check_mode=False, **options):
    """pureboot_vm's logic without PureBoot, with the module's defaults."""
    params = dict(state='present', wait=True, wait_timeout=60, force=False, id=None, name=None, template=None)
    params.update(options)
    return ensure_vm_and_node(driver, None, params, check_mode)


@pytest.mark.parametrize('state', ['present', 'running', 'stopped', 'restarted', 'absent'])
def test_a_templates_id_is_refused_in_every_state(backend, driver, state):
    template = driver.find_template(backend.template, cluster=getattr(backend, 'placement', {}).get('cluster'))
    writes = backend.write_count()
    with pytest.raises(InvalidInputError) as caught:
        pureboot_vm(driver, id=template['id'], state=state)
    assert '{0} is a template; pureboot_vm manages VMs'.format(template['id']) in str(caught.value)
    assert '\n' not in str(caught.value) and backend.write_count() == writes
    assert [t['id'] for t in driver.list_templates() if t['id'] == template['id']], 'the template is gone'


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_templates_name_with_a_vm_state_says_it_is_a_template(backend, driver, check_mode):
    writes = backend.write_count()
    with pytest.raises(InvalidInputError) as caught:
        pureboot_vm(driver, check_mode, name=backend.template, state='running')
    assert "'{0}' is a template; pureboot_vm manages VMs".format(backend.template) in str(caught.value)
    assert backend.write_count() == writes


@pytest.mark.fakepve(time_scale=0.05)
def test_a_graceful_stop_that_timed_out_is_a_change_and_fails_in_one_line(fakepve, fakepve_cafile):
    pve = ProxmoxBackend(fakepve, fakepve_cafile)
    with pve.driver() as driver:
        vm = driver.power(driver.create_vm('slow-guest', {'template': pve.template}, timeout=60), 'start', timeout=60)
        # The guest takes 400 PVE seconds (20 s here) to power off after the ACPI button; we wait 2.
        fakepve.vm(int(vm['id'])).shutdown_secs = 400
        with pytest.raises(TimeoutError_) as caught:
            pureboot_vm(driver, name='slow-guest', state='stopped', wait_timeout=2)
    text = str(caught.value)
    assert '\n' not in text and 'the shutdown was sent' in text and 'still runs after 2s' in text, text
    assert caught.value.partial_result['changed'] is True


def test_a_proxmox_api_url_at_a_pureboot_server_says_what_answered(pureboot_server):
    driver = driver_for(
        {
            'type': 'proxmox',
            'name': 'pve-at-pureboot',
            'api_url': pureboot_server.url,
            'username': 'root@pam',
            'password': 'secret',
            'ca_file': pureboot_server.cafile,
        }
    )
    with pytest.raises(HypervisorError) as caught:
        driver.open()
    text = str(caught.value)
    assert 'does not answer as a Proxmox VE API' in text and 'authentication failed' not in text, text


@pytest.mark.pureboot(tls=False)
@pytest.mark.parametrize('kind', ['proxmox', 'ovirt'])
def test_https_to_a_plain_http_server_says_it_answered_plain_http(pureboot_server, kind):
    url = pureboot_server.url.replace('http://', 'https://')
    driver = driver_for(
        {'type': kind, 'name': 'at-plain', 'api_url': url, 'password': 'secret', 'username': 'root@pam' if kind == 'proxmox' else 'admin@internal'}
    )
    with pytest.raises(HypervisorError) as caught:
        driver.open()
    text = str(caught.value)
    assert 'answered in plain HTTP' in text and 'SSLError' not in text, text


def test_cloud_init_upgrade_true_is_refused_where_the_type_cannot_write_it(backend, driver):
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import normalize_cloud_init

    settings = normalize_cloud_init({'upgrade': True, 'user': 'deploy'}, driver.label, "VM 'x'")
    if driver.CLOUD_INIT_UPGRADE:
        driver.refuse_cloud_init_upgrade(settings)
        return
    with pytest.raises(InvalidInputError, match=re.escape("put 'package_upgrade: true' in cloud_init.user_data")):
        driver.refuse_cloud_init_upgrade(settings)
    driver.refuse_cloud_init_upgrade(dict(settings, upgrade=False))
