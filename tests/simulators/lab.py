"""make lab: the bundled backends, kept running until Ctrl-C, with a vars file that runs the docs' examples.

    python -m ansible_collections.pureboot.hypervisors.tests.simulators.lab --dir DIR

Starts fakepve (Proxmox VE), the oVirt engine simulator and the PureBoot double on 127.0.0.1 (launch.py), seeds the
PureBoot groups the docs use, and, where the machine allows it (root, bindep.txt's libvirt packages), a private
libvirtd with a storage pool, a network and a template. Writes DIR/lab-vars.json (to pass with `-e @`: the
connection dicts the docs' examples name, `pve`, `rhv`, `kvm`, `pureboot`, ...), DIR/lab.pureboot.yml (an inventory
source of the lab's hypervisors and PureBoot: a source file is not templated, so it spells the connections out) and
DIR/lab.env (to `source`: this clone's virtualenv and built collection for ansible-playbook, and the CA files for the
examples that spell a connection out), prints how to use them, and waits for Ctrl-C (or SIGTERM), then stops
everything it started.

What is simulated, said plainly: fakepve's and the oVirt simulator's VMs do not run an OS, so nothing they boot ever
reaches PureBoot. The lab's stand-in installer (pureboot/standin.py) plays the installer's part for every node queued
for install (pending with a workflow): it reports install_started, then install_complete, through the public
/api/v1/report, as a real installer does. The libvirt VMs are real QEMU guests, but on a network of the daemon's own
namespace without PureBoot's PXE service; a real PXE install runs in `make demo` and
tests/integration/test_module_pxe_install.py.
"""

import argparse
import json
import os
import pathlib
import shlex
import signal
import threading

import requests
import yaml

from ansible_collections.pureboot.hypervisors.tests.simulators import launch
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.host import PrivateLibvirtd, short_base_dir, why_unusable
from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.standin import StandInInstaller

# The PureBoot groups the docs' examples name.
GROUPS = ('web', 'app', 'lab-web')
LIBVIRT_POOL = 'lab-pool'
LIBVIRT_NETWORK = 'lab-net'
LIBVIRT_ADDRESS = '192.168.179.1'
LIBVIRT_TEMPLATES = ('ubuntu-2404-tpl', 'debian-12-tpl')
# Seconds the stand-in installer takes per event: long enough to see `installing` in the inventory.
INSTALL_PAUSE = 3.0
DEPLOY_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKVtZrbRVM9DEHVfYZ4o7kpVd1jVXCE0vdl8ZC9fQ6Jt deploy@lab'


