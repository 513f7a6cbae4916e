"""Security: untrusted data never becomes code or a connection target; credentials go only where they were given.

Every case plants what an attacker on the provisioning network (PureBoot's /api/v1/boot and /api/v1/report need
no login) or a hostile hypervisor user could, or makes the mistake a user could, and runs real
ansible-inventory / ansible-playbook. Each test names its case of CASES; with PUREBOOT_SECURITY_REPORT set, the
outcomes are written there and tests/integration/security_report.py renders docs/security.md from them.
"""

import json
import os
import pathlib
import socket
import stat
import subprocess
import time

import pytest
import requests
import yaml

from ansible_collections.pureboot.hypervisors.tests.contract.backends import DEFAULT_BACKEND_PARAMS, smoke_on
from ansible_collections.pureboot.hypervisors.tests.integration.runner import BIN, ansible_env, ansible_inventory, assert_ok, listing, run_playbook

# case id -> (what an attacker or a mistake does, what the collection answers)
CASES = {
    'unsafe-hypervisor-values': (
        "A VM description on the hypervisor (Proxmox, oVirt or libvirt) is `{{ lookup('pipe', ...) }}`, or the same "
        "with no brace in it: `#jinja2:` and its own delimiters on the first line, `[[ lookup('pipe', ...) ]]` below "
        '(ansible-core 2.16 to 2.18 honour the header); a play reads the host variable, and `compose`/`keyed_groups` '
        'use it, through `ansible-inventory --list`, `--host` and '
        "`ansible-playbook`. A Proxmox VM's cloud-init user is the same, read with `use_cloud_init: true` as "
        '`ansible_user`.',
        'The value is marked unsafe: shown as the literal text, never templated; no command runs on the controller.',
    ),
    'unsafe-pureboot-values': (
        "Without login, `POST /api/v1/report` sets a VM's node hostname to `{{ lookup('pipe', ...) }}`, or to the "
        '`#jinja2:` header form; a play and `compose` read `pureboot_node.hostname`.',
        "The node fields are marked unsafe like the hypervisor's: the literal text, no command run.",
    ),
    'pureboot-ip-not-ansible-host': (
        "Without login, `POST /api/v1/report` gives a VM's MAC a new IP address of the attacker's choice.",
        '`ansible_host` stays the address the hypervisor reports; a stopped VM (no address reported) gets none. '
        "PureBoot's address is used only with `trust_pureboot_ip: true`, and only when the hypervisor reports none.",
    ),
    'uuid-alone-never-links': (
        "Without login, `GET /api/v1/boot?mac=<other MAC>&uuid=<the VM's SMBIOS UUID>` plants a node that claims the VM's UUID.",
        "The node is not the VM's node (its MAC is on none of the VM's NICs): not in the VM's host variables, groups or `ansible_host`.",
    ),
    'env-credentials-stay-home': (
        'AWX injects `PUREBOOT_HV_*` credentials for a Proxmox host; the inventory also lists an oVirt engine '
        'configured with a token only (and a Proxmox host with an API token of its own).',
        "The environment's credentials fill only the entry of type `PUREBOOT_HV_TYPE` at `PUREBOOT_HV_URL` that "
        "names no credential of its own: the engine's request log shows no login with them.",
    ),
    'module-env-credentials-stay-home': (
        "A task names an oVirt engine with no credentials while `PUREBOOT_HV_*` hold a Proxmox host's.",
        'The module fails with one line (missing credentials) and the engine receives no login at all.',
    ),
    'pureboot-env-credentials-stay-home': (
        'AWX injects `PUREBOOT_URL`, `PUREBOOT_API_KEY` and `PUREBOOT_CA_FILE` for the real PureBoot; a task and an '
        'inventory source name `pureboot.url: https://<another server>` (a second PureBoot double that would '
        'accept the key).',
        "The environment's key, login and CA file fill only a `pureboot` whose `url` is `PUREBOOT_URL` (trailing "
        "slash and case aside): the other server's request log shows no request that carried the key; the task "
        'fails with "missing credentials", the inventory loads without node data and says so. With '
        '`PUREBOOT_URL` unset, the key fills any `pureboot` naming no credential of its own (documented).',
    ),
    'hypervisor-plain-http': (
        'A hypervisor `api_url` is `http://` (a module task and an inventory entry), or a libvirt URI is '
        '`qemu+tcp://` to a host other than loopback (cleartext, password included).',
        'Refused with one line saying hypervisor APIs are reached over https only (libvirt: use qemu+tls:// or qemu+ssh://); no request is sent.',
    ),
    'pureboot-plain-http': (
        'The PureBoot URL is `http://` on a host other than loopback.',
        'Refused with one line naming the `allow_insecure_http` opt-in, before any request; no credential is sent. '
        '(With the opt-in, the warning is checked by the unit tests of the PureBoot client: no non-loopback server '
        'here.)',
    ),
    'cache-follows-connection': (
        'The inventory cache is on; the `PUREBOOT_HV_*` variables then switch to another hypervisor, or the password becomes wrong.',
        'The cache key covers the effective connection (environment included, secrets hashed): no stale hosts '
        'are answered; the wrong password fails. Cache files are created 0600 and hold no secret.',
    ),
    'wrong-server-type': (
        '`type: ovirt` points at a Proxmox VE or PureBoot URL (with `strict_hypervisors: false`), or `type: proxmox` at an oVirt engine.',
        'One line, e.g. "https://x:8006 does not answer as an oVirt engine API"; the inventory skips that entry with a warning and still lists the others.',
    ),
    'vm-names-never-steer-hosts': (
        "A hypervisor user names a VM `localhost`, the controller's own host name, or `db1` (a host of a static "
        'inventory listed first: `-i static.ini -i lab.pureboot.yml`), and gives it an address of theirs '
        '(cloud-init `ipconfig0`); or creates `web01` on a second hypervisor beside the existing `web01`; or '
        'names a stopped VM `pureboot_status_running`, or `tag_prod` where the source has `keyed_groups` with the '
        'prefix `tag` and no VM has the tag `prod` yet.',
        'None of those VMs gets that host name: each is `<hypervisor>_<name>`, with a warning (from the cache '
        'too). `hosts: localhost` runs on the controller, `db1` keeps its static `ansible_host`; the two `web01` '
        'are `pve-test_web01` and `ovirt-test_web01`, and no host is `web01`. A VM named like one of the '
        "plugin's default groups (`pureboot_status_running`) or of the source's own `groups` and `keyed_groups` "
        '(`tag_prod`) is `<hypervisor>_<name>` too: `hosts: pureboot_status_run*` and `hosts: tag_*` do not reach it.',
    ),
    'never-another-machines-node': (
        "A hypervisor user gives their VM's NIC the MAC of a bare-metal server PureBoot knows (its node carries the "
        "server's own SMBIOS UUID), with and without `state: absent`; or gives a second VM the MAC of a managed "
        "VM's node.",
        '`pureboot_vm` fails with a `conflict` naming the node, writes nothing to it and never retires it; the first '
        'VM keeps its node on every run (no flip-flop). Only `pureboot_node.adopt: always` takes the node over.',
    ),
    'libvirt-template-allow-list': (
        "A template maintainer adds a `<filesystem>` passthrough of the host's `/` to a libvirt template (or a "
        '`<hostdev>`, a block or `lun` disk, a CD-ROM of a host file, `<qemu:commandline>`, a host-backed serial or '
        'channel, a VNC console on all addresses, a direct kernel boot: one case each in '
        '`tests/contract/test_libvirt_template_policy.py`), and a VNC password they know.',
        '`pureboot_vm` (in check mode too) fails with one line naming the element, before any write; a template of '
        'allowed devices is cloned without its console password.',
    ),
    'user-data-and-seed-secrets': (
        'A survey user or the playbook gives `cloud_init.user_data` (which may hold secrets of its own) and a '
        '`password`; the job runs at `-vvv` (AWX keeps the job events); the guest (or anyone who reads the storage '
        'pool) reads the libvirt NoCloud seed, which stays attached.',
        'The output at `-vvv` holds neither the password nor the user_data, only its digest; the seed read back with '
        'pycdlib holds a SHA-512 crypt hash (`$6$`, random salt) that verifies, never the password (tests in '
        '`test_module_cloud_init.py`).',
    ),
    'proxmox-snippet-checked': (
        'Someone who may write to a Proxmox snippet storage replaces the `user_data` snippet a task names '
        '(`snippets/pureboot-user-data-<digest>.yaml`) with another document.',
        "The snippet is checked by its name and its size (PVE's API lists no content): another size fails the task "
        'in one line before anything is written. A document of the same size is not detected: the snippet storage '
        'must be trusted (docs/cloud-init.md).',
    ),
    'wrong-pureboot-url': (
        'The PureBoot URL has a wrong path, so the web UI\'s catch-all answers `200 {"error": ...}`.',
        'One line saying the URL does not answer as a PureBoot API, naming PureBoot (not the hypervisor).',
    ),
}

