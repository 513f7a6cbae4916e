"""Fidelity check of the oVirt engine simulator: the unmodified ``ovirt.ovirt`` collection runs its basic flows
against it through real ``ansible-playbook`` / ``ansible-inventory`` runs (ovirt_auth, ovirt_template_info,
ovirt_vm create/re-create/running/stopped/absent, ovirt_vm_info, and the ovirt.ovirt.ovirt inventory plugin).

ovirt.ovirt is found through ``$OVIRT_COLLECTION_PATH`` (a directory holding ``ansible_collections/ovirt/ovirt``)
or on ``sys.path``. ``make`` takes it out of the newest ``ansible`` wheel (see ANCHORS in the Makefile) and sets
``$OVIRT_COLLECTION_PATH``.  Without either, the tests are skipped and say so.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.pureboot.hypervisors.tests.integration.runner import unwrap, zip_bytecode_env

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ovirt', 'vm_lifecycle.yml')
MARKER = os.path.join('ansible_collections', 'ovirt', 'ovirt', 'MANIFEST.json')


def ovirt_collection_root():
    """The directory holding ansible_collections/ovirt/ovirt, or None."""
    configured = os.environ.get('OVIRT_COLLECTION_PATH')
    if configured:
        if not os.path.isfile(os.path.join(configured, MARKER)):
            pytest.fail('OVIRT_COLLECTION_PATH=%s holds no %s' % (configured, MARKER))
        return configured
    for entry in sys.path:
        if entry and os.path.isfile(os.path.join(entry, MARKER)):
            return entry
    return None


@pytest.fixture
def ansible_env(tmp_path):
    """Environment for ansible runs that reads no user or project configuration."""
    root = ovirt_collection_root()
    if root is None:
        pytest.skip('ovirt.ovirt not found: set OVIRT_COLLECTION_PATH (make does) to a folder holding it')
    config = tmp_path / 'ansible.cfg'
    config.write_text('[defaults]\n')
    env = {key: value for key, value in os.environ.items() if not key.startswith('ANSIBLE_')}
    env.update(
        {
            'ANSIBLE_CONFIG': str(config),
            'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
            'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
            'ANSIBLE_COLLECTIONS_PATH': root,
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_DEPRECATION_WARNINGS': 'false',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_STDOUT_CALLBACK': 'default',
            'ANSIBLE_INVENTORY_ENABLED': 'ovirt.ovirt.ovirt,host_list',
        }
    )
    return zip_bytecode_env(env)


def run_ansible(tool, args, env, cwd):
    """``python -m ansible <tool>`` with this interpreter, so modules and plugins share its packages."""
    return subprocess.run([sys.executable, '-m', 'ansible', tool] + args, env=env, cwd=str(cwd), capture_output=True, text=True, timeout=300, check=False)


def test_vm_lifecycle_with_ovirt_ovirt(ovirt_engine, ansible_env, tmp_path):
    # Short locks make ovirt_vm really wait for the unlock and the start (its 1 s polls); longer delays of the
    # other states would only cost its fixed 3 s polls.
    ovirt_engine.set_delays(image_locked=0.3, wait_for_launch=0.3)
    result = run_ansible(
        'playbook',
        [
            '-i',
            'localhost,',
            '-c',
            'local',
            PLAYBOOK,
            '-e',
            json.dumps(
                {
                    'ovirt_url': ovirt_engine.url,
                    'ovirt_username': ovirt_engine.username,
                    'ovirt_password': ovirt_engine.password,
                    'ovirt_cafile': ovirt_engine.cafile,
                    'vm_name': 'fidelity01',
                }
            ),
        ],
        ansible_env,
        tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert 'failed=0' in result.stdout
    with ovirt_engine.state.lock:
        assert 'fidelity01' not in {vm.name for vm in ovirt_engine.state.vms.values()}
    requests = ovirt_engine.requests
    posts = [entry['path'].rsplit('/', 1)[-1] for entry in requests if entry['method'] == 'POST']
    assert posts.count('vms') == 1 and posts.count('start') == 1 and posts.count('shutdown') == 1
    assert sum(entry['method'] == 'DELETE' for entry in requests) == 1
    # Only the module's own "is it gone yet?" poll may miss; nothing may hit an unmodelled endpoint.
    misses = [entry for entry in requests if entry['status'] >= 400]
    assert all(entry['status'] == 404 and entry['method'] == 'GET' for entry in misses), misses
    assert all(entry['status'] != 405 for entry in requests)


def test_inventory_plugin_lists_the_vms(ovirt_engine, ansible_env, tmp_path):
    source = tmp_path / 'simulator.ovirt.yml'
    source.write_text(
        '\n'.join(
            [
                'plugin: ovirt.ovirt.ovirt',
                'ovirt_url: %s' % ovirt_engine.url,
                'ovirt_username: %s' % ovirt_engine.username,
                'ovirt_password: %s' % ovirt_engine.password,
                'ovirt_cafile: %s' % ovirt_engine.cafile,
                'keyed_groups:',
                '  - key: cluster',
                '    prefix: cluster',
                '  - key: status',
                '    prefix: status',
                'compose:',
                '  ansible_host: (devices.values() | list | first | default([None]))[0]',
                '',
            ]
        )
    )
    result = run_ansible('inventory', ['-i', str(source), '--list'], ansible_env, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    inventory = unwrap(json.loads(result.stdout))
    hostvars = inventory['_meta']['hostvars']
    assert sorted(hostvars) == ['db01', 'web01', 'web02']
    assert sorted(inventory['cluster_Default']['hosts']) == ['db01', 'web01', 'web02']
    assert sorted(inventory['status_up']['hosts']) == ['db01', 'web01']
    web01 = hostvars['web01']
    assert web01['template'] == 'rhel9-tpl' and web01['os'] == 'rhel_9x64' and web01['tags'] == ['web']
    assert web01['host'] in ('host1', 'host2') and web01['cluster'] == 'Default'
    assert web01['ansible_host'].startswith('10.') and web01['devices']['eth0'][0] == web01['ansible_host']
    assert web01['statistics']['memory.installed'] == 4 * 1024**3
    assert hostvars['web02']['devices'] == {} and hostvars['web02']['host'] is None
