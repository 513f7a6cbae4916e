"""The volumes the collection makes for a libvirt VM, on the real daemon of the contract scene: which ones `absent`
removes, and what a create does with a volume an interrupted create left behind.

- Every volume made for a VM (a clone's, a blank VM's, an added disk's) is noted in the domain's metadata; `absent`
  removes exactly those, and leaves a shareable disk, a volume another domain uses and a volume it did not make,
  each with a warning.
- A create interrupted after its volume copy (Ctrl-C during a full clone) leaves a volume named for the VM that no
  domain uses; the re-run removes it and makes it again instead of failing. A volume of that name a domain uses is
  still a conflict.
"""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError
from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKEND_CLASSES, LibvirtBackend

MIB = 1024**2


@pytest.fixture
def backend(request):
    return BACKEND_CLASSES[LibvirtBackend.kind].from_fixtures(request.getfixturevalue)


def volumes(backend):
    pool = backend.host.connect().storagePoolLookupByName(backend.pool)
    pool.refresh(0)
    return set(pool.listVolumes())


def make_volume(backend, name, fmt='qcow2'):
    pool = backend.host.connect().storagePoolLookupByName(backend.pool)
    pool.createXML("<volume><name>{0}</name><capacity unit='bytes'>{1}</capacity><target><format type='{2}'/></target></volume>".format(name, MIB, fmt), 0)


def blank_spec(backend, **extra):
    spec = {
        'template': None,
        'networks': [{'network': backend.network}],
        'disks': [{'size_gb': 1, 'storage': backend.pool, 'interface': None}],
        'boot_order': ['network', 'disk'],
    }
    spec.update(extra)
    return spec


@pytest.mark.parametrize('kind', ['clone', 'blank'])
def test_a_create_interrupted_after_its_volume_converges_on_the_re_run(backend, kind):
    # What Ctrl-C during a full clone leaves: the VM's volume, and no domain.
    make_volume(backend, 'orphan-vm-vda.qcow2')
    with backend.driver() as driver:
        spec = {'template': backend.template, 'storage': backend.pool} if kind == 'clone' else blank_spec(backend)
        driver.preflight(dict(spec, name='orphan-vm'))
        vm = driver.create_vm('orphan-vm', spec, timeout=60)
        assert [d['name'] for d in vm['disks']] == ['vda']
        assert any('orphan-vm-vda.qcow2' in w and 'interrupted create' in w for w in driver.warnings)
        assert 'orphan-vm-vda.qcow2' in volumes(backend)
        driver.delete_vm(vm, timeout=60)
    assert 'orphan-vm-vda.qcow2' not in volumes(backend)


def test_a_volume_named_for_the_vm_that_a_domain_uses_is_a_conflict(backend):
    with backend.driver() as driver:
        other = driver.create_vm('holder', blank_spec(backend), timeout=60)
        # A domain that uses a volume named as the new VM's would be: its definition names it.
        make_volume(backend, 'taken-vm-vda.qcow2')
        conn = backend.host.connect()
        dom = conn.lookupByUUIDString(other['id'])
        xml = dom.XMLDesc(0).replace(
            '</devices>',
            "<disk type='volume' device='disk'><driver name='qemu' "
            "type='qcow2'/><source pool='{0}' volume='taken-vm-vda.qcow2'/><target dev='vdz' "
            "bus='virtio'/></disk></devices>".format(backend.pool),
        )
        conn.defineXML(xml)
        with pytest.raises(ConflictError) as caught:
            driver.create_vm('taken-vm', blank_spec(backend), timeout=60)
        assert 'taken-vm-vda.qcow2' in str(caught.value) and 'holder' in str(caught.value)
        assert driver.get_vm(name='taken-vm') is None


def test_absent_removes_the_volumes_made_for_the_vm_and_leaves_the_others(backend):
    with backend.driver() as driver:
        vm = driver.create_vm('owner', blank_spec(backend), timeout=60)
        vm = driver.apply_changes(vm, driver.diff_hardware(vm, {'disks': [{'size_gb': 1}, {'size_gb': 1}]}), 60)
        assert [d['name'] for d in vm['disks']] == ['vda', 'vdb']
        # Disks the collection did not make: a volume of the pool, a shareable one, and the template's own disk.
        make_volume(backend, 'foreign.qcow2')
        # libvirt shares raw images only.
        make_volume(backend, 'shared.qcow2', fmt='raw')
        conn = backend.host.connect()
        dom = conn.lookupByUUIDString(vm['id'])
        extra = ''.join(
            "<disk type='volume' device='disk'><driver name='qemu' type='{3}'/><source pool='{0}' "
            "volume='{1}'/><target dev='{2}' bus='virtio'/>{4}</disk>".format(backend.pool, *disk)
            for disk in (
                ('foreign.qcow2', 'vdx', 'qcow2', ''),
                ('shared.qcow2', 'vdy', 'raw', '<shareable/>'),
                (backend.template + '.qcow2', 'vdz', 'qcow2', ''),
            )
        )
        conn.defineXML(dom.XMLDesc(0).replace('</devices>', extra + '</devices>'))
        driver.warnings[:] = []
        driver.delete_vm(driver.get_vm(vm_id=vm['id']), timeout=60)
        left = volumes(backend)
        assert not {'owner-vda.qcow2', 'owner-vdb.qcow2'} & left
        assert {'foreign.qcow2', 'shared.qcow2', backend.template + '.qcow2'} <= left
        reasons = ' | '.join(driver.warnings)
        assert 'foreign.qcow2' in reasons and 'did not make it' in reasons
        assert 'shared.qcow2' in reasons and 'shareable' in reasons
        assert backend.template + '.qcow2' in reasons and backend.template in reasons.split('use it', maxsplit=1)[0]
        assert driver.get_vm(vm_id=vm['id']) is None
