"""Security: untrusted data never becomes code or a connection target; credentials go only where they were given.

Every case plants what an attacker on the provisioning network (PureBoot's /api/v1/boot and /api/v1/report need
no login) or a hostile hypervisor user could, or makes the mistake a user could, and runs real
ansible-inventory / ansible-playbook. Each test names its case of CASES; with PUREBOOT_SECURITY_REPORT set, the
outcomes are written there and tests/integration/security_report.py renders docs/security.md from them.
"""

import json
import os
import pathlib
import stat
import time

import pytest
import requests

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.runner import (
    ansible_inventory, assert_ok, listing, run_playbook)

# case id -> (what an attacker or a mistake does, what the collection answers)
CASES = {
    'unsafe-hypervisor-values': (
        "A VM description on the hypervisor (Proxmox, oVirt or libvirt) is `{{ lookup('pipe', ...) }}`; a play reads "
        "the host variable, and `compose`/`keyed_groups` use it, through `ansible-inventory --list`, `--host` and "
        "`ansible-playbook`. A Proxmox VM's cloud-init user is the same, read with `use_cloud_init: true` as "
        "`ansible_user`.",
        'The value is marked unsafe: shown as the literal text, never templated; no command runs on the controller.'),
    'unsafe-pureboot-values': (
        "Without login, `POST /api/v1/report` sets a VM's node hostname to `{{ lookup('pipe', ...) }}`; a play and "
        '`compose` read `pureboot_node.hostname`.',
        'The node fields are marked unsafe like the hypervisor\'s: the literal text, no command run.'),
    'pureboot-ip-not-ansible-host': (
        "Without login, `POST /api/v1/report` gives a VM's MAC a new IP address of the attacker's choice.",
        '`ansible_host` stays the address the hypervisor reports; a stopped VM (no address reported) gets none. '
        "PureBoot's address is used only with `trust_pureboot_ip: true`, and only when the hypervisor reports none."),
    'uuid-alone-never-links': (
        "Without login, `GET /api/v1/boot?mac=<other MAC>&uuid=<the VM's SMBIOS UUID>` plants a node that claims "
        "the VM's UUID.",
        "The node is not the VM's node (its MAC is on none of the VM's NICs): not in the VM's host variables, "
        'groups or `ansible_host`.'),
    'env-credentials-stay-home': (
        'AWX injects `PUREBOOT_HV_*` credentials for a Proxmox host; the inventory also lists an oVirt engine '
        'configured with a token only (and a Proxmox host with an API token of its own).',
        "The environment's credentials fill only the entry of type `PUREBOOT_HV_TYPE` at `PUREBOOT_HV_URL` that "
        "names no credential of its own: the engine's request log shows no login with them."),
    'module-env-credentials-stay-home': (
        'A task names an oVirt engine with no credentials while `PUREBOOT_HV_*` hold a Proxmox host\'s.',
        "The module fails with one line (missing credentials) and the engine receives no login at all."),
    'hypervisor-plain-http': (
        'A hypervisor `api_url` is `http://` (a module task and an inventory entry), or a libvirt URI is '
        '`qemu+tcp://` to a host other than loopback (cleartext, password included).',
        'Refused with one line saying hypervisor APIs are reached over https only (libvirt: use qemu+tls:// or '
        'qemu+ssh://); no request is sent.'),
    'pureboot-plain-http': (
        'The PureBoot URL is `http://` on a host other than loopback.',
        'Refused with one line naming the `allow_insecure_http` opt-in, before any request; no credential is sent. '
        '(With the opt-in, the warning is checked by the unit tests of the PureBoot client: no non-loopback server '
        'here.)'),
    'cache-follows-connection': (
        'The inventory cache is on; the `PUREBOOT_HV_*` variables then switch to another hypervisor, or the '
        'password becomes wrong.',
        'The cache key covers the effective connection (environment included, secrets hashed): no stale hosts '
        'are answered; the wrong password fails. Cache files are created 0600 and hold no secret.'),
    'wrong-server-type': (
        '`type: ovirt` points at a Proxmox VE or PureBoot URL (with `strict_hypervisors: false`), or `type: '
        'proxmox` at an oVirt engine.',
        'One line, e.g. "https://x:8006 does not answer as an oVirt engine API"; the inventory skips that entry '
        'with a warning and still lists the others.'),
    'wrong-pureboot-url': (
        "The PureBoot URL has a wrong path, so the web UI's catch-all answers `200 {\"error\": ...}`.",
        'One line saying the URL does not answer as a PureBoot API, naming PureBoot (not the hypervisor).'),
}

