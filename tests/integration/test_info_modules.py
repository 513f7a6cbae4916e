"""pureboot_vm_info, pureboot_vm_template_info and pureboot_hypervisor through real ansible-playbook runs."""

import subprocess

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.conftest import target_vars
from ansible_collections.pureboot.hypervisors.tests.integration.runner import BIN, ansible_env, assert_ok, role_play, run_playbook


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_vm_info_filters(backend, tmp_path):
    assert_ok(run_playbook(tmp_path, role_play('module_pureboot_vm_info'), target_vars(backend, tmp_path)))


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_template_info(backend, tmp_path):
    writes = backend.write_count()
    assert_ok(run_playbook(tmp_path, role_play('module_pureboot_vm_template_info'), target_vars(backend, tmp_path)))
    assert backend.write_count() == writes


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_hypervisor_connection_test(backend, tmp_path, unused_tcp_port):
    variables = target_vars(backend, tmp_path, unused_url=backend.api_url_at('127.0.0.1', unused_tcp_port))
    assert_ok(run_playbook(tmp_path, role_play('module_pureboot_hypervisor'), variables))


def test_an_ad_hoc_run_without_a_connection_says_which_environment_variables_give_one(tmp_path):
    # `ansible localhost -m ...` with neither a hypervisor option nor PUREBOOT_HV_* (ansible_env removes them).
    result = subprocess.run(
        [str(BIN / 'ansible'), 'localhost', '-i', 'localhost,', '-c', 'local', '-m', 'pureboot.hypervisors.pureboot_vm_info'],
        env=ansible_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(tmp_path),
        check=False,
    )
    assert result.returncode != 0
    output = ' '.join(result.stdout.split())
    assert (
        "hypervisor: option 'type' is required (libvirt or ovirt or proxmox): set it in the connection or in the "
        'PUREBOOT_HV_TYPE environment variable' in output
    ), result.stdout + result.stderr
    assert 'Traceback' not in result.stdout + result.stderr
