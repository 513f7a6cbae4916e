"""make demo's libvirt step: a VM created by pureboot_vm on a real libvirtd PXE-boots into PureBoot.

A private libvirtd (host.py) with its PXE lab (pxe.py), all in a network namespace of its own; ansible-playbook
runs in that namespace and creates the VM with pxe_boot: true; the step waits for the VM's iPXE to ask the
PureBoot double for its boot script and prints what the double logged. Where no private libvirtd can run (not
root, packages missing) it says so in one line and the demo goes on without it.
"""

import json
import subprocess
import time

import yaml

from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.host import PrivateLibvirtd, short_base_dir, why_unusable
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.pxe import PxeLab

POOL = 'demo-pool'
VM_NAME = 'demo-pxe-1'
BOOT_TIMEOUT = 180


def play(lab, results_file):
    """The play: one VM from the lab's template, registered in PureBoot, booted from the network."""
    return [
        {
            'name': 'libvirt: create a VM that PXE-boots into PureBoot',
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                {
                    'name': 'Create {0} on libvirt, register it, boot it from the network'.format(VM_NAME),
                    'pureboot.hypervisors.pureboot_vm': {
                        'hypervisor': {'type': 'libvirt', 'name': 'demo-kvm', 'api_url': lab.host.uri},
                        'pureboot': {'url': lab.pureboot_url, 'api_key': lab.double.api_key},
                        'name': VM_NAME,
                        'template': lab.template,
                        'pxe_boot': True,
                        'state': 'running',
                        'pureboot_node': {'register': True, 'tags': ['demo']},
                    },
                    'register': 'created',
                },
                {'ansible.builtin.copy': {'content': '{{ created | to_json }}', 'dest': str(results_file), 'mode': '0600'}},
            ],
        }
    ]


def run(directory, env, bin_dir):
    """Run the step under directory; returns the boot request the double logged, or None when skipped."""
    problem = why_unusable()
    if problem:
        print('\nlibvirt PXE step skipped: ' + problem, flush=True)
        return None
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    with PrivateLibvirtd(short_base_dir(directory / 'libvirtd')) as host:
        host.define_pool(POOL)
        with PxeLab(host, POOL) as lab:
            playbook = directory / 'demo-libvirt-pxe.yml'
            results = directory / 'demo-libvirt-pxe.json'
            playbook.write_text(yaml.safe_dump(play(lab, results), sort_keys=False))
            print(
                '\nlibvirt: a private libvirtd in network namespace {0}; the VM boots over its network {1} ({2}/24)\n'.format(
                    host.netns, lab.network_name, lab.address
                ),
                flush=True,
            )
            result = subprocess.run(
                host.netns_command([bin_dir / 'ansible-playbook', '-i', 'localhost,', '-c', 'local', playbook]), env=env, cwd=str(directory), check=False
            )
            if result.returncode != 0:
                raise SystemExit('the libvirt PXE play failed ({0})'.format(result.returncode))
            mac = json.loads(results.read_text())['vm']['nics'][0]['mac']
            request = lab.wait_for_boot(mac, BOOT_TIMEOUT)
            if request is None:
                raise SystemExit('{0} ({1}) did not ask PureBoot for its boot script within {2} s'.format(VM_NAME, mac, BOOT_TIMEOUT))
            node = lab.double.node_by_mac(mac)
            print(
                "The VM's iPXE asked PureBoot for its boot script; the double logged:\n  {0} {1}?{2} -> {3}\n"
                'Node {4}: state {5}, ip_address {6}, last_seen_at {7} ({8:.0f}s for the libvirt step)'.format(
                    request['method'],
                    request['path'],
                    '&'.join('{0}={1}'.format(k, v) for k, v in sorted(request['query'].items())),
                    request['status'],
                    node['hostname'],
                    node['state'],
                    node['ip_address'],
                    node['last_seen_at'],
                    time.monotonic() - started,
                ),
                flush=True,
            )
            return request
