"""From nothing to installed through the module: pureboot_vm makes a blank libvirt VM that PureBoot installs.

On the private libvirtd and its install lab (tests/simulators/libvirtd/install_lab.py: the lab's libvirt network
with DHCP and TFTP, boot.ipxe chaining to the PureBoot double's /api/v1/boot, a workflow file with `install_method:
chain` to the lab's boot files server serving the tiny installer of tests/simulators/installer; all inside the
daemon's network namespace), a real ansible-playbook, run in that namespace, runs one pureboot_vm task: a blank VM
(one new 1 GiB disk, one NIC on the lab's network, pxe_boot by default), its node registered with the lab's workflow,
the install queued and awaited (`wait_for: installed`). The task returns once the VM has PXE-booted, fetched the
workflow's script, booted the installer and the installer has reported install_started and install_complete through
/api/v1/report. Then, from what the servers logged: the VM rebooted and its next /boot was answered `exit` (boot
from the disk), and the installer's marker is at the start of its disk. The same task again changes nothing and
does not wait.

Every request of the install boot is checked against what the real server does (docs/provisioning.md): the chain
URL with PureBoot's own address and the node's MAC filled in, the reports' bodies, the node's address taken from
the boot. This is the suite's one real PXE install besides `make demo`'s (test_molecule_and_demo.py); a twin that
drove the same lab through libvirt-python alone was dropped: it proved nothing this test does not, and cost a TCG
install boot. The timings and logs are written to install-evidence.json in the test's tmp_path, and to
$PUREBOOT_INSTALL_EVIDENCE when that is set.
"""

import json
import time

import pytest

from ansible_collections.pureboot.hypervisors.tests.integration.runner import assert_ok, run_playbook, save_evidence
from ansible_collections.pureboot.hypervisors.tests.simulators.installer.build import MARKER
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.fixtures import LIBVIRT_POOL
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.install_lab import INITRD_PATH, INSTALL_SCRIPT, KERNEL_PATH, WORKFLOW, InstallLab

VM_NAME = 'module-install-01'
# The whole install boot takes 13-25 s under TCG on these machines (docs/testing.md); the task waits up to
# WAIT_TIMEOUT, the test up to PLAY_TIMEOUT for the play, room for a busy machine.
WAIT_TIMEOUT = 600
PLAY_TIMEOUT = 900
NEXT_BOOT_TIMEOUT = 300
BOOT_PATH = '/api/v1/boot'


@pytest.fixture
def install_lab(libvirt_host, tiny_installer):
    with InstallLab(libvirt_host, LIBVIRT_POOL, tiny_installer) as lab:
        yield lab


def boots_of(double, mac):
    return [entry for entry in double.requests if entry['path'] == BOOT_PATH and entry['query'].get('mac', '').lower() == mac]


def install_task(lab):
    return {
        'name': 'Create a blank VM, install it through PureBoot and wait until it is installed',
        'pureboot.hypervisors.pureboot_vm': {
            'hypervisor': {'type': 'libvirt', 'name': 'kvm-install', 'api_url': lab.host.uri},
            'pureboot': {'url': lab.pureboot_url, 'api_key': lab.double.api_key},
            'name': VM_NAME,
            'state': 'running',
            'pxe_boot': True,
            'memory_mb': 256,
            'cpu_cores': 1,
            'storage': lab.pool,
            'disks': [{'size_gb': 1}],
            'networks': [{'network': lab.network_name}],
            'pureboot_node': {'register': True, 'workflow_id': WORKFLOW, 'install': True, 'wait_for': 'installed', 'wait_timeout': WAIT_TIMEOUT},
        },
        'register': 'installed_vm',
    }


def run_play(lab, tmp_path, name):
    """The install task through ansible-playbook inside the daemon's network namespace; (result, seconds)."""
    results = tmp_path / (name + '.json')
    dump = {'write_file': {'content': '{{ installed_vm | to_json }}', 'dest': str(results)}}
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [install_task(lab), dump]}]
    started = time.monotonic()
    run = run_playbook(tmp_path, play, name=name + '.yml', timeout=PLAY_TIMEOUT, wrap=lab.host.netns_command)
    seconds = time.monotonic() - started
    assert_ok(run)
    return json.loads(results.read_text()), seconds