PAYLOAD = '{{{{ lookup("pipe", "touch {0}") }}}}'


def case(case_id):
    """Tie a test to its case of CASES (conftest.py records the outcome per case)."""
    assert case_id in CASES, case_id
    return pytest.mark.security_case(case_id)


def one_line(text):
    return ' '.join(text.split())


def source(connections, **options):
    config = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': connections}
    config.update(options)
    return config


def pureboot_options(server):
    return {'url': server.url, 'api_key': server.api_key, 'ca_file': server.cafile}


def report_node(server, mac, **fields):
    """What any machine on the provisioning network can send: no login."""
    body = dict(fields, mac_address=mac)
    answer = requests.post(server.url + '/api/v1/report', json=body, verify=server.cafile, timeout=10)
    assert answer.status_code < 300, answer.text


def play_reading(tmp_path, inventory_path, host, expressions, env=None):
    """ansible-playbook on localhost reading hostvars[host].<expression> for each expression, written to a file."""
    out = tmp_path / 'read.json'
    tasks = [{'name': 'read the host variables',
              'ansible.builtin.copy': {'dest': str(out), 'mode': '0600', 'content': '{{ values | to_json }}'},
              'vars': {'values': {name: "{{{{ hostvars['{0}'].{1} }}}}".format(host, expression)
                                  for name, expression in expressions.items()}}}]
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]
    extra = {'ANSIBLE_INVENTORY_ENABLED': 'host_list,pureboot.hypervisors.pureboot'}
    extra.update(env or {})
    result = run_playbook(tmp_path, play, args=('-i', str(inventory_path)), env=extra)
    assert_ok(result)
    return json.loads(out.read_text())


@pytest.fixture
def marker_dir(tmp_path):
    path = tmp_path / 'pwned'
    path.mkdir()
    return path


def assert_nothing_ran(marker_dir):
    assert sorted(os.listdir(str(marker_dir))) == [], 'a planted template ran on the controller'


# ----------------------------------------------------------------------------------------- 1: unsafe values

@pytest.mark.smoke
@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
@case('unsafe-hypervisor-values')
def test_hypervisor_values_are_never_templated(backend, tmp_path, marker_dir):
    hostile = PAYLOAD.format(marker_dir / 'description')
    driver = backend.driver()
    driver.create_vm('hostile-desc', dict(backend.placement, template=backend.template, description=hostile),
                     timeout=60)
    config = source([backend.connection()], compose={'shown': 'pureboot_vm.description'},
                    keyed_groups=[{'key': 'pureboot_vm.description', 'prefix': 'desc'}])
    inventory = listing(ansible_inventory(tmp_path, config))
    assert inventory['_meta']['hostvars']['hostile-desc']['shown'] == hostile
    host = listing(ansible_inventory(tmp_path, config, 'hostile-desc', action='--host'))
    assert host['pureboot_vm']['description'] == hostile
    read = play_reading(tmp_path, tmp_path / 'lab.pureboot.yml', 'hostile-desc',
                        {'description': 'pureboot_vm.description', 'shown': 'shown'})
    assert read == {'description': hostile, 'shown': hostile}
    assert_nothing_ran(marker_dir)


