"""Secrets audit: every module and the inventory plugin at -vvvv, with failures induced, scanned for every secret.

The secrets come from Ansible Vault (a vault-encrypted vars file, an inline !vault string in the inventory
source) and are: the hypervisor password, the Proxmox API token secret or the oVirt SSO token, the PureBoot
API key and password, a VM's cloud-init password, the wrong passwords and keys of the failing tasks, the vault
password; and the session
secrets the servers hand out while the tasks run (Proxmox tickets and CSRF tokens, oVirt SSO tokens,
PureBoot JWTs), recorded on the servers as they are issued. Every byte Ansible writes is scanned: stdout and
stderr at -vvvv, the log file, the registered results, and the inventory cache.
"""

import json
import re

import pytest
import yaml

from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.runner import ansible_inventory, vault
from ansible_collections.pureboot.hypervisors.tests.reliability.bad_input import MODULES
from ansible_collections.pureboot.hypervisors.tests.reliability.catalog import case_id
from ansible_collections.pureboot.hypervisors.tests.reliability.harness import run_phases
from ansible_collections.pureboot.hypervisors.tests.reliability.scene import Scene

VAULT_PASSWORD = 'Vault-Reliab1lity-77x'
TOKEN_ID = 'automation@pve!reliability'
TOKEN_SECRET = '5e0c1a2b-7d3e-4f60-8a9b-reliability01'
WRONG_PASSWORD = 'Wrong-Reliab1lity-0042'
WRONG_TOKEN = 'wrong-token-reliab1lity-0043'
WRONG_API_KEY = 'pb_live_0badc0de_' + 'f' * 48
# pureboot_vm's cloud_init.password: written to the hypervisor, never shown.
CLOUD_INIT_PASSWORD = 'Cloud-Init-Reliab1lity-0044'
JWT = re.compile(r'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}')


class Issued:
    """Session secrets the servers hand out while the play runs, recorded as they are issued."""

    def __init__(self, scene):
        self.scene = scene
        self.values = []
        double = scene.double
        issue_jwt = double._issue_jwt  # pylint: disable=protected-access

        def recording_jwt(username):
            token = issue_jwt(username)
            self.values.append(token)
            return token

        double._issue_jwt = recording_jwt  # pylint: disable=protected-access
        if scene.engine is not None:
            issue_token = scene.engine.issue_token

            def recording_token():
                token = issue_token()
                self.values.append(token)
                return token

            scene.engine.issue_token = recording_token

    def all(self):
        values = list(self.values)
        if self.scene.pve is not None:
            # fakepve keeps every ticket it issued (with its CSRF token) until they are revoked.
            for ticket, session in self.scene.pve.tickets.items():
                values += [ticket, session['csrf']]
        return values


def secrets_of(scene, token):
    return [
        scene.hv['password'],
        token,
        scene.double.api_key,
        scene.double.password,
        WRONG_PASSWORD,
        WRONG_TOKEN,
        WRONG_API_KEY,
        VAULT_PASSWORD,
        CLOUD_INIT_PASSWORD,
    ]


