"""Proxmox writes at scale: VM ids picked apart by parallel creates (one client or several), full clones waiting
for the storage lock, and writes whose answer was lost read back, never sent again blindly (a DropProxy in front
of fakepve loses exactly the request a test scripts)."""

import threading

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.vmid import ID_WINDOW, free_vmid, name_offset
from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend
from ansible_collections.pureboot.hypervisors.tests.reliability.chaos import LOST_ANSWER, LOST_REQUEST, DropProxy
from ansible_collections.pureboot.hypervisors.tests.simulators.pve_storage_lock import hold_storage_locks


@pytest.fixture
def pve(fakepve, fakepve_cafile):
    return ProxmoxBackend(fakepve, fakepve_cafile)


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
    assert (
        all("can't lock file '/var/lock/pve-manager/pve-storage-{0}' - got timeout".format(pve.template_storage) in t['exitstatus'] for t in failed) and failed
    )


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
    assert sorted(vm.name for vm in made) == names and len({vm.vmid for vm in made}) == 10
    clones = [1 for method, path, _body in pve.pve.requests if method == 'POST' and path.endswith('/clone')]
    # Taking nextid as it comes, the ten collided into 18 clone requests here; spread by name, a few at most.
    assert len(clones) <= 13, len(clones)


PRIVILEGES = {
    'VM.Audit',
    'VM.Allocate',
    'VM.Clone',
    'VM.Config.Disk',
    'VM.Config.CPU',
    'VM.Config.Memory',
    'VM.Config.Network',
    'VM.Config.Options',
    'VM.PowerMgmt',
    'Datastore.AllocateSpace',
    'Datastore.Audit',
    'Sys.Audit',
}


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
    """Two controllers run the same play at the same moment: as pureboot_vm does, each looks the VM up by name
    (neither finds it: the barrier holds both until both looked), then creates it from the same listing. Both pick
    the same id for the name, one clone wins, the other is refused the id and, reading the cluster again, finds the
    VM made meanwhile: it stops there. (A controller looking up after the other's clone began finds the VM.)"""
    outcomes, errors = [], []
    both_looked = threading.Barrier(2, timeout=30)

    def create():
        try:
            with pve.driver() as driver:
                assert driver.get_vm(name='twice') is None
                both_looked.wait()
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


@pytest.mark.parametrize('action, path, status', [('start', '/status/start', 'running'), ('stop', '/status/stop', 'stopped')])
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


def template_config_reads(pve):
    return [p for m, p, _b in pve.pve.requests if m == 'GET' and p.endswith('/qemu/9000/pending')]


def test_a_clone_asking_nothing_of_the_template_reads_only_the_clones_config(pve):
    """A clone on the template's node with no hardware asked for: the template's configuration carries nothing the
    run uses (the clone's own is read after the clone), so it is not read; asking for hardware, or another node,
    or check mode's prediction, reads it once."""
    with pve.driver() as driver:
        vm = driver.create_vm('plain-clone', {'template': pve.template}, timeout=60)
    assert vm['nics'] and vm['nics'][0]['mac'], "the record is the clone's own, read after the clone"
    assert template_config_reads(pve) == []
    with pve.driver() as driver:
        driver.create_vm('sized-clone', {'template': pve.template, 'cpu_cores': 2}, timeout=60)
    assert len(template_config_reads(pve)) == 1
    with pve.driver() as driver:
        spec = {'template': pve.template, 'name': 'predicted-clone'}
        predicted = driver.predict_vm(spec, driver.preflight(spec))
    assert predicted['cpu_cores'] == 1 and len(template_config_reads(pve)) == 2