# The threat model (docs/security.md renders it): who can reach what, and the rules the collection keeps against
# each. A rule names the case of CASES whose tests play that actor, or, for a rule issue 23 has not delivered yet,
# what is pending ('pending') and the test written for it ahead, if any ('test').
ACTORS = [
    {
        'actor': 'Playbook author, AWX admin',
        'trusted': True,
        'reaches': 'Everything a play, an inventory source or a job template says: the connections and their '
        'credentials (also as `PUREBOOT_HV_*` / `PUREBOOT_*` environment variables from AWX credentials), '
        'which hosts a play targets, `compose`, `trust_pureboot_ip`, `use_cloud_init`.',
        'rules': [
            {
                'rule': "A credential goes only to the system it was given for: the environment's hypervisor "
                'credentials only to the type and URL they name, in the inventory and in modules.',
                'case': 'env-credentials-stay-home',
            },
            {'rule': 'The same for a module task naming another hypervisor: it gets no foreign login.', 'case': 'module-env-credentials-stay-home'},
            {'rule': 'The same for PureBoot: `PUREBOOT_*` credentials only to the server `PUREBOOT_URL` names.', 'case': 'pureboot-env-credentials-stay-home'},
            {'rule': 'No credential travels in clear: hypervisor APIs over https (libvirt over TLS or SSH) only.', 'case': 'hypervisor-plain-http'},
            {'rule': 'PureBoot over plain http only on loopback, or with an explicit opt-in.', 'case': 'pureboot-plain-http'},
            {
                'rule': 'The inventory cache holds no secret, is readable by its owner only and never answers for another connection.',
                'case': 'cache-follows-connection',
            },
            {'rule': 'A mistake (a URL of the wrong server) is one line naming it, never a traceback or a secret.', 'case': 'wrong-server-type'},
            {'rule': 'The same for a wrong PureBoot URL.', 'case': 'wrong-pureboot-url'},
        ],
    },
    {
        'actor': 'AWX survey user',
        'trusted': False,
        'reaches': 'The values a job template asks for: VM names, descriptions, tags, cloud-init settings. (AWX '
        'itself refuses Jinja in survey answers unless `ALLOW_JINJA_IN_EXTRA_VARS` is `always`: keep its '
        'default.)',
        'rules': [
            {
                'rule': 'A description or name they give is stored as text and comes back from the hypervisor marked '
                'unsafe: never templated by a later play or inventory.',
                'case': 'unsafe-hypervisor-values',
            },
            {'rule': "A VM name they give cannot make the VM `localhost`, the controller or another inventory's host.", 'case': 'vm-names-never-steer-hosts'},
            {'rule': '`cloud_init.user_data` is no_log (results keep only its digest).', 'case': 'user-data-and-seed-secrets'},
        ],
    },
    {
        'actor': 'Hypervisor user',
        'trusted': False,
        'reaches': 'On the hypervisor, with ordinary rights: create and rename VMs, set their descriptions, tags and '
        'cloud-init settings, give a NIC any MAC, edit the definition of a VM of theirs.',
        'rules': [
            {
                'rule': 'Every value read from the hypervisor is marked unsafe where it enters the inventory: a planted '
                "`{{ lookup('pipe', ...) }}` stays text in plays, `compose` and `keyed_groups`.",
                'case': 'unsafe-hypervisor-values',
            },
            {
                'rule': "A VM name never becomes `localhost`, a loopback address, the controller's own name or a host "
                'of an inventory source loaded earlier, and a bare name never moves to another VM.',
                'case': 'vm-names-never-steer-hosts',
            },
            {'rule': "A node is a VM's only by the MAC of one of its NICs, never by the SMBIOS UUID alone.", 'case': 'uuid-alone-never-links'},
            {
                'rule': "A MAC copied from another machine never takes over that machine's node: a node whose "
                "`system_uuid` is set and differs from the VM's is a `conflict`, left untouched and never "
                'retired (unless `pureboot_node.adopt: always`); two VMs sharing a MAC are a conflict, not a '
                'flip-flop.',
                'case': 'never-another-machines-node',
            },
            {
                'rule': 'libvirt `state: absent` deletes only the volumes the collection created for the VM (recorded '
                'in its `<metadata>`) and its seed, never a `<shareable/>` disk or a volume another domain uses.',
                'pending': 'issue 23 item 5',
            },
            {
                'rule': 'A Proxmox `user_data` snippet is checked against what would be written (its size); the '
                "snippet storage must be trusted, as PVE's API cannot read a snippet back.",
                'case': 'proxmox-snippet-checked',
            },
        ],
    },
    {
        'actor': 'Template maintainer',
        'trusted': False,
        'reaches': "The templates VMs are cloned from: a Proxmox or oVirt template's configuration, a libvirt template's domain XML.",
        'rules': [
            {
                'rule': "Values of a template (its description, its cloud-init user) reach a clone's host variables only marked unsafe.",
                'case': 'unsafe-hypervisor-values',
            },
            {
                'rule': 'A libvirt template is checked against an allow-list before any write: host devices or paths '
                '(`<hostdev>`, `<filesystem>`, block or `lun` disks, disks not from a storage pool, '
                '`<qemu:commandline>`, host-backed char devices) are refused with one line naming the element; '
                '`graphics@passwd` is never copied ([the allow-list](connections.md#libvirt-templates-what-a-clone-may-copy)).',
                'case': 'libvirt-template-allow-list',
            },
        ],
    },
    {
        'actor': 'Anyone on the provisioning network',
        'trusted': False,
        'reaches': "PureBoot's public endpoints, which need no login: `GET /api/v1/boot` (creates a node for any "
        "MAC and SMBIOS UUID) and `POST /api/v1/report` (sets a node's IP address, hostname, vendor, "
        'serial, UUID).',
        'rules': [
            {'rule': "Node fields are marked unsafe like the hypervisor's.", 'case': 'unsafe-pureboot-values'},
            {
                'rule': "A node's reported IP address never becomes `ansible_host`, unless `trust_pureboot_ip: true` and the hypervisor reports none.",
                'case': 'pureboot-ip-not-ansible-host',
            },
            {'rule': "A node claiming a VM's SMBIOS UUID with another MAC is not that VM's node.", 'case': 'uuid-alone-never-links'},
            {
                'rule': "A node registered ahead with a VM's MAC and another machine's `system_uuid` is not adopted "
                "(the rule of the hypervisor user's copied MAC).",
                'case': 'never-another-machines-node',
            },
        ],
    },
    {
        'actor': 'Guest OS',
        'trusted': False,
        'reaches': 'What its guest agent reports (addresses, host name), its own boot and report requests to PureBoot, and the cloud-init seed attached to it.',
        'rules': [
            {'rule': "Its reported address is its own host's `ansible_host` only; what it says is marked unsafe.", 'case': 'pureboot-ip-not-ansible-host'},
            {'rule': 'Its reports to PureBoot are those of anyone on the provisioning network (above).', 'case': 'unsafe-pureboot-values'},
            {
                'rule': 'The NoCloud seed holds a crypt hash of the password, never the clear text; docs/cloud-init.md '
                'says how to detach the seed after first boot.',
                'case': 'user-data-and-seed-secrets',
            },
        ],
    },
]

