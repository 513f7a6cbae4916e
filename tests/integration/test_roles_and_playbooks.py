"""Roles and playbooks: the playbooks run by FQCN. (ansible-lint's production profile over the roles, playbooks and
molecule scenarios is `make lint`'s, over the whole collection.)"""

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import requests
import yaml

from ansible_collections.pureboot.hypervisors.tests.integration.runner import (
    BIN,
    COLLECTION,
    COLLECTIONS_PATH,
    ansible_env,
    assert_ok,
    run_playbook,
    zip_bytecode_env,
)
from ansible_collections.pureboot.hypervisors.tests.simulators.lab import Lab


def tool_env(tmp_path):
    env = ansible_env(tmp_path, {'HOME': str(tmp_path / 'home'), 'PYTHONPATH': str(COLLECTIONS_PATH)})
    # The tools read their own configuration from the collection; keep only what points at our tree.
    for key in ('ANSIBLE_CONFIG', 'ANSIBLE_ROLES_PATH'):
        env.pop(key, None)
    return env


def test_playbooks_by_fqcn(backend, pureboot_server, tmp_path):
    connection = backend.connection()
    hypervisors = {connection['name']: connection}
    pureboot = {'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_file': pureboot_server.cafile}

    def play(name, variables):
        (tmp_path / (name + '.json')).write_text(json.dumps(variables))
        result = subprocess.run(
            [str(BIN / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', 'pureboot.hypervisors.' + name, '-e', '@' + str(tmp_path / (name + '.json'))],
            env=ansible_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=600,
            cwd=str(tmp_path),
            check=False,
        )
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
        return result

    synced = play('sync_hypervisors', {'hypervisor_registry_hypervisors': [connection], 'hypervisor_registry_pureboot': pureboot})
    assert connection['name'] in synced.stdout and 'online' in synced.stdout
    assert [h['name'] for h in pureboot_server.hypervisors] == [connection['name']]
    vms = [dict(backend.placement, name='fqcn-1', hypervisor=connection['name'], template=backend.template, pureboot_workflow='wf-1')]
    play('provision', {'vm_provision_hypervisors': hypervisors, 'vm_provision_pureboot': pureboot, 'vm_provision_vms': vms})
    vm = backend.driver().get_vm(name='fqcn-1')
    assert vm['status'] == 'running' and vm['boot_order'][0] == 'network'
    assert pureboot_server.node_by_mac(vm['nics'][0]['mac'])['workflow_id'] == 'wf-1'
    play(
        'decommission',
        {
            'decommission_hypervisors': hypervisors,
            'decommission_pureboot': pureboot,
            'decommission_vms': [{'name': 'fqcn-1', 'hypervisor': connection['name']}],
            'decommission_force': True,
        },
    )
    assert backend.driver().get_vm(name='fqcn-1') is None
    assert pureboot_server.node_by_mac(vm['nics'][0]['mac'])['state'] == 'retired'


def task_names(node):
    """Every task and play name in a parsed playbook or task file (blocks and handlers included)."""
    if isinstance(node, list):
        for item in node:
            yield from task_names(item)
    elif isinstance(node, dict):
        # Only plays, tasks and blocks are reached here (module arguments are never walked into).
        if isinstance(node.get('name'), str):
            yield node['name']
        for key in ('tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always'):
            yield from task_names(node.get(key))


def test_task_names_are_plain_text_so_they_render_whole():
    # A templated name renders with the value of the moment: 'Wait until every PureBoot node reaches ' when the
    # variable is empty, and ansible-lint cannot tell. Names say what a task does; values go in its arguments.
    files = sorted(COLLECTION.glob('roles/*/tasks/*.yml')) + sorted(COLLECTION.glob('playbooks/*.yml')) + sorted(COLLECTION.glob('extensions/molecule/*/*.yml'))
    assert files
    templated = [
        (str(path.relative_to(COLLECTION)), name) for path in files for name in task_names(yaml.safe_load(path.read_text())) if '{{' in name or '{%' in name
    ]
    assert templated == []


def summary_table(output, variable):
    """The list a debug task printed for `variable` (the default callback prints it as JSON)."""
    start = output.index('"{0}": ['.format(variable)) + len(variable) + 5
    end = output.index('\n    ]', start)
    return json.loads('[' + output[start:end] + ']')


def test_the_registry_summary_table_lines_up_whatever_the_values(backend, tmp_path):
    # oVirt's version (4.5.7-1.el9) is longer than its heading; the table must still line up under the headings.
    long_name = dict(backend.connection(), name='a-hypervisor-named-at-length')
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'ansible.builtin.include_role': {'name': 'pureboot.hypervisors.hypervisor_registry'}}]}]
    result = run_playbook(tmp_path, play, {'hypervisor_registry_hypervisors': [backend.connection(), long_name]})
    assert_ok(result)
    table = summary_table(result.stdout, 'hypervisor_registry_table')
    assert len(table) == 3
    headings = [(m.start(), m.end()) for m in re.finditer(r'\S+', table[0])]
    assert len(headings) == 8
    for row in table[1:]:
        cells = [(m.start(), m.end()) for m in re.finditer(r'\S+', row)][:8]
        # HYPERVISOR, TYPE, STATUS and VERSION are left-aligned, the counts and the latency right-aligned.
        assert [cell[0] for cell in cells[:4]] == [heading[0] for heading in headings[:4]], (table[0], row)
        assert [cell[1] for cell in cells[4:]] == [heading[1] for heading in headings[4:]], (table[0], row)
    # A count of zero is a count: '-' is for what was not measured (a hypervisor that could not be read).
    vm_count = str(backend.driver().facts()['vm_count'])
    assert [row.split()[5] for row in table[1:]] == [vm_count, vm_count], table


