"""make demo's libvirt step: pureboot_vm makes a blank VM on a real libvirtd that PureBoot installs, and waits.

A private libvirtd (host.py) with its install lab (install_lab.py: a libvirt network with DHCP and TFTP, boot.ipxe
chaining to the PureBoot double's /api/v1/boot, a chain workflow to the tiny installer of tests/simulators/installer),
all in a network namespace of its own. ansible-playbook runs in that namespace: one pureboot_vm task makes a blank VM
(one new disk, one NIC on the lab's network, PXE first), registers its node with the lab's workflow, queues the
install and waits until the node is installed: the VM PXE-boots, boots the installer, which writes its marker on
the disk and reports through /api/v1/report, then reboots; its next boot is sent to its disk. The step prints the
node's state and the states the wait saw. Where no private libvirtd can run (not root, packages missing) or the
installer cannot be built, it says so in one line and the demo goes on without it.
"""

import json
import subprocess
import time

import yaml

from ansible_collections.pureboot.hypervisors.tests.simulators.installer.build import InstallerBuildError, build_installer, default_cache_dir, why_unbuildable
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.host import PrivateLibvirtd, short_base_dir, why_unusable
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.install_lab import InstallLab

POOL = 'demo-pool'
VM_NAME = 'demo-install-1'
# The install boot takes 13-25 s under TCG here (docs/testing.md); room for a busy machine.
WAIT_TIMEOUT = 600
NEXT_BOOT_TIMEOUT = 180


def play(lab, results_file):
    """The play: one blank VM, registered in PureBoot with the lab's workflow, installed, awaited."""
    return [
        {
            'name': 'libvirt: a blank VM installed over the network by PureBoot',
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                {
                    'name': 'Create {0} blank on libvirt, register it, queue its install, wait until installed'.format(VM_NAME),
                    'pureboot.hypervisors.pureboot_vm': {
                        'hypervisor': {'type': 'libvirt', 'name': 'demo-kvm', 'api_url': lab.host.uri},
                        'pureboot': {'url': lab.pureboot_url, 'api_key': lab.double.api_key},
                        'name': VM_NAME,
                        'state': 'running',
                        'memory_mb': 256,
                        'cpu_cores': 1,
                        'storage': lab.pool,
                        'disks': [{'size_gb': 1}],
                        'networks': [{'network': lab.network_name}],
                        'pureboot_node': {
                            'register': True,
                            'workflow_id': lab.workflow,
                            'tags': ['demo'],
                            'install': True,
                            'wait_for': 'installed',
                            'wait_timeout': WAIT_TIMEOUT,
                        },
                    },
                    'register': 'created',
                },
                {'ansible.builtin.copy': {'content': '{{ created | to_json }}', 'dest': str(results_file), 'mode': '0600'}},
            ],
        }
    ]


def skipped(problem):
    print('\nlibvirt install step skipped: ' + problem, flush=True)


def run(directory, env, bin_dir):
    """Run the step under directory; returns the node the double holds after the install, or None when skipped."""
    problem = why_unusable() or why_unbuildable()
    if problem:
        skipped(problem)
        return None
    try:
        installer = build_installer(default_cache_dir())
    except InstallerBuildError as exc:
        skipped('the tiny installer could not be built: {0}'.format(exc))
        return None
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    with PrivateLibvirtd(short_base_dir(directory / 'libvirtd')) as host:
        host.define_pool(POOL)
        with InstallLab(host, POOL, installer) as lab:
            playbook = directory / 'demo-libvirt-install.yml'
            results = directory / 'demo-libvirt-install.json'
            playbook.write_text(yaml.safe_dump(play(lab, results), sort_keys=False))
            print(
                '\nlibvirt: a private libvirtd in network namespace {0}; a blank VM PXE-boots over its network {1} '
                '({2}/24) into the PureBoot double, whose workflow {3!r} chains to a tiny installer (a Debian kernel '
                'and a busybox initramfs)\n'.format(host.netns, lab.network_name, lab.address, lab.workflow),
                flush=True,
            )
            result = subprocess.run(
                host.netns_command([bin_dir / 'ansible-playbook', '-i', 'localhost,', '-c', 'local', playbook]), env=env, cwd=str(directory), check=False
            )
            if result.returncode != 0:
                raise SystemExit('the libvirt install play failed ({0})'.format(result.returncode))
            created = json.loads(results.read_text())
            mac, wait = created['vm']['nics'][0]['mac'], created['pureboot_wait']
            node = lab.double.node_by_mac(mac)
            events = ', '.join('{0} ({1} -> {2})'.format(e['event'], e['from_state'], e['to_state']) for e in lab.double.events if e['mac'] == mac)
            next_boot = lab.wait_for(lambda _log: len(lab.boot_requests(mac)) >= 2, NEXT_BOOT_TIMEOUT)
            after = (
                'its next boot asked PureBoot again and was answered `exit`: boot from its disk'
                if next_boot and lab.boot_requests(mac)[1]['text'].rstrip().endswith('exit')
                else 'its next boot did not reach PureBoot within {0} s'.format(NEXT_BOOT_TIMEOUT)
            )
            print(
                'The task returned when the node was installed: pureboot_wait.states_seen {0} in {1} s.\n'
                'The installer reported through /api/v1/report: {2}; the installer rebooted the VM and {3}.\n'
                'Node {4} ({5}): state {6}, workflow {7}, ip_address {8} ({9:.0f}s for the libvirt step)'.format(
                    wait['states_seen'],
                    wait['seconds'],
                    events,
                    after,
                    node['hostname'],
                    mac,
                    node['state'],
                    node['workflow_id'],
                    node['ip_address'],
                    time.monotonic() - started,
                ),
                flush=True,
            )
            return node
