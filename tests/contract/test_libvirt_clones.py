"""What only libvirt has to show, on the real daemon of the contract scene: the disks a new VM gets.

A linked clone's disk is a qcow2 overlay whose backing file is the template's volume; a full clone's is a copy with
no backing file; both land in the storage pool asked for; removing the VM removes its volumes and leaves the
template's. Read back with qemu-img, from the files themselves.
"""

import json
import os
import subprocess

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKEND_CLASSES, LibvirtBackend


@pytest.fixture
def libvirt_backend(request):
    return BACKEND_CLASSES[LibvirtBackend.kind].from_fixtures(request.getfixturevalue)


def image_info(path):
    result = subprocess.run(['qemu-img', 'info', '--output=json', '-U', path], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_linked_clones_are_overlays_of_the_template_and_full_clones_copies(libvirt_backend):
    backend = libvirt_backend
    pool_dir = backend.host.pool_path(backend.pool)
    template_disk = os.path.join(pool_dir, backend.template + '.qcow2')
    with backend.driver() as driver:
        linked = driver.create_vm('clone-linked', {'template': backend.template, 'clone_mode': 'linked'}, timeout=60)
        full = driver.create_vm('clone-full', {'template': backend.template, 'clone_mode': 'full', 'storage': backend.pool}, timeout=60)
        overlay = image_info(os.path.join(pool_dir, 'clone-linked-vda.qcow2'))
        copy = image_info(os.path.join(pool_dir, 'clone-full-vda.qcow2'))
        assert overlay['format'] == 'qcow2' and overlay['backing-filename'] == template_disk
        assert copy['format'] == 'qcow2' and 'backing-filename' not in copy
        assert overlay['virtual-size'] == copy['virtual-size'] == image_info(template_disk)['virtual-size']
        # Each VM is its own domain: its own UUID and MACs.
        assert linked['id'] != full['id'] and linked['nics'][0]['mac'] != full['nics'][0]['mac']
        # A full copy boots without its template: the guest powers off on the ACPI button, so it ran.
        running = driver.power(full, 'start', timeout=60)
        assert driver.power(running, 'shutdown', timeout=60)['status'] == 'stopped'
        for vm in (linked, full):
            driver.delete_vm(vm, timeout=60)
    left = sorted(name for name in os.listdir(pool_dir) if name.endswith('.qcow2'))
    assert left == sorted([backend.template + '.qcow2', backend.other_template + '.qcow2'])
