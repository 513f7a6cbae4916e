"""The driver contract: what every hypervisor type does, run unchanged against each backend.

Each test talks to a real server over HTTPS through the real SDK. Nothing here knows which
hypervisor it is talking to beyond the names the backend adapter hands out.
"""

import concurrent.futures
import threading
import time

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import diff_hardware
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TLSError,
    UnreachableError,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import VM_KEYS
from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKEND_CLASSES, BACKENDS


def create(backend, driver, name, **hardware):
    spec = dict(backend.placement, template=backend.template, **hardware)
    return driver.create_vm(name, spec, timeout=120)


def assert_clean_message(error, backend, *names):
    text = str(error)
    assert '\n' not in text
    assert text.startswith(backend.driver().label + ': ')
    for name in names:
        assert name in text
    for secret in backend.secrets:
        assert secret not in text


def test_connect_reports_facts(backend, driver):
    facts = driver.facts()
    assert facts['version']
    assert facts['host_count'] == len(facts['hosts']) >= backend.scene_hosts
    assert all(h['name'] and h['status'] for h in facts['hosts'])
    assert facts['template_count'] >= 2


def test_templates_are_listed_with_their_hardware(backend, driver):
    templates = {t['name']: t for t in driver.list_templates()}
    assert backend.template in templates
    template = templates[backend.template]
    assert template['hypervisor'] == driver.label
    assert template['cpu_cores'] >= 1 and template['memory_mb'] >= 512
    other_glob = backend.other_template[:4] + '*'
    assert not backend.template.startswith(backend.other_template[:4]), 'the scene needs templates told apart by the glob'
    assert [t['name'] for t in driver.list_templates(name=other_glob)] == [backend.other_template]


def test_lifecycle_clone_reconfigure_start_stop_delete(backend, driver):
    vm = create(backend, driver, 'contract-vm1', cpu_cores=2, memory_mb=2048, tags=['web', 'lab'], description='made by the contract suite')
    assert set(vm) == set(VM_KEYS)
    assert (vm['name'], vm['status'], vm['cpu_cores'], vm['memory_mb']) == ('contract-vm1', 'stopped', 2, 2048)
    assert sorted(vm['tags']) == ['lab', 'web'] and vm['description'] == 'made by the contract suite'
    assert vm['hypervisor'] == driver.label and vm['hypervisor_type'] == backend.kind
    assert vm['nics'] and vm['nics'][0]['mac'] == vm['nics'][0]['mac'].lower() and vm['nics'][0]['mac'].count(':') == 5
    assert vm['uuid'] and not vm['template']

    wanted = {'cpu_cores': 4, 'memory_mb': 4096, 'boot_order': ['network', 'disk'], 'firmware': 'uefi'}
    changes = diff_hardware(vm, wanted)
    assert set(changes) == set(wanted)
    vm = driver.apply_changes(vm, changes, timeout=60)
    assert (vm['cpu_cores'], vm['memory_mb'], vm['boot_order'], vm['firmware']) == (4, 4096, ['network', 'disk'], 'uefi')

    # The same desired state again: nothing differs, so nothing is written.
    writes = backend.write_count()
    again = driver.get_vm(vm_id=vm['id'])
    assert diff_hardware(again, wanted) == {}
    assert driver.apply_changes(again, {}, timeout=60) == again
    assert backend.write_count() == writes

    vm = driver.power(vm, 'start', timeout=60)
    assert vm['status'] == 'running'
    vm = driver.power(vm, 'stop', timeout=60)
    assert vm['status'] == 'stopped'
    driver.delete_vm(vm, timeout=60)
    assert driver.get_vm(vm_id=vm['id']) is None
    assert driver.get_vm(name='contract-vm1') is None


def test_graceful_shutdown_and_reboot(backend, driver):
    vm = driver.power(create(backend, driver, 'contract-vm2'), 'start', timeout=60)
    vm = driver.power(vm, 'reboot', timeout=60)
    assert vm['status'] == 'running'
    vm = driver.power(vm, 'shutdown', timeout=60)
    assert vm['status'] == 'stopped'


def test_networks_are_reconciled_in_order(backend, driver):
    vm = create(backend, driver, 'contract-net', networks=[{'network': backend.network}, {'network': backend.second_network, 'mac': '52:54:00:AA:BB:01'}])
    assert [n['network'] for n in vm['nics']] == [backend.network, backend.second_network]
    assert vm['nics'][1]['mac'] == '52:54:00:aa:bb:01'
    first_mac = vm['nics'][0]['mac']
    changes = diff_hardware(vm, {'networks': [{'network': backend.network}]})
    assert list(changes) == ['networks']
    vm = driver.apply_changes(vm, changes, timeout=60)
    assert [(n['network'], n['mac']) for n in vm['nics']] == [(backend.network, first_mac)]


