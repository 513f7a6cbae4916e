"""Proxmox faults, caused with fakepve's injectors: each ends in the right category, saying where."""

import threading
import time

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ApiError, ConflictError, InvalidInputError, TaskFailedError, UnreachableError)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import RetryPolicy
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox import ID_WINDOW, free_vmid, name_offset
from ansible_collections.pureboot.hypervisors.tests.contract.backends import GiB, ProxmoxBackend
from ansible_collections.pureboot.hypervisors.tests.reliability.chaos import LOST_ANSWER, LOST_REQUEST, DropProxy
from ansible_collections.pureboot.hypervisors.tests.simulators.pve_storage_lock import hold_storage_locks


@pytest.fixture
def pve(fakepve, fakepve_cafile):
    return ProxmoxBackend(fakepve, fakepve_cafile)


@pytest.fixture
def driver(pve):
    return pve.driver()


def clone(pve, driver, name, **spec):
    return driver.create_vm(name, dict({'template': pve.template}, **spec), timeout=600)


def test_task_error_fails_at_once_with_the_last_log_lines(pve, driver):
    vm = clone(pve, driver, 'fault-start')
    pve.pve.vm(int(vm['id'])).start_error = 'QEMU exited with code 1'
    started = time.monotonic()
    with pytest.raises(TaskFailedError) as caught:
        driver.power(vm, 'start', timeout=600)
    assert time.monotonic() - started < 10, 'a failed task must not wait out the timeout'
    text = str(caught.value)
    assert text.startswith("pve-test: VM 'fault-start' (id {0}): task qmstart failed".format(vm['id']))
    assert 'TASK ERROR: QEMU exited with code 1' in text
    assert caught.value.details['task_log'][-1] == 'TASK ERROR: QEMU exited with code 1'


def test_full_storage_fails_the_clone_task(pve, driver):
    pve.pve.storages['local-lvm']['avail'] = 1 * GiB
    with pytest.raises(TaskFailedError) as caught:
        clone(pve, driver, 'fault-full')
    assert "VM 'fault-full'" in str(caught.value) and 'No space left on device' in str(caught.value)
    assert driver.get_vm(name='fault-full') is None, 'a failed clone leaves no VM behind'


def test_parameter_refused_by_pve_keeps_its_wording(pve, driver):
    with pytest.raises(InvalidInputError) as caught:
        clone(pve, driver, 'not_a_dns_name!')
    text = str(caught.value)
    assert text.startswith("pve-test: VM 'not_a_dns_name!': the hypervisor refused the request: Parameter verification failed.")
    assert 'name:' in text


def test_offline_node_is_unreachable_and_named(pve, driver):
    vm = clone(pve, driver, 'fault-offline', node='pve2')
    pve.pve.set_node_offline('pve2')
    with pytest.raises(UnreachableError) as caught:
        driver.get_vm(vm_id=vm['id'])
    assert "node 'pve2' is unreachable (595" in str(caught.value)
    assert "VM 'fault-offline'" in str(caught.value)
    # The rest of the cluster still lists; the VM on the offline node shows as unknown.
    listed = dict((v['name'], v) for v in driver.list_vms())
    assert listed['fault-offline']['status'] == 'unknown'
    with pytest.raises(UnreachableError) as caught:
        clone(pve, driver, 'fault-offline2', node='pve2')
    assert "node 'pve2' is offline" in str(caught.value)


def test_unknown_node_lists_the_nodes(pve, driver):
    with pytest.raises(Exception) as caught:
        clone(pve, driver, 'fault-node', node='pve9')
    assert str(caught.value) == "pve-test: VM 'fault-node': node 'pve9' not found; available: pve1, pve2"
    assert caught.value.category == 'not_found'


def test_lost_quorum_refuses_changes(pve, driver):
    vm = clone(pve, driver, 'fault-quorum')
    pve.pve.lose_quorum()
    with pytest.raises(ApiError) as caught:
        driver.apply_changes(vm, {'memory_mb': {'before': 1024, 'after': 2048}}, timeout=5)
    assert 'lost quorum' in str(caught.value)
    assert driver.get_vm(vm_id=vm['id'])['memory_mb'] == 1024, 'reads still work without quorum'


