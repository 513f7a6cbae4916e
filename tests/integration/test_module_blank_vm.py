"""pureboot_vm making a blank VM (no template) through real ansible-playbook runs: check mode first, the create, a
second run that changes nothing, a disk grown and one added, a shrink refused in one line, and the inventory and
pureboot_vm_info showing the disks."""

import json

import pytest

from ansible_collections.pureboot.hypervisors.tests.integration.conftest import target_vars
from ansible_collections.pureboot.hypervisors.tests.integration.runner import run_playbook

# The storage each scene makes new disks in (Proxmox storage, libvirt pool).
BLANK_STORAGE = {'proxmox': 'local-lvm', 'libvirt': 'pbh-pool'}


def play(steps):
    """pureboot_vm tasks ((name, options, check mode), each ignoring its errors), then pureboot_vm_info; every
    result goes to results.json in order."""
    tasks = []
    for name, options, check in steps:
        module = dict({'hypervisor': '{{ hv }}', 'name': 'blank-ci'}, **options)
        tasks.append({'name': name, 'pureboot.hypervisors.pureboot_vm': module, 'register': name, 'check_mode': check, 'ignore_errors': True})
    tasks.append({'name': 'info', 'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': '{{ hv }}', 'name': 'blank-ci'}, 'register': 'info'})
    registered = ', '.join([name for name, _options, _check in steps] + ['info'])
    tasks.append({'name': 'results', 'write_file': {'dest': '{{ results_file }}', 'content': '{{ [' + registered + '] | to_json }}'}})
    return [{'name': 'blank', 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]


@pytest.mark.parametrize('backend', ['proxmox', 'libvirt'], indirect=True)
def test_a_blank_vm_is_made_reconciled_and_listed(backend, tmp_path):
    storage = BLANK_STORAGE[backend.kind]
    base = dict(backend.placement, networks=[{'network': backend.network}], storage=storage, cpu_cores=2, memory_mb=1024, os_type='linux', cpu_sockets=1)
    one = dict(base, disks=[{'size_gb': 2}])
    two = dict(base, disks=[{'size_gb': 3}, {'size_gb': 1}])
    steps = [
        ('preview', one, True),
        ('create', one, False),
        ('again', one, False),
        ('grow_preview', two, True),
        ('grow', two, False),
        ('grown', two, False),
        ('shrink', dict(base, disks=[{'size_gb': 1}]), False),
        ('nodisk', dict(base, name='blank-none', disks=[]), False),
    ]
    result = run_playbook(tmp_path, play(steps), target_vars(backend, tmp_path), args=['--diff'])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    preview, create, again, grow_preview, grow, grown, shrink, nodisk, info = json.loads((tmp_path / 'results.json').read_text())

    assert preview['changed'] and create['changed'], output[-3000:]
    assert dict(preview['vm'], id=None, uuid=None, nics=None) == dict(create['vm'], id=None, uuid=None, nics=None)
    vm = create['vm']
    assert [(d['size_gb'], d['storage']) for d in vm['disks']] == [(2, storage)]
    assert vm['boot_order'][0] == 'network', 'pxe_boot defaults to true for a blank VM'
    assert (vm['cpu_cores'], vm['memory_mb'], vm['template']) == (2, 1024, False)
    assert not again['changed']

    assert grow_preview['changed'] and grow['changed']
    assert grow_preview['vm']['disks'] == grow['vm']['disks']
    assert [d['size_gb'] for d in grow['vm']['disks']] == [3, 1]
    assert grow['diff']['before']['disks'] != grow['diff']['after']['disks']
    assert not grown['changed']

    assert shrink['failed'] and 'never shrunk' in shrink['msg'] and '\n' not in shrink['msg']
    assert nodisk['failed'] and 'needs at least one disk (disks)' in nodisk['msg']
    assert [d['size_gb'] for d in info['vms'][0]['disks']] == [3, 1]