def documented_block(path, first_line):
    """The fenced code block of a doc page whose first line is first_line (e.g. '# vms.yml'), as text."""
    text = (COLLECTION / path).read_text()
    for block in re.findall(r'```[a-z]*\n(.*?)```', text, flags=re.DOTALL):
        if block.splitlines()[0].strip() == first_line:
            return block
    raise AssertionError('no block starting with {0!r} in {1}'.format(first_line, path))


@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_decommission_takes_its_settings_from_the_inventory(backend, pureboot_server, tmp_path):
    connection = backend.connection()
    pureboot = {'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_file': pureboot_server.cafile}
    vm = backend.driver().create_vm('inv-1', dict(backend.placement, template=backend.template), timeout=60)
    backend.driver().power(vm, 'start', timeout=60)
    pureboot_server.add_node(vm['nics'][0]['mac'], hostname='inv-1')
    # The site's settings live in its inventory, as group_vars/all; only the VMs come on the command line.
    inventory = tmp_path / 'inventory'
    (inventory / 'group_vars').mkdir(parents=True)
    (inventory / 'hosts.yml').write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {'ansible_connection': 'local'}}}}))
    (inventory / 'group_vars' / 'all.yml').write_text(
        yaml.safe_dump({'decommission_hypervisors': {connection['name']: connection}, 'decommission_pureboot': pureboot, 'decommission_force': True})
    )
    (tmp_path / 'vms.json').write_text(json.dumps({'decommission_vms': [{'name': 'inv-1', 'hypervisor': connection['name']}]}))
    result = subprocess.run(
        [
            str(BIN / 'ansible-playbook'),
            '-i',
            str(inventory / 'hosts.yml'),
            'pureboot.hypervisors.decommission',
            '-e',
            '@' + str(tmp_path / 'vms.json'),
            '-vvv',
        ],
        env=ansible_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert backend.driver().get_vm(name='inv-1') is None
    # decommission_pureboot from group_vars reached the module: the node is retired, not left discovered.
    assert pureboot_server.node_by_mac(vm['nics'][0]['mac'])['state'] == 'retired'
    # decommission_force from group_vars reached the module (its invocation, shown at -vvv).
    assert '"force": true' in result.stdout


def newcomer_env(tmp_path, env_file):
    """The environment of a shell that ran `source lab.env` (docs/getting-started.md), and nothing else of this
    suite's: no virtualenv on PATH, no collections path, no interpreter; a home and Ansible folders of its own."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PUREBOOT_', 'PYTHON', 'VIRTUAL_ENV'))}
    base['PATH'] = os.pathsep.join(part for part in base.get('PATH', '').split(os.pathsep) if part and pathlib.Path(part) != BIN)
    base.update(HOME=str(tmp_path / 'home'), ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'), ANSIBLE_HOME=str(tmp_path / 'ansible-home'))
    shell = subprocess.run(['bash', '-c', 'source "$1" && env -0', 'bash', str(env_file)], env=base, capture_output=True, check=True)
    env = dict(line.split('=', 1) for line in shell.stdout.decode().split('\0') if '=' in line)
    return zip_bytecode_env(env)


def test_the_documented_provision_example_runs_against_the_lab(tmp_path):
    """docs/roles.md's vms.yml and command as written, with the lab's vars file for connections.yml, in a shell that
    sourced the lab's lab.env (what docs/getting-started.md tells a newcomer), against a lab started here (make lab's
    code, not its blocking target)."""
    vms = tmp_path / 'vms.yml'
    vms.write_text(documented_block('docs/roles.md', '# vms.yml'))
    command = documented_block('docs/roles.md', 'ansible-playbook pureboot.hypervisors.provision -e @connections.yml -e @vms.yml --ask-vault-pass').split()
    with Lab(tmp_path / 'lab', libvirt=False) as lab:
        command = ['@' + str(lab.vars_file) if arg == '@connections.yml' else arg for arg in command if arg != '--ask-vault-pass']
        env = newcomer_env(tmp_path, lab.env_file)
        assert shutil.which('ansible-playbook', path=env['PATH']) == str(BIN / 'ansible-playbook'), 'lab.env does not give this ansible-playbook'
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=str(tmp_path), check=False)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
        # The lab's inventory source, as the line make lab prints runs it.
        command = ['ansible-inventory', '-i', str(lab.inventory_file), '--graph']
        graph = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path), check=False)
        assert graph.returncode == 0 and 'WARNING' not in graph.stderr, graph.stdout[-3000:] + graph.stderr[-3000:]
        assert oct(lab.inventory_file.stat().st_mode & 0o777) == '0o600', 'the source holds the lab passwords'
        pureboot = lab.variables['pureboot']
        nodes = requests.get(
            pureboot['url'] + '/api/v1/nodes', verify=pureboot['ca_file'], timeout=10, headers={'Authorization': 'Bearer ' + pureboot['api_key']}
        ).json()['data']
    assert sorted((n['hostname'], n['state'], n['workflow_id']) for n in nodes) == [
        ('app-01', 'installed', 'rhel-9-server'),
        ('web-01', 'installed', 'ubuntu-2404-server'),
    ]
    assert 'web-01' in result.stdout and 'app-01' in result.stdout
    installed = graph.stdout[graph.stdout.index('@pureboot_state_installed:') :].split('\n  |--@')[0]
    assert '|--web-01' in installed and '|--app-01' in installed, graph.stdout
