"""cloud_init: the checks of the suboptions, the canonical form, the comparison, redaction and the per-type formats."""

import base64
import hashlib
import json

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import (
    diff_cloud_init,
    empty_settings,
    key_fingerprint,
    merged,
    normalize_cloud_init,
    redacted,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.cloud_init import nocloud_files, nocloud_seed, nocloud_settings
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.cloud_init import pve_free_drive_slot, pve_has_drive, pve_params, pve_settings
from ansible_collections.pureboot.hypervisors.plugins.module_utils._sha_crypt import verify

KEY_BLOB = b'\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20' + bytes(range(32))
KEY = 'ssh-ed25519 ' + base64.b64encode(KEY_BLOB).decode() + ' alice@laptop'
KEY2 = 'ssh-ed25519 ' + base64.b64encode(KEY_BLOB[:-1] + b'\x01').decode() + ' bob'


def full(**overrides):
    options = dict(
        user='deploy',
        password='Tr1cky-pa55',
        ssh_keys=[KEY],
        update_password='on_create',
        ip_config=[{'address': '192.0.2.10/24', 'gateway': '192.0.2.1'}, {'address': 'DHCP'}],
        nameservers=['192.0.2.53'],
        search_domains=['Lab.Example.com.'],
        user_data='#cloud-config\npackages: [htop]',
    )
    options.update(overrides)
    return normalize_cloud_init(options, 'pve1', "VM 'web'")


def test_normalize_gives_canonical_settings():
    settings = full(ssh_keys=['  ' + KEY.replace(' ', '   ') + '\n'])
    assert settings['ssh_keys'] == [KEY]
    assert settings['ip_config'] == [
        {'address': '192.0.2.10/24', 'gateway': '192.0.2.1', 'address6': None, 'gateway6': None},
        {'address': 'dhcp', 'gateway': None, 'address6': None, 'gateway6': None},
    ]
    assert settings['search_domains'] == ['lab.example.com']
    assert settings['user_data'] == '#cloud-config\npackages: [htop]\n'
    assert normalize_cloud_init(None) is None and normalize_cloud_init({}) is None


@pytest.mark.parametrize(
    'overrides, message',
    [
        ({'user': 'Root Admin'}, 'cloud_init: user must be 1-32 lowercase letters'),
        ({'password': 'two\nlines'}, 'cloud_init: password must be one line'),
        ({'ssh_keys': ['not a key']}, 'ssh_keys[0] is not an OpenSSH public key'),
        ({'ssh_keys': ['ssh-rsa AAAA%%%']}, 'ssh_keys[0] is not an OpenSSH public key'),
        ({'ssh_keys': [KEY + '\nssh-rsa AAAA']}, 'ssh_keys[0] is not an OpenSSH public key'),
        ({'ip_config': [{'address': '192.0.2.10'}]}, "ip_config[0].address '192.0.2.10' needs a prefix length"),
        ({'ip_config': [{'address': '2001:db8::1/64'}]}, "ip_config[0].address '2001:db8::1/64' is not an IPv4 address"),
        ({'ip_config': [{'address6': '10.0.0.1/8'}]}, 'ip_config[0].address6 '),
        ({'ip_config': [{'address': 'dhcp', 'gateway': '192.0.2.1'}]}, 'ip_config[0].gateway needs a static address'),
        ({'ip_config': [{'address': '192.0.2.9/24', 'gateway': 'router'}]}, "ip_config[0].gateway 'router' is not an IP"),
        ({'ip_config': [{}]}, 'ip_config[0] needs address or address6'),
        ({'ip_config': [{'address': 'dhcp', 'mask': 1}]}, 'ip_config[0]: unknown key(s) mask'),
        ({'nameservers': ['dns.example.com']}, "nameservers[0] 'dns.example.com' is not an IP address"),
        ({'search_domains': ['bad_domain!']}, "search_domains[0] 'bad_domain!' is not a domain name"),
        ({'user_data': 'packages: [htop]'}, "user_data must be a cloud-config document: its first line is '#cloud-config'"),
        ({'user_data': '#cloud-config\n' + 'x' * 70000}, 'user_data is larger than 64 KiB'),
        ({'update_password': 'sometimes'}, 'update_password must be one of on_create, always'),
    ],
)
def test_bad_suboptions_fail_with_one_line_and_no_secret(overrides, message):
    with pytest.raises(InvalidInputError) as caught:
        full(**overrides)
    text = caught.value.message
    assert message in text and '\n' not in text
    assert 'Tr1cky-pa55' not in text
    assert (caught.value.hypervisor, caught.value.subject) == ('pve1', "VM 'web'")


def test_key_fingerprint_is_ssh_keygen_sha256():
    expected = base64.b64encode(hashlib.sha256(KEY_BLOB).digest()).decode().rstrip('=')
    assert key_fingerprint(KEY) == 'ssh-ed25519 SHA256:' + expected


def test_redacted_hides_password_keys_and_user_data():
    view = redacted(full())
    shown = json.dumps(view)
    assert view['password'] == '********' and 'Tr1cky-pa55' not in shown
    assert KEY.split()[1] not in shown and 'alice@laptop' not in shown
    assert 'htop' not in shown and view['user_data'].startswith('sha256:')
    assert redacted(dict(empty_settings(), password_set=True))['password'] == '********'
    assert redacted(empty_settings())['password'] is None


def test_diff_compares_only_given_settings_and_password_by_rule():
    desired = full(user_data=None)
    current = merged(empty_settings(), desired, {'password': True})
    assert current['password_set'] is True
    assert diff_cloud_init(current, desired) == {}
    # on_create: a password set before is never compared (the hypervisor cannot tell it).
    assert diff_cloud_init(current, dict(desired, password='other-pass')) == {}
    assert diff_cloud_init(current, dict(desired, update_password='always')) == {'keys': [], 'password': True}
    assert diff_cloud_init(dict(current, password_set=False), desired) == {'keys': [], 'password': True}
    changed = diff_cloud_init(current, full(user_data=None, ssh_keys=[KEY, KEY2], nameservers=['192.0.2.54']))
    assert changed == {'keys': ['ssh_keys', 'nameservers'], 'password': False}
    # Not given: not compared.
    assert diff_cloud_init(current, normalize_cloud_init({'user': 'deploy'})) == {}
    assert diff_cloud_init(current, None) == {}


def test_user_data_compared_by_digest_when_only_that_is_read_back():
    desired = full()
    current = merged(empty_settings(), desired, {'password': True})
    read_back = dict(current, user_data=None, user_data_digest=redacted(desired)['user_data'][len('sha256:') :])
    assert diff_cloud_init(read_back, desired) == {}
    assert diff_cloud_init(read_back, full(user_data='#cloud-config\npackages: [vim]\n'))['keys'] == ['user_data']


def test_pve_params_and_read_back_round_trip():
    desired = full(user_data=None)
    config = {'net0': 'virtio=BC:24:11:00:00:01,bridge=vmbr0', 'net2': 'virtio=BC:24:11:00:00:02,bridge=vmbr1', 'ipconfig5': 'ip=dhcp'}
    change = diff_cloud_init(empty_settings(), desired)
    params, delete = pve_params(desired, change, config, ['net0', 'net2'])
    assert params['ciuser'] == 'deploy' and params['cipassword'] == 'Tr1cky-pa55'
    # PVE's 'urlencoded' format: spaces as %20, newline as %0A, '@' and '+' and '/' encoded.
    assert params['sshkeys'].startswith('ssh-ed25519%20') and params['sshkeys'].endswith('alice%40laptop%0A')
    assert ' ' not in params['sshkeys'] and '+' not in params['sshkeys'].split('%20')[1].replace('%2B', '')
    assert params['ipconfig0'] == 'ip=192.0.2.10/24,gw=192.0.2.1' and params['ipconfig2'] == 'ip=dhcp'
    assert params['nameserver'] == '192.0.2.53' and params['searchdomain'] == 'lab.example.com'
    assert delete == ['ipconfig5']
    # What PVE answers: the config as written, the password masked.
    stored = dict(config, **params)
    stored['cipassword'] = '**********'
    stored.pop('ipconfig5')
    read = pve_settings(stored, ['net0', 'net2'])
    assert read['password_set'] is True
    assert diff_cloud_init(read, desired) == {}


def test_pve_read_back_is_defensive():
    read = pve_settings({'ipconfig0': 'ip=bogus,gw=,junk', 'nameserver': '  ', 'sshkeys': '%ZZ'}, ['net0'])
    assert read['ip_config'] == [{'address': 'bogus', 'gateway': None, 'address6': None, 'gateway6': None}]
    assert read['nameservers'] is None and read['password_set'] is False
    assert pve_settings({}, ['net0'])['ip_config'] is None


def test_pve_clearing_lists_deletes_keys():
    desired = normalize_cloud_init({'ssh_keys': [], 'nameservers': [], 'search_domains': []})
    current = dict(empty_settings(), ssh_keys=[KEY], nameservers=['192.0.2.53'], search_domains=['x.org'])
    params, delete = pve_params(desired, diff_cloud_init(current, desired), {}, [])
    assert params == {} and delete == ['sshkeys', 'nameserver', 'searchdomain']


def test_pve_drive_found_and_placed():
    assert pve_has_drive({'ide2': 'local-lvm:vm-101-cloudinit,media=cdrom'}) == 'ide2'
    assert pve_has_drive({'scsi3': 'local:cloudinit'}) == 'scsi3'
    assert pve_has_drive({'ide2': 'none,media=cdrom', 'scsi0': 'local:vm-1-disk-0'}) is None
    assert pve_free_drive_slot({'ide2': 'none,media=cdrom'}) == 'ide0'
    assert pve_free_drive_slot({}) == 'ide2'


def test_nocloud_files():
    files = nocloud_files(full(), 'iid-1', 'web', macs=['52:54:00:00:00:01', '52:54:00:00:00:02'])
    assert json.loads(files['meta-data']) == {'instance-id': 'iid-1', 'local-hostname': 'web'}
    user_data = files['user-data']
    assert user_data.startswith('Content-Type: multipart/mixed') and 'packages: [htop]' in user_data
    first = user_data.split('#cloud-config\n', 1)[1].split('\n--', 1)[0]
    config = json.loads(first)
    assert config['users'][1]['name'] == 'deploy' and config['users'][1]['ssh_authorized_keys'] == [KEY]
    network = json.loads(files['network-config'])
    assert network['ethernets']['eth0']['match'] == {'macaddress': '52:54:00:00:00:01'}
    assert network['ethernets']['eth0']['addresses'] == ['192.0.2.10/24']
    assert network['ethernets']['eth0']['gateway4'] == '192.0.2.1'
    assert network['ethernets']['eth1']['dhcp4'] is True
    plain = nocloud_files(full(user_data=None), 'iid-2', 'web')
    assert plain['user-data'].startswith('#cloud-config\n') and json.loads(plain['network-config'])['ethernets'] == {}


def test_an_empty_list_is_the_same_as_none_read_back():
    desired = normalize_cloud_init({'ssh_keys': [], 'ip_config': [], 'nameservers': []})
    assert diff_cloud_init(empty_settings(), desired) == {}


def test_ovirt_fields_round_trip_and_keep_what_was_not_given():
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.cloud_init import ovirt_fields, ovirt_settings

    desired = full(ip_config=[{'address': '192.0.2.10/24', 'gateway': '192.0.2.1', 'address6': '2001:db8::10/64'}, {'address': 'dhcp'}])
    fields = ovirt_fields(desired)
    assert fields['user_name'] == 'deploy' and fields['root_password'] == 'Tr1cky-pa55'
    assert fields['nic_configurations'][0] == {
        'name': 'eth0',
        'boot_protocol': 'static',
        'address': '192.0.2.10',
        'netmask': '255.255.255.0',
        'gateway': '192.0.2.1',
        'ipv6_boot_protocol': 'static',
        'address6': '2001:db8::10',
        'netmask6': '64',
    }
    assert fields['nic_configurations'][1]['boot_protocol'] == 'dhcp'
    # The engine answers without the password.
    read = ovirt_settings(dict(fields, root_password=None))
    assert read['password_set'] is True
    assert diff_cloud_init(read, desired) == {}
    # Only the user given: the rest is kept from before, and the password not sent again.
    kept = ovirt_fields(normalize_cloud_init({'user': 'admin'}), dict(fields, root_password=None))
    assert kept['user_name'] == 'admin' and kept['dns_servers'] == '192.0.2.53' and 'root_password' not in kept
    assert ovirt_settings(None) == empty_settings() and ovirt_settings({'user_name': ''}) == empty_settings()


SEED_MACS = ('52:54:00:00:00:01', '52:54:00:00:00:02')


def new_seed(desired, macs=SEED_MACS):
    """The files of a first seed for desired, as the libvirt driver writes one."""
    return nocloud_seed(empty_settings(), desired, diff_cloud_init(empty_settings(), desired) or {}, 'web', macs)


def test_nocloud_files_read_back_as_the_same_settings():
    macs = ['52:54:00:00:00:01', '52:54:00:00:00:02']
    for desired in (
        full(),
        full(user_data=None, ip_config=None),
        full(user=None, password=None, user_data=None),
        full(user=None, user_data=None),
        full(ip_config=[{'address': '192.0.2.10/24', 'address6': '2001:db8::10/64', 'gateway6': '2001:db8::1'}]),
    ):
        read = nocloud_settings(new_seed(desired, macs))
        assert diff_cloud_init(read, dict(desired, update_password='on_create')) == {}, desired
        assert read['password_set'] is bool(desired['password'])
    assert nocloud_settings({'user-data': 'garbage', 'network-config': '[1]'}) == empty_settings()


def test_the_seed_holds_a_sha512_crypt_hash_never_the_password():
    for desired in (full(), full(user=None, user_data=None)):
        files = new_seed(desired)
        assert 'Tr1cky-pa55' not in ''.join(files.values())
        config = json.loads(files['user-data'].split('#cloud-config\n', 1)[1].split('\n--', 1)[0])
        stored = config['users'][1]['passwd'] if desired['user'] else config['password']
        assert stored.startswith('$6$') and verify('Tr1cky-pa55', stored)
        assert 'plain_text_passwd' not in files['user-data']
    assert new_seed(full())['user-data'] != new_seed(full())['user-data'], 'a new random salt for a new password'


def test_the_password_is_compared_with_the_hash_the_seed_keeps():
    first = new_seed(full())
    read = nocloud_settings(first)
    same = dict(full(), update_password='always')
    assert diff_cloud_init(read, same) == {}, 'always, but the hash read back is of this very password'
    other = dict(full(password='An0ther-pa55'), update_password='always')
    change = diff_cloud_init(read, other)
    assert change == {'keys': [], 'password': True}
    rewritten = nocloud_settings(nocloud_seed(read, other, change, 'web', SEED_MACS))
    assert verify('An0ther-pa55', rewritten['password_hash']) and not verify('Tr1cky-pa55', rewritten['password_hash'])
    # A change of something else keeps the password's hash as it is: no new salt, the same instance-id.
    kept = nocloud_seed(read, full(nameservers=['192.0.2.54']), {'keys': ['nameservers'], 'password': False}, 'web', SEED_MACS)
    assert nocloud_settings(kept)['password_hash'] == read['password_hash']
    assert nocloud_seed(read, full(), {}, 'web', SEED_MACS) == nocloud_seed(read, full(), {}, 'web', SEED_MACS)
    # What results show never holds the hash.
    assert 'password_hash' not in redacted(read) and read['password_hash'] not in json.dumps(redacted(read))


def test_a_seed_of_an_older_release_with_a_clear_password_is_written_again_hashed():
    user = {'name': 'deploy', 'plain_text_passwd': 'Old-pa55', 'lock_passwd': False}
    legacy = '#cloud-config\n' + json.dumps({'users': ['default', user]})
    read = nocloud_settings({'user-data': legacy})
    assert read['password_set'] and verify('Old-pa55', read['password_hash'])
    again = nocloud_seed(read, full(password=None), {'keys': ['ssh_keys'], 'password': False}, 'web', [])
    assert 'Old-pa55' not in again['user-data'] and verify('Old-pa55', nocloud_settings(again)['password_hash'])


def test_iso9660_image_is_read_by_pycdlib_with_its_label(tmp_path):
    import io

    import pycdlib

    from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.iso9660 import iso9660, read_iso9660

    files = new_seed(full(), ['52:54:00:00:00:01'])
    image = iso9660(files)
    assert image == iso9660(files), 'the same settings give the same image'
    assert len(image) % 2048 == 0
    assert read_iso9660(image) == ('cidata', files)
    assert read_iso9660(b'\0' * 40000) is None and read_iso9660(image[: 16 * 2048 + 100]) is None
    # An independent reader: pycdlib finds the label and each file with its contents.
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(image))
    assert iso.pvd.volume_identifier.decode().strip() == 'cidata'
    for name, text in files.items():
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, iso_path='/{0};1'.format(name.upper()))
        assert out.getvalue().decode() == text
        assert 'Tr1cky-pa55' not in out.getvalue().decode(), 'the seed never holds the password'
    iso.close()