def module_tasks(scene, token_login):
    """Per module: tasks that work and tasks that fail, every secret coming from the vaulted vars."""
    hv = '{{ hv }}'
    pb_key = {'url': scene.double.url, 'api_key': '{{ pureboot_api_key }}', 'ca_file': scene.double.cafile}
    pb_login = {'url': scene.double.url, 'username': scene.double.username, 'password': '{{ pureboot_password }}', 'ca_file': scene.double.cafile}
    wrong_hv = "{{ hv | combine({'password': wrong_password}) }}"
    no_ca = "{{ hv | combine({'ca_file': omit}) }}"
    gone_pb = dict(pb_key, url='https://127.0.0.1:9')
    vm = dict(scene.backend.placement, template=scene.backend.template)
    cloud_init = {'user': 'deploy', 'password': '{{ cloud_init_password }}', 'nameservers': ['192.0.2.53']}
    return {
        'pureboot_hypervisor': [
            {'hypervisor': hv, 'pureboot': pb_login, 'register_credentials': True},
            {'hypervisor': token_login},
            {'hypervisor': wrong_hv},
            {'hypervisor': wrong_hv, 'fail_on_error': False},
            {'hypervisor': hv, 'pureboot': dict(pb_key, api_key='{{ wrong_api_key }}')},
            # PureBoot answers 502 to every DELETE (armed before the play): the entry cannot be removed.
            {'hypervisor': hv, 'pureboot': pb_key, 'state': 'absent'},
        ],
        'pureboot_vm': [
            dict(vm, hypervisor=hv, pureboot=pb_login, name='secret-vm', state='running'),
            dict(vm, hypervisor=token_login, pureboot=pb_key, name='secret-vm', state='stopped', force=True),
            dict(vm, hypervisor=wrong_hv, pureboot=pb_key, name='secret-vm'),
            dict(vm, hypervisor=hv, pureboot=dict(pb_login, password='{{ wrong_password }}'), name='secret-vm'),
            # Tag writes answer 500 (armed before the play): the VM is made, PureBoot fails.
            dict(vm, hypervisor=hv, pureboot=pb_key, name='secret-tags', pureboot_node={'tags': ['audit']}),
            dict(vm, hypervisor=hv, pureboot=gone_pb, name='secret-vm'),
            dict(vm, hypervisor=hv, pureboot=pb_key, name='secret-vm', state='absent'),
            # cloud_init: written (on every run: update_password always), refused with its password in the task,
            # and sent with a wrong login.
            dict(vm, hypervisor=hv, name='secret-ci', cloud_init=dict(cloud_init, update_password='always')),
            dict(vm, hypervisor=hv, name='secret-ci', cloud_init=dict(cloud_init, ip_config=[{'address': '192.0.2.10'}])),
            dict(vm, hypervisor=wrong_hv, name='secret-ci', cloud_init=cloud_init),
            dict(vm, hypervisor=hv, name='secret-ci', state='absent'),
        ],
        'pureboot_vm_info': [
            {'hypervisor': hv, 'pureboot': pb_login},
            {'hypervisor': hv, 'pureboot': dict(pb_key, api_key='{{ wrong_api_key }}')},
            {'hypervisor': no_ca},
        ],
        'pureboot_vm_template_info': [
            {'hypervisor': token_login},
            {'hypervisor': "{{ token_login | combine({'" + ('api_token_secret' if scene.kind == 'proxmox' else 'token') + "': wrong_token}) }}"},
            {'hypervisor': hv},
        ],
    }


def scan(text, secrets):
    """[secret shown as its first 4 characters + ...] of every secret found in text, and JWT-shaped strings."""
    found = ['{0}...'.format(s[:4]) for s in secrets if s and s in text]
    found += ['JWT {0}...'.format(m[:10]) for m in JWT.findall(text)]
    return found


def task_sections(stdout):
    """{task name: its part of the -vvvv output}: the output between one TASK header and the next."""
    sections = {}
    parts = re.split(r'^TASK \[(?:p\d_\d+ )?([^\]]*)\]', stdout, flags=re.MULTILINE)
    for index in range(1, len(parts) - 1, 2):
        sections[parts[index]] = sections.get(parts[index], '') + parts[index + 1]
    return sections


