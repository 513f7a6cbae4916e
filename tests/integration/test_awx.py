"""AWX / AAP support: the execution environment definition, and the custom credential types.

ansible-builder reads meta/execution-environment.yml; ansible-runner runs a playbook the way an AWX job
does, with nothing but the environment variables the credential types' injectors set.
"""

import os
import shutil
import subprocess
from urllib.parse import urlsplit

import jinja2
import ansible_runner
import yaml

from ansible_collections.pureboot.hypervisors.tests.integration.runner import (
    BIN, COLLECTION, COLLECTIONS_PATH, ansible_env)

AWX = COLLECTION / 'extensions' / 'awx'


def test_execution_environment_dependencies_are_introspected(tmp_path):
    result = subprocess.run([str(BIN / 'ansible-builder'), 'introspect', '--sanitize', str(COLLECTIONS_PATH)],
                            capture_output=True, text=True, check=True, env=ansible_env(tmp_path))
    text = result.stdout
    for requirement in ('proxmoxer', 'requests', 'ovirt-engine-sdk-python'):
        assert requirement in text, requirement
    for package in ('libxml2-devel', 'libxml2-dev', 'gcc', 'libcurl-devel', 'python3-devel'):
        assert package in text, package


def test_ansible_builder_create_makes_a_build_context(tmp_path):
    built = subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', str(COLLECTION), '--output-path',
                            str(tmp_path)], capture_output=True, text=True, env=ansible_env(tmp_path), check=True)
    tarball = next(tmp_path.glob('pureboot-hypervisors-*.tar.gz'))
    assert 'Created collection' in built.stdout
    (tmp_path / 'requirements.yml').write_text(yaml.safe_dump(
        {'collections': [{'name': str(tarball), 'type': 'file'}]}))
    (tmp_path / 'execution-environment.yml').write_text(yaml.safe_dump({
        'version': 3,
        'images': {'base_image': {'name': 'quay.io/ansible/awx-ee:latest'}},
        'dependencies': {'galaxy': 'requirements.yml', 'ansible_core': {'package_pip': 'ansible-core==2.19.14'},
                         'ansible_runner': {'package_pip': 'ansible-runner'}},
    }))
    result = subprocess.run([str(BIN / 'ansible-builder'), 'create', '-f', 'execution-environment.yml', '-c', 'context',
                             '--output-filename', 'Containerfile'],
                            cwd=str(tmp_path), capture_output=True, text=True, env=ansible_env(tmp_path), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = (tmp_path / 'context' / 'Containerfile').read_text()
    assert 'ansible-galaxy collection install' in containerfile
    assert 'introspect' in containerfile, 'the collection dependencies are read in the build'
    assert (tmp_path / 'context' / '_build' / 'requirements.yml').exists()


def inject(credential_type, inputs, workdir):
    """The environment AWX gives a job for a credential of this type: its file and env injectors rendered."""
    definition = yaml.safe_load((AWX / credential_type).read_text())
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined)
    values = dict((field['id'], '') for field in definition['inputs']['fields'])
    values.update(inputs)
    files = {}
    for key, template in (definition['injectors'].get('file') or {}).items():
        path = workdir / '{0}-{1}'.format(credential_type.split('.')[0], key.split('.')[-1])
        path.write_text(environment.from_string(template).render(values))
        files[key.split('.')[-1]] = str(path)
    values['tower'] = {'filename': files}
    return dict((name, environment.from_string(template).render(values))
                for name, template in definition['injectors']['env'].items())


def test_credential_types_inject_exactly_the_modules_fallbacks(backend, pureboot_server, tmp_path):
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import HYPERVISOR_ENV
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot import PUREBOOT_ENV
    connection = backend.connection()
    hv_env = inject('credential_type_hypervisor.yml', {
        'type': connection['type'], 'api_url': connection['api_url'], 'username': connection['username'],
        'password': connection['password'], 'ca_cert': open(connection['ca_file']).read()}, tmp_path)
    pb_env = inject('credential_type_pureboot.yml', {
        'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_cert': open(pureboot_server.cafile).read()},
        tmp_path)
    assert sorted(hv_env) == sorted(HYPERVISOR_ENV.values())
    assert sorted(pb_env) == sorted(PUREBOOT_ENV.values())

    private = tmp_path / 'runner'
    (private / 'project').mkdir(parents=True)
    (private / 'project' / 'job.yml').write_text(yaml.safe_dump([{
        'hosts': 'localhost', 'gather_facts': False, 'tasks': [
            {'name': 'Test the hypervisor from the injected credential',
             'pureboot.hypervisors.pureboot_hypervisor': {}, 'register': 'hv'},
            {'name': 'Keep it in the PureBoot registry', 'pureboot.hypervisors.pureboot_hypervisor': {},
             'register': 'registry'},
            {'name': 'List templates', 'pureboot.hypervisors.pureboot_vm_template_info': {}, 'register': 'templates'},
            {'ansible.builtin.assert': {'that': [
                "hv.hypervisor.status == 'online'",
                'registry.pureboot_registry.api_url == hv.hypervisor.api_url',
                'templates.templates | length >= 2']}}]}]))
    environment = dict(ansible_env(tmp_path))
    for variable in list(environment):
        if variable.startswith('PUREBOOT_'):
            del environment[variable]
    environment.update(hv_env)
    environment.update(pb_env)
    environment['ANSIBLE_INVENTORY'] = 'localhost,'
    environment['ANSIBLE_CONNECTION'] = 'local'
    result = ansible_runner.run(private_data_dir=str(private), playbook='job.yml', envvars=environment, quiet=True,
                                inventory='localhost,')
    output = result.stdout.read()
    assert result.status == 'successful', output[-6000:]
    # No name in the credential: the connection is named after the API's host.
    assert [h['name'] for h in pureboot_server.hypervisors] == [urlsplit(connection['api_url']).hostname]
    assert connection['password'] not in output
    shutil.rmtree(str(private / 'artifacts'), ignore_errors=True)
    assert os.path.isfile(hv_env['PUREBOOT_HV_CA_FILE'])