def test_ovirt_a_password_alone_still_counts_as_set_once_written():
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.cloud_init import ovirt_fields, ovirt_settings

    desired = normalize_cloud_init({'password': 'Only-a-pa55word'})
    fields = ovirt_fields(desired, None, host_name='web')
    # What the engine answers: everything but the password.
    read = ovirt_settings(dict(fields, root_password=None))
    assert read['password_set'] is True and diff_cloud_init(read, desired) == {}


@pytest.mark.parametrize('address', ['10.0.0.5/7', '10.0.0.5/0', '2001:db8::5/7', '2001:db8::5/0'])
def test_prefixes_of_7_or_less_are_refused(address):
    key = 'address6' if ':' in address else 'address'
    with pytest.raises(InvalidInputError, match='prefix length must be 8 to'):
        normalize_cloud_init({'ip_config': [{key: address}]})


@pytest.mark.parametrize('address', ['10.0.0.5/8', '10.0.0.5/32', '2001:db8::5/8', '2001:db8::5/128'])
def test_prefixes_from_8_are_taken(address):
    key = 'address6' if ':' in address else 'address'
    assert normalize_cloud_init({'ip_config': [{key: address}]})['ip_config'][0][key] == address


@pytest.mark.parametrize(
    'key',
    [
        'ssh-ed25519 AAAA',
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5',
        # an ed25519 blob under the ssh-rsa name; a key cut short; one with bytes left over
        'ssh-rsa ' + KEY.split()[1],
        'ssh-ed25519 ' + base64.b64encode(KEY_BLOB[:-1]).decode(),
        'ssh-ed25519 ' + base64.b64encode(KEY_BLOB + b'\x00').decode(),
    ],
)
def test_ssh_keys_are_checked_for_structure(key):
    with pytest.raises(InvalidInputError, match=r'ssh_keys\[0\] is not an OpenSSH public key'):
        normalize_cloud_init({'ssh_keys': [key]})