@pytest.mark.parametrize('backend', BACKENDS, indirect=True)
def test_modules_at_vvvv_with_failures_show_no_secret(backend, pureboot_server, request, tmp_path, record):
    scene = Scene(request, backend, pureboot_server, tmp_path, 'secret-vm')
    issued = Issued(scene)
    if scene.pve is not None:
        scene.pve.apitokens[TOKEN_ID] = TOKEN_SECRET
        token, token_login = (
            TOKEN_SECRET,
            {
                'type': 'proxmox',
                'name': scene.label,
                'api_url': scene.hv['api_url'],
                'api_token_id': TOKEN_ID,
                'api_token_secret': '{{ token_secret }}',
                'ca_file': scene.hv['ca_file'],
            },
        )
    else:
        token = scene.engine.issue_token()
        token_login = {'type': 'ovirt', 'name': scene.label, 'api_url': scene.hv['api_url'], 'token': '{{ token_secret }}', 'ca_file': scene.hv['ca_file']}
    secrets = secrets_of(scene, token)
    (tmp_path / 'vault-pass').write_text(VAULT_PASSWORD + '\n')
    (tmp_path / 'secrets.yml').write_text(
        yaml.safe_dump(
            {
                'hv': scene.hv,
                'token_secret': token,
                'pureboot_api_key': pureboot_server.api_key,
                'pureboot_password': pureboot_server.password,
                'wrong_password': WRONG_PASSWORD,
                'wrong_token': WRONG_TOKEN,
                'wrong_api_key': WRONG_API_KEY,
                'token_login': token_login,
                'cloud_init_password': CLOUD_INIT_PASSWORD,
            }
        )
    )
    vault(tmp_path, 'encrypt', 'secrets.yml')
    pureboot_server.fail('DELETE', '', status=502, detail='Bad Gateway', times=None)
    pureboot_server.fail('POST', '/tags', status=500, detail='Internal Server Error', times=None)
    tasks = []
    per_module = module_tasks(scene, token_login)
    for module in MODULES:
        for index, args in enumerate(per_module[module]):
            tasks.append({'name': '{0} {1}'.format(module, index), 'pureboot.hypervisors.' + module: args})
    log = tmp_path / 'ansible.log'
    first, _second, run, _seconds, _rerun = run_phases(
        tmp_path,
        tasks,
        [],
        lambda first: None,
        args=['-vvvv', '--vault-password-file', str(tmp_path / 'vault-pass')],
        env={'ANSIBLE_LOG_PATH': str(log)},
        play_options={'vars_files': [str(tmp_path / 'secrets.yml')]},
    )
    results = [first['p1_{0}'.format(i)] for i in range(len(tasks))]
    every_secret = secrets + issued.all()
    sections = task_sections(run.stdout)
    assert '"invocation"' in run.stdout and '<localhost> EXEC' in run.stdout, 'not a -vvvv run'
    # The scan can find things: what is printed but not secret (the user, the URL) is found by the same scan.
    assert len(scan(run.stdout, [scene.hv['username'], scene.hv['api_url']])) == 2
    leaks_everywhere = scan(run.stdout + run.stderr + log.read_text() + json.dumps(results), every_secret)
    for module in MODULES:
        names = ['{0} {1}'.format(module, i) for i in range(len(per_module[module]))]
        mine = [r for task, r in zip(tasks, results) if task['name'] in names]
        text = ''.join(sections.get(name, '') for name in names) + json.dumps(mine)
        leaks = scan(text, every_secret)
        record(
            case_id('secrets', backend.kind, module),
            'secrets',
            hypervisor=backend.kind,
            target=module,
            tasks=len(mine),
            failures=sum(1 for r in mine if r.get('failed') or (r.get('hypervisor') or {}).get('error')),
            categories=sorted({r.get('error_category') for r in mine if r.get('error_category')}),
            secrets=len(every_secret),
            scanned_bytes=len(text),
            leaks=len(leaks),
            problems=leaks,
        )
        assert not leaks, '{0}: {1}'.format(module, leaks)
    assert not leaks_everywhere, leaks_everywhere
    # The failures were induced, not hoped for: every module had some.
    assert all(any(r.get('failed') for task, r in zip(tasks, results) if task['name'].startswith(m + ' ')) for m in MODULES)


