"""Blank VMs and disks on oVirt, through the driver against the engine simulator: what is written, what is refused
before any write, and that a second run changes nothing."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._vm_state import vm_spec
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


def blank_spec(name='blank01', **params):
    """The spec pureboot_vm makes for a blank VM (no template: pxe_boot defaults to true)."""
    base = dict(
        name=name,
        template=None,
        cluster='Default',
        storage='data',
        cpu_cores=4,
        cpu_sockets=2,
        memory_mb=2048,
        networks=[{'network': 'ovirtmgmt'}],
        disks=[{'size_gb': 10}, {'size_gb': 5}],
    )
    return vm_spec(dict(base, **params))


def test_a_blank_vm_is_made_as_predicted_and_a_second_run_changes_nothing(ovirt, driver):
    spec = blank_spec(cpu_type='host', disks=[{'size_gb': 10}, {'size_gb': 5, 'interface': 'sata'}])
    predicted = driver.predict_vm(spec, driver.preflight(spec))
    writes = ovirt.write_count()
    vm = driver.create_vm('blank01', spec, timeout=60)
    # The VM from Blank, its two disks and its NIC: one write each.
    assert ovirt.write_count() - writes == 4
    assert vm['disks'] == [
        {'name': 'blank01_Disk1', 'size_gb': 10, 'storage': 'data', 'interface': 'virtio'},
        {'name': 'blank01_Disk2', 'size_gb': 5, 'storage': 'data', 'interface': 'sata'},
    ]
    assert (vm['os_type'], vm['cpu_cores'], vm['cpu_sockets'], vm['cpu_type']) == ('other_linux', 4, 2, 'host')
    assert vm['boot_order'] == ['network', 'disk'] and vm['start_on_boot'] is None
    for key in ('disks', 'os_type', 'cpu_cores', 'cpu_sockets', 'cpu_type', 'memory_mb', 'boot_order', 'firmware'):
        assert predicted[key] == vm[key], key
    assert [n['network'] for n in predicted['nics']] == [n['network'] for n in vm['nics']]
    again = driver.get_vm(vm_id=vm['id'])
    assert driver.diff_hardware(again, vm_spec(dict(spec, template=None), again)) == {}
    engine_vm = ovirt.engine.vm('blank01')
    assert engine_vm.template.name == 'Blank'
    attachments = sorted(engine_vm.disks, key=lambda d: d.name)
    assert [(d.attachment['bootable'], d.obj.format.value, d.obj.sparse) for d in attachments] == [(True, 'cow', True), (False, 'cow', True)]
    # The disks are ok when create_vm returns: the VM starts at once.
    assert driver.power(vm, 'start', timeout=30)['status'] == 'running'


@pytest.mark.ovirt_engine(delay=0.3)
def test_the_driver_waits_for_new_disks_to_be_ok(ovirt, driver):
    vm = driver.create_vm('blank02', blank_spec('blank02'), timeout=60)
    assert all(d.obj.status.value == 'ok' for d in ovirt.engine.vm('blank02').disks)
    assert driver.power(vm, 'start', timeout=30)['status'] == 'running'


@pytest.mark.parametrize(
    'params, error, text',
    [
        (
            dict(storage=None),
            InvalidInputError,
            'disks[0]: a storage domain is required for a new disk on ovirt: give disks[0].storage or storage; available: data',
        ),
        (dict(storage='nope'), NotFoundError, "storage domain 'nope' not found; available: data"),
        (
            dict(disks=[{'size_gb': 10, 'interface': 'ide'}]),
            InvalidInputError,
            "disks[0].interface 'ide' is not on the q35 chipset of this VM (BIOS type q35_ovmf); use virtio, scsi, sata",
        ),
        (dict(start_on_boot=True), InvalidInputError, "option 'start_on_boot' does not apply to ovirt hypervisors"),
        (dict(disks=[]), InvalidInputError, 'needs at least one disk (disks)'),
        (dict(cpu_cores=3), InvalidInputError, 'must be a multiple of cpu_sockets'),
    ],
)
def test_bad_blank_vms_are_refused_in_one_line_before_any_write(ovirt, driver, params, error, text):
    writes = ovirt.write_count()
    with pytest.raises(error) as raised:
        driver.create_vm('blank03', blank_spec('blank03', **params), timeout=30)
    assert text in str(raised.value) and '\n' not in str(raised.value)
    assert ovirt.write_count() == writes


def test_a_clone_grows_and_gains_disks_and_never_shrinks(ovirt, driver):
    vm = driver.create_vm('clone01', dict(ovirt.placement, template=ovirt.template), timeout=60)
    first = vm['disks'][0]
    assert first['storage'] == 'data' and first['size_gb'] == 10  # the template's disk
    spec = vm_spec({'disks': [{'size_gb': 40}, {'size_gb': 8, 'interface': 'scsi'}]}, vm)
    changes = driver.diff_hardware(vm, spec)
    assert changes['disks']['grow'] == [(0, first['name'], 40)]
    predicted = driver.predict_changes(vm, changes)
    writes = ovirt.write_count()
    after = driver.apply_changes(vm, changes, timeout=60)
    assert ovirt.write_count() - writes == 2  # one PUT /disks/{id}, one new disk attachment
    assert after['disks'] == predicted['disks'] == [dict(first, size_gb=40), {'name': 'clone01_Disk2', 'size_gb': 8, 'storage': 'data', 'interface': 'scsi'}]
    assert driver.diff_hardware(after, spec) == {}
    writes = ovirt.write_count()
    with pytest.raises(InvalidInputError, match='a disk is never shrunk'):
        driver.diff_hardware(after, vm_spec({'disks': [{'size_gb': 20}]}, after))
    assert ovirt.write_count() == writes


def test_os_type_families_and_cpu_type_on_a_clone(ovirt, driver):
    vm = driver.create_vm('clone02', dict(ovirt.placement, template=ovirt.template), timeout=60)
    # The template's debian_9 already is a Linux guest.
    assert driver.diff_hardware(vm, vm_spec({'os_type': 'linux'}, vm)) == {}
    # One virtual CPU does not spread over two sockets: refused before any write.
    writes = ovirt.write_count()
    with pytest.raises(InvalidInputError, match="cpu_sockets 2 does not divide the VM's 1 virtual CPUs"):
        driver.apply_changes(vm, driver.diff_hardware(vm, vm_spec({'cpu_sockets': 2}, vm)), timeout=30)
    assert ovirt.write_count() == writes
    spec = vm_spec({'os_type': 'windows', 'cpu_type': 'host', 'cpu_sockets': 2, 'cpu_cores': 2}, vm)
    changes = driver.diff_hardware(vm, spec)
    assert changes['os_type'] == {'before': 'debian_9', 'after': 'windows_2022'}
    after = driver.apply_changes(vm, changes, timeout=60)
    assert (after['os_type'], after['cpu_type'], after['cpu_sockets'], after['cpu_cores']) == ('windows_2022', 'host', 2, 2)
    assert driver.diff_hardware(after, spec) == {}
    spec = vm_spec({'cpu_type': 'Skylake-Client-IBRS'}, after)
    after = driver.apply_changes(after, driver.diff_hardware(after, spec), timeout=60)
    assert after['cpu_type'] == 'Skylake-Client-IBRS' and ovirt.engine.vm('clone02').obj.cpu.mode is None
    assert driver.diff_hardware(after, spec) == {}


def test_a_disk_added_to_a_vm_without_disks_needs_a_storage_domain(ovirt, driver):
    vm = driver.create_vm('blank04', blank_spec('blank04', disks=[{'size_gb': 4}]), timeout=60)
    writes = ovirt.write_count()
    spec = vm_spec({'disks': [{'size_gb': 4}, {'size_gb': 2, 'storage': 'elsewhere'}]}, vm)
    with pytest.raises(NotFoundError, match="storage domain 'elsewhere' not found; available: data"):
        driver.apply_changes(vm, driver.diff_hardware(vm, spec), timeout=30)
    assert ovirt.write_count() == writes
