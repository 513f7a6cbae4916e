"""oVirt faults and engine behaviour, caused with the simulator: each ends in the right category, saying where."""

import time

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import diff_hardware
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, AuthError, ConflictError, InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend

GIB = 1024**3


@pytest.fixture
def ovirt(ovirt_engine):
    return OvirtBackend(ovirt_engine)


@pytest.fixture
def driver(ovirt):
    driver = ovirt.driver()
    yield driver
    driver.close()


def create(ovirt, driver, name, **spec):
    return driver.create_vm(name, dict(dict(ovirt.placement, template=ovirt.template), **spec), timeout=60)


def requests_of(engine, method, suffix):
    return [r for r in engine.requests if r['method'] == method and r['path'].endswith(suffix)]


def test_expired_token_is_renewed_mid_session_and_the_write_sent_once(ovirt, driver):
    vm = create(ovirt, driver, 'fault-token')
    logins = len(requests_of(ovirt.engine, 'POST', '/sso/oauth/token'))
    ovirt.expire_login()
    assert driver.power(vm, 'start', timeout=30)['status'] == 'running'
    assert len(requests_of(ovirt.engine, 'POST', '/sso/oauth/token')) == logins + 1
    starts = requests_of(ovirt.engine, 'POST', '/vms/{0}/start'.format(vm['id']))
    # Refused once with 401 (nothing done), then carried out once after the new login.
    assert [r['status'] for r in starts] == [401, 200]


def test_token_login_never_logs_the_token_out(ovirt):
    token = ovirt.engine.issue_token()
    driver = ovirt.driver(username=None, password=None, token=token)
    assert driver.facts()['template_count'] == 2, 'Blank is not counted, and a versioned template counts once'
    driver.close()
    assert not requests_of(ovirt.engine, 'POST', '/sso-logout')
    assert not requests_of(ovirt.engine, 'POST', '/sso/oauth/token')
    ovirt.expire_login()
    with pytest.raises(AuthError) as caught:
        ovirt.driver(username=None, password=None, token=token).connect()
    assert str(caught.value) == 'ovirt-test: authentication failed: the SSO token was refused (expired or revoked?)'
    assert token not in str(caught.value)


def test_unknown_cluster_lists_the_clusters_and_writes_nothing(ovirt, driver):
    ovirt.engine.add_cluster('Lab', 'Default')
    writes = ovirt.write_count()
    with pytest.raises(NotFoundError) as caught:
        driver.create_vm('fault-cluster', {'template': ovirt.template, 'cluster': 'Prod'}, timeout=30)
    assert str(caught.value) == "ovirt-test: VM 'fault-cluster': cluster 'Prod' not found; available: Default, Lab"
    with pytest.raises(InvalidInputError) as caught:
        driver.create_vm('fault-cluster', {'template': ovirt.template}, timeout=30)
    assert "option 'cluster' is required to create a VM on ovirt; available: Default, Lab" in str(caught.value)
    assert ovirt.write_count() == writes


def test_duplicate_name_keeps_the_engines_wording(ovirt, driver):
    create(ovirt, driver, 'twin')
    with pytest.raises(ConflictError) as caught:
        create(ovirt, driver, 'twin')
    assert str(caught.value) == ("ovirt-test: VM 'twin': Cannot add VM. The VM name is already in use, please choose a unique name and try again.")
    assert len(driver.list_vms(name='twin')) == 1


def test_unknown_vnic_profile_lists_the_profiles_before_anything_is_made(ovirt, driver):
    writes = ovirt.write_count()
    with pytest.raises(NotFoundError) as caught:
        create(ovirt, driver, 'fault-nic', networks=[{'network': 'vlan200'}])
    assert str(caught.value) == "ovirt-test: VM 'fault-nic': vNIC profile 'vlan200' not found; available: ovirtmgmt, vlan100"
    assert ovirt.write_count() == writes
    vm = create(ovirt, driver, 'fault-nic')
    with pytest.raises(NotFoundError):
        driver.apply_changes(vm, {'networks': {'before': vm['nics'], 'after': [dict(vm['nics'][0], network='vlan200')]}}, timeout=30)
    with pytest.raises(InvalidInputError) as caught:
        create(ovirt, driver, 'fault-vlan', networks=[{'network': 'ovirtmgmt', 'vlan': 100}])
    assert 'vlan does not apply to ovirt; use a vNIC profile' in str(caught.value)


def test_a_name_the_engine_refuses(ovirt, driver):
    with pytest.raises(InvalidInputError) as caught:
        create(ovirt, driver, ovirt.refused_name)
    text = str(caught.value)
    assert text.startswith("ovirt-test: VM 'bad name!': the engine refused the request: Can not add VM. The given name contains special characters.")
    assert '\n' not in text and 'Fault reason' not in text and 'HTTP response code' not in text
    assert driver.get_vm(name=ovirt.refused_name) is None