@pytest.mark.smoke
@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
@case('unsafe-pureboot-values')
def test_pureboot_node_values_are_never_templated(backend, pureboot_server, tmp_path, marker_dir):
    vm = backend.driver().create_vm('hostile-node', dict(backend.placement, template=backend.template), timeout=60)
    hostile = PAYLOAD.format(marker_dir / 'hostname')
    report_node(pureboot_server, vm['nics'][0]['mac'], hostname=hostile, ip_address='198.51.100.7')
    config = source([backend.connection()], pureboot=pureboot_options(pureboot_server),
                    compose={'node_name': 'pureboot_node.hostname'},
                    keyed_groups=[{'key': 'pureboot_node.hostname', 'prefix': 'node'}])
    inventory = listing(ansible_inventory(tmp_path, config))
    hostvars = inventory['_meta']['hostvars']['hostile-node']
    assert hostvars['pureboot_node']['hostname'] == hostile
    assert hostvars['node_name'] == hostile
    listing(ansible_inventory(tmp_path, config, 'hostile-node', action='--host'))
    read = play_reading(tmp_path, tmp_path / 'lab.pureboot.yml', 'hostile-node',
                        {'hostname': 'pureboot_node.hostname', 'node_name': 'node_name'})
    assert read == {'hostname': hostile, 'node_name': hostile}
    assert_nothing_ran(marker_dir)


@case('unsafe-hypervisor-values')
def test_cloud_init_values_are_never_templated(fakepve, fakepve_cafile, tmp_path, marker_dir):
    """A hypervisor user sets a Proxmox VM's cloud-init user to a template; use_cloud_init makes it ansible_user,
    the variable Ansible reads to connect."""
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend
    pve = ProxmoxBackend(fakepve, fakepve_cafile)
    hostile = PAYLOAD.format(marker_dir / 'ciuser')
    vm = pve.driver().create_vm('hostile-ci', dict(pve.placement, template=pve.template), timeout=60)
    fakepve.vm(int(vm['id'])).config.update(ciuser=hostile, ide2='local-lvm:cloudinit,media=cdrom')
    config = source([pve.connection()], use_cloud_init=True)
    inventory = listing(ansible_inventory(tmp_path, config))
    assert inventory['_meta']['hostvars']['hostile-ci']['ansible_user'] == hostile
    read = play_reading(tmp_path, tmp_path / 'lab.pureboot.yml', 'hostile-ci', {'user': 'ansible_user'})
    assert read == {'user': hostile}
    assert_nothing_ran(marker_dir)


# ------------------------------------------------------------------------------- 2: who decides ansible_host

@pytest.mark.smoke
@case('pureboot-ip-not-ansible-host')
def test_pureboot_reports_never_decide_ansible_host_unless_trusted(backend, pureboot_server, tmp_path):
    driver = backend.driver()
    running = driver.create_vm('ip-running', dict(backend.placement, template=backend.template), timeout=60)
    if backend.kind == 'proxmox':
        guest = backend.pve.vm(int(running['id']))
        guest.config['agent'], guest.agent = '1', {}  # a guest agent that answers with fakepve's addresses
    running = driver.power(running, 'start', timeout=60)
    stopped = driver.create_vm('ip-stopped', dict(backend.placement, template=backend.template), timeout=60)
    for _attempt in range(50):  # the guest agent answers once the guest has booted
        running = driver.get_vm(vm_id=running['id'])
        if running['ip_addresses']:
            break
        time.sleep(0.2)
    assert running['ip_addresses'], 'the simulator reports the running VM an address'
    for vm in (running, stopped):
        report_node(pureboot_server, vm['nics'][0]['mac'], ip_address='203.0.113.66', hostname=vm['name'])
    config = source([backend.connection()], pureboot=pureboot_options(pureboot_server))
    hostvars = listing(ansible_inventory(tmp_path, config))['_meta']['hostvars']
    assert hostvars['ip-running']['pureboot_node']['ip_address'] == '203.0.113.66'
    assert hostvars['ip-running']['ansible_host'] == running['ip_addresses'][0]
    assert 'ansible_host' not in hostvars['ip-stopped']
    trusted = listing(ansible_inventory(tmp_path, dict(config, trust_pureboot_ip=True)))['_meta']['hostvars']
    assert trusted['ip-running']['ansible_host'] == running['ip_addresses'][0], 'the hypervisor still comes first'
    assert trusted['ip-stopped']['ansible_host'] == '203.0.113.66'