def test_ambiguous_name_lists_the_ids(pve, driver):
    first = clone(pve, driver, 'twin')
    second = clone(pve, driver, 'twin')
    with pytest.raises(ConflictError) as caught:
        driver.get_vm(name='twin')
    assert 'ids {0}, {1}'.format(first['id'], second['id']) in str(caught.value)


def test_api_token_login(pve):
    pve.pve.apitokens['automation@pve!ci'] = 'f3b0c442-98fc-1c14-9afb-000000000001'
    driver = pve.driver(username=None, password=None, api_token_id='automation@pve!ci',
                        api_token_secret='f3b0c442-98fc-1c14-9afb-000000000001')
    assert driver.facts()['template_count'] == 2
    with pytest.raises(Exception) as caught:
        pve.driver(username=None, password=None, api_token_id='automation@pve!ci', api_token_secret='nope-nope').connect()
    assert caught.value.category == 'auth' and 'nope-nope' not in str(caught.value)


def test_a_login_refused_by_a_restarting_proxy_is_asked_again(pve, driver):
    pve.pve.fail('POST', '/access/ticket', 503, 'Service Unavailable', times=2)
    retries = []
    driver.retry = RetryPolicy(sleep=retries.append)  # count the pauses before each retry, without pausing
    assert driver.connect()['version']
    assert len(retries) == 2


def test_a_login_failing_otherwise_is_not_called_an_authentication_failure(pve, driver):
    pve.pve.fail('POST', '/access/ticket', 500, 'Internal Server Error')
    with pytest.raises(ApiError) as caught:
        driver.connect()
    assert str(caught.value) == 'pve-test: the login was refused with HTTP 500'


def test_wrong_password_is_an_authentication_failure(pve):
    with pytest.raises(Exception) as caught:
        pve.driver(password='not-the-password').connect()
    assert caught.value.category == 'auth'
    assert str(caught.value) == "pve-test: authentication failed for user 'root@pam'"


def test_dropped_connections_are_retried_for_reads(pve, driver):
    clone(pve, driver, 'fault-flaky')
    pve.pve.flaky_network(drop_rate=0.2)
    # fakepve seeds its dice only when it starts; seed them now so the run is the same every time.
    pve.pve._random.seed(7)  # pylint: disable=protected-access
    retries = []
    driver.retry = RetryPolicy(sleep=retries.append)  # count the pauses before each retry, without pausing
    for _round in range(5):
        assert 'fault-flaky' in [v['name'] for v in driver.list_vms()]
    assert retries, 'no connection was dropped, so nothing was retried'


@pytest.mark.fakepve(time_scale=0.02)
def test_slow_tasks_are_waited_for(pve, driver):
    vm = clone(pve, driver, 'fault-slow')
    pve.pve.vm(int(vm['id'])).start_secs = 20  # 0.4 s at this time scale
    started = time.monotonic()
    vm = driver.power(vm, 'start', timeout=60)
    assert vm['status'] == 'running'
    assert time.monotonic() - started >= 0.35, 'the start task takes 0.4 s (asyncio may wake a tick early)'