def test_list_vms_filters_before_details(backend, driver):
    create(backend, driver, 'filter-a1', tags=['blue'])
    create(backend, driver, 'filter-a2')
    b1 = create(backend, driver, 'filter-b1', tags=['blue'])
    driver.power(b1, 'start', timeout=60)
    assert sorted(v['name'] for v in driver.list_vms(name='filter-a*')) == ['filter-a1', 'filter-a2']
    assert sorted(v['name'] for v in driver.list_vms(tags=['blue'])) == ['filter-a1', 'filter-b1']
    assert [v['name'] for v in driver.list_vms(name='filter-*', status='running')] == ['filter-b1']
    assert all(not v['template'] for v in driver.list_vms())
    assert backend.template in [v['name'] for v in driver.list_vms(include_templates=True)]
    listed = driver.list_vms(name='filter-a1')[0]
    assert listed['nics'][0]['mac'] == driver.get_vm(name='filter-a1')['nics'][0]['mac']


def test_ten_concurrent_creates_get_distinct_ids(backend, driver):
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        vms = list(pool.map(lambda i: create(backend, driver, 'par-{0}'.format(i)), range(10)))
    assert len({vm['id'] for vm in vms}) == 10
    assert sorted(v['name'] for v in driver.list_vms(name='par-*')) == sorted('par-{0}'.format(i) for i in range(10))


def test_unknown_template_lists_available_ones(backend, driver):
    with pytest.raises(NotFoundError) as caught:
        driver.create_vm('no-such', dict(backend.placement, template='ubuntu-99'), timeout=30)
    assert_clean_message(caught.value, backend, "'ubuntu-99'", backend.template, backend.other_template)


def test_out_of_range_hardware_is_refused_before_any_write(backend, driver):
    writes = backend.write_count()
    with pytest.raises(InvalidInputError) as caught:
        create(backend, driver, 'too-big', memory_mb=8)
    assert_clean_message(caught.value, backend, "VM 'too-big'", 'memory_mb')
    with pytest.raises(InvalidInputError):
        create(backend, driver, 'bad-mac', networks=[{'network': backend.network, 'mac': 'not-a-mac'}])
    assert backend.write_count() == writes


def test_expired_login_is_renewed(backend, driver):
    vm = create(backend, driver, 'contract-relogin')
    backend.expire_login()
    assert driver.get_vm(vm_id=vm['id'])['name'] == 'contract-relogin'
    backend.expire_login()
    assert driver.power(vm, 'start', timeout=60)['status'] == 'running'


# Every lock each backend can put a VM under: a hypervisor type whose locks differ (Proxmox's backup lock in
# the VM's config and the config lock file a task holds) has a case per lock.
LOCKS = [(kind, lock) for kind in BACKENDS for lock in BACKEND_CLASSES[kind].locks]


@pytest.mark.parametrize('backend, lock', LOCKS, indirect=['backend'])
def test_a_lock_held_past_the_timeout_fails_every_write_clearly(backend, driver, lock):
    vm = create(backend, driver, 'contract-locked')
    backend.lock(vm, lock)
    writes = {
        'start': lambda: driver.power(vm, 'start', timeout=1),
        'reconfigure': lambda: driver.apply_changes(vm, {'cpu_cores': {'before': 1, 'after': 2}}, timeout=1),
        'delete': lambda: driver.delete_vm(vm, timeout=1),
    }
    for write in writes.values():
        with pytest.raises(ConflictError) as caught:
            write()
        assert_clean_message(caught.value, backend, "VM 'contract-locked' (id {0}): still locked after 1s: ".format(vm['id']), backend.locks[lock])
    backend.unlock(vm, lock)
    assert driver.power(vm, 'start', timeout=60)['status'] == 'running'


@pytest.mark.parametrize('backend, lock', LOCKS, indirect=['backend'])
def test_a_lock_released_before_the_timeout_is_waited_out(backend, driver, lock):
    vm = create(backend, driver, 'contract-waits')
    backend.lock(vm, lock)
    threading.Timer(1.0, backend.unlock, [vm, lock]).start()
    started = time.monotonic()
    assert driver.power(vm, 'start', timeout=60)['status'] == 'running'
    assert time.monotonic() - started >= 0.9


def test_wrong_password_is_an_auth_error_without_the_password(backend):
    with pytest.raises(AuthError) as caught:
        backend.driver(password='Wr0ng-Passw0rd!').connect()
    assert 'Wr0ng-Passw0rd!' not in str(caught.value)
    assert_clean_message(caught.value, backend)


def test_tls_is_verified(backend):
    with pytest.raises(TLSError) as caught:
        backend.driver(ca_file=None).connect()
    assert_clean_message(caught.value, backend, 'TLS')
    assert backend.driver(ca_file=None, verify_ssl=False).connect()


def test_unreachable_hypervisor(backend, unused_tcp_port):
    url = backend.api_url_at('127.0.0.1', unused_tcp_port)
    with pytest.raises(UnreachableError) as caught:
        backend.driver(api_url=url, timeout=5).connect()
    assert_clean_message(caught.value, backend, '127.0.0.1')


def test_missing_credentials_and_foreign_options(backend):
    with pytest.raises(InvalidInputError) as caught:
        backend.driver(password=None).connect()
    assert 'missing credentials' in str(caught.value)