@pytest.mark.parametrize('backend', BACKENDS, indirect=True)
def test_inventory_at_vvvv_with_failures_shows_no_secret(backend, pureboot_server, request, tmp_path, record):
    scene = Scene(request, backend, pureboot_server, tmp_path, 'secret-inv')
    issued = Issued(scene)
    scene.create_vm()
    (tmp_path / 'vault-pass').write_text(VAULT_PASSWORD + '\n')

    encrypted = {}

    def vaulted(value, name):
        # One ansible-vault run per distinct secret: the five sources share four.
        if (value, name) not in encrypted:
            text = vault(tmp_path, 'encrypt_string', '--stdin-name', name, stdin=value)
            encrypted[value, name] = '!vault |\n' + '\n'.join('      ' + line.strip() for line in text.split('!vault |', 1)[1].strip().splitlines())
        return encrypted[value, name]

    def source(hv_password, pb_secret, pb_key='password', strict=False, strict_pureboot=False):
        hv = dict(scene.hv, password='@HV@')
        pb = {'url': pureboot_server.url, 'ca_file': pureboot_server.cafile, pb_key: '@PB@'}
        if pb_key == 'password':
            pb['username'] = pureboot_server.username
        config = {
            'plugin': 'pureboot.hypervisors.pureboot',
            'hypervisors': [hv],
            'pureboot': pb,
            'strict_hypervisors': strict,
            'strict_pureboot': strict_pureboot,
            'cache': True,
            'cache_plugin': 'ansible.builtin.jsonfile',
            'cache_connection': str(tmp_path / 'cache'),
        }
        text = yaml.safe_dump(config, sort_keys=False)
        for placeholder, value, name in (('@HV@', hv_password, 'password'), ('@PB@', pb_secret, pb_key)):
            text = text.replace("'{0}'".format(placeholder), placeholder).replace(placeholder, vaulted(value, name))
        return text

    runs = [
        ('works', source(scene.hv['password'], pureboot_server.password)),
        ('wrong hypervisor password, strict', source(WRONG_PASSWORD, pureboot_server.password, strict=True)),
        ('wrong hypervisor password, skipped', source(WRONG_PASSWORD, pureboot_server.password)),
        ('wrong PureBoot key, strict', source(scene.hv['password'], WRONG_API_KEY, pb_key='api_key', strict_pureboot=True)),
        # By default a PureBoot failure loads the VMs without node data, with a warning naming the failure.
        ('wrong PureBoot key, warned', source(scene.hv['password'], WRONG_API_KEY, pb_key='api_key')),
    ]
    text, failures = '', 0
    for index, (_label, content) in enumerate(runs):
        assert scene.hv['password'] not in content and pureboot_server.password not in content
        result = ansible_inventory(
            tmp_path,
            content,
            '-vvvv',
            '--vault-password-file',
            str(tmp_path / 'vault-pass'),
            name='audit{0}.pureboot.yml'.format(index),
            env={'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true'},
        )
        warned = ' '.join(result.stderr.split())  # Ansible wraps a warning's lines
        failures += result.returncode != 0 or 'skipped' in warned or 'PureBoot could not be read' in warned
        text += result.stdout + result.stderr
        if index == 0:
            assert result.returncode == 0, result.stderr[-3000:]
    cache = ''.join(p.read_text() for p in (tmp_path / 'cache').iterdir()) if (tmp_path / 'cache').exists() else ''
    assert 'secret-inv' in cache, 'the cache was not written'
    every_secret = secrets_of(scene, None) + issued.all()
    assert len(scan(text + cache, [scene.label, 'secret-inv'])) == 2, 'the scan would not find anything'
    leaks = scan(text + cache, every_secret)
    record(
        case_id('secrets', backend.kind, 'inventory'),
        'secrets',
        hypervisor=backend.kind,
        target='inventory plugin (and its cache)',
        tasks=len(runs),
        failures=failures,
        categories=[],
        secrets=len([s for s in every_secret if s]),
        scanned_bytes=len(text + cache),
        leaks=len(leaks),
        problems=leaks,
    )
    assert failures >= 4, 'the failing sources did not fail'
    assert not leaks, leaks