class Lab:
    """The running backends; start() returns self, stop() ends what start() began (also after a failed start)."""

    def __init__(self, directory, delay=0.0, libvirt=True):
        self.directory = pathlib.Path(directory).resolve()
        self.delay = delay
        self.want_libvirt = libvirt
        self.servers = None
        self.installer = None
        self.libvirtd = None
        self.libvirt_skipped = None
        self.variables = None

    @property
    def vars_file(self):
        return self.directory / 'lab-vars.json'

    @property
    def env_file(self):
        return self.directory / 'lab.env'

    @property
    def inventory_file(self):
        return self.directory / 'lab.pureboot.yml'

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        try:
            self.servers = launch.start(self.directory, self.delay)
            pureboot = self.servers['pureboot']
            for group in GROUPS:
                answer = requests.post(
                    pureboot['url'] + '/api/v1/groups',
                    json={'name': group},
                    timeout=10,
                    headers={'Authorization': 'Bearer ' + pureboot['api_key']},
                    verify=pureboot['ca_file'],
                )
                answer.raise_for_status()
            self.installer = StandInInstaller(pureboot['url'], pureboot['api_key'], cafile=pureboot['ca_file'], pause=INSTALL_PAUSE).start()
            kvm = self._start_libvirt() if self.want_libvirt else None
            self.variables = self._variables(kvm)
            # Both hold the lab's passwords: readable by their owner only.
            self.vars_file.write_text(json.dumps(self.variables, indent=1))
            os.chmod(self.vars_file, 0o600)
            self.inventory_file.write_text(self._inventory_source())
            os.chmod(self.inventory_file, 0o600)
            self.env_file.write_text(self._environment(pureboot))
        except BaseException:
            self.stop()
            raise
        return self

    def _start_libvirt(self):
        self.libvirt_skipped = why_unusable()
        if self.libvirt_skipped:
            return None
        self.libvirtd = PrivateLibvirtd(short_base_dir(self.directory / 'libvirtd')).start()
        self.libvirtd.define_pool(LIBVIRT_POOL)
        self.libvirtd.define_network(LIBVIRT_NETWORK, LIBVIRT_ADDRESS)
        for template in LIBVIRT_TEMPLATES:
            self.libvirtd.seed_template(template, LIBVIRT_POOL, LIBVIRT_NETWORK, boot=('hd',))
        return {'name': 'kvm-lab', 'type': 'libvirt', 'api_url': self.libvirtd.uri}

    def _variables(self, kvm):
        hypervisors = self.servers['hypervisors']
        pve, rhv, pureboot = hypervisors['pve-demo'], hypervisors['ovirt-demo'], self.servers['pureboot']
        variables = {
            # The connections by the names the docs use, and all of them by name (make demo's `hypervisors`).
            'pve': pve,
            'rhv': rhv,
            'ovirt': rhv,
            'hypervisors': dict(hypervisors),
            'pureboot': pureboot,
            # The pieces of the examples that spell a connection out.
            'pve_api_url': pve['api_url'],
            'vault_pve_password': pve['password'],
            'pureboot_url': pureboot['url'],
            'vault_pureboot_api_key': pureboot['api_key'],
            'vault_deploy_password': 'Lab-Deploy-Pa55',
            'deploy_key': DEPLOY_KEY,
        }
        if kvm:
            variables['kvm'] = kvm
            variables['hypervisors'][kvm['name']] = kvm
        return variables

    def _inventory_source(self):
        """lab.pureboot.yml: the inventory plugin's source for every hypervisor of the lab, with PureBoot."""
        source = {
            'plugin': 'pureboot.hypervisors.pureboot',
            'hypervisors': [self.variables['hypervisors'][name] for name in sorted(self.variables['hypervisors'])],
            'pureboot': self.variables['pureboot'],
        }
        return '# make lab: its hypervisors and PureBoot (docs/inventory.md has every option).\n' + yaml.safe_dump(source, sort_keys=False)

    def stop(self):
        if self.installer is not None:
            self.installer.stop()
            self.installer = None
        if self.libvirtd is not None:
            self.libvirtd.stop()
            self.libvirtd = None
        if self.servers is not None:
            launch.stop(self.directory)
            self.servers = None

    def _environment(self, pureboot):
        """lab.env: what a shell needs to run the docs' commands against the lab. This clone's virtualenv first on
        PATH (its ansible-playbook), the collection as built here, that virtualenv's Python for the modules (it has
        the SDKs; the interpreter Ansible would discover has not), and the simulators' CA files for the examples
        that leave ca_file to the environment."""
        exports = dict(
            launch.ansible_tool_variables(), PUREBOOT_HV_CA_FILE=self.servers['hypervisors']['pve-demo']['ca_file'], PUREBOOT_CA_FILE=pureboot['ca_file']
        )
        lines = ['export PATH={0}:"$PATH"\n'.format(shlex.quote(str(launch.BIN)))]
        return ''.join(lines + ['export {0}={1}\n'.format(name, shlex.quote(value)) for name, value in exports.items()])

    def describe(self):
        """What a person reads when the lab is up."""
        lines = ['The lab is up (Ctrl-C stops it):']
        for name, connection in sorted(self.variables['hypervisors'].items()):
            lines.append('  {0:<11} {1:<8} {2}'.format(name, connection['type'], connection['api_url']))
        lines.append('  {0:<11} {1:<8} {2}'.format('pureboot', 'double', self.variables['pureboot']['url']))
        if self.libvirt_skipped:
            lines.append('  libvirt: not started: ' + self.libvirt_skipped)
        lines += [
            '',
            "Variables for the docs' examples (pve, rhv, kvm, pureboot, pureboot_url, ...): {0}".format(self.vars_file),
            "In another shell, this clone's ansible-playbook and collection, and the CA files:  source {0}".format(self.env_file),
            '',
            '  ansible-playbook my-playbook.yml -e @{0}'.format(self.vars_file),
            '  ansible-inventory -i {0} --graph'.format(self.inventory_file),
            '',
            'Simulated: Proxmox and oVirt VMs run no OS. A stand-in installer reports install_started and',
            'install_complete on /api/v1/report for every node queued for install, {0:.0f} s apart, as a PXE-booted'.format(INSTALL_PAUSE),
            'installer would; so pureboot_node.wait_for: installed finishes here. See docs/getting-started.md.',
        ]
        return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dir', required=True, type=pathlib.Path)
    parser.add_argument('--delay', type=float, default=0.0, help='seconds the simulators take per state change')
    parser.add_argument('--no-libvirt', action='store_true', help='do not start the private libvirtd')
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with Lab(args.dir, args.delay, libvirt=not args.no_libvirt) as lab:
        print(lab.describe(), flush=True)
        while not stop.wait(0.5):
            pass
        print('\nStopping the lab.', flush=True)


if __name__ == '__main__':
    main()
