"""Start and stop the three simulators as background processes, for make demo and the molecule scenarios.

    python -m ansible_collections.pureboot.hypervisors.tests.simulators.launch start --dir DIR
    python -m ansible_collections.pureboot.hypervisors.tests.simulators.launch stop --dir DIR

`start` runs fakepve (Proxmox VE, seeded with two nodes and two templates), the oVirt engine simulator and
the PureBoot double on 127.0.0.1 with free ports, waits until each listens, and writes DIR/servers.json with
their URLs, CA files, credentials and process ids. The processes outlive this command; `stop` ends them.
"""

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

from fakepve.certs import make_cert

PVE_PASSWORD = 'demo-pve-pass'
OVIRT_PASSWORD = 'demo-ovirt-pass'
PUREBOOT_PASSWORD = 'demo-pureboot-pass'
GiB = 1024**3
PACKAGE = 'ansible_collections.pureboot.hypervisors.tests.simulators'
# The collection as built here (the folder above ansible_collections) and this virtualenv's bin: what the demo's and
# the lab's ansible-* commands run.
COLLECTIONS_PATH = pathlib.Path(__file__).resolve().parents[5]
BIN = pathlib.Path(sys.executable).parent
START_TIMEOUT = 60


def proxmox_guests():
    """Two templates on pve1, as a lab would have them."""
    return {
        'guests': [
            {
                'vmid': 9000,
                'name': 'ubuntu-2404-tpl',
                'node': 'pve1',
                'template': True,
                'config': {
                    'cores': 2,
                    'memory': 2048,
                    'ostype': 'l26',
                    'template': 1,
                    'boot': 'order=scsi0;net0',
                    'agent': '1',
                    'scsi0': 'local-lvm:base-9000-disk-0,size=16G',
                    'net0': 'virtio=BC:24:11:00:90:00,bridge=vmbr0',
                    'description': 'Ubuntu 24.04 server, cloud-init',
                },
            },
            {
                'vmid': 9001,
                'name': 'debian-12-tpl',
                'node': 'pve1',
                'template': True,
                'config': {
                    'cores': 1,
                    'memory': 1024,
                    'ostype': 'l26',
                    'template': 1,
                    'boot': 'order=scsi0;net0',
                    'scsi0': 'local-lvm:base-9001-disk-0,size=8G',
                    'net0': 'virtio=BC:24:11:00:90:01,bridge=vmbr0',
                    'description': 'Debian 12 minimal',
                },
            },
            # A running VM on the second node, so the cluster is not empty.
            {
                'vmid': 100,
                'name': 'dns-1',
                'node': 'pve2',
                'status': 'running',
                'config': {
                    'cores': 1,
                    'memory': 512,
                    'ostype': 'l26',
                    'net0': 'virtio=BC:24:11:00:01:00,bridge=vmbr0',
                    'scsi0': 'local-lvm:vm-100-disk-0,size=4G',
                },
            },
        ]
    }


def spawn(name, command, directory, ready_text):
    """Start command in its own session with output to DIR/name.log; return (process id, first ready line)."""
    log = directory / (name + '.log')
    with open(log, 'w') as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, cwd=str(directory))
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in log.read_text().splitlines():
            if ready_text in line:
                return process.pid, line
        if process.poll() is not None:
            raise SystemExit('{0} exited: {1}'.format(name, log.read_text()[-2000:]))
        time.sleep(0.1)
    raise SystemExit('{0} did not start within {1}s: {2}'.format(name, START_TIMEOUT, log.read_text()[-2000:]))


def ansible_tool_variables():
    """The variables that make ansible-* run this collection as built here, with this virtualenv's Python for the
    modules (it has the SDKs; the one Ansible would discover may not). The caller puts BIN first on PATH."""
    return {'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH), 'ANSIBLE_PYTHON_INTERPRETER': sys.executable}


def start(directory, delay):
    """Start the simulators with their state in directory, after stopping those a run left there (molecule's
    create runs this without a destroy first)."""
    stop(directory)
    directory.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    certfile, keyfile, _der = make_cert(str(directory), name='fakepve', hosts=('127.0.0.1',))
    guests = directory / 'guests.json'
    guests.write_text(json.dumps(proxmox_guests()))
    pids = {}
    pids['proxmox'], line = spawn(
        'fakepve',
        [
            python,
            '-m',
            PACKAGE + '.fakepve_net',
            str(guests),
            '--host',
            '127.0.0.1',
            '--port',
            '0',
            '--time-scale',
            str(delay),
            '--password',
            PVE_PASSWORD,
            '--cert',
            certfile,
            '--key',
            keyfile,
        ],
        directory,
        'listening on',
    )
    pve_url = line.split()[-1]
    pids['ovirt'], line = spawn(
        'ovirt-sim',
        [python, '-m', PACKAGE + '.ovirt', '--port', '0', '--delay', str(delay), '--password', OVIRT_PASSWORD, '--cafile-out', str(directory / 'ovirt-ca.pem')],
        directory,
        'listening on',
    )
    ovirt_url = line.split()[-1]
    pids['pureboot'], line = spawn(
        'pureboot-double',
        [python, '-m', PACKAGE + '.pureboot', '--port', '0', '--password', PUREBOOT_PASSWORD, '--cafile-out', str(directory / 'pureboot-ca.pem')],
        directory,
        'listening on',
    )
    pureboot_url, api_key = line.split()[-2], line.split()[-1].split('=', 1)[1]
    servers = {
        'pids': pids,
        'hypervisors': {
            'pve-demo': {'name': 'pve-demo', 'type': 'proxmox', 'api_url': pve_url, 'username': 'root@pam', 'password': PVE_PASSWORD, 'ca_file': certfile},
            'ovirt-demo': {
                'name': 'ovirt-demo',
                'type': 'ovirt',
                'api_url': ovirt_url,
                'username': 'admin@internal',
                'password': OVIRT_PASSWORD,
                'ca_file': str(directory / 'ovirt-ca.pem'),
            },
        },
        'pureboot': {'url': pureboot_url, 'api_key': api_key, 'ca_file': str(directory / 'pureboot-ca.pem')},
    }
    (directory / 'servers.json').write_text(json.dumps(servers, indent=1))
    return servers


def stop(directory):
    state = directory / 'servers.json'
    if not state.exists():
        return
    for pid in json.loads(state.read_text())['pids'].values():
        try:
            os.killpg(pid, signal.SIGTERM)
        except OSError:
            pass
    state.unlink()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('action', choices=['start', 'stop'])
    parser.add_argument('--dir', required=True, type=pathlib.Path)
    parser.add_argument('--delay', type=float, default=0.0, help='seconds tasks and VM state changes take on the simulators (0: at once)')
    args = parser.parse_args()
    if args.action == 'start':
        servers = start(args.dir, args.delay)
        print(
            'started: ' + ', '.join('{0} {1}'.format(k, v['api_url']) for k, v in servers['hypervisors'].items()) + ', pureboot ' + servers['pureboot']['url']
        )
    else:
        stop(args.dir)


if __name__ == '__main__':
    main()