@pytest.mark.smoke
@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
@case('uuid-alone-never-links')
def test_a_node_claiming_only_the_vms_uuid_is_not_its_node(backend, pureboot_server, tmp_path):
    vm = backend.driver().create_vm('uuid-target', dict(backend.placement, template=backend.template), timeout=60)
    assert vm['uuid']
    answer = requests.get(pureboot_server.url + '/api/v1/boot', verify=pureboot_server.cafile, timeout=10,
                          params={'mac': '52:54:00:66:66:66', 'uuid': vm['uuid']})
    assert answer.status_code == 200 and answer.text.startswith('#!ipxe')
    planted = pureboot_server.node_by_mac('52:54:00:66:66:66')
    assert planted and planted['system_uuid'].lower() == vm['uuid'].lower(), 'the double registered the boot'
    config = source([backend.connection()], pureboot=pureboot_options(pureboot_server), trust_pureboot_ip=True)
    inventory = listing(ansible_inventory(tmp_path, config))
    assert inventory['_meta']['hostvars']['uuid-target']['pureboot_node'] is None
    assert 'ansible_host' not in inventory['_meta']['hostvars']['uuid-target']
    assert inventory['pureboot_unregistered']['hosts'] == ['uuid-target']


# ------------------------------------------------------------------------------- 3: credentials stay home

@case('env-credentials-stay-home')
def test_environment_credentials_reach_only_their_own_system(fakepve, fakepve_cafile, ovirt_engine, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend
    pve, engine = ProxmoxBackend(fakepve, fakepve_cafile), OvirtBackend(ovirt_engine)
    pve_env = {'PUREBOOT_HV_TYPE': 'proxmox', 'PUREBOOT_HV_URL': fakepve.url, 'PUREBOOT_HV_USERNAME': 'root@pam',
               'PUREBOOT_HV_PASSWORD': fakepve.password, 'PUREBOOT_HV_CA_FILE': fakepve_cafile}
    revoked = ovirt_engine.issue_token()
    ovirt_engine.expire_tokens()
    config = source([{'name': 'pve-from-env', 'type': 'proxmox'},
                     {'name': 'engine', 'type': 'ovirt', 'api_url': ovirt_engine.url, 'token': revoked,
                      'ca_file': ovirt_engine.cafile}])
    result = ansible_inventory(tmp_path, config, env=pve_env)
    listing(result)
    # With its token refused, the SDK tries a login with the entry's own credentials: it has none.
    assert [user for user in ovirt_engine.sso_logins if user not in ('', 'None')] == [], \
        'a password login with foreign credentials reached the engine'
    assert any(path.endswith('/access/ticket') for _m, path, _b in fakepve.requests), 'the env credentials were used'
    assert 'skipped engine: authentication failed' in one_line(result.stderr)
    # The other way round: the engine's credentials in the environment, a Proxmox entry with its own API token.
    fakepve.apitokens['root@pam!ci'] = 'pve-token-secret'
    fakepve.requests.clear()
    ovirt_engine.sso_logins.clear()
    engine_env = {'PUREBOOT_HV_TYPE': 'ovirt', 'PUREBOOT_HV_URL': ovirt_engine.url,
                  'PUREBOOT_HV_USERNAME': ovirt_engine.username, 'PUREBOOT_HV_PASSWORD': ovirt_engine.password,
                  'PUREBOOT_HV_CA_FILE': ovirt_engine.cafile}
    config = source([{'name': 'engine-from-env', 'type': 'ovirt'},
                     dict(pve.connection(name='pve-token', username=None, password=None),
                          api_token_id='root@pam!ci', api_token_secret='pve-token-secret')])
    result = ansible_inventory(tmp_path, config, env=engine_env)
    listing(result)
    assert ovirt_engine.sso_logins == [ovirt_engine.username]
    assert not any(path.endswith('/access/ticket') for _m, path, _b in fakepve.requests), \
        'a password login reached the Proxmox host'
    assert fakepve.requests, 'the Proxmox host was read with its own token'
    assert engine.secrets[0] not in result.stdout + result.stderr


@case('module-env-credentials-stay-home')
def test_a_module_sends_no_foreign_credentials(fakepve, fakepve_cafile, ovirt_engine, tmp_path):
    pve_env = {'PUREBOOT_HV_TYPE': 'proxmox', 'PUREBOOT_HV_URL': fakepve.url, 'PUREBOOT_HV_USERNAME': 'root@pam',
               'PUREBOOT_HV_PASSWORD': fakepve.password, 'PUREBOOT_HV_CA_FILE': fakepve_cafile}
    task = {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': {
        'name': 'engine', 'type': 'ovirt', 'api_url': ovirt_engine.url, 'ca_file': ovirt_engine.cafile}}}
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task]}]
    result = run_playbook(tmp_path, play, env=pve_env)
    assert result.returncode != 0
    assert 'engine: missing credentials' in one_line(result.stdout)
    assert ovirt_engine.requests == [], 'the engine was contacted'
    assert fakepve.password not in result.stdout + result.stderr


