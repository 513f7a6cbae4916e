"""oVirt engine rules the collection once broke (issue 22), through the driver against the simulator, which
enforces them (tests/simulators/ovirt/model.py; docs/doubles.md lists them with their engine source).

A rule the collection breaks is marked pending(): xfail(strict=True) until the driver is fixed. Each test passes
once the collection either keeps the rule or refuses the request itself, in one line, before it writes.
"""

import threading

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HARDWARE_KEYS, diff_hardware
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import HypervisorError, InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import PLACEMENT_KEYS, ensure_vm, vm_spec
from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, refused_before_writing

MIB = 1024**2


def pending(rule):
    return pytest.mark.xfail(strict=True, reason='issue 22 oVirt rule {0}: driver fix pending'.format(rule))


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


def test_memory_raised_on_a_running_vm_by_a_step_the_engine_cannot_hot_plug(ovirt, driver):
    """Without next_run the engine hot-plugs a memory increase at once, in steps of 128 MiB on x86 (400 otherwise);
    1024 -> 1500 MiB must go to the next start (next_run) or be refused in one line first."""
    vm = driver.power(create(ovirt, driver, 'hot-mem'), 'start', timeout=30)
    try:
        vm = driver.apply_changes(vm, diff_hardware(vm, {'memory_mb': 1500}), timeout=30)
    except InvalidInputError as exc:
        assert '128' in str(exc) and 'Amount of added memory' not in str(exc), str(exc)
        return
    assert vm['memory_mb'] == 1500
    assert ovirt.engine.vm('hot-mem').obj.memory == 1024 * MIB, 'the increase is for the next start'


def test_a_nic_model_change_on_a_running_vm(ovirt, driver):
    """The engine refuses a model or MAC change of a plugged NIC of a running VM (409); the collection must unplug,
    update and plug it back, or refuse before writing anything."""
    vm = driver.power(create(ovirt, driver, 'nic-model'), 'start', timeout=30)
    before = ovirt.write_count()
    try:
        vm = driver.apply_changes(vm, diff_hardware(vm, {'networks': [{'network': 'ovirtmgmt', 'model': 'e1000'}]}), timeout=30)
    except HypervisorError as exc:
        assert isinstance(exc, InvalidInputError) and ovirt.write_count() == before, str(exc)
        return
    assert [n['model'] for n in vm['nics']] == ['e1000']


def test_a_network_not_attached_to_the_cluster_is_refused_before_the_vm_is_made(ovirt, driver):
    """vlan100 is in the data center but detached from cluster Default: a NIC on it fails (409) once the VM
    exists; the preflight says so first."""
    ovirt.engine.state.detach_network('vlan100', 'Default')
    refused_before_writing(ovirt, lambda: create(ovirt, driver, 'off-cluster', networks=[{'network': 'vlan100'}]), 'vlan100', 'Default')
    assert driver.get_vm(name='off-cluster') is None


def test_a_nic_moved_to_a_network_not_attached_to_the_cluster_is_refused_before_any_write(ovirt, driver):
    """The same rule when a VM's NICs change: nothing is written (not the description that comes first)."""
    vm = create(ovirt, driver, 'moving')
    ovirt.engine.state.detach_network('vlan100', 'Default')
    wanted = {'description': 'moved', 'networks': [dict(n) for n in vm['nics']] + [{'network': 'vlan100'}]}
    refused_before_writing(ovirt, lambda: driver.apply_changes(vm, diff_hardware(vm, wanted), timeout=30), 'vlan100', 'Default')
    # Check mode says so too, as the module runs it.
    params = dict(dict.fromkeys(HARDWARE_KEYS + PLACEMENT_KEYS), name='moving', state='present', **wanted)
    params.update(cloud_init=None, pxe_boot=None, wait=True, wait_timeout=120, force=False)
    refused_before_writing(ovirt, lambda: ensure_vm(driver, params, True, vm, power=False), 'vlan100', 'Default')


