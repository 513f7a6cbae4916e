"""Every module's EXAMPLES run as written, and no secret ever shows, even at -vvv and in failures.

Credentials come from Ansible Vault the way users keep them: a vault-encrypted vars file and an
inline `!vault` string, opened with --vault-password-file.
"""

import ast
import pathlib

import pytest
import yaml

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend
from ansible_collections.pureboot.hypervisors.tests.integration.runner import COLLECTION, assert_ok, run_playbook, vault
from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.standin import StandInInstaller

PVE_PASSWORD = 'Pve-Vault-Pa55-7319'
TOKEN_ID = 'automation@pve!ansible'
TOKEN_SECRET = '3b4f9a51-7d1e-4c2a-9e0f-vault0token42'
VAULT_PASSWORD = 'vault-pass-8d2c'
WRONG_PASSWORD = 'Wrong-Pa55word-0042'
MODULES = ('pureboot_hypervisor', 'pureboot_vm_template_info', 'pureboot_vm', 'pureboot_vm_info')
# The twins of one type whose EXAMPLES fakepve can run (those of oVirt and libvirt name `rhv` and `kvm`, as make lab
# defines them; their documentation is the same but for the type: one_type_twins.py).
PROXMOX_TWINS = ('pureboot_vm_proxmox', 'pureboot_vm_info_proxmox')