# -------------------------------------------------------------------------------------------- 4: plain http

@case('hypervisor-plain-http')
def test_plain_http_hypervisor_urls_are_refused(fakepve, fakepve_cafile, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend
    pve = ProxmoxBackend(fakepve, fakepve_cafile)
    plain = pve.connection(api_url=fakepve.url.replace('https://', 'http://'))
    fakepve.requests.clear()
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'tasks': [{'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': plain}}]}]
    result = run_playbook(tmp_path, play)
    assert result.returncode != 0
    assert "uses plain http; hypervisor APIs are reached over https only" in one_line(result.stdout)
    result = ansible_inventory(tmp_path, source([plain], strict_hypervisors=True))
    assert result.returncode != 0 or 'uses plain http' in one_line(result.stderr)
    assert 'uses plain http' in one_line(result.stderr)
    assert fakepve.requests == [], 'a request went out over plain http'
    assert fakepve.password not in result.stdout + result.stderr
    # libvirt's cleartext transport: refused before any name lookup or connection (.invalid never resolves).
    tcp = {'type': 'libvirt', 'name': 'kvm-plain', 'api_url': 'qemu+tcp://kvm1.invalid/system',
           'username': 'admin', 'password': 'Libvirt-Sasl-Secret-9'}
    play = [{'hosts': 'localhost', 'gather_facts': False,
             'tasks': [{'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': tcp}}]}]
    result = run_playbook(tmp_path, play)
    assert result.returncode != 0
    assert 'qemu+tcp sends the password and all data in cleartext' in one_line(result.stdout)
    assert 'Libvirt-Sasl-Secret-9' not in result.stdout + result.stderr


@case('pureboot-plain-http')
def test_plain_http_pureboot_is_refused_off_loopback(backend, tmp_path):
    config = source([backend.connection()], pureboot={'url': 'http://pureboot.example.com', 'api_key': 'pb_live_x'})
    result = ansible_inventory(tmp_path, config)
    assert result.returncode != 0 or not json.loads(result.stdout)['_meta']['hostvars']
    assert 'allow_insecure_http' in one_line(result.stderr)
    assert 'pb_live_x' not in result.stdout + result.stderr


# ------------------------------------------------------------------------------------------------- 5: cache

