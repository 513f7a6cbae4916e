"""pureboot_vm through real ansible-playbook runs against each backend."""

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.conftest import target_vars
from ansible_collections.pureboot.hypervisors.tests.integration.runner import LIFECYCLE_RESULTS, assert_ok, read_results, role_play, run_playbook


@pytest.mark.smoke
@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_lifecycle_every_task_twice(backend, tmp_path):
    result = run_playbook(tmp_path, role_play('module_pureboot_vm', keep=LIFECYCLE_RESULTS), target_vars(backend, tmp_path), args=['--diff'])
    assert_ok(result)
    results = read_results(tmp_path)
    assert sorted(name for name, r in results.items() if r['changed']) == sorted(['create_1', 'reconfigure_1', 'start_1', 'restart', 'stop_1', 'remove_1'])
    assert len(results) == 12
    assert backend.driver().get_vm(name='itest-vm') is None


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_check_mode_sends_no_write(backend, tmp_path):
    driver = backend.driver()
    existing = driver.create_vm('itest-existing', dict(backend.placement, template=backend.template), timeout=60)
    writes = backend.write_count()
    result = run_playbook(
        tmp_path, role_play('module_pureboot_vm', 'check_mode', check=True), target_vars(backend, tmp_path, existing_vm='itest-existing'), args=['--diff']
    )
    assert_ok(result)
    assert backend.write_count() == writes, 'check mode sent a write request'
    assert driver.get_vm(name='itest-check-new') is None
    assert driver.get_vm(name='itest-existing') == existing


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_bad_input_is_one_clear_line(backend, tmp_path):
    writes = backend.write_count()
    result = run_playbook(tmp_path, role_play('module_pureboot_vm', 'errors'), target_vars(backend, tmp_path, refused_name=backend.refused_name))
    assert_ok(result)
    assert 'Traceback' not in result.stdout + result.stderr
    # A name the hypervisor refuses is refused first where the collection knows the rule (Proxmox VE's DNS names),
    # else it reaches the hypervisor, which refuses it; nothing was made.
    assert backend.write_count() - writes <= 1
    assert [v['name'] for v in backend.driver().list_vms()] == []