def module_examples(module):
    """The EXAMPLES of a module file, as a list of tasks."""
    tree = ast.parse((COLLECTION / 'plugins' / 'modules' / (module + '.py')).read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == 'EXAMPLES':
            return yaml.safe_load(node.value.value)
    raise AssertionError('no EXAMPLES in ' + module)


def installer_for(double):
    """The installer of every node queued for install (the simulated VMs boot nothing), reporting through the
    double's /api/v1/report."""
    return StandInInstaller(double.url, double.api_key, cafile=double.cafile, pause=0.2)


@pytest.fixture
def pve(fakepve, fakepve_cafile):
    backend = ProxmoxBackend(fakepve, fakepve_cafile)
    fakepve.apitokens[TOKEN_ID] = TOKEN_SECRET
    return backend


def example_variables(pve, pureboot_server, playbook_dir):
    """The variables the EXAMPLES use, and the files they read beside their playbook (the cloud_init example's SSH
    public key)."""
    (playbook_dir / 'files').mkdir(exist_ok=True)
    (playbook_dir / 'files' / 'deploy.pub').write_text('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKVtZrbRVM9DEHVfYZ4o7kpVd1jVXCE0vdl8ZC9fQ6Jt deploy@example\n')
    connection = pve.connection()
    return {
        'pve': connection,
        'pve_api_url': pve.pve.url,
        'vault_pve_password': PVE_PASSWORD,
        'vault_pve_token': TOKEN_SECRET,
        'hypervisors': [connection, dict(connection, name='pve-again')],
        'pureboot_url': pureboot_server.url,
        'vault_pureboot_api_key': pureboot_server.api_key,
        'vault_deploy_password': 'Cloud-Init-Example-1',
    }


@pytest.mark.fakepve(password=PVE_PASSWORD)
@pytest.mark.parametrize('module', MODULES + PROXMOX_TWINS)
def test_examples_run_as_written(pve, pureboot_server, tmp_path, module):
    variables = example_variables(pve, pureboot_server, tmp_path)
    if module.startswith('pureboot_vm_info'):
        pve.driver().create_vm('web-01', {'template': pve.template, 'node': 'pve1'}, timeout=60)
        pve.driver().power(pve.driver().get_vm(name='web-01'), 'start', timeout=60)
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': module_examples(module)}]
    # Examples that spell the connection out leave ca_file to the environment, as an AWX credential would.
    # fakepve's VMs boot nothing: the installer's reports of the example that waits for an install come from here.
    with installer_for(pureboot_server):
        result = run_playbook(tmp_path, play, variables, env={'PUREBOOT_HV_CA_FILE': pve.cafile, 'PUREBOOT_CA_FILE': pureboot_server.cafile})
    assert_ok(result)


# What docs/getting-started.md and docs/modules.md tell users to write once per play.
GROUP_DEFAULTS = {
    'group/pureboot.hypervisors.all': {'hypervisor': '{{ pve }}', 'pureboot': {'url': '{{ pureboot_url }}', 'api_key': '{{ vault_pureboot_api_key }}'}}
}


@pytest.mark.fakepve(password=PVE_PASSWORD)
def test_every_module_and_its_examples_run_under_the_documented_group_defaults(pve, pureboot_server, tmp_path):
    variables = example_variables(pve, pureboot_server, tmp_path)
    connection = variables['pve']
    pve.driver().create_vm('web-01', {'template': pve.template, 'node': 'pve1'}, timeout=60)
    pve.driver().power(pve.driver().get_vm(name='web-01'), 'start', timeout=60)
    # Each module once with nothing but the defaults, then its EXAMPLES (which spell some options out), in one run.
    plays = [
        {
            'name': module,
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': GROUP_DEFAULTS,
            'tasks': [
                {'name': module + ' with the group defaults alone', 'pureboot.hypervisors.' + module: {'name': 'web-01'} if module == 'pureboot_vm' else {}}
            ]
            + module_examples(module),
        }
        for module in ('pureboot_vm_template_info', 'pureboot_hypervisor', 'pureboot_vm_info', 'pureboot_vm')
    ]
    with installer_for(pureboot_server):
        result = run_playbook(tmp_path, plays, variables, env={'PUREBOOT_HV_CA_FILE': pve.cafile, 'PUREBOOT_CA_FILE': pureboot_server.cafile})
    assert_ok(result)
    assert 'Unsupported parameters' not in result.stdout
    # The defaults' PureBoot reached the modules that use it: the registry entry and web-01's node exist.
    assert connection['name'] in [entry['name'] for entry in pureboot_server.hypervisors]
    assert any(node['hostname'] == 'web-02' for node in pureboot_server.nodes)


SECRETS_PLAY = """
- hosts: localhost
  gather_facts: false
  vars_files:
    - secrets.yml
    - inline.yml
  vars:
    pve_password_login:
      name: pve-vault
      type: proxmox
      api_url: "{{ pve_url }}"
      username: root@pam
      password: "{{ vault_pve_password }}"
      ca_file: "{{ pve_cafile }}"
    pve_token_login:
      name: pve-vault
      type: proxmox
      api_url: "{{ pve_url }}"
      api_token_id: "%(token_id)s"
      api_token_secret: "{{ vault_pve_token }}"
      ca_file: "{{ pve_cafile }}"
  tasks:
    - name: Test with the vaulted password
      pureboot.hypervisors.pureboot_hypervisor:
        hypervisor: "{{ pve_password_login }}"
      register: by_password

    - name: Test with the vaulted API token
      pureboot.hypervisors.pureboot_hypervisor:
        hypervisor: "{{ pve_token_login }}"
      register: by_token

    - name: Templates
      pureboot.hypervisors.pureboot_vm_template_info:
        hypervisor: "{{ pve_token_login }}"

    - name: Create, start, list and remove a VM
      pureboot.hypervisors.pureboot_vm:
        hypervisor: "{{ pve_password_login }}"
        name: vault-vm
        template: "{{ template }}"
        state: "{{ item }}"
      loop: [running, stopped]

    - name: List
      pureboot.hypervisors.pureboot_vm_info:
        hypervisor: "{{ pve_password_login }}"

    - name: A wrong password fails
      pureboot.hypervisors.pureboot_vm:
        hypervisor: "{{ pve_password_login | combine({'password': '%(wrong)s'}) }}"
        name: vault-vm
      ignore_errors: true
      register: wrong

    - name: A wrong token fails
      pureboot.hypervisors.pureboot_vm_info:
        hypervisor: "{{ pve_token_login | combine({'api_token_secret': '%(wrong)s'}) }}"
      ignore_errors: true
      register: wrong_token

    - name: A health check of a wrong login reports it
      pureboot.hypervisors.pureboot_hypervisor:
        hypervisor: "{{ pve_password_login | combine({'password': '%(wrong)s'}) }}"
        fail_on_error: false
      register: health

    - name: The TLS check fails without the CA
      pureboot.hypervisors.pureboot_vm_template_info:
        hypervisor: "{{ pve_password_login | combine({'ca_file': omit}) }}"
      ignore_errors: true
      register: no_ca

    - name: Remove the VM
      pureboot.hypervisors.pureboot_vm:
        hypervisor: "{{ pve_password_login }}"
        name: vault-vm
        state: absent

    - name: Every login worked and every failure failed
      ansible.builtin.assert:
        that:
          - by_password.hypervisor.status == 'online'
          - by_token.hypervisor.status == 'online'
          - wrong is failed and wrong.error_category == 'auth'
          - wrong_token is failed and wrong_token.error_category == 'auth'
          - health.hypervisor.error_category == 'auth'
          - no_ca is failed and no_ca.error_category == 'tls'

    - name: Dump every result where the test can read it
      write_file:
        content: "{{ [by_password, by_token, wrong, wrong_token, health, no_ca] | to_nice_json }}"
        dest: results.json
""" % {'token_id': TOKEN_ID, 'wrong': WRONG_PASSWORD}


@pytest.mark.fakepve(password=PVE_PASSWORD)
def test_vaulted_credentials_never_show(pve, tmp_path):
    (tmp_path / 'vault-pass').write_text(VAULT_PASSWORD + '\n')
    (tmp_path / 'secrets.yml').write_text('vault_pve_password: {0}\n'.format(PVE_PASSWORD))
    vault(tmp_path, 'encrypt', 'secrets.yml')
    assert PVE_PASSWORD not in (tmp_path / 'secrets.yml').read_text()
    inline = vault(tmp_path, 'encrypt_string', '--stdin-name', 'vault_pve_token', stdin=TOKEN_SECRET)
    assert '!vault |' in inline and TOKEN_SECRET not in inline
    (tmp_path / 'inline.yml').write_text(inline)
    variables = {'pve_url': pve.pve.url, 'pve_cafile': pve.cafile, 'template': pve.template}
    result = run_playbook(tmp_path, SECRETS_PLAY, variables, args=['-vvv', '--vault-password-file', str(tmp_path / 'vault-pass')])
    assert_ok(result)
    output = result.stdout + result.stderr + (tmp_path / 'results.json').read_text()
    assert '"module_args"' in output and 'ESTABLISH LOCAL CONNECTION' in output, 'not a -vvv run'
    for secret in (PVE_PASSWORD, TOKEN_SECRET, VAULT_PASSWORD, WRONG_PASSWORD):
        assert secret not in output, 'a secret leaked into the output'
    assert pathlib.Path(tmp_path / 'results.json').exists()
