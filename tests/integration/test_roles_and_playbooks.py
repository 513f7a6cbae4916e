"""Roles and playbooks: ansible-lint (production profile), and the playbooks run by FQCN."""

import json
import subprocess

from ansible_collections.pureboot.hypervisors.tests.integration.runner import BIN, COLLECTION, COLLECTIONS_PATH, ansible_env


def tool_env(tmp_path):
    env = ansible_env(tmp_path, {'HOME': str(tmp_path / 'home'), 'PYTHONPATH': str(COLLECTIONS_PATH)})
    # The tools read their own configuration from the collection; keep only what points at our tree.
    for key in ('ANSIBLE_CONFIG', 'ANSIBLE_ROLES_PATH'):
        env.pop(key, None)
    return env


def test_ansible_lint_production_profile(tmp_path):
    result = subprocess.run([str(BIN / 'ansible-lint'), '--profile', 'production', 'roles', 'playbooks',
                             'extensions/molecule'], cwd=str(COLLECTION), env=tool_env(tmp_path), capture_output=True,
                            text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    assert "Profile 'production' was required, and it passed" in result.stderr + result.stdout


def test_playbooks_by_fqcn(backend, pureboot_server, tmp_path):
    connection = backend.connection()
    hypervisors = {connection['name']: connection}
    pureboot = {'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_file': pureboot_server.cafile}

    def play(name, variables):
        (tmp_path / (name + '.json')).write_text(json.dumps(variables))
        result = subprocess.run([str(BIN / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
                                 'pureboot.hypervisors.' + name, '-e', '@' + str(tmp_path / (name + '.json'))],
                                env=ansible_env(tmp_path), capture_output=True, text=True, timeout=600, cwd=str(tmp_path), check=False)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
        return result

    synced = play('sync_hypervisors', {'hypervisor_registry_hypervisors': [connection],
                                       'hypervisor_registry_pureboot': pureboot})
    assert connection['name'] in synced.stdout and 'online' in synced.stdout
    assert [h['name'] for h in pureboot_server.hypervisors] == [connection['name']]
    vms = [dict(backend.placement, name='fqcn-1', hypervisor=connection['name'], template=backend.template,
                pureboot_workflow='wf-1')]
    play('provision', {'vm_provision_hypervisors': hypervisors, 'vm_provision_pureboot': pureboot,
                       'vm_provision_vms': vms})
    vm = backend.driver().get_vm(name='fqcn-1')
    assert vm['status'] == 'running' and vm['boot_order'][0] == 'network'
    assert pureboot_server.node_by_mac(vm['nics'][0]['mac'])['workflow_id'] == 'wf-1'
    play('decommission', {'decommission_hypervisors': hypervisors, 'decommission_pureboot': pureboot,
                          'decommission_vms': [{'name': 'fqcn-1', 'hypervisor': connection['name']}],
                          'decommission_force': True})
    assert backend.driver().get_vm(name='fqcn-1') is None
    assert pureboot_server.node_by_mac(vm['nics'][0]['mac'])['state'] == 'retired'