PAYLOAD = '{{{{ lookup("pipe", "touch {0}") }}}}'
# No brace at all: ansible-core 2.16 to 2.18 take the delimiters of a string that starts with this header from it.
HEADER_PAYLOAD = "#jinja2:variable_start_string:'[[',variable_end_string:']]'\n[[ lookup('pipe', 'touch {0}') ]]"


def case(case_id):
    """Tie a test to its case of CASES (conftest.py records the outcome per case)."""
    assert case_id in CASES, case_id
    return pytest.mark.security_case(case_id)


def one_line(text):
    return ' '.join(text.split())


def unwrapped(text):
    """text without any white space: ansible-core 2.16 wraps warnings, at a hyphen too ('pve-\\ntest')."""
    return ''.join(text.split())


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
    tasks = [
        {
            'name': 'read the host variables',
            'write_file': {'dest': str(out), 'content': '{{ values | to_json }}'},
            'vars': {'values': {name: "{{{{ hostvars['{0}'].{1} }}}}".format(host, expression) for name, expression in expressions.items()}},
        }
    ]
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


@pytest.mark.parametrize('backend', smoke_on('libvirt'), indirect=True)
@case('unsafe-hypervisor-values')
def test_hypervisor_values_are_never_templated(backend, tmp_path, marker_dir):
    driver = backend.driver()
    hostile = {'hostile-desc': PAYLOAD.format(marker_dir / 'description'), 'hostile-header': HEADER_PAYLOAD.format(marker_dir / 'header')}
    for name, description in hostile.items():
        driver.create_vm(name, dict(backend.placement, template=backend.template, description=description), timeout=60)
    config = source([backend.connection()], compose={'shown': 'pureboot_vm.description'}, keyed_groups=[{'key': 'pureboot_vm.description', 'prefix': 'desc'}])
    inventory = listing(ansible_inventory(tmp_path, config))
    assert {name: inventory['_meta']['hostvars'][name]['shown'] for name in hostile} == hostile
    host = listing(ansible_inventory(tmp_path, config, 'hostile-header', action='--host'))
    assert host['pureboot_vm']['description'] == hostile['hostile-header']
    for name, description in hostile.items():
        read = play_reading(tmp_path, tmp_path / 'lab.pureboot.yml', name, {'description': 'pureboot_vm.description', 'shown': 'shown'})
        assert read == {'description': description, 'shown': description}
    assert_nothing_ran(marker_dir)


