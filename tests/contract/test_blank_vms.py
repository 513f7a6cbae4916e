"""Blank VMs and disks, the same on every type that makes them: a VM made without a template from disks and NICs,
predicted exactly in check mode, and disks grown and added on later runs, never shrunk.

Each test talks to the type's real server (fakepve with PVE's schema and rules, the private libvirtd) through the
real SDK, and goes through pureboot_vm's own steps (_vm_state) where a module run would.
"""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import ensure_vm, vm_spec
from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKEND_CLASSES

# The types that make blank VMs, with the storage (Proxmox storage, oVirt storage domain, libvirt pool) their
# scene makes new disks in.
BLANK_STORAGE = {'proxmox': 'local-lvm', 'libvirt': 'pbh-pool'}
# What the hypervisor assigns, which check mode cannot know.
ASSIGNED = ('id', 'uuid')


@pytest.fixture(params=list(BLANK_STORAGE))
def backend(request):
    return BACKEND_CLASSES[request.param].from_fixtures(request.getfixturevalue)


def params_for(backend, driver, name, **options):
    """pureboot_vm's parameters for a blank VM of backend, as Ansible hands them over (every option present)."""
    params = dict(
        name=name,
        id=None,
        state='present',
        template=None,
        node=None,
        cluster=None,
        storage=None,
        pool=None,
        clone_mode='full',
        cpu_cores=None,
        memory_mb=None,
        networks=[{'network': backend.network}],
        disks=[{'size_gb': 2, 'storage': BLANK_STORAGE[backend.kind], 'interface': None}],
        boot_order=None,
        firmware=None,
        description=None,
        tags=None,
        os_type=None,
        cpu_sockets=None,
        cpu_type=None,
        start_on_boot=None,
        pxe_boot=None,
        cloud_init=None,
        wait=True,
        wait_timeout=120,
        force=False,
        pureboot_node=None,
    )
    params.update(backend.placement)
    params.update(options)
    return params


def without_assigned(vm):
    return dict(vm, nics=[dict(nic, mac=None) for nic in vm['nics']], **dict.fromkeys(ASSIGNED))


def has_autostart(driver):
    return 'start_on_boot' not in driver.FOREIGN.get('hardware', ())


def test_a_blank_vm_is_made_as_check_mode_predicted_and_a_second_run_changes_nothing(backend, driver):
    options = dict(
        cpu_cores=2,
        cpu_sockets=2,
        memory_mb=1024,
        os_type='linux',
        cpu_type='host',
        tags=['blank'],
        description='blank by the contract suite',
        disks=[{'size_gb': 3, 'storage': BLANK_STORAGE[backend.kind], 'interface': None}, {'size_gb': 1, 'storage': None, 'interface': None}],
        storage=BLANK_STORAGE[backend.kind],
    )
    if has_autostart(driver):
        options['start_on_boot'] = True
    params = params_for(backend, driver, 'blank-vm1', **options)
    writes = backend.write_count()
    predicted = ensure_vm(driver, params, True, None)
    assert predicted['changed'] and backend.write_count() == writes, 'check mode wrote'
    created = ensure_vm(driver, params, False, None)
    vm = created['vm']
    assert without_assigned(vm) == without_assigned(predicted['vm'])
    assert vm['id'] and vm['uuid'] and all(nic['mac'] for nic in vm['nics'])
    assert (vm['template'], vm['status'], vm['cpu_cores'], vm['memory_mb']) == (False, 'stopped', 2, 1024)
    assert [(d['size_gb'], d['storage']) for d in vm['disks']] == [(3, BLANK_STORAGE[backend.kind]), (1, BLANK_STORAGE[backend.kind])]
    assert len({d['name'] for d in vm['disks']}) == 2
    # pxe_boot defaults to true for a blank VM: it boots from the network first.
    assert vm['boot_order'][0] == 'network' and 'disk' in vm['boot_order']
    assert [n['network'] for n in vm['nics']] == [backend.network]
    assert (vm['cpu_sockets'], vm['cpu_type']) == (2, 'host')
    if has_autostart(driver):
        assert vm['start_on_boot'] is True
    assert driver.get_vm(vm_id=vm['id']) == vm

    writes = backend.write_count()
    again = ensure_vm(driver, dict(params, pxe_boot=None), False, driver.get_vm(name='blank-vm1'))
    assert not again['changed'] and backend.write_count() == writes