@pytest.mark.timeout(PLAY_TIMEOUT * 2 + NEXT_BOOT_TIMEOUT)
def test_pureboot_vm_installs_a_blank_vm_and_waits_until_installed(install_lab, tmp_path):
    double, files = install_lab.double, install_lab.files
    test_started = time.monotonic()

    created, first_seconds = run_play(install_lab, tmp_path, 'install')
    assert created['changed'] is True
    assert created['vm']['status'] == 'running' and created['vm']['name'] == VM_NAME
    assert [disk['size_gb'] for disk in created['vm']['disks']] == [1]
    mac = created['vm']['nics'][0]['mac']
    node = created['pureboot_node']
    assert (node['mac_address'].lower(), node['workflow_id'], node['state']) == (mac, WORKFLOW, 'installed')
    wait = created['pureboot_wait']
    assert wait['state'] == 'installed' and wait['states_seen'][-1] == 'installed'
    assert wait['states_seen'][0] == 'pending', wait
    assert set(wait['states_seen']) <= {'pending', 'installing', 'installed'}, wait

    # What the servers logged: the node was pending before the VM's first /boot, which got the chain to the
    # installer; the installer fetched its files and reported through the public /api/v1/report.
    # /boot answered the pending node with the chain to the installer, PureBoot's own address and the node's MAC
    # filled into the workflow's boot_url; the VM fetched the script, kernel and initrd.
    first = boots_of(double, mac)[0]
    assert first['status'] == 200, first
    assert 'chain {0}{1}?server=http://{2}:{3}&mac={4}'.format(files.url, INSTALL_SCRIPT, install_lab.address, double.port, mac) in first['text'], first
    assert [(entry['path'], entry['status']) for entry in files.requests] == [(INSTALL_SCRIPT, 200), (KERNEL_PATH, 200), (INITRD_PATH, 200)]
    assert [(e['event'], e['from_state'], e['to_state']) for e in double.events if e['mac'] == mac] == [
        ('install_started', 'pending', 'installing'),
        ('install_complete', 'installing', 'installed'),
    ], 'events {0}'.format(double.events)
    reports = [entry for entry in double.requests if entry['path'] == '/api/v1/report']
    assert [(entry['body'], entry['status']) for entry in reports] == [
        ({'mac_address': mac, 'event': 'install_started'}, 200),
        ({'mac_address': mac, 'event': 'install_complete'}, 200),
    ]
    installed_node = double.node_by_mac(mac)
    assert installed_node['state'] == 'installed' and installed_node['install_attempts'] == 0
    # The node's address is the one the VM booted with, as the real /boot records it.
    assert installed_node['ip_address'] == install_lab.lease_address(mac)

    # The installer rebooted the VM: its next boot asks PureBoot again and is sent to its disk.
    log = install_lab.wait_for(lambda _log: len(boots_of(double, mac)) >= 2, NEXT_BOOT_TIMEOUT)
    assert log is not None, 'the VM did not boot again after its install; the double saw {0}'.format([(e['method'], e['path']) for e in double.requests])
    second = boots_of(double, mac)[1]
    assert second['status'] == 200 and second['text'].rstrip().endswith('exit') and 'chain' not in second['text']
    assert double.node_by_mac(mac)['state'] == 'installed', '/boot never changes the state'

    # The same task again: nothing to create, queue or wait for.
    double.clear_requests()
    again, second_seconds = run_play(install_lab, tmp_path, 'again')
    assert again['changed'] is False, again
    assert again['pureboot_node']['state'] == 'installed'
    assert again.get('pureboot_wait', {}).get('states_seen', ['installed']) == ['installed'], again
    assert not [e for e in double.requests if e['method'] != 'GET'], 'the second run wrote to PureBoot'

    domain = install_lab.host.connect().lookupByName(VM_NAME)
    domain.destroy()
    head = install_lab.disk_head(domain, 64)
    assert head.startswith('{0} {1}\n'.format(MARKER, mac).encode()), head

    save_evidence(
        tmp_path,
        'install-evidence.json',
        'PUREBOOT_INSTALL_EVIDENCE',
        {
            'vm': {'name': VM_NAME, 'mac': mac, 'disk': install_lab.disk_path(domain)},
            'first_run': {'pureboot_node': node, 'pureboot_wait': wait, 'seconds': round(first_seconds, 1)},
            'second_run': {'changed': again['changed'], 'pureboot_wait': again.get('pureboot_wait'), 'seconds': round(second_seconds, 1)},
            'install_boot': {'boot': first['text'], 'files': files.requests, 'events': double.events},
            'next_boot': second['text'],
            'disk_head': head.rstrip(b'\0').decode('utf-8', 'replace'),
            'seconds': {'whole_test': round(time.monotonic() - test_started, 1)},
        },
    )