@pytest.mark.parametrize('backend', smoke_on('ovirt'), indirect=True)
@case('unsafe-pureboot-values')
def test_pureboot_node_values_are_never_templated(backend, pureboot_server, tmp_path, marker_dir):
    hostile = {'hostile-node': PAYLOAD.format(marker_dir / 'hostname'), 'hostile-header': HEADER_PAYLOAD.format(marker_dir / 'header')}
    for number, (name, hostname) in enumerate(hostile.items()):
        vm = backend.driver().create_vm(name, dict(backend.placement, template=backend.template), timeout=60)
        report_node(pureboot_server, vm['nics'][0]['mac'], hostname=hostname, ip_address='198.51.100.{0}'.format(7 + number))
    config = source(
        [backend.connection()],
        pureboot=pureboot_options(pureboot_server),
        compose={'node_name': 'pureboot_node.hostname'},
        keyed_groups=[{'key': 'pureboot_node.hostname', 'prefix': 'node'}],
    )
    inventory = listing(ansible_inventory(tmp_path, config))
    for name, hostname in hostile.items():
        hostvars = inventory['_meta']['hostvars'][name]
        assert (hostvars['pureboot_node']['hostname'], hostvars['node_name']) == (hostname, hostname)
    listing(ansible_inventory(tmp_path, config, 'hostile-header', action='--host'))
    for name, hostname in hostile.items():
        read = play_reading(tmp_path, tmp_path / 'lab.pureboot.yml', name, {'hostname': 'pureboot_node.hostname', 'node_name': 'node_name'})
        assert read == {'hostname': hostname, 'node_name': hostname}
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