def test_a_memory_change_on_a_running_vm_waits_for_its_next_start_as_check_mode_says(ovirt, driver):
    """Even a step the engine could hot-plug goes to the next start, as the module's warning says; check mode predicts
    the record the run returns, and a second run finds nothing to do (the record reads the next-run configuration)."""
    vm = driver.power(create(ovirt, driver, 'mem-next', description='before'), 'start', timeout=30)
    changes = driver.diff_hardware(vm, {'memory_mb': 1024 + 128, 'description': 'after'})
    predicted = driver.predict_changes(vm, changes)
    after = driver.apply_changes(vm, changes, timeout=30)
    assert {key: after[key] for key in ('memory_mb', 'description', 'status')} == {key: predicted[key] for key in ('memory_mb', 'description', 'status')}
    assert after['memory_mb'] == 1024 + 128 and after['status'] == 'running'
    engine_vm = ovirt.engine.vm('mem-next')
    assert engine_vm.obj.memory == 1024 * MIB and engine_vm.obj.description == 'after', 'memory for the next start; the description now'
    writes = ovirt.write_count()
    assert driver.diff_hardware(driver.get_vm(vm_id=vm['id']), {'memory_mb': 1024 + 128, 'description': 'after'}) == {}
    assert ovirt.write_count() == writes
    driver.power(after, 'stop', timeout=30)
    assert ovirt.engine.vm('mem-next').obj.memory == (1024 + 128) * MIB, 'the stop applies the next-run configuration'


def test_a_nic_model_and_mac_change_on_a_running_vm_leaves_the_nic_plugged(ovirt, driver):
    """Unplugged, updated, plugged back: check mode predicts the NICs the run returns, a second run changes nothing."""
    vm = driver.power(create(ovirt, driver, 'nic-replug'), 'start', timeout=30)
    wanted = {'networks': [{'network': 'ovirtmgmt', 'model': 'e1000', 'mac': '56:6f:00:00:00:42'}]}
    changes = driver.diff_hardware(vm, wanted)
    predicted = driver.predict_changes(vm, changes)
    after = driver.apply_changes(vm, changes, timeout=30)
    assert after['nics'] == predicted['nics'] and [(n['model'], n['mac']) for n in after['nics']] == [('e1000', '56:6f:00:00:00:42')]
    assert [nic.obj.plugged for nic in ovirt.engine.vm('nic-replug').nics] == [True]
    writes = ovirt.write_count()
    assert driver.diff_hardware(driver.get_vm(vm_id=vm['id']), wanted) == {}
    assert ovirt.write_count() == writes


def test_the_module_warns_of_the_next_start_for_memory_not_for_nics(ovirt, driver):
    """pureboot_vm's warning names the changes a running VM takes at its next start: memory, not a NIC (at once)."""
    vm = driver.power(create(ovirt, driver, 'warned'), 'start', timeout=30)
    nics = [{'network': 'ovirtmgmt', 'model': 'e1000', 'mac': None, 'vlan': None}]
    # pureboot_vm's parameters as Ansible hands them over: every option present, None where not given.
    params = dict(dict.fromkeys(HARDWARE_KEYS + PLACEMENT_KEYS), name='warned', state='present', memory_mb=1024 + 128, networks=nics)
    params.update(cloud_init=None, pxe_boot=None, wait=True, wait_timeout=120, force=False)
    result = ensure_vm(driver, params, False, vm, power=False)
    assert result['changed']
    assert len(result['warnings']) == 1 and ': memory_mb changed while the VM runs; ' in result['warnings'][0], result['warnings']


def test_a_refused_nic_update_on_a_running_vm_plugs_the_nic_back(ovirt, driver):
    """A MAC another NIC holds is refused (409) while the NIC is unplugged: it is plugged back, as it was."""
    taken = create(ovirt, driver, 'mac-holder')['nics'][0]['mac']
    vm = driver.power(create(ovirt, driver, 'nic-refused'), 'start', timeout=30)
    with pytest.raises(HypervisorError) as caught:
        driver.apply_changes(vm, diff_hardware(vm, {'networks': [{'network': 'ovirtmgmt', 'mac': taken}]}), timeout=30)
    assert 'already in use' in str(caught.value) and 'unplugged' not in str(caught.value), str(caught.value)
    assert [nic.obj.plugged for nic in ovirt.engine.vm('nic-refused').nics] == [True]
    assert driver.get_vm(vm_id=vm['id'])['nics'] == vm['nics']


@pytest.mark.parametrize('reason', ['object', 'updating'])
def test_a_lock_whose_message_does_not_say_locked_is_waited_for(ovirt, driver, reason):
    """The engine's lock conflicts carry the holder's message: "Related operation is currently in progress",
    "VM is being updated". The collection must wait for them like for "VM is locked"."""
    vm = create(ovirt, driver, 'busy-' + reason)
    ovirt.engine.hold_lock(vm['id'], reason=reason)
    timer = threading.Timer(2.0, ovirt.engine.release_lock, (vm['id'],))
    timer.start()
    try:
        vm = driver.apply_changes(vm, diff_hardware(vm, {'description': 'after the lock'}), timeout=30)
    finally:
        timer.cancel()
    assert vm['description'] == 'after the lock'


