"""The inventory plugin through real ansible-inventory runs against fakepve (and every backend of the suite)."""

import json
import re
import shlex
import shutil
import subprocess
import sys

import ansible.release
import pytest
import yaml

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS, smoke_on
from ansible_collections.pureboot.hypervisors.tests.integration.runner import COLLECTION, ansible_inventory, listing, vault

VAULT_PASSWORD = 'inventory-vault-pass'


def groups_of(inventory, host):
    return sorted(name for name, group in inventory.items() if host in (group.get('hosts') or []))


@pytest.fixture
def scene(backend):
    """Three VMs: two running with tags, one stopped."""
    driver = backend.driver()
    made = {}
    for name, tags, state in (('inv-web-1', ['web'], 'start'), ('inv-web-2', ['web', 'blue'], 'start'), ('inv-db-1', ['db'], None)):
        vm = driver.create_vm(name, dict(backend.placement, template=backend.template, tags=tags), timeout=60)
        made[name] = driver.power(vm, state, timeout=60) if state else vm
    return made


def source(backends, **options):
    config = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [b.connection() for b in backends]}
    config.update(options)
    return config


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_list_groups_hostvars_and_constructed(backend, scene, tmp_path):
    config = source(
        [backend],
        keyed_groups=[{'key': 'pureboot_vm.tags', 'prefix': 'tag'}],
        compose={'memory_gb': 'pureboot_vm.memory_mb // 1024'},
        groups={'big': 'pureboot_vm.memory_mb >= 1024'},
    )
    inventory = listing(ansible_inventory(tmp_path, config))
    hostvars = inventory['_meta']['hostvars']
    assert sorted(hostvars) == ['inv-db-1', 'inv-web-1', 'inv-web-2']
    label = backend.connection()['name']
    assert groups_of(inventory, 'inv-web-2') == sorted(
        ['big', 'pureboot_hypervisor_' + label.replace('-', '_'), 'pureboot_status_running', 'pureboot_type_' + backend.kind, 'tag_blue', 'tag_web']
    )
    assert groups_of(inventory, 'inv-db-1') == sorted(
        ['big', 'pureboot_hypervisor_' + label.replace('-', '_'), 'pureboot_status_stopped', 'pureboot_type_' + backend.kind, 'tag_db']
    )
    web = hostvars['inv-web-1']
    assert web['pureboot_vm'] == scene['inv-web-1']
    assert web['pureboot_vm']['nics'][0]['mac'] == scene['inv-web-1']['nics'][0]['mac']
    assert web['memory_gb'] == web['pureboot_vm']['memory_mb'] // 1024
    assert 'pureboot_node' not in web


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_filters_apply(backend, scene, tmp_path):
    inventory = listing(ansible_inventory(tmp_path, source([backend], filters={'name': 'inv-web-*', 'tags': ['blue']})))
    assert sorted(inventory['_meta']['hostvars']) == ['inv-web-2']
    inventory = listing(ansible_inventory(tmp_path, source([backend], filters={'status': ['stopped']})))
    assert sorted(inventory['_meta']['hostvars']) == ['inv-db-1']


def test_unreachable_hypervisor_is_skipped_with_a_warning(backend, scene, tmp_path, unused_tcp_port):
    gone = dict(backend.connection(), name='gone', api_url='https://127.0.0.1:{0}'.format(unused_tcp_port))
    config = source([backend])
    config['hypervisors'].append(gone)
    result = ansible_inventory(tmp_path, config)
    inventory = listing(result)
    assert sorted(inventory['_meta']['hostvars']) == ['inv-db-1', 'inv-web-1', 'inv-web-2']
    assert 'skipped gone: cannot reach' in ' '.join(result.stderr.split())
    config['strict_hypervisors'] = True
    failed = ansible_inventory(tmp_path, config, env={'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true'})
    assert failed.returncode != 0
    assert 'gone: cannot reach https://127.0.0.1:{0}'.format(unused_tcp_port) in ' '.join(failed.stderr.split())


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_cache_hit_sends_no_request(backend, scene, tmp_path):
    config = source([backend], cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(tmp_path / 'cache'), cache_timeout=3600)
    first = listing(ansible_inventory(tmp_path, config))
    requests_after_first = backend.request_count()
    second = listing(ansible_inventory(tmp_path, config))
    assert backend.request_count() == requests_after_first, 'a cache hit talked to the hypervisor'
    assert second == first
    cached = ''.join(p.read_text() for p in (tmp_path / 'cache').iterdir())
    assert 'inv-web-1' in cached
    for secret in backend.secrets:
        assert secret not in cached
    changed = dict(config, filters={'status': ['stopped']})
    assert sorted(listing(ansible_inventory(tmp_path, changed))['_meta']['hostvars']) == ['inv-db-1'], (
        'a changed source file must not be answered from the old cache'
    )


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_vault_encrypted_source(backend, scene, tmp_path):
    (tmp_path / 'vault-pass').write_text(VAULT_PASSWORD + '\n')
    secret = backend.connection()['password']
    encrypted = vault(tmp_path, 'encrypt_string', secret)
    connection = dict(backend.connection(), password='@@VAULT@@')
    text = yaml.safe_dump(source([backend]) | {'hypervisors': [connection]})
    text = text.replace("'@@VAULT@@'", encrypted.strip().replace('\n', '\n    ')).replace('@@VAULT@@', encrypted.strip())
    assert secret not in text
    result = ansible_inventory(tmp_path, text, '--vault-password-file', str(tmp_path / 'vault-pass'))
    inventory = listing(result)
    assert sorted(inventory['_meta']['hostvars']) == ['inv-db-1', 'inv-web-1', 'inv-web-2']
    assert secret not in result.stdout + result.stderr