@pytest.mark.parametrize('backend', smoke_on('proxmox', DEFAULT_BACKEND_PARAMS), indirect=True)
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


@pytest.mark.parametrize('backend', smoke_on('proxmox'), indirect=True)
@case('uuid-alone-never-links')
def test_a_node_claiming_only_the_vms_uuid_is_not_its_node(backend, pureboot_server, tmp_path):
    vm = backend.driver().create_vm('uuid-target', dict(backend.placement, template=backend.template), timeout=60)
    assert vm['uuid']
    answer = requests.get(
        pureboot_server.url + '/api/v1/boot', verify=pureboot_server.cafile, timeout=10, params={'mac': '52:54:00:66:66:66', 'uuid': vm['uuid']}
    )
    assert answer.status_code == 200 and answer.text.startswith('#!ipxe')
    planted = pureboot_server.node_by_mac('52:54:00:66:66:66')
    assert planted and planted['system_uuid'].lower() == vm['uuid'].lower(), 'the double registered the boot'
    config = source([backend.connection()], pureboot=pureboot_options(pureboot_server), trust_pureboot_ip=True)
    inventory = listing(ansible_inventory(tmp_path, config))
    assert inventory['_meta']['hostvars']['uuid-target']['pureboot_node'] is None
    assert 'ansible_host' not in inventory['_meta']['hostvars']['uuid-target']
    assert inventory['pureboot_unregistered']['hosts'] == ['uuid-target']


# ------------------------------------------------------------------ 2b: VM names never decide which host is reached


def inventory_with_static_first(tmp_path, config, *args, static='db1 ansible_host=10.0.0.5\n', env=None):
    """ansible-inventory -i static.ini -i lab.pureboot.yml (the order a user lists an existing inventory and this
    source in); args after the sources (--list, or --host NAME)."""
    (tmp_path / 'static.ini').write_text(static)
    (tmp_path / 'lab.pureboot.yml').write_text(yaml.safe_dump(config))
    command = [str(BIN / 'ansible-inventory'), '-i', str(tmp_path / 'static.ini'), '-i', str(tmp_path / 'lab.pureboot.yml')] + list(args)
    extra = dict({'ANSIBLE_INVENTORY_ENABLED': 'ini,pureboot.hypervisors.pureboot'}, **(env or {}))
    return subprocess.run(command, env=ansible_env(tmp_path, extra), capture_output=True, text=True, timeout=300, cwd=str(tmp_path), check=False)


def vm_with_address(backend, name, address):
    """A Proxmox VM as its hypervisor user leaves it: the name and the cloud-init address of their choice."""
    vm = backend.driver().create_vm(name, dict(backend.placement, template=backend.template), timeout=60)
    backend.pve.vm(int(vm['id'])).config.update(ipconfig0='ip={0}/24'.format(address), ide2='local-lvm:cloudinit,media=cdrom')
    return vm


@pytest.mark.smoke
@case('vm-names-never-steer-hosts')
def test_a_vm_named_localhost_the_controller_or_a_static_host_never_becomes_that_host(fakepve, fakepve_cafile, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend

    pve = ProxmoxBackend(fakepve, fakepve_cafile)
    controller = socket.gethostname()
    planted = {'localhost': '203.0.113.1', 'db1': '203.0.113.2', controller: '203.0.113.3'}
    for name, address in planted.items():
        vm_with_address(pve, name, address)
    config = source(
        [pve.connection()],
        use_cloud_init=True,
        cache=True,
        cache_plugin='ansible.builtin.jsonfile',
        cache_connection=str(tmp_path / 'cache'),
        cache_timeout=3600,
    )
    # The cache is written by a run of this source alone (where db1 is no one else's name)...
    alone = listing(ansible_inventory(tmp_path, config))['_meta']['hostvars']
    assert 'db1' in alone and 'localhost' not in alone and controller not in alone
    # ... and answers the run with the static inventory first: the names are decided again, at every run.
    assert 'cache hit' in inventory_with_static_first(tmp_path, config, '--list', '-vvv').stdout
    result = inventory_with_static_first(tmp_path, config, '--list')
    hostvars = listing(result)['_meta']['hostvars']
    assert hostvars['db1'] == {'ansible_host': '10.0.0.5'}, 'the static host kept its variables, and only them'
    for name, address in planted.items():
        assert name not in hostvars or name == 'db1'
        assert hostvars['pve-test_' + name]['ansible_host'] == address
        assert hostvars['pve-test_' + name]['pureboot_vm']['name'] == name
    stderr = unwrapped(result.stderr)
    assert (
        unwrapped(
            "VM 'db1' (id {0}) of pve-test: 'db1' is already a host or group of an inventory source loaded before this one; its host is 'pve-test_db1'".format(
                hostvars['pve-test_db1']['pureboot_vm']['id']
            )
        )
        in stderr
    )
    assert unwrapped("'localhost' names the controller") in stderr
    assert unwrapped("'{0}' names the controller".format(controller)) in stderr
    shown = json.loads(inventory_with_static_first(tmp_path, config, '--host', 'db1').stdout)
    assert shown == {'ansible_host': '10.0.0.5'}
    # A play on localhost runs on the controller, not over SSH to the VM's address.
    out = tmp_path / 'localhost.json'
    play = [
        {
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                {
                    'write_file': {
                        'dest': str(out),
                        'content': "{{ {'vm': pureboot_vm is defined, 'connection': ansible_connection | default(''), "
                        "'address': ansible_host | default('')} | to_json }}",
                    }
                }
            ],
        }
    ]
    (tmp_path / 'play.yml').write_text(yaml.safe_dump(play))
    command = [str(BIN / 'ansible-playbook'), '-i', str(tmp_path / 'static.ini'), '-i', str(tmp_path / 'lab.pureboot.yml'), str(tmp_path / 'play.yml')]
    env = ansible_env(tmp_path, {'ANSIBLE_INVENTORY_ENABLED': 'ini,pureboot.hypervisors.pureboot', 'ANSIBLE_TIMEOUT': '5'})
    ran = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path), check=False)
    assert_ok(ran)
    assert json.loads(out.read_text()) == {'vm': False, 'connection': 'local', 'address': '127.0.0.1'}