def test_disks_grow_and_are_added_as_predicted_never_shrink(backend, driver):
    storage = BLANK_STORAGE[backend.kind]
    params = params_for(backend, driver, 'blank-vm2')
    vm = ensure_vm(driver, params, False, None)['vm']
    assert [d['size_gb'] for d in vm['disks']] == [2]

    bigger = dict(params, disks=[{'size_gb': 3, 'storage': None, 'interface': None}, {'size_gb': 1, 'storage': storage, 'interface': None}])
    writes = backend.write_count()
    predicted = ensure_vm(driver, bigger, True, vm)
    assert backend.write_count() == writes
    assert predicted['changed'] and predicted['diff']['before']['disks'] != predicted['diff']['after']['disks']
    done = ensure_vm(driver, bigger, False, vm)
    assert done['vm']['disks'] == predicted['vm']['disks']
    assert [(d['size_gb'], d['storage']) for d in done['vm']['disks']] == [(3, storage), (1, storage)]
    assert done['vm']['disks'][0]['name'] == vm['disks'][0]['name']

    current = driver.get_vm(vm_id=vm['id'])
    assert current['disks'] == done['vm']['disks']
    writes = backend.write_count()
    assert not ensure_vm(driver, bigger, False, current)['changed']
    # A list naming fewer disks leaves the others alone.
    assert not ensure_vm(driver, dict(bigger, disks=bigger['disks'][:1]), False, current)['changed']
    with pytest.raises(InvalidInputError) as caught:
        ensure_vm(driver, dict(bigger, disks=[{'size_gb': 2, 'storage': None, 'interface': None}]), False, current)
    assert backend.write_count() == writes, 'a write before the shrink was refused'
    message = str(caught.value)
    assert '\n' not in message and message.startswith(driver.label + ': ')
    assert 'never shrunk' in message and current['disks'][0]['name'] in message


def test_an_unknown_storage_is_refused_before_any_write(backend, driver):
    params = params_for(backend, driver, 'blank-vm3', disks=[{'size_gb': 2, 'storage': 'no-such-store', 'interface': None}])
    writes = backend.write_count()
    for check_mode in (True, False):
        with pytest.raises(NotFoundError) as caught:
            ensure_vm(driver, params, check_mode, None)
        assert "'no-such-store'" in str(caught.value) and BLANK_STORAGE[backend.kind] in str(caught.value)
        assert '\n' not in str(caught.value)
    assert backend.write_count() == writes
    assert driver.get_vm(name='blank-vm3') is None


@pytest.mark.parametrize(
    'options, message',
    [
        ({'disks': [{'size_gb': 0, 'storage': None, 'interface': None}]}, 'disks[0].size_gb must be a whole number'),
        ({'disks': [{'size_gb': 2, 'storage': None, 'interface': 'nvme'}]}, 'disks[0].interface must be one of'),
        ({'disks': []}, 'needs at least one disk (disks)'),
        ({'networks': []}, 'needs at least one NIC (networks)'),
        ({'disks': None, 'networks': None}, 'needs at least one disk (disks) and one NIC (networks)'),
    ],
    ids=['size-0', 'bad-bus', 'no-disk', 'no-nic', 'neither'],
)
def test_bad_blank_input_is_one_line_before_any_write(backend, driver, options, message):
    params = params_for(backend, driver, 'blank-vm4', **options)
    writes = backend.write_count()
    for check_mode in (True, False):
        with pytest.raises(InvalidInputError) as caught:
            ensure_vm(driver, params, check_mode, None)
        assert message in str(caught.value) and '\n' not in str(caught.value)
    # The driver refuses it as well when called directly.
    with pytest.raises(InvalidInputError):
        driver.create_vm('blank-vm4', vm_spec(params), timeout=60)
    assert backend.write_count() == writes
