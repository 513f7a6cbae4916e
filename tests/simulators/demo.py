"""make demo: start the simulators, play pureboot.hypervisors.demo against them, show the inventory, stop them.

python -m ansible_collections.pureboot.hypervisors.tests.simulators.demo --dir DIR
"""

import argparse
import json
import os
import pathlib
import subprocess
import time

import yaml

from ansible_collections.pureboot.hypervisors.tests.simulators import launch
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd import demo_pxe

BIN = launch.BIN


def environment(directory):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'PUREBOOT_'))}
    env.update(launch.ansible_tool_variables())
    env.update(
        {
            'ANSIBLE_HOME': str(directory / 'ansible-home'),
            'ANSIBLE_CONFIG': str(directory / 'no-ansible.cfg'),
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            'ANSIBLE_INVENTORY_ENABLED': 'pureboot.hypervisors.pureboot,host_list',
            'PATH': '{0}{1}{2}'.format(BIN, os.pathsep, env.get('PATH', '')),
        }
    )
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dir', required=True, type=pathlib.Path)
    parser.add_argument('--delay', type=float, default=0.2, help='seconds the simulators take per state change')
    args = parser.parse_args()
    started = time.monotonic()
    directory = args.dir.resolve()
    servers = launch.start(directory, args.delay)
    try:
        env = environment(directory)
        variables = directory / 'demo-vars.json'
        variables.write_text(json.dumps({'hypervisors': servers['hypervisors'], 'pureboot': servers['pureboot']}))
        play = subprocess.run(
            [str(BIN / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', 'pureboot.hypervisors.demo', '-e', '@' + str(variables)],
            env=env,
            cwd=str(directory),
            check=False,
        )
        if play.returncode != 0:
            raise SystemExit('the demo playbook failed ({0})'.format(play.returncode))
        source = directory / 'demo.pureboot.yml'
        source.write_text(
            yaml.safe_dump(
                {
                    'plugin': 'pureboot.hypervisors.pureboot',
                    'hypervisors': list(servers['hypervisors'].values()),
                    'pureboot': servers['pureboot'],
                    'filters': {'name': 'demo-*'},
                }
            )
        )
        print('\nThe inventory graph, VMs grouped by hypervisor, type, power status and PureBoot state:\n', flush=True)
        graph = subprocess.run([str(BIN / 'ansible-inventory'), '-i', str(source), '--graph'], env=env, cwd=str(directory), check=False)
        if graph.returncode != 0:
            raise SystemExit('ansible-inventory failed ({0})'.format(graph.returncode))
        installed = demo_pxe.run(directory / 'libvirt', env, BIN)
        print(
            '\nDemo done in {0:.0f}s: 2 simulated hypervisors (Proxmox VE and oVirt) tested and registered in '
            'PureBoot, 4 VMs created from templates and registered as PureBoot nodes, the nodes with a workflow '
            'queued for install (pending). The simulated VMs run no OS: nothing boots or installs there.{1}'.format(
                time.monotonic() - started,
                ' On libvirt, a blank VM made by pureboot_vm PXE-booted and was installed by PureBoot for real (node state: {0}).'.format(installed['state'])
                if installed
                else ' The libvirt install step was skipped (above).',
            ),
            flush=True,
        )
    finally:
        launch.stop(directory)


if __name__ == '__main__':
    main()