@pytest.mark.smoke
@case('vm-names-never-steer-hosts')
def test_a_name_on_two_hypervisors_is_neither_vms_host(fakepve, fakepve_cafile, ovirt_engine, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend

    pve, engine = ProxmoxBackend(fakepve, fakepve_cafile), OvirtBackend(ovirt_engine)
    on_pve = pve.driver().create_vm('web01', dict(pve.placement, template=pve.template), timeout=60)
    config = source([pve.connection(), engine.connection()])
    assert sorted(listing(ansible_inventory(tmp_path, config))['_meta']['hostvars']) == ['web01'], 'unique: bare'
    on_engine = engine.driver().create_vm('web01', dict(engine.placement, template=engine.template), timeout=60)
    result = ansible_inventory(tmp_path, config)
    hostvars = listing(result)['_meta']['hostvars']
    assert sorted(hostvars) == ['ovirt-test_web01', 'pve-test_web01'], 'web01 moved to no VM'
    assert hostvars['pve-test_web01']['pureboot_vm']['id'] == on_pve['id']
    assert hostvars['ovirt-test_web01']['pureboot_vm']['id'] == on_engine['id']
    assert unwrapped("2 VMs are named 'web01' (on ovirt-test, pve-test)") in unwrapped(result.stderr)


@case('vm-names-never-steer-hosts')
def test_a_vm_named_like_a_group_joins_no_play_aimed_at_the_groups(ovirt_engine, tmp_path):
    """A default group's name, and one of the groups the source's keyed_groups make (no VM has the tag yet)."""
    # oVirt and libvirt allow '_' in VM names (Proxmox VE wants DNS names).
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend

    engine = OvirtBackend(ovirt_engine)
    squatters = {
        name: engine.driver().create_vm(name, dict(engine.placement, template=engine.template), timeout=60) for name in ('pureboot_status_running', 'tag_prod')
    }
    assert squatters['pureboot_status_running']['status'] == 'stopped'
    result = ansible_inventory(tmp_path, source([engine.connection()], keyed_groups=[{'key': 'pureboot_vm.tags', 'prefix': 'tag'}]))
    hostvars = listing(result)['_meta']['hostvars']
    for name, squatter in squatters.items():
        assert name not in hostvars
        assert hostvars['ovirt-test_' + name]['pureboot_vm']['id'] == squatter['id']
    assert unwrapped("'pureboot_status_running' is in the namespace of this plugin's default groups") in unwrapped(result.stderr)
    assert unwrapped("'tag_prod' is in the namespace of this source's groups or keyed_groups") in unwrapped(result.stderr)
    # ansible matches a glob against host names too, and a plain name when no group has it: neither reaches the VMs
    # (one run, the patterns joined: the union would hold a VM had any matched it).
    env = ansible_env(tmp_path, {'ANSIBLE_INVENTORY_ENABLED': 'pureboot.hypervisors.pureboot'})
    patterns = 'pureboot_status_running,pureboot_status_run*,tag_prod,tag_*'
    command = [str(BIN / 'ansible'), patterns, '-i', str(tmp_path / 'lab.pureboot.yml'), '--list-hosts']
    listed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path), check=False)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    hosts = [line.strip() for line in listed.stdout.splitlines()[1:]]
    assert not [host for host in hosts if host.endswith(tuple(squatters))], hosts


# ------------------------------------------------------------------------------- 3: credentials stay home