def test_parallel_full_clones_wait_for_the_storage_lock(pve):
    """Two full clones on one storage at once: PVE's second clone task fails with "can't lock file ... got timeout"
    while the first copies; the driver starts it again instead of failing, and both VMs are made once."""
    hold_storage_locks(pve.pve, copy_secs=20, wait_secs=5)
    pve.pve.time_scale = 0.05  # a copy takes 1 s, a clone gives up on the lock after 0.25 s
    results, errors = {}, []

    def create(name):
        try:
            with pve.driver() as driver:
                results[name] = driver.create_vm(name, {'template': pve.template}, timeout=60)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)
    threads = [threading.Thread(target=create, args=('locked-{0}'.format(i),)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert pve.pve.storage_lock_timeouts >= 1, 'the second clone never met the lock: the test shows nothing'
    names = sorted(vm.name for vm in pve.pve.vms if vm.name.startswith('locked-'))
    assert names == ['locked-0', 'locked-1']
    assert results['locked-0']['id'] != results['locked-1']['id']
    failed = [t for t in pve.pve.tasklog if t['type'] == 'qmclone' and t.get('exitstatus') not in (None, 'OK')]
    assert all("can't lock file '/var/lock/pve-manager/pve-storage-local-lvm' - got timeout" in t['exitstatus']
               for t in failed) and failed


def test_parallel_clones_pick_ids_apart(pve):
    """Ten clones at once: every one ends with its own id, nearly all on their first clone request."""
    names = ['spread-{0:02d}'.format(i) for i in range(10)]
    errors = []

    def create(name):
        try:
            with pve.driver() as driver:
                driver.create_vm(name, {'template': pve.template}, timeout=60)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)
    threads = [threading.Thread(target=create, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    made = [vm for vm in pve.pve.vms if vm.name in names]
    assert sorted(vm.name for vm in made) == names and len(set(vm.vmid for vm in made)) == 10
    clones = [1 for method, path, _body in pve.pve.requests if method == 'POST' and path.endswith('/clone')]
    # Taking nextid as it comes, the ten collided into 18 clone requests here; spread by name, a few at most.
    assert len(clones) <= 13, len(clones)


PRIVILEGES = {'VM.Audit', 'VM.Allocate', 'VM.Clone', 'VM.Config.Disk', 'VM.Config.CPU', 'VM.Config.Memory',
              'VM.Config.Network', 'VM.Config.Options', 'VM.PowerMgmt', 'Datastore.AllocateSpace', 'Datastore.Audit',
              'Sys.Audit'}


def test_an_id_taken_by_a_vm_we_cannot_see_is_never_taken_over(pve):
    """Another team's VM sits at the very id our VM's name picks, and our user may not see it (PVE leaves a VM
    out of /cluster/resources without VM.Audit, though it may allocate the id): the clone itself refuses the id,
    the driver tries another, and the other VM is left as it was."""
    name = 'mine'
    foreign = free_vmid(100, set(), name_offset(name))
    pve.pve.add_vm(foreign, 'someone-else', node='pve1', config={'cores': 4, 'memory': 4096, 'description': 'theirs'})
    before = dict(pve.pve.vm(foreign).config)
    pve.pve.users['ci@pve'] = 'ci-secret'
    grants = [(path, PRIVILEGES) for path in ('/nodes', '/storage', '/vms/9000', '/vms/9001')]
    grants += [('/vms/{0}'.format(vmid), PRIVILEGES) for vmid in range(100, 100 + ID_WINDOW + 10) if vmid != foreign]
    # PVE checks VM.Allocate on the new id before it looks whether the id is free: without it the clone would be
    # refused as forbidden, not as taken.
    grants.append(('/vms/{0}'.format(foreign), {'VM.Allocate'}))
    pve.pve.acl = {'ci@pve': grants}
    with pve.driver(username='ci@pve', password='ci-secret') as driver:
        assert foreign not in [int(vm['id']) for vm in driver.list_vms()], 'the test needs a VM this user cannot see'
        vm = driver.create_vm(name, {'template': pve.template}, timeout=60)
    assert int(vm['id']) != foreign and vm['name'] == name
    assert pve.pve.vm(foreign).name == 'someone-else' and pve.pve.vm(foreign).config == before
    refused = [body for method, path, body in pve.pve.requests if method == 'POST' and path.endswith('/clone')]
    assert len(refused) == 2, 'one clone refused on the taken id, one made'


def test_two_clients_making_the_same_vm_at_once_make_it_once(pve):
    """Two controllers run the same play at the same moment: both pick the same id for the name, one clone wins,
    the other is refused the id and, reading the cluster again, finds the VM made meanwhile: it stops there."""
    outcomes, errors = [], []

    def create():
        try:
            with pve.driver() as driver:
                outcomes.append(driver.create_vm('twice', {'template': pve.template}, timeout=60))
        except ConflictError as exc:
            errors.append(str(exc))
    threads = [threading.Thread(target=create) for _client in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [vm.name for vm in pve.pve.vms].count('twice') == 1
    assert len(outcomes) + len(errors) == 2 and outcomes
    assert all('was made meanwhile by another client' in text for text in errors)


@pytest.fixture
def proxy(pve):
    """A DropProxy in front of fakepve, losing only the requests a test scripts with lose_next()."""
    dropper = DropProxy(pve.pve.url, pve.cafile).start()
    yield dropper
    dropper.stop()


@pytest.mark.parametrize('fate', [LOST_ANSWER, LOST_REQUEST])
def test_a_lost_clone_answer_is_read_back_not_sent_again_blindly(pve, proxy, fate):
    proxy.lose_next('POST', '/clone', fate)
    with pve.driver(api_url=proxy.url, ca_file=proxy.cafile) as driver:
        vm = driver.create_vm('lost-clone', {'template': pve.template}, timeout=60)
    assert [v.name for v in pve.pve.vms].count('lost-clone') == 1 and vm['name'] == 'lost-clone'
    reached = [e for e in proxy.reached_server() if e['method'] == 'POST' and e['path'].endswith('/clone')]
    # An answer lost after the server acted: one clone, read back. A request lost before it: sent again, once.
    assert len(reached) == 1
    assert len([e for e in proxy.entries() if e['path'].endswith('/clone')]) == (1 if fate == LOST_ANSWER else 2)


@pytest.mark.parametrize('action, path, status', [('start', '/status/start', 'running'),
                                                  ('stop', '/status/stop', 'stopped')])
@pytest.mark.parametrize('fate', [LOST_ANSWER, LOST_REQUEST])
def test_a_lost_power_answer_is_read_back(pve, proxy, action, path, status, fate):
    with pve.driver(api_url=proxy.url, ca_file=proxy.cafile) as driver:
        vm = driver.create_vm('lost-power', {'template': pve.template}, timeout=60)
        if action == 'stop':
            vm = driver.power(vm, 'start', timeout=60)
        proxy.lose_next('POST', path, fate)
        vm = driver.power(vm, action, timeout=60)
    assert vm['status'] == status
    reached = [e for e in proxy.reached_server() if e['method'] == 'POST' and e['path'].endswith(path)]
    assert len(reached) == 1


@pytest.mark.parametrize('fate', [LOST_ANSWER, LOST_REQUEST])
def test_a_lost_destroy_answer_is_read_back(pve, proxy, fate):
    with pve.driver(api_url=proxy.url, ca_file=proxy.cafile) as driver:
        vm = driver.create_vm('lost-destroy', {'template': pve.template}, timeout=60)
        proxy.lose_next('DELETE', '/qemu/{0}'.format(vm['id']), fate)
        driver.delete_vm(vm, timeout=60)
    assert pve.pve.vm(int(vm['id'])) is None
    assert len([e for e in proxy.reached_server() if e['method'] == 'DELETE']) == 1


def test_open_sends_only_the_login_and_an_api_token_reads_the_version(pve):
    """A module logs in with open(): after a password login (whose ticket proves the API) nothing else; an API
    token sends nothing to log in, so it reads the version as connect() does, to find out what answers."""
    start = len(pve.pve.requests)
    with pve.driver() as driver:
        driver.open()
    assert [path for _method, path, _body in pve.pve.requests[start:]] == ['/api2/json/access/ticket']
    pve.pve.apitokens['root@pam!ci'] = 'token-secret'
    start = len(pve.pve.requests)
    with pve.driver(username=None, password=None, api_token_id='root@pam!ci', api_token_secret='token-secret') as driver:
        driver.open()
    assert [path for _method, path, _body in pve.pve.requests[start:]] == ['/api2/json/version']