def test_a_proxmox_snippet_is_found_by_name_and_checked_by_size():
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.cloud_init import check_snippet, snippet_storage

    document = '#cloud-config\npackages: [htop]\n'
    assert (
        snippet_storage([{'storage': 'local', 'content': 'iso,snippets'}, {'storage': 'b', 'content': 'snippets'}, {'storage': 'a', 'content': 'images'}])
        == 'b'
    )
    assert snippet_storage([{'storage': 'a', 'content': 'images'}]) is None
    assert check_snippet('pve1', None, [], document)[1][0] == 'missing'
    volid = 'b:snippets/pureboot-user-data-{0}.yaml'.format(hashlib.sha256(document.encode()).hexdigest()[:16])
    assert check_snippet('pve1', 'b', [], document) == (volid, check_snippet('pve1', 'b', [], document)[1])
    assert check_snippet('pve1', 'b', [], document)[1][0] == 'missing'
    assert check_snippet('pve1', 'b', [{'volid': volid, 'size': len(document)}], document) == (volid, None)
    kind, message = check_snippet('pve1', 'b', [{'volid': volid, 'size': 4096}], document)[1]
    assert kind == 'other' and 'has 4096 bytes, the document {0}'.format(len(document)) in message
    # Sizes count bytes: a document with non-ASCII text.
    accented = '#cloud-config\nfinal_message: "prêt"\n'
    volid = 'b:snippets/pureboot-user-data-{0}.yaml'.format(hashlib.sha256(accented.encode()).hexdigest()[:16])
    assert check_snippet('pve1', 'b', [{'volid': volid, 'size': len(accented.encode())}], accented)[1] is None