@case('env-credentials-stay-home')
def test_environment_credentials_reach_only_their_own_system(fakepve, fakepve_cafile, ovirt_engine, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend

    pve, engine = ProxmoxBackend(fakepve, fakepve_cafile), OvirtBackend(ovirt_engine)
    pve_env = {
        'PUREBOOT_HV_TYPE': 'proxmox',
        'PUREBOOT_HV_URL': fakepve.url,
        'PUREBOOT_HV_USERNAME': 'root@pam',
        'PUREBOOT_HV_PASSWORD': fakepve.password,
        'PUREBOOT_HV_CA_FILE': fakepve_cafile,
    }
    revoked = ovirt_engine.issue_token()
    ovirt_engine.expire_tokens()
    config = source(
        [
            {'name': 'pve-from-env', 'type': 'proxmox'},
            {'name': 'engine', 'type': 'ovirt', 'api_url': ovirt_engine.url, 'token': revoked, 'ca_file': ovirt_engine.cafile},
        ]
    )
    result = ansible_inventory(tmp_path, config, env=pve_env)
    listing(result)
    # With its token refused, the SDK tries a login with the entry's own credentials: it has none.
    assert [user for user in ovirt_engine.sso_logins if user not in ('', 'None')] == [], 'a password login with foreign credentials reached the engine'
    assert any(path.endswith('/access/ticket') for _m, path, _b in fakepve.requests), 'the env credentials were used'
    assert 'skipped engine: authentication failed' in one_line(result.stderr)
    # The other way round: the engine's credentials in the environment, a Proxmox entry with its own API token.
    fakepve.apitokens['root@pam!ci'] = 'pve-token-secret'
    fakepve.requests.clear()
    ovirt_engine.sso_logins.clear()
    engine_env = {
        'PUREBOOT_HV_TYPE': 'ovirt',
        'PUREBOOT_HV_URL': ovirt_engine.url,
        'PUREBOOT_HV_USERNAME': ovirt_engine.username,
        'PUREBOOT_HV_PASSWORD': ovirt_engine.password,
        'PUREBOOT_HV_CA_FILE': ovirt_engine.cafile,
    }
    config = source(
        [
            {'name': 'engine-from-env', 'type': 'ovirt'},
            dict(pve.connection(name='pve-token', username=None, password=None), api_token_id='root@pam!ci', api_token_secret='pve-token-secret'),
        ]
    )
    result = ansible_inventory(tmp_path, config, env=engine_env)
    listing(result)
    assert ovirt_engine.sso_logins == [ovirt_engine.username]
    assert not any(path.endswith('/access/ticket') for _m, path, _b in fakepve.requests), 'a password login reached the Proxmox host'
    assert fakepve.requests, 'the Proxmox host was read with its own token'
    assert engine.secrets[0] not in result.stdout + result.stderr


@case('module-env-credentials-stay-home')
def test_a_module_sends_no_foreign_credentials(fakepve, fakepve_cafile, ovirt_engine, tmp_path):
    pve_env = {
        'PUREBOOT_HV_TYPE': 'proxmox',
        'PUREBOOT_HV_URL': fakepve.url,
        'PUREBOOT_HV_USERNAME': 'root@pam',
        'PUREBOOT_HV_PASSWORD': fakepve.password,
        'PUREBOOT_HV_CA_FILE': fakepve_cafile,
    }
    task = {
        'pureboot.hypervisors.pureboot_vm_info': {
            'hypervisor': {'name': 'engine', 'type': 'ovirt', 'api_url': ovirt_engine.url, 'ca_file': ovirt_engine.cafile}
        }
    }
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task]}]
    result = run_playbook(tmp_path, play, env=pve_env)
    assert result.returncode != 0
    assert 'engine: missing credentials' in one_line(result.stdout)
    assert ovirt_engine.requests == [], 'the engine was contacted'
    assert fakepve.password not in result.stdout + result.stderr


@pytest.mark.smoke
@case('pureboot-env-credentials-stay-home')
def test_pureboot_environment_credentials_reach_only_pureboot_url(fakepve, fakepve_cafile, pureboot_server, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend
    from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.server import PureBootDouble

    pve = ProxmoxBackend(fakepve, fakepve_cafile)
    real_env = {'PUREBOOT_URL': pureboot_server.url, 'PUREBOOT_API_KEY': pureboot_server.api_key, 'PUREBOOT_CA_FILE': pureboot_server.cafile}
    # The other server knows the real key too: had it been sent, its log would show an answered request (200).
    other = PureBootDouble(api_key=pureboot_server.api_key).start()
    try:
        elsewhere = {'url': other.url, 'ca_file': other.cafile}
        play = [
            {
                'hosts': 'localhost',
                'gather_facts': False,
                'tasks': [{'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': pve.connection(), 'pureboot': elsewhere}}],
            }
        ]
        result = run_playbook(tmp_path, play, env=real_env)
        assert result.returncode != 0
        # Refused before any request: the task names a server and no credential for it.
        assert 'missing credentials: give api_key, or username + password' in one_line(result.stdout)
        assert [entry for entry in other.requests if entry['status'] != 401] == [], 'the key reached the other server'
        result = ansible_inventory(tmp_path, source([pve.connection()], pureboot=elsewhere), env=real_env)
        listing(result)
        assert 'missing credentials' in one_line(result.stderr)
        assert [entry for entry in other.requests if entry['status'] != 401] == [], 'the key reached the other server'
        assert pureboot_server.requests == [], 'the environment named the real server, the task another'
        assert pureboot_server.api_key not in result.stdout + result.stderr
    finally:
        other.stop()
    # The environment's own server, in another spelling: its key is used.
    own = [
        {
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [{'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': pve.connection(), 'pureboot': {'url': pureboot_server.url.upper() + '/'}}}],
        }
    ]
    assert_ok(run_playbook(tmp_path, own, env=real_env))
    assert pureboot_server.requests and all(entry['status'] == 200 for entry in pureboot_server.requests)
    # PUREBOOT_URL unset: the key fills any `pureboot` that names no credential of its own (documented).
    pureboot_server.clear_requests()
    unnamed = {key: value for key, value in real_env.items() if key != 'PUREBOOT_URL'}
    task = {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': pve.connection(), 'pureboot': {'url': pureboot_server.url}}}
    assert_ok(run_playbook(tmp_path, [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task]}], env=unnamed))
    assert pureboot_server.requests and all(entry['status'] == 200 for entry in pureboot_server.requests)