@case('cache-follows-connection')
def test_the_cache_follows_the_effective_connection(fakepve, fakepve_cafile, ovirt_engine, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend
    pve, engine = ProxmoxBackend(fakepve, fakepve_cafile), OvirtBackend(ovirt_engine)
    pve.driver().create_vm('on-proxmox', {'template': pve.template, 'node': 'pve1'}, timeout=60)
    engine.driver().create_vm('on-ovirt', {'template': engine.template, 'cluster': 'Default'}, timeout=60)
    cache_dir = tmp_path / 'cache'
    config = source([{'name': 'from-env'}], cache=True, cache_plugin='ansible.builtin.jsonfile',
                    cache_connection=str(cache_dir), cache_timeout=3600)

    def env_for(connection):
        return {'PUREBOOT_HV_TYPE': connection['type'], 'PUREBOOT_HV_URL': connection['api_url'],
                'PUREBOOT_HV_USERNAME': connection['username'], 'PUREBOOT_HV_PASSWORD': connection['password'],
                'PUREBOOT_HV_CA_FILE': connection['ca_file']}

    first = listing(ansible_inventory(tmp_path, config, env=env_for(pve.connection())))
    assert sorted(first['_meta']['hostvars']) == ['on-proxmox']
    second = listing(ansible_inventory(tmp_path, config, env=env_for(engine.connection())))
    assert sorted(second['_meta']['hostvars']) == ['on-ovirt'], 'the cache answered for another hypervisor'
    wrong = env_for(pve.connection(password='not-the-password'))
    result = ansible_inventory(tmp_path, dict(config, strict_hypervisors=True), env=wrong)
    assert 'authentication failed' in one_line(result.stderr), 'a wrong password was answered from the cache'
    files = list(cache_dir.iterdir())
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, '{0} is readable by others'.format(path.name)
        text = path.name + path.read_text()
        for secret in (fakepve.password, ovirt_engine.password, 'not-the-password'):
            assert secret not in text


# ---------------------------------------------------------------------------------------- 6: wrong servers

@case('wrong-server-type')
def test_a_wrong_server_type_is_named_and_skipped(fakepve, fakepve_cafile, ovirt_engine, pureboot_server, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend
    pve, engine = ProxmoxBackend(fakepve, fakepve_cafile), OvirtBackend(ovirt_engine)
    pve.driver().create_vm('still-listed', {'template': pve.template, 'node': 'pve1'}, timeout=60)
    engine_root = ovirt_engine.url.split('/ovirt-engine')[0]
    wrong = [
        dict(engine.connection(name='ovirt-at-pve'), api_url=fakepve.url, ca_file=fakepve_cafile),
        dict(engine.connection(name='ovirt-at-pureboot'), api_url=pureboot_server.url, ca_file=pureboot_server.cafile),
        dict(pve.connection(name='pve-at-ovirt'), api_url=engine_root, ca_file=ovirt_engine.cafile),
    ]
    result = ansible_inventory(tmp_path, source([pve.connection()] + wrong))
    assert sorted(listing(result)['_meta']['hostvars']) == ['still-listed']
    stderr = one_line(result.stderr)
    assert 'skipped ovirt-at-pve: {0} does not answer as an oVirt engine API'.format(fakepve.url) in stderr
    assert 'skipped ovirt-at-pureboot: {0} does not answer as an oVirt engine API'.format(pureboot_server.url) in stderr
    assert 'skipped pve-at-ovirt: {0} does not answer as a Proxmox VE API'.format(engine_root) in stderr
    assert 'Traceback' not in result.stdout + result.stderr and 'KeyError' not in stderr


@case('wrong-pureboot-url')
def test_a_wrong_pureboot_url_is_named(backend, pureboot_server, tmp_path):
    wrong = dict(pureboot_options(pureboot_server), url=pureboot_server.url + '/wrong')
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [
        {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': backend.connection(), 'pureboot': wrong}}]}]
    result = run_playbook(tmp_path, play)
    assert result.returncode != 0
    output = one_line(result.stdout)
    assert 'does not answer as a PureBoot API' in output, output[-2000:]
    assert 'unexpected' not in output and 'AttributeError' not in output
    assert pureboot_server.api_key not in result.stdout + result.stderr


def test_every_case_has_a_test():
    """CASES and the tests stay in step: docs/security.md is rendered from them."""
    module = __import__(__name__, fromlist=['CASES'])
    marked = set()
    for value in vars(module).values():
        for mark in getattr(value, 'pytestmark', []):
            if mark.name == 'security_case':
                marked.add(mark.args[0])
    assert marked == set(CASES)


def test_security_page_lists_every_case():
    page = (pathlib.Path(__file__).resolve().parents[2] / 'docs' / 'security.md').read_text()
    for case_id in CASES:
        assert '`{0}`'.format(case_id) in page, '{0} is missing from docs/security.md'.format(case_id)