@pytest.mark.parametrize('description', ['web \N{EN DASH} lab', 'x' * 256])
def test_a_description_the_engine_refuses_is_refused_first(ovirt, driver, description):
    """VmBase: a description is at most 255 characters, ASCII or letters; the engine answers 400 otherwise."""
    refused_before_writing(ovirt, lambda: create(ovirt, driver, 'described', description=description), 'description')


def test_more_than_254_cores_are_spread_over_sockets(ovirt, driver):
    """MaxNumOfCpuPerSocket is 254: 300 cores in one socket fail (409); the collection must use more sockets
    (or refuse before writing)."""
    vm = create(ovirt, driver, 'wide')
    try:
        vm = driver.apply_changes(vm, diff_hardware(vm, {'cpu_cores': 300}), timeout=30)
    except HypervisorError as exc:
        assert isinstance(exc, InvalidInputError) and '254' in str(exc), str(exc)
        return
    topology = ovirt.engine.vm('wide').obj.cpu.topology
    assert vm['cpu_cores'] == 300 and topology.cores <= 254


def test_listing_locked_vms_finds_them(ovirt, driver):
    """The search language's status names have no underscore (imagelocked); `status=image_locked` is a syntax
    error the engine answers with an empty list."""
    vm = create(ovirt, driver, 'held')
    ovirt.engine.hold_lock(vm['id'])
    assert [found['name'] for found in driver.list_vms(status='locked')] == ['held']


# An OS type the engine does not have: it keeps it as `other` without a fault (VmMapper.mapOsType ->
# OsRepositoryImpl.getOsIdByUniqueName, id 0), so the VM never converges. The collection checks the name against
# GET /operatingsystems before writing, in check mode too, and reads that list only in a run that writes an os_type.


def os_list_reads(ovirt):
    return ovirt.engine.count_requests('GET', '/operatingsystems')


def test_an_unknown_os_type_is_refused_before_a_clone_or_a_blank_vm_is_made(ovirt, driver):
    refused_before_writing(ovirt, lambda: create(ovirt, driver, 'os-typo', os_type='rhel_9x65'), "os_type 'rhel_9x65'", 'e.g. rhel_9x64')
    blank = vm_spec(dict(name='os-blank', cluster='Default', storage='data', networks=[{'network': 'ovirtmgmt'}], disks=[{'size_gb': 1}], os_type='Debian12'))
    refused_before_writing(ovirt, lambda: driver.create_vm('os-blank', blank, timeout=60), "os_type 'Debian12'")
    assert driver.get_vm(name='os-typo') is None and driver.get_vm(name='os-blank') is None


def test_an_os_type_of_another_architecture_is_refused_before_a_clone_is_made(ovirt, driver):
    # The engine takes the clone, then refuses its os update (409: the OS is not for the cluster's x86_64).
    arch_words = ("os_type 'other_linux_ppc64' is an operating system for ppc64", "cluster 'Default' runs x86_64")
    refused_before_writing(ovirt, lambda: create(ovirt, driver, 'os-arch', os_type='other_linux_ppc64'), *arch_words)
    assert driver.get_vm(name='os-arch') is None
    vm = create(ovirt, driver, 'os-arch')
    changes = driver.diff_hardware(vm, {'os_type': 'other_linux_ppc64'})
    refused_before_writing(ovirt, lambda: driver.predict_changes(vm, changes), 'for ppc64')  # check mode
    refused_before_writing(ovirt, lambda: driver.apply_changes(vm, changes, timeout=30), 'for ppc64')
    assert ovirt.engine.vm('os-arch').obj.os.type == 'debian_9'


