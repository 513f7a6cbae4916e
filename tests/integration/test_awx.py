"""AWX / AAP support: the execution environment definition, the custom credential types, and jobs run as AWX runs them.

ansible-builder reads meta/execution-environment.yml. For a job or an inventory update, AWX lays out a private
data directory (the project, the collections its project update installed, the inventory, the extra vars, and the
environment and files its credential types inject), streams it to an execution node with ansible-runner's
transmit, where receptor runs `ansible-runner worker`, and reads the worker's stream back with
`ansible-runner process`. The streamed tests below do the same with three real processes piped together, against
the simulators.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import urlsplit

import ansible_runner
import jinja2
import jinja2.sandbox
import pytest
import yaml

from ansible_collections.pureboot.hypervisors.tests.integration.runner import BIN, COLLECTION, COLLECTIONS_PATH, ansible_env, unwrap

AWX = COLLECTION / 'extensions' / 'awx'

# What AWX sets for every inventory update (STANDARD_INVENTORY_UPDATE_ENV in awx/main/constants.py).
STANDARD_INVENTORY_UPDATE_ENV = {'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'True', 'ANSIBLE_INVENTORY_EXPORT': 'True', 'ANSIBLE_VERBOSE_TO_STDERR': 'True'}

# AWX transmits through ansible-runner's Python interface (AWXReceptorJob.transmit). An inventory update has no
# playbook, only the raw command in the private data directory's `args` file, which the `ansible-runner transmit`
# command line refuses to send ("The -p option must be specified"); this is AWX's own call, in its own process.
TRANSMIT_WITHOUT_PLAYBOOK = (
    'import sys, ansible_runner; ansible_runner.run(streamer="transmit", _output=sys.stdout.buffer, private_data_dir=sys.argv[1], ident=sys.argv[2])'
)


def test_execution_environment_dependencies_are_introspected(tmp_path):
    result = subprocess.run(
        [str(BIN / 'ansible-builder'), 'introspect', '--sanitize', str(COLLECTIONS_PATH)], capture_output=True, text=True, check=True, env=ansible_env(tmp_path)
    )
    text = result.stdout
    for requirement in ('proxmoxer', 'requests', 'ovirt-engine-sdk-python'):
        assert requirement in text, requirement
    for package in ('libxml2-devel', 'libxml2-dev', 'gcc', 'libcurl-devel', 'python3-devel'):
        assert package in text, package


def test_ansible_builder_create_makes_a_build_context(tmp_path):
    built = subprocess.run(
        [str(BIN / 'ansible-galaxy'), 'collection', 'build', str(COLLECTION), '--output-path', str(tmp_path)],
        capture_output=True,
        text=True,
        env=ansible_env(tmp_path),
        check=True,
    )
    tarball = next(tmp_path.glob('pureboot-hypervisors-*.tar.gz'))
    assert 'Created collection' in built.stdout
    (tmp_path / 'requirements.yml').write_text(yaml.safe_dump({'collections': [{'name': str(tarball), 'type': 'file'}]}))
    (tmp_path / 'execution-environment.yml').write_text(
        yaml.safe_dump(
            {
                'version': 3,
                'images': {'base_image': {'name': 'quay.io/ansible/awx-ee:latest'}},
                'dependencies': {
                    'galaxy': 'requirements.yml',
                    'ansible_core': {'package_pip': 'ansible-core==2.19.14'},
                    'ansible_runner': {'package_pip': 'ansible-runner'},
                },
            }
        )
    )
    result = subprocess.run(
        [str(BIN / 'ansible-builder'), 'create', '-f', 'execution-environment.yml', '-c', 'context', '--output-filename', 'Containerfile'],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        env=ansible_env(tmp_path),
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = (tmp_path / 'context' / 'Containerfile').read_text()
    assert 'ansible-galaxy collection install' in containerfile
    assert 'introspect' in containerfile, 'the collection dependencies are read in the build'
    assert (tmp_path / 'context' / '_build' / 'requirements.yml').exists()


def inject(credential_type, inputs, private_data_dir, runner_root=None):
    """The environment AWX gives a job for a credential of this type (CredentialType.inject_credential).

    Inputs not given render as empty strings. Each file injector is written to a new file in private_data_dir/env,
    and `tower.filename.<label>` is that file's path as the job sees it: under runner_root, where the execution
    node unpacks the private data directory (AWX's /runner), by default private_data_dir itself.
    """
    definition = yaml.safe_load((AWX / credential_type).read_text())
    templates = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    values = {field['id']: '' for field in definition['inputs']['fields']}
    values.update(inputs)
    env_dir = private_data_dir / 'env'
    env_dir.mkdir(parents=True, exist_ok=True)
    filenames = {}
    for label, template in (definition['injectors'].get('file') or {}).items():
        handle, path = tempfile.mkstemp(dir=str(env_dir))
        with os.fdopen(handle, 'w') as out:
            out.write(templates.from_string(template).render(values))
        job_path = str(pathlib.Path(runner_root or private_data_dir) / 'env' / os.path.basename(path))
        # `template` names the one file (tower.filename), `template.<name>` one of several (tower.filename.<name>).
        if '.' in label:
            filenames[label.split('.', 1)[1]] = job_path
        else:
            filenames = job_path
    values['tower'] = {'filename': filenames}
    return {name: templates.from_string(template).render(values) for name, template in definition['injectors']['env'].items()}


def credentials_env(backend, pureboot_server, private_data_dir, runner_root=None):
    """Both credential types' injected variables, for the backend's connection and the PureBoot double."""
    connection = backend.connection()
    environment = inject(
        'credential_type_hypervisor.yml',
        {
            'type': connection['type'],
            'api_url': connection['api_url'],
            'username': connection['username'],
            'password': connection['password'],
            'ca_cert': pathlib.Path(connection['ca_file']).read_text(),
        },
        private_data_dir,
        runner_root,
    )
    environment.update(
        inject(
            'credential_type_pureboot.yml',
            {'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_cert': pathlib.Path(pureboot_server.cafile).read_text()},
            private_data_dir,
            runner_root,
        )
    )
    return environment


def test_credential_types_inject_exactly_the_modules_fallbacks(backend, pureboot_server, tmp_path):
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._env import HYPERVISOR_ENV, PUREBOOT_ENV

    private = tmp_path / 'runner'
    connection = backend.connection()
    hv_env = inject(
        'credential_type_hypervisor.yml',
        {
            'type': connection['type'],
            'api_url': connection['api_url'],
            'username': connection['username'],
            'password': connection['password'],
            'ca_cert': open(connection['ca_file']).read(),
        },
        private,
    )
    pb_env = inject(
        'credential_type_pureboot.yml',
        {'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_cert': open(pureboot_server.cafile).read()},
        private,
    )
    assert sorted(hv_env) == sorted(HYPERVISOR_ENV.values())
    assert sorted(pb_env) == sorted(PUREBOOT_ENV.values())

    (private / 'project').mkdir(parents=True)
    (private / 'project' / 'job.yml').write_text(
        yaml.safe_dump(
            [
                {
                    'hosts': 'localhost',
                    'gather_facts': False,
                    'tasks': [
                        {'name': 'Test the hypervisor from the injected credential', 'pureboot.hypervisors.pureboot_hypervisor': {}, 'register': 'hv'},
                        {'name': 'Keep it in the PureBoot registry', 'pureboot.hypervisors.pureboot_hypervisor': {}, 'register': 'registry'},
                        {'name': 'List templates', 'pureboot.hypervisors.pureboot_vm_template_info': {}, 'register': 'templates'},
                        {
                            'ansible.builtin.assert': {
                                'that': [
                                    "hv.hypervisor.status == 'online'",
                                    'registry.pureboot_registry.api_url == hv.hypervisor.api_url',
                                    'templates.templates | length >= 2',
                                ]
                            }
                        },
                    ],
                }
            ]
        )
    )
    environment = dict(ansible_env(tmp_path))
    for variable in list(environment):
        if variable.startswith('PUREBOOT_'):
            del environment[variable]
    environment.update(hv_env)
    environment.update(pb_env)
    environment['ANSIBLE_INVENTORY'] = 'localhost,'
    environment['ANSIBLE_CONNECTION'] = 'local'
    result = ansible_runner.run(private_data_dir=str(private), playbook='job.yml', envvars=environment, quiet=True, inventory='localhost,')
    output = result.stdout.read()
    assert result.status == 'successful', output[-6000:]
    # No name in the credential: the connection is named after the API's host.
    assert [h['name'] for h in pureboot_server.hypervisors] == [urlsplit(connection['api_url']).hostname]
    assert connection['password'] not in output
    shutil.rmtree(str(private / 'artifacts'), ignore_errors=True)
    assert os.path.isfile(hv_env['PUREBOOT_HV_CA_FILE'])


# ---- Jobs and inventory updates streamed through ansible-runner, as AWX runs them on an execution node ----------


@pytest.fixture(scope='module')
def project_collections(tmp_path_factory):
    """What a project update leaves in requirements_collections: the collection as ansible-galaxy builds it, installed
    from the project's collections/requirements.yml. Made once; each job gets a copy."""
    work = tmp_path_factory.mktemp('project-update')
    # No collections path of the test run's: ansible-galaxy would find the collection there and install nothing.
    env = node_env(work)
    subprocess.run(
        [str(BIN / 'ansible-galaxy'), 'collection', 'build', str(COLLECTION), '--output-path', str(work)], capture_output=True, text=True, env=env, check=True
    )
    tarball = next(work.glob('pureboot-hypervisors-*.tar.gz'))
    (work / 'requirements.yml').write_text(yaml.safe_dump({'collections': [{'name': str(tarball), 'type': 'file'}]}))
    subprocess.run(
        [str(BIN / 'ansible-galaxy'), 'collection', 'install', '-r', str(work / 'requirements.yml'), '-p', str(work / 'requirements_collections')],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    collections = work / 'requirements_collections'
    assert (collections / 'ansible_collections' / 'pureboot' / 'hypervisors' / 'MANIFEST.json').is_file()
    return collections


def node_env(tmp_path):
    """The environment of the controller's and the execution node's ansible-runner processes: this virtualenv (the
    execution environment's Python), a home of their own, and nothing of the test run's Ansible settings,
    credentials or PYTHONPATH: the job sees only what the private data directory brings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PUREBOOT_')) and key != 'PYTHONPATH'}
    env['HOME'] = str(tmp_path / 'home')
    env['PATH'] = '{0}{1}{2}'.format(BIN, os.pathsep, env.get('PATH', ''))
    return env


def lay_out(private_data_dir, runner_root, collections, envvars):
    """The private data directory AWX writes before a run: project/, the installed collections, env/envvars."""
    (private_data_dir / 'project').mkdir(parents=True, exist_ok=True)
    shutil.copytree(str(collections), str(private_data_dir / 'requirements_collections'))
    # AWX puts the project's collections first in the collections path (ANSIBLE_COLLECTIONS_PATH for ansible-core).
    envvars = dict(
        envvars,
        ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([str(runner_root / 'requirements_collections'), '~/.ansible/collections', '/usr/share/ansible/collections']),
    )
    (private_data_dir / 'env' / 'envvars').write_text(yaml.safe_dump(envvars))


def streamed(transmit, private_data_dir, ident, runner_root, env, timeout=600):
    """transmit | ansible-runner worker | ansible-runner process: three processes joined by pipes.

    The worker unpacks the stream into runner_root and deletes it afterwards, as on an execution node; process
    writes the job's artifacts (status, stdout, job events, and what the job left in its artifact directory)
    under private_data_dir/artifacts/<ident>. Returns the three exit codes and the error output.
    """
    logs = private_data_dir.parent
    with open(str(logs / 'transmit.err'), 'w') as transmit_err, open(str(logs / 'worker.err'), 'w') as worker_err:
        transmitter = subprocess.Popen(transmit, stdout=subprocess.PIPE, stderr=transmit_err, env=env, cwd=str(logs))
        worker = subprocess.Popen(
            [str(BIN / 'ansible-runner'), 'worker', '--private-data-dir', str(runner_root), '--delete'],
            stdin=transmitter.stdout,
            stdout=subprocess.PIPE,
            stderr=worker_err,
            env=env,
            cwd=str(logs),
        )
        transmitter.stdout.close()
        processor = subprocess.Popen(
            [str(BIN / 'ansible-runner'), 'process', str(private_data_dir), '--ident', ident],
            stdin=worker.stdout,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=str(logs),
            text=True,
        )
        worker.stdout.close()
        _out, process_err = processor.communicate(timeout=timeout)
        codes = (transmitter.wait(timeout=timeout), worker.wait(timeout=timeout), processor.returncode)
    errors = '\n'.join([(logs / 'transmit.err').read_text(), (logs / 'worker.err').read_text(), process_err])
    return codes, errors


def artifacts(private_data_dir, ident):
    """What ansible-runner process kept of a run: its status, stdout and job events ('' and [] when missing)."""
    directory = private_data_dir / 'artifacts' / ident

    def text(name):
        return (directory / name).read_text() if (directory / name).is_file() else ''

    events = [json.loads(path.read_text()) for path in sorted((directory / 'job_events').glob('*.json'))]
    return text('status'), text('stdout'), events, directory


def awx_job(tmp_path, backend, pureboot_server, collections, extra_vars):
    """A job template running the project's provision.yml on localhost, both credentials attached."""
    private, runner_root, ident = tmp_path / 'job' / 'private', tmp_path / 'job' / 'node', '101'
    envvars = credentials_env(backend, pureboot_server, private, runner_root)
    envvars.update({'JOB_ID': ident, 'ANSIBLE_RETRY_FILES_ENABLED': 'False'})
    lay_out(private, runner_root, collections, envvars)
    # The project's playbook, chosen in the job template: the collection's, by its name.
    (private / 'project' / 'provision.yml').write_text(
        yaml.safe_dump([{'name': 'Provision', 'ansible.builtin.import_playbook': 'pureboot.hypervisors.provision'}])
    )
    # AWX's inventory is a script printing the inventory's JSON; localhost runs on the node's own Python.
    (private / 'inventory').mkdir()
    hosts = private / 'inventory' / 'hosts'
    hosts.write_text(
        '#! /usr/bin/env python3\nprint(%r)\n'
        % json.dumps(
            {
                'all': {'hosts': ['localhost']},
                '_meta': {'hostvars': {'localhost': {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}}},
            }
        )
    )
    hosts.chmod(0o700)
    (private / 'env' / 'extravars').write_text(yaml.safe_dump(dict(extra_vars, awx_job_id=int(ident))))
    # RunJob.build_args for a job template with no machine credential.
    (private / 'env' / 'cmdline').write_text(ansible_runner.utils.args2cmdline('-u', 'root'))
    codes, errors = streamed(
        [str(BIN / 'ansible-runner'), 'transmit', str(private), '-p', 'provision.yml', '--ident', ident], private, ident, runner_root, node_env(tmp_path)
    )
    return codes, errors, artifacts(private, ident), runner_root


def awx_inventory_update(tmp_path, backend, pureboot_server, collections):
    """An inventory source "Sourced from a Project": extensions/awx/inventory_source.pureboot.yml, both credentials
    attached; the command AWX builds for it (RunInventoryUpdate.build_args) in the `args` file."""
    private, runner_root, ident = tmp_path / 'update' / 'private', tmp_path / 'update' / 'node', '202'
    envvars = credentials_env(backend, pureboot_server, private, runner_root)
    envvars.update(STANDARD_INVENTORY_UPDATE_ENV, INVENTORY_UPDATE_ID=ident)
    lay_out(private, runner_root, collections, envvars)
    shutil.copy(str(AWX / 'inventory_source.pureboot.yml'), str(private / 'project'))
    output = runner_root / 'artifacts' / ident / 'output.json'
    (private / 'args').write_text(
        ' '.join(
            [
                'ansible-inventory',
                '--list',
                '--export',
                '-i',
                str(runner_root / 'project' / 'inventory_source.pureboot.yml'),
                '--output',
                str(output),
                '--playbook-dir',
                str(runner_root / 'project'),
            ]
        )
    )
    codes, errors = streamed([sys.executable, '-c', TRANSMIT_WITHOUT_PLAYBOOK, str(private), ident], private, ident, runner_root, node_env(tmp_path))
    return codes, errors, artifacts(private, ident)


# Passwords no word of the job's output could contain by chance, so finding one there is a leak.
@pytest.mark.fakepve(password='awx-pve-Pa55-7f3e')
@pytest.mark.ovirt_engine(password='awx-ovirt-Pa55-c41d')
def test_provision_job_and_inventory_update_streamed_like_awx(backend, pureboot_server, project_collections, tmp_path):
    secrets = [backend.connection()['password'], pureboot_server.api_key]
    vms = [
        dict(backend.placement, name='awx-web-1', hypervisor='pve-lab', template=backend.template, tags=['web'], pureboot_workflow='wf-awx'),
        dict(backend.placement, name='awx-db-1', hypervisor='pve-lab', template=backend.template, tags=['db'], state='present'),
    ]
    # The connection's name only: everything else comes from the attached credentials.
    codes, errors, (status, stdout, events, _artifact_dir), runner_root = awx_job(
        tmp_path, backend, pureboot_server, project_collections, {'vm_provision_hypervisors': {'pve-lab': {'name': 'pve-lab'}}, 'vm_provision_vms': vms}
    )
    assert codes == (0, 0, 0) and status == 'successful', errors[-4000:] + stdout[-8000:]

    # The VMs exist on the hypervisor, as the job asked, and are PureBoot nodes.
    driver = backend.driver()
    web, db = driver.get_vm(name='awx-web-1'), driver.get_vm(name='awx-db-1')
    assert web['status'] == 'running' and web['boot_order'][0] == 'network' and web['tags'] == ['web']
    assert db['status'] == 'stopped' and db['tags'] == ['db']
    web_node = pureboot_server.node_by_mac(web['nics'][0]['mac'])
    db_node = pureboot_server.node_by_mac(db['nics'][0]['mac'])
    assert web_node['workflow_id'] == 'wf-awx' and web_node['hostname'] == 'awx-web-1'
    assert db_node['hostname'] == 'awx-db-1' and not db_node['workflow_id']
    # The modules ran on the execution node, from the collections the private data directory brought there.
    vm_items = [
        e['event_data'] for e in events if e['event'] == 'runner_item_on_ok' and e['event_data'].get('resolved_action') == 'pureboot.hypervisors.pureboot_vm'
    ]
    assert sorted(item['res']['vm']['name'] for item in vm_items) == ['awx-db-1', 'awx-web-1']
    assert all(item['task_path'].startswith(str(runner_root / 'requirements_collections' / 'ansible_collections')) for item in vm_items), vm_items[0][
        'task_path'
    ]
    job_record = json.dumps(events) + stdout
    assert not [secret for secret in secrets if secret in job_record]

    codes, errors, (status, stdout, events, artifact_dir) = awx_inventory_update(tmp_path, backend, pureboot_server, project_collections)
    assert codes == (0, 0, 0) and status == 'successful', errors[-4000:] + stdout[-8000:]
    # What AWX imports into its inventory: the file the command wrote on the node, streamed back.
    text = (artifact_dir / 'output.json').read_text()
    inventory = unwrap(json.loads(text))
    hostvars = inventory['_meta']['hostvars']
    assert sorted(hostvars) == ['awx-db-1', 'awx-web-1']
    assert hostvars['awx-web-1']['pureboot_vm']['hypervisor'] == 'pve-lab'
    assert hostvars['awx-web-1']['pureboot_vm']['nics'][0]['mac'] == web['nics'][0]['mac']
    assert hostvars['awx-web-1']['pureboot_node']['id'] == web_node['id']
    assert hostvars['awx-db-1']['pureboot_node']['id'] == db_node['id']
    groups = {name: sorted(group.get('hosts') or []) for name, group in inventory.items() if name != '_meta'}
    assert groups['tag_web'] == ['awx-web-1'] and groups['tag_db'] == ['awx-db-1']
    assert groups['workflow_wf_awx'] == ['awx-web-1'] and groups['workflow_none'] == ['awx-db-1']
    assert groups['pureboot_hypervisor_pve_lab'] == ['awx-db-1', 'awx-web-1']
    assert groups['pureboot_type_' + backend.kind] == ['awx-db-1', 'awx-web-1']
    assert not [secret for secret in secrets if secret in text + stdout + json.dumps(events)]