def test_latest_template_version_in_the_clusters_data_center(ovirt, driver):
    vm = create(ovirt, driver, 'fault-version', template=ovirt.other_template)
    # Version 2 of rhel9-tpl has 4 GiB and a second NIC; version 1 has 2 GiB and one.
    assert (vm['memory_mb'], [n['network'] for n in vm['nics']]) == (4096, ['ovirtmgmt', 'vlan100'])
    assert vm['firmware'] == 'uefi'
    engine = ovirt.engine
    engine.add_datacenter('Remote')
    engine.add_cluster('Edge', 'Remote')
    engine.add_storage_domain('edge-data', 'Remote')
    engine.add_template('edge-tpl', 'Edge')
    with pytest.raises(NotFoundError) as caught:
        create(ovirt, driver, 'fault-scope', template='edge-tpl')
    assert str(caught.value).endswith("template 'edge-tpl' not found; available: debian12-tpl, rhel9-tpl")
    assert driver.find_template('edge-tpl', cluster='Edge')['cluster'] == 'Edge'
    assert [t['name'] for t in driver.list_templates(cluster='Edge')] == ['edge-tpl']


def test_storage_domain_and_thin_clone(ovirt, driver):
    ovirt.engine.add_storage_domain('fast', 'Default')
    vm = create(ovirt, driver, 'fault-storage', storage='fast')
    disks = ovirt.engine.vm('fault-storage').disks
    assert [d.storage_domain.name for d in disks] == ['fast']
    with pytest.raises(NotFoundError) as caught:
        create(ovirt, driver, 'fault-storage2', storage='slow')
    assert "storage domain 'slow' not found; available: data, fast" in str(caught.value)
    # A thin copy lives where the template's image is: the engine refuses another domain.
    with pytest.raises(ConflictError) as caught:
        create(ovirt, driver, 'fault-thin', storage='fast', clone_mode='linked')
    assert "The selected Template doesn't exist on the destination Storage Domain" in str(caught.value)
    thin = create(ovirt, driver, 'fault-thin', clone_mode='linked')
    assert requests_of(ovirt.engine, 'POST', '/vms')[-1]['query'] == {'clone': 'false'}
    assert thin['status'] == vm['status'] == 'stopped'


def test_reads_are_retried_and_writes_are_not(ovirt, driver):
    create(ovirt, driver, 'fault-retry')
    ovirt.engine.fail('GET', '/vms', status=503, detail='Service Unavailable', times=2)
    assert [v['name'] for v in driver.list_vms()] == ['fault-retry']
    ovirt.engine.fail('POST', '/vms', status=503, detail='Service Unavailable', times=1)
    posts = len(requests_of(ovirt.engine, 'POST', '/vms'))
    with pytest.raises(ApiError) as caught:
        create(ovirt, driver, 'fault-retry2')
    assert str(caught.value) == ("ovirt-test: VM 'fault-retry2': the engine failed the request (HTTP 503): Service Unavailable")
    assert len(requests_of(ovirt.engine, 'POST', '/vms')) == posts + 1
    assert driver.get_vm(name='fault-retry2') is None


@pytest.mark.ovirt_engine(delay=0.3)
def test_transitions_are_waited_for(ovirt, driver):
    started = time.monotonic()
    vm = create(ovirt, driver, 'fault-slow', cpu_cores=2, tags=['slow'])
    assert time.monotonic() - started >= 0.3, 'the new VM is image_locked for 0.3 s'
    assert (vm['status'], vm['cpu_cores'], vm['tags']) == ('stopped', 2, ['slow'])
    started = time.monotonic()
    vm = driver.power(vm, 'start', timeout=30)
    assert vm['status'] == 'running' and vm['node'] in ('host1', 'host2') and vm['ip_addresses']
    assert time.monotonic() - started >= 0.6, 'wait_for_launch then powering_up'
    vm = driver.power(vm, 'shutdown', timeout=30, wait=False)
    assert vm['status'] == 'stopping'
    assert driver.wait_for_status(vm, ['stopped'], timeout=30)['status'] == 'stopped'
    vm = driver.power(vm, 'start', timeout=30, wait=False)
    assert vm['status'] == 'starting'
    vm = driver.power(driver.wait_for_status(vm, ['running'], timeout=30), 'reboot', timeout=30)
    assert vm['status'] == 'running'
    driver.power(vm, 'stop', timeout=30)
    driver.delete_vm(vm, timeout=30)
    assert driver.get_vm(name='fault-slow') is None


@pytest.mark.ovirt_engine(delay=0.5)
def test_a_wait_shorter_than_the_transition_times_out(ovirt, driver):
    vm = create(ovirt, driver, 'fault-short')
    with pytest.raises(Exception) as caught:
        driver.power(vm, 'start', timeout=0.3)
    assert caught.value.category == 'timeout'
    assert "VM 'fault-short'" in str(caught.value) and 'waiting for status running' in str(caught.value)