@pytest.mark.parametrize('architecture', ['ppc64', 's390x'])
def test_linux_and_other_are_the_generic_os_of_the_clusters_architecture(ovirt, driver, architecture):
    # The engine's generic Linux and Other OS are other_linux and other on x86_64 only (osinfo-defaults.properties):
    # on a ppc64 cluster they are other_linux_ppc64 and other_ppc64, and the x86_64 ones would be refused (409).
    ovirt.engine.add_cluster('Power', 'Default', architecture=architecture)
    blank = vm_spec(dict(name='os-family', cluster='Power', storage='data', networks=[{'network': 'ovirtmgmt'}], disks=[{'size_gb': 1}]))
    predicted = driver.predict_vm(blank, driver.preflight(blank))  # what check mode shows
    vm = driver.create_vm('os-family', blank, timeout=60)
    assert vm['os_type'] == predicted['os_type'] == 'other_linux_' + architecture
    changes = driver.diff_hardware(vm, {'os_type': 'other'})
    assert changes['os_type'] == {'before': 'other_linux_' + architecture, 'after': 'other_' + architecture}
    assert driver.predict_changes(vm, changes)['os_type'] == 'other_' + architecture
    vm = driver.apply_changes(vm, changes, timeout=30)
    assert ovirt.engine.vm('os-family').obj.os.type == vm['os_type'] == 'other_' + architecture
    assert driver.diff_hardware(vm, {'os_type': 'other'}) == {}, 'a second run changes nothing'
    assert driver.diff_hardware(vm, {'os_type': 'linux'})['os_type']['after'] == 'other_linux_' + architecture
    # windows has no OS of that architecture: refused in one line, before any write.
    refused_before_writing(ovirt, lambda: driver.apply_changes(vm, driver.diff_hardware(vm, {'os_type': 'windows'}), timeout=30), 'for x86_64')


def test_a_template_nic_on_a_network_the_cluster_lacks_is_made_without_one_as_predicted(ovirt, driver):
    # The engine copies a template's NICs into a VM of another cluster but drops the profile of each whose network
    # that cluster does not have (AddVmCommand.updateProfileOnNic), without a fault: check mode must show it so.
    ovirt.engine.add_cluster('Second', 'Default')
    ovirt.engine.state.detach_network('vlan100', 'Second')
    spec = vm_spec(dict(name='tpl-nics', cluster='Second', template='rhel9-tpl'))
    predicted = driver.predict_vm(spec, driver.preflight(spec))  # what check mode shows
    assert ovirt.write_count() == 0
    vm = driver.create_vm('tpl-nics', spec, timeout=60)
    assert [(n['name'], n['network']) for n in vm['nics']] == [(n['name'], n['network']) for n in predicted['nics']] == [('nic1', 'ovirtmgmt'), ('nic2', None)]
    assert driver.warnings[-1].endswith(
        "NIC nic2 of template 'rhel9-tpl' is on network 'vlan100', which cluster 'Second' does not have attached: "
        'the engine makes that NIC without a network; give networks to choose one'
    )
    # In the template's own cluster nothing is read for it, and every NIC keeps its network.
    same = vm_spec(dict(name='tpl-nics-2', cluster='Default', template='rhel9-tpl'))
    fresh = ovirt.driver()
    try:
        assert [n['network'] for n in fresh.predict_vm(same, fresh.preflight(same))['nics']] == ['ovirtmgmt', 'vlan100']
        assert ovirt.engine.count_requests('GET', '/networks') == 1, 'only the first run, for the other cluster'
    finally:
        fresh.close()


def test_an_unknown_os_type_of_a_vm_is_refused_before_its_change_in_check_mode_too(ovirt, driver):
    vm = create(ovirt, driver, 'os-change')
    params = dict(dict.fromkeys(HARDWARE_KEYS + PLACEMENT_KEYS), name='os-change', state='present', os_type='no-such-os-type', description='changed')
    params.update(cloud_init=None, pxe_boot=None, wait=True, wait_timeout=120, force=False)
    for check_mode in (True, False):
        refused_before_writing(ovirt, lambda check_mode=check_mode: ensure_vm(driver, params, check_mode, vm, power=False), "os_type 'no-such-os-type'")
    assert ovirt.engine.vm('os-change').obj.os.type == 'debian_9' and ovirt.engine.vm('os-change').obj.description != 'changed'


def test_the_os_list_is_read_only_by_a_run_that_writes_an_os_type(ovirt, driver):
    vm = create(ovirt, driver, 'os-reads', description='no os_type')
    # The template's debian_9 already is linux: nothing to write, nothing read.
    assert driver.diff_hardware(vm, {'os_type': 'linux'}) == {}
    assert os_list_reads(ovirt) == 0
    vm = driver.apply_changes(vm, driver.diff_hardware(vm, {'os_type': 'rhel_9x64'}), timeout=30)
    vm = driver.apply_changes(vm, driver.diff_hardware(vm, {'os_type': 'windows'}), timeout=30)
    assert vm['os_type'] == 'windows_2022' and os_list_reads(ovirt) == 1, 'once a session'
    assert driver.diff_hardware(driver.get_vm(vm_id=vm['id']), {'os_type': 'windows'}) == {}