def test_offline_proxmox_node_is_warned_about(fakepve, fakepve_cafile, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend

    pve = ProxmoxBackend(fakepve, fakepve_cafile)
    driver = pve.driver()
    driver.create_vm('on-pve1', {'template': pve.template}, timeout=60)
    driver.create_vm('on-pve2', {'template': pve.template, 'node': 'pve2'}, timeout=60)
    fakepve.set_node_offline('pve2')
    result = ansible_inventory(tmp_path, source([pve]))
    hostvars = listing(result)['_meta']['hostvars']
    assert sorted(hostvars) == ['on-pve1', 'on-pve2']
    assert hostvars['on-pve2']['pureboot_vm']['status'] == 'unknown'
    assert hostvars['on-pve1']['pureboot_vm']['nics'], 'the online node still gives details'
    assert "node 'pve2' is offline" in ' '.join(result.stderr.split())


@pytest.mark.parametrize('backend', smoke_on('proxmox'), indirect=True)
def test_pureboot_nodes_are_mapped(backend, scene, pureboot_server, tmp_path):
    web = scene['inv-web-1']
    # inv-web-1 PXE-booted (PureBoot knows its MAC and address); inv-db-1's UUID is on a node of another MAC,
    # which is never its node (UUID may confirm a MAC match, not replace it).
    import requests

    requests.get(pureboot_server.url + '/api/v1/boot', params={'mac': web['nics'][0]['mac']}, verify=pureboot_server.cafile, timeout=10).raise_for_status()
    pureboot_server.add_node('52:54:00:00:99:01', system_uuid=scene['inv-db-1']['uuid'].upper(), hostname='db')
    pureboot_server.advance(pureboot_server.node_by_mac('52:54:00:00:99:01')['id'], 'active')
    config = source([backend], pureboot={'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_file': pureboot_server.cafile})
    result = ansible_inventory(tmp_path, config)
    inventory = listing(result)
    hostvars = inventory['_meta']['hostvars']
    assert hostvars['inv-web-1']['pureboot_node']['mac_address'] == web['nics'][0]['mac']
    assert hostvars['inv-web-1']['pureboot_node']['state'] == 'discovered'
    assert hostvars['inv-web-1']['pureboot_node']['ip_address'] == '127.0.0.1'
    # The hypervisor alone decides ansible_host (fakepve's VMs here have no guest agent, so report none).
    reported = web['ip_addresses'][0] if web['ip_addresses'] else None
    assert hostvars['inv-web-1'].get('ansible_host') == reported
    assert hostvars['inv-db-1']['pureboot_node'] is None
    assert 'ansible_host' not in hostvars['inv-db-1']
    assert hostvars['inv-web-2']['pureboot_node'] is None
    assert sorted(inventory['pureboot_state_discovered']['hosts']) == ['inv-web-1']
    assert 'pureboot_state_active' not in inventory
    assert sorted(inventory['pureboot_unregistered']['hosts']) == ['inv-db-1', 'inv-web-2']
    assert pureboot_server.api_key not in result.stdout + result.stderr


@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_same_named_vms_on_one_hypervisor_are_each_a_host(backend, scene, tmp_path):
    # Proxmox lets two VMs share a name; each must be a host, under a name that says which.
    driver = backend.driver()
    made = [
        driver.create_vm('dup', dict(backend.placement, template=backend.template), timeout=60),
        driver.create_vm('dup', dict(backend.placement, template=backend.template), timeout=60),
    ]
    result = ansible_inventory(tmp_path, source([backend]))
    hostvars = listing(result)['_meta']['hostvars']
    expected = {'dup_{0}'.format(vm['id']): vm['id'] for vm in made}
    assert {name: hostvars[name]['pureboot_vm']['id'] for name in expected} == expected
    assert sorted(hostvars) == sorted(['inv-db-1', 'inv-web-1', 'inv-web-2'] + list(expected))
    for name in expected:
        assert "VMs named 'dup'; the host of the one with id {0} is '{1}'".format(expected[name], name) in ' '.join(result.stderr.split())


@pytest.mark.parametrize(
    'options, message',
    [
        ({'filters': {'status': ['runing']}}, 'inventory: filters: value of status must be one or more of: running,'),
        ({'filters': {'colour': 'red'}}, 'inventory: unknown filter(s) colour; known: name, status, tags'),
        ({'hypervisors': []}, "inventory: 'hypervisors' lists no connection; give at least one"),
        # Ansible ignores unknown keys of a source: a misspelt `filters` loaded every VM.
        pytest.param({'filter': {'name': 'inv-web-*'}}, "inventory: unknown option 'filter' (did you mean 'filters'?) in the source;", marks=pytest.mark.smoke),
        (
            {'strict_hypervisor': True, 'colour': 'red'},
            "inventory: unknown options 'colour', 'strict_hypervisor' (did you mean 'strict_hypervisors'?) in the source;",
        ),
    ],
    ids=['misspelt-status', 'unknown-filter', 'no-hypervisors', 'misspelt-option', 'unknown-options'],
)
def test_a_source_mistake_fails_in_one_line_instead_of_an_empty_inventory(backend, tmp_path, options, message):
    config = dict(source([backend]), **options)
    failed = ansible_inventory(tmp_path, config, env={'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true'})
    assert failed.returncode != 0
    assert message in ' '.join(failed.stderr.split())
    assert backend.connection()['password'] not in failed.stdout + failed.stderr


def test_pureboot_failing_loads_the_vms_without_node_data_unless_strict(backend, scene, pureboot_server, tmp_path):
    wrong_key = 'pb_live_' + 'w' * 32
    config = source([backend], pureboot={'url': pureboot_server.url, 'api_key': wrong_key, 'ca_file': pureboot_server.cafile})
    result = ansible_inventory(tmp_path, config)
    inventory = listing(result)
    hostvars = inventory['_meta']['hostvars']
    assert sorted(hostvars) == ['inv-db-1', 'inv-web-1', 'inv-web-2'], 'the VMs still load'
    assert all('pureboot_node' not in variables for variables in hostvars.values())
    assert 'pureboot_unregistered' not in inventory, 'no VM is claimed to have no node'
    warning = ' '.join(result.stderr.split())
    assert 'PureBoot could not be read, so the hosts have no pureboot_node' in warning
    assert 'authentication with the API key failed' in warning
    config['strict_pureboot'] = True
    failed = ansible_inventory(tmp_path, config, env={'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true'})
    assert failed.returncode != 0
    assert 'authentication with the API key failed' in ' '.join(failed.stderr.split())
    assert wrong_key not in result.stdout + result.stderr + failed.stdout + failed.stderr


def documented_recipes():
    """The commands docs/inventory.md gives for plain JSON: {'jq' or 'python3': the program after the pipe}."""
    text = (COLLECTION / 'docs' / 'inventory.md').read_text()
    section = text[text.index('### `ansible-inventory --list` on ansible-core 2.19') :]
    recipes = {}
    for block in re.findall(r'```sh\n(.*?)```', section, re.S):
        command = shlex.split(block.replace('\\\n', ' '))
        pipe = command.index('|')
        recipes[command[pipe + 1]] = command[pipe + 1 :]
    return recipes


@pytest.mark.parametrize('tool', ['jq', 'python3'])
def test_the_documented_recipes_give_plain_json(backend, scene, tmp_path, tool):
    result = ansible_inventory(tmp_path, source([backend]))
    wrapped = '"__ansible_unsafe"' in result.stdout
    assert wrapped == (tuple(int(part) for part in ansible.release.__version__.split('.')[:2]) >= (2, 19))
    command = documented_recipes()[tool]
    if tool == 'jq' and shutil.which('jq') is None:
        pytest.skip('jq is not installed here; the python3 recipe is tested instead')
    if tool == 'python3':
        command = [sys.executable] + command[1:]
    plain = subprocess.run(command, input=result.stdout, capture_output=True, text=True, timeout=60, check=True)
    assert '__ansible_unsafe' not in plain.stdout
    assert json.loads(plain.stdout) == listing(result)
    assert json.loads(plain.stdout)['_meta']['hostvars']['inv-web-1']['pureboot_vm']['name'] == 'inv-web-1'