def test_changes_to_a_running_vm_are_kept_for_its_next_start(ovirt, driver):
    vm = driver.power(create(ovirt, driver, 'fault-nextrun'), 'start', timeout=30)
    wanted = {'cpu_cores': 2, 'memory_mb': 2048, 'firmware': 'uefi', 'description': 'resized'}
    vm = driver.apply_changes(vm, diff_hardware(vm, wanted), timeout=30)
    # The record compares with what the VM will be, so a second run has nothing to write.
    assert (vm['cpu_cores'], vm['memory_mb'], vm['firmware'], vm['status']) == (2, 2048, 'uefi', 'running')
    assert diff_hardware(driver.get_vm(name='fault-nextrun'), wanted) == {}
    engine_vm = ovirt.engine.vm('fault-nextrun')
    # The memory is sent with next_run, for the next start like the rest (the engine would hot-plug an increase
    # sent without it); the description changes at once.
    assert engine_vm.obj.memory == 1024 * 1024**2 and engine_vm.obj.description == 'resized'
    # A NIC comes off a running VM once unplugged; its address goes with it.
    vm = driver.apply_changes(vm, diff_hardware(vm, {'networks': [{'network': 'ovirtmgmt'}, {'network': 'vlan100'}]}), timeout=30)
    assert [n['network'] for n in vm['nics']] == ['ovirtmgmt', 'vlan100']
    vm = driver.apply_changes(vm, diff_hardware(vm, {'networks': [{'network': 'ovirtmgmt'}]}), timeout=30)
    assert [n['network'] for n in vm['nics']] == ['ovirtmgmt'] and vm['status'] == 'running'
    vm = driver.power(vm, 'reboot', timeout=30)
    assert ovirt.engine.vm('fault-nextrun').obj.memory == 2048 * 1024**2, 'a reboot with pending changes is cold'
    assert not ovirt.engine.vm('fault-nextrun').obj.next_run_configuration_exists


def count_list_requests(ovirt):
    """Requests of list_vms on a fresh session (login included), and what it listed."""
    driver = ovirt.driver()
    before = ovirt.request_count()
    vms = driver.list_vms()
    cost = ovirt.request_count() - before
    driver.close()
    return cost, vms


def test_listing_costs_the_same_requests_for_1_and_200_vms(ovirt):
    engine = ovirt.engine
    engine.add_vms(1, 'Default', template=ovirt.template, prefix='bulk', running_every=1)
    one, vms = count_list_requests(ovirt)
    assert len(vms) == 1 and vms[0]['nics'][0]['mac'] and vms[0]['ip_addresses']
    engine.add_vms(199, 'Default', template=ovirt.other_template, prefix='bulk', start=2, running_every=2)
    many, vms = count_list_requests(ovirt)
    assert len(vms) == 200
    assert all(vm['nics'] and vm['nics'][0]['mac'] for vm in vms)
    # bulk00001 and every second one after it run, so their guests report addresses.
    assert sum(1 for vm in vms if vm['ip_addresses']) == 101
    assert many == one, 'listing 200 VMs cost {0} requests, 1 VM {1}'.format(many, one)
    # The login, the VM search and one read each of clusters, hosts, vNIC profiles and storage domains.
    assert one == 6
    listing = [r for r in engine.requests if r['path'].endswith('/vms') and r['method'] == 'GET'][-1]
    assert listing['query']['follow'] == 'nics,reported_devices,tags,disk_attachments.disk'
    assert vms[0]['disks'] and vms[0]['disks'][0]['storage'] and vms[0]['disks'][0]['size_gb']


def test_filters_are_pushed_into_the_search(ovirt, driver):
    ovirt.engine.add_vms(5, 'Default', template=ovirt.template, prefix='push', running_every=2)
    assert [v['name'] for v in driver.list_vms(name='push0000?', status='stopped')] == ['push00001', 'push00003', 'push00005']
    assert [v['name'] for v in driver.list_vms(name='push*', status='running')] == ['push00002', 'push00004']
    searches = [r['query'].get('search') for r in ovirt.engine.requests if r['path'].endswith('/vms')]
    # '?' is not a wildcard of the engine: the glob is cut there, and matched exactly here.
    assert searches[-2:] == ['name=push0000* and status=down', 'name=push*']


def test_a_tag_the_engine_refuses_is_refused_before_anything_is_made(ovirt, driver):
    writes = ovirt.write_count()
    with pytest.raises(InvalidInputError) as caught:
        create(ovirt, driver, 'fault-tag', tags=['web', 'not a tag!'])
    assert str(caught.value) == (
        "ovirt-test: VM 'fault-tag': tags must be 1-50 letters, digits, '_', '-' or '.', not starting with '-' or '.'; got 'not a tag!'"
    )
    assert ovirt.write_count() == writes
