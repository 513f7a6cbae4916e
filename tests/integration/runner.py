"""Run real ansible-playbook against the collection as built by `make test`, and read what it did.

The collection is found from this file's own location: tests run inside
.../ansible_collections/pureboot/hypervisors, so the folder above ansible_collections is the
collections path. Nothing of the user's own Ansible configuration is read.
"""

import json
import os
import pathlib
import subprocess
import sys

import yaml

COLLECTION = pathlib.Path(__file__).resolve().parents[2]
COLLECTIONS_PATH = COLLECTION.parents[2]
TARGETS = COLLECTION / 'tests' / 'integration' / 'targets'
# The tests' own actions (write_file: a play's results into a file on the controller, without running a module).
TEST_ACTIONS = COLLECTION / 'tests' / 'integration' / 'action_plugins'
BIN = pathlib.Path(sys.executable).parent
# The modules' bytecode, compiled once for the whole run (zip_bytecode/sitecustomize.py says why): a folder beside the
# built collection, which `make build` starts empty. PBH_TEST_ZIP_BYTECODE= (empty) runs the tests without it.
ZIP_BYTECODE_HOOK = COLLECTION / 'tests' / 'integration' / 'zip_bytecode'
ZIP_BYTECODE = os.environ.get('PBH_TEST_ZIP_BYTECODE', str(COLLECTIONS_PATH / 'zip-bytecode'))


def zip_bytecode_env(env):
    """env (changed in place and returned) with the modules' bytecode kept across the run's module tasks."""
    if ZIP_BYTECODE:
        env['PBH_TEST_ZIP_BYTECODE'] = ZIP_BYTECODE
        env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(ZIP_BYTECODE_HOOK), env.get('PYTHONPATH')]))
    else:
        env.pop('PBH_TEST_ZIP_BYTECODE', None)
    return env


def ansible_env(tmp_path, extra=None):
    """The environment of every ansible-* command: this collection, these targets, no user config."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith(('ANSIBLE_', 'PUREBOOT_')):
            del env[key]
    env.update(
        {
            'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH),
            'ANSIBLE_ROLES_PATH': str(TARGETS),
            'ANSIBLE_ACTION_PLUGINS': str(TEST_ACTIONS),
            'ANSIBLE_CONFIG': str(tmp_path / 'no-ansible.cfg'),
            'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
            'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'PATH': '{0}{1}{2}'.format(BIN, os.pathsep, env.get('PATH', '')),
        }
    )
    env.update(extra or {})
    return zip_bytecode_env(env)


def save_evidence(tmp_path, name, environment_variable, evidence):
    """Write what a real-VM test saw (evidence) as JSON to tmp_path/name, to the file $environment_variable names
    when it is set, and print it (pytest shows it with the test's output)."""
    text = json.dumps(evidence, indent=1, sort_keys=True)
    (tmp_path / name).write_text(text)
    if os.environ.get(environment_variable):
        with open(os.environ[environment_variable], 'w') as out:
            out.write(text)
    print(text)


def write_vars(tmp_path, variables, name='vars.json'):
    path = tmp_path / name
    path.write_text(json.dumps(variables))
    return path


# What the lifecycle target (module_pureboot_vm) registers, in its order: a test keeps them with role_play(keep=...).
LIFECYCLE_RESULTS = (
    'create_1',
    'create_2',
    'reconfigure_1',
    'reconfigure_2',
    'pxe',
    'start_1',
    'start_2',
    'restart',
    'stop_1',
    'stop_2',
    'remove_1',
    'remove_2',
)


def role_play(role, tasks_from='main', check=False, keep=()):
    """A play on localhost running one target's task file; then, when keep names some of the results it registered,
    those as one JSON object {name: result} in the file the variable results_file names (read_results reads it)."""
    tasks = [{'ansible.builtin.include_role': {'name': role, 'tasks_from': tasks_from}}]
    if keep:
        content = "{{ dict(names | zip(query('vars', *names))) | to_json }}"
        write = {'content': content, 'dest': '{{ results_file }}'}
        tasks.append({'name': 'keep the results', 'write_file': write, 'vars': {'names': list(keep)}, 'check_mode': False})
    return [{'name': '{0} ({1})'.format(role, tasks_from), 'hosts': 'localhost', 'gather_facts': False, 'check_mode': check, 'tasks': tasks}]


def run_playbook(tmp_path, plays, variables=None, args=(), env=None, name='playbook.yml', timeout=600, wrap=None):
    """ansible-playbook on localhost; returns the CompletedProcess (text output). wrap, when given, turns the command
    into the one to run (a private libvirtd's netns_command: the play inside the daemon's network namespace)."""
    playbook = tmp_path / name
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False) if not isinstance(plays, str) else plays)
    command = [str(BIN / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', str(playbook)]
    if variables is not None:
        command += ['-e', '@{0}'.format(write_vars(tmp_path, variables, name + '.vars.json'))]
    command += list(args)
    if wrap is not None:
        command = wrap(command)
    return subprocess.run(command, env=ansible_env(tmp_path, env), capture_output=True, text=True, timeout=timeout, cwd=str(tmp_path), check=False)


def assert_ok(result):
    """The run passed; otherwise show its output."""
    assert result.returncode == 0, 'ansible-playbook failed ({0}):\n{1}\n{2}'.format(result.returncode, result.stdout[-12000:], result.stderr[-4000:])


def read_results(tmp_path, name='results.json'):
    return json.loads((tmp_path / name).read_text())


def vault(tmp_path, *args, stdin=None):
    """ansible-vault with the password in tmp_path/vault-pass; returns what it printed."""
    command = [str(BIN / 'ansible-vault')] + list(args) + ['--vault-password-file', str(tmp_path / 'vault-pass')]
    return subprocess.run(command, env=ansible_env(tmp_path), capture_output=True, text=True, check=True, input=stdin, cwd=str(tmp_path)).stdout


def ansible_inventory(tmp_path, source, *args, env=None, name='lab.pureboot.yml', timeout=300, action='--list'):
    """ansible-inventory --list (or action: '--host', then the host in args) over one pureboot source (a dict or
    its YAML text) written to tmp_path/name."""
    path = tmp_path / name
    path.write_text(source if isinstance(source, str) else yaml.safe_dump(source))
    command = [str(BIN / 'ansible-inventory'), '-i', str(path), action] + list(args)
    extra = {'ANSIBLE_INVENTORY_ENABLED': 'pureboot.hypervisors.pureboot'}
    extra.update(env or {})
    return subprocess.run(command, env=ansible_env(tmp_path, extra), capture_output=True, text=True, timeout=timeout, cwd=str(tmp_path), check=False)


def unwrap(value):
    """value with the {"__ansible_unsafe": ...} wrappers ansible-inventory's JSON may put around unsafe values (as
    some ansible-core versions do) replaced by what they wrap."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def listing(result):
    """The inventory a successful ansible-inventory --list run printed, its values unwrapped."""
    assert result.returncode == 0, result.stdout + result.stderr
    return unwrap(json.loads(result.stdout))