# -------------------------------------------------------------------------------------------- 4: plain http


@case('hypervisor-plain-http')
def test_plain_http_hypervisor_urls_are_refused(fakepve, fakepve_cafile, tmp_path):
    from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend

    pve = ProxmoxBackend(fakepve, fakepve_cafile)
    plain = pve.connection(api_url=fakepve.url.replace('https://', 'http://'))
    fakepve.requests.clear()
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': plain}}]}]
    result = run_playbook(tmp_path, play)
    assert result.returncode != 0
    assert 'uses plain http; hypervisor APIs are reached over https only' in one_line(result.stdout)
    result = ansible_inventory(tmp_path, source([plain], strict_hypervisors=True))
    assert result.returncode != 0 or 'uses plain http' in one_line(result.stderr)
    assert 'uses plain http' in one_line(result.stderr)
    assert fakepve.requests == [], 'a request went out over plain http'
    assert fakepve.password not in result.stdout + result.stderr
    # libvirt's cleartext transport: refused before any name lookup or connection (.invalid never resolves).
    tcp = {'type': 'libvirt', 'name': 'kvm-plain', 'api_url': 'qemu+tcp://kvm1.invalid/system', 'username': 'admin', 'password': 'Libvirt-Sasl-Secret-9'}
    play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': tcp}}]}]
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
    config = source([{'name': 'from-env'}], cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(cache_dir), cache_timeout=3600)

    def env_for(connection):
        return {
            'PUREBOOT_HV_TYPE': connection['type'],
            'PUREBOOT_HV_URL': connection['api_url'],
            'PUREBOOT_HV_USERNAME': connection['username'],
            'PUREBOOT_HV_PASSWORD': connection['password'],
            'PUREBOOT_HV_CA_FILE': connection['ca_file'],
        }

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
    play = [
        {
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [{'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': backend.connection(), 'pureboot': wrong}}],
        }
    ]
    result = run_playbook(tmp_path, play)
    assert result.returncode != 0
    output = one_line(result.stdout)
    assert 'does not answer as a PureBoot API' in output, output[-2000:]
    assert 'unexpected' not in output and 'AttributeError' not in output
    assert pureboot_server.api_key not in result.stdout + result.stderr


def security_modules():
    """The integration test modules (a case may be played by tests of the subject's own file), imported."""
    package = 'ansible_collections.pureboot.hypervisors.tests.integration'
    names = [path.stem for path in sorted(pathlib.Path(__file__).parent.glob('test_*.py'))]
    return [__import__('{0}.{1}'.format(package, name), fromlist=['__name__']) for name in names]


def test_every_case_has_a_test():
    """CASES and the tests stay in step: docs/security.md is rendered from them."""
    marked = set()
    for module in security_modules():
        for value in vars(module).values():
            for mark in getattr(value, 'pytestmark', []):
                if mark.name == 'security_case':
                    marked.add(mark.args[0])
    assert marked == set(CASES)


def test_the_threat_model_names_known_cases_and_every_case_plays_an_actor():
    named = [rule['case'] for actor in ACTORS for rule in actor['rules'] if 'case' in rule]
    assert set(named) <= set(CASES), set(named) - set(CASES)
    assert set(CASES) <= set(named), 'cases no actor plays: {0}'.format(set(CASES) - set(named))
    for actor in ACTORS:
        for rule in actor['rules']:
            assert ('case' in rule) != ('pending' in rule), rule


def test_security_page_lists_every_case():
    page = (pathlib.Path(__file__).resolve().parents[2] / 'docs' / 'security.md').read_text()
    for case_id in CASES:
        assert '`{0}`'.format(case_id) in page, '{0} is missing from docs/security.md'.format(case_id)
    for actor in ACTORS:
        assert '### {0} ('.format(actor['actor']) in page, 'the threat model of docs/security.md misses ' + actor['actor']
