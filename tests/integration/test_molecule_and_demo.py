"""The molecule scenarios of the roles, and the demo `make demo` runs, against all three simulators."""

import os
import re
import subprocess
import sys

import pytest

from ansible_collections.pureboot.hypervisors.tests.integration.runner import BIN, COLLECTION, COLLECTIONS_PATH, zip_bytecode_env
from ansible_collections.pureboot.hypervisors.tests.integration.test_roles_and_playbooks import tool_env
from ansible_collections.pureboot.hypervisors.tests.simulators.installer.build import why_unbuildable
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.host import why_unusable


@pytest.mark.parametrize('scenario', ['hypervisor_registry', 'vm_provision'])
def test_molecule_scenario(scenario, tmp_path):
    result = subprocess.run(
        [str(BIN / 'molecule'), 'test', '-s', scenario], cwd=str(COLLECTION), env=tool_env(tmp_path), capture_output=True, text=True, timeout=900, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    for step in ('create', 'converge', 'idempotence', 'verify', 'destroy'):
        assert '{0}: Executed: Successful'.format(step) in ' '.join(output.split()).replace('\x1b', ''), step


@pytest.mark.timeout(1000)  # the libvirt step installs a VM under TCG
def test_demo_runs(tmp_path):
    """What `make demo` runs, end to end (the simulators are started and stopped by the demo itself)."""
    env = zip_bytecode_env(dict(os.environ, PYTHONPATH=str(COLLECTIONS_PATH)))
    result = subprocess.run(
        [sys.executable, '-m', 'ansible_collections.pureboot.hypervisors.tests.simulators.demo', '--dir', str(tmp_path / 'demo')],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    assert 'Demo done in' in output
    for group in ('@pureboot_type_proxmox', '@pureboot_type_ovirt', '@pureboot_state_pending', '@pureboot_state_discovered'):
        assert group in output, group
    for name in ('demo-web-1', 'demo-web-2', 'demo-app-1', 'demo-app-2'):
        assert name in output
    assert 'demo-pve-pass' not in output and 'demo-ovirt-pass' not in output
    # The libvirt step: a blank VM made by pureboot_vm, installed through PureBoot, wherever one can run.
    problem = why_unusable() or why_unbuildable()
    if problem is None:
        assert 'The task returned when the node was installed: pureboot_wait.states_seen [' in output
        assert 'answered `exit`: boot from its disk' in output
        assert re.search(r'Node demo-install-1 \(52:54:00:[0-9a-f:]+\): state installed, workflow tiny-installer', output), output[-3000:]
        assert '(node state: installed)' in output
    else:
        assert 'libvirt install step skipped: ' + problem in output
