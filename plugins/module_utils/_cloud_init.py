# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The `cloud_init` option of pureboot_vm, the same on every hypervisor type.

One place for what every type shares: the checks of the suboptions (without a request), the canonical form both the
desired and the read-back settings are compared in, the one comparison that decides a change, the redacted view that
results and --diff show. Each type translates these settings to and from its own form in its package
(_proxmox/cloud_init.py, _ovirt/cloud_init.py, _libvirt/cloud_init.py); all are pure functions, unit tested without a
hypervisor.

Passwords: no hypervisor gives a cloud-init password back (Proxmox VE answers a mask, the oVirt engine nothing), so a
password can never be compared. The rule is the one of ansible.builtin.user: with update_password `on_create` (the
default) the password is written when the VM gets its cloud-init settings for the first time (no password set yet),
and never compared afterwards; with `always` it is written on every run, which then reports a change. Except where
the type keeps the password's hash where it can be read back (libvirt's NoCloud seed: `password_hash` in the read
settings): there `always` writes it only when the password does not verify against that hash.

user_data is no_log: it may hold secrets, and results and --diff show only its digest.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import REDACTED, InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._sha_crypt import verify

IP_KEYS = ('address', 'gateway', 'address6', 'gateway6')
SETTING_KEYS = ('user', 'ssh_keys', 'ip_config', 'nameservers', 'search_domains', 'user_data')
UPDATE_PASSWORD = ('on_create', 'always')
# Lengths past which a value is a mistake, not a setting: PVE's config holds one line per key, and a seed is small.
MAX_USER_DATA = 64 * 1024
MAX_SSH_KEYS = 64
MAX_NICS = 32
USER = re.compile(r'^[a-z_][a-z0-9_-]{0,31}$')
USER_RULE = "1-32 lowercase letters, digits, '_' or '-', starting with a letter or '_'"
SSH_KEY = re.compile(r'^(?:(?:ssh|sk|ecdsa)-[A-Za-z0-9@.-]+) [A-Za-z0-9+/]+={0,3}(?: [^\r\n]*)?$')
DOMAIN = re.compile(
    r'^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*'
    r'[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$'
)
CLOUD_CONFIG_HEADER = '#cloud-config'


def cloud_init_suboptions():
    """The argument spec of the `cloud_init` option (the module's DOCUMENTATION says the same)."""
    return dict(
        user=dict(type='str'),
        password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=list(UPDATE_PASSWORD), default='on_create', no_log=False),
        ssh_keys=dict(type='list', elements='str', no_log=False),
        ip_config=dict(
            type='list', elements='dict', options=dict(address=dict(type='str'), gateway=dict(type='str'), address6=dict(type='str'), gateway6=dict(type='str'))
        ),
        nameservers=dict(type='list', elements='str'),
        search_domains=dict(type='list', elements='str'),
        user_data=dict(type='str', no_log=True),
        upgrade=dict(type='bool', default=False),
    )


def _invalid(message, hypervisor, subject):
    return InvalidInputError('cloud_init: ' + message, hypervisor=hypervisor, subject=subject)


# The shortest prefixes Proxmox VE takes (pve-common pve_verify_cidrv4/cidrv6: above 7); a /0-/7 network is no
# host's, on any type.
MIN_PREFIX = 8
# What each key type's blob holds after its type name (OpenSSH sshkey.c, PROTOCOL.certkeys): the number of
# length-prefixed fields and the least size of the last one (ed25519's key is 32 bytes, an RSA modulus at least
# 1024 bits, which ssh-keygen asks for).
SSH_KEY_FIELDS = {
    'ssh-ed25519': (1, 32),
    'ssh-ed448': (1, 57),
    'ssh-rsa': (2, 128),
    'ssh-dss': (4, 20),
    'ecdsa-sha2-nistp256': (2, 65),
    'ecdsa-sha2-nistp384': (2, 97),
    'ecdsa-sha2-nistp521': (2, 133),
    'sk-ecdsa-sha2-nistp256@openssh.com': (3, 1),
    'sk-ssh-ed25519@openssh.com': (2, 1),
}


def _address(value, family, where, hypervisor, subject):
    """'dhcp', or an address with its prefix ('192.0.2.10/24') of the family (4 or 6), in its canonical form."""
    text = str(value).strip()
    if text.lower() == 'dhcp':
        return 'dhcp'
    if '/' not in text:
        raise _invalid(
            "{0} '{1}' needs a prefix length (CIDR, e.g. {2}) or dhcp".format(where, text, '192.0.2.10/24' if family == 4 else '2001:db8::10/64'),
            hypervisor,
            subject,
        )
    try:
        interface = ipaddress.ip_interface(text)
    except ValueError:
        raise _invalid("{0} '{1}' is not an address in CIDR notation nor dhcp".format(where, text), hypervisor, subject)
    if interface.version != family:
        raise _invalid("{0} '{1}' is not an IPv{2} address".format(where, text, family), hypervisor, subject)
    if interface.network.prefixlen < MIN_PREFIX:
        raise _invalid("{0} '{1}': the prefix length must be {2} to {3}".format(where, text, MIN_PREFIX, interface.max_prefixlen), hypervisor, subject)
    return str(interface)


def _gateway(value, family, where, hypervisor, subject):
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise _invalid("{0} '{1}' is not an IP address".format(where, value), hypervisor, subject)
    if address.version != family:
        raise _invalid("{0} '{1}' is not an IPv{2} address".format(where, value, family), hypervisor, subject)
    return str(address)


def _ip_entry(index, entry, hypervisor, subject):
    entry = entry or {}
    unknown = sorted(set(entry) - set(IP_KEYS))
    if unknown:
        raise _invalid('ip_config[{0}]: unknown key(s) {1}; known: {2}'.format(index, ', '.join(unknown), ', '.join(IP_KEYS)), hypervisor, subject)
    result = dict.fromkeys(IP_KEYS)
    for family, address_key, gateway_key in ((4, 'address', 'gateway'), (6, 'address6', 'gateway6')):
        where = 'ip_config[{0}].'.format(index)
        if entry.get(address_key) not in (None, ''):
            result[address_key] = _address(entry[address_key], family, where + address_key, hypervisor, subject)
        if entry.get(gateway_key) not in (None, ''):
            if result[address_key] in (None, 'dhcp'):
                raise _invalid('{0}{1} needs a static {2}'.format(where, gateway_key, address_key), hypervisor, subject)
            result[gateway_key] = _gateway(entry[gateway_key], family, where + gateway_key, hypervisor, subject)
    if result['address'] is None and result['address6'] is None:
        raise _invalid('ip_config[{0}] needs address or address6 (CIDR or dhcp)'.format(index), hypervisor, subject)
    return result


def normalize_cloud_init(options, hypervisor=None, subject=None):
    """The `cloud_init` option checked and in canonical form, or None when not given. Fails with one line naming the
    suboption; never echoes the password or user_data.

    The canonical form holds only what was given (None for the rest), so only those settings are compared."""
    if not options:
        return None
    options = dict(options)
    settings = dict.fromkeys(SETTING_KEYS)
    settings['password'] = None
    settings['update_password'] = options.get('update_password') or 'on_create'
    if settings['update_password'] not in UPDATE_PASSWORD:
        raise _invalid('update_password must be one of {0}'.format(', '.join(UPDATE_PASSWORD)), hypervisor, subject)
    if options.get('user') not in (None, ''):
        if not USER.match(str(options['user'])):
            raise _invalid('user must be {0}'.format(USER_RULE), hypervisor, subject)
        settings['user'] = str(options['user'])
    if options.get('password') not in (None, ''):
        password = str(options['password'])
        if any(ch in password for ch in '\r\n\0'):
            raise _invalid('password must be one line', hypervisor, subject)
        settings['password'] = password
    if options.get('ssh_keys') is not None:
        raw = [str(key).strip() for key in options['ssh_keys'] if str(key).strip()]
        # One key a line: a line break inside one entry would slip a second key past the checks.
        keys = [key if any(ch in key for ch in '\r\n') else ' '.join(key.split()) for key in raw]
        if len(keys) > MAX_SSH_KEYS:
            raise _invalid('ssh_keys holds {0} keys; at most {1}'.format(len(keys), MAX_SSH_KEYS), hypervisor, subject)
        for index, key in enumerate(keys):
            if not SSH_KEY.match(key) or not _key_well_formed(key):
                raise _invalid(
                    'ssh_keys[{0}] is not an OpenSSH public key (type, base64 key holding that type and a whole key, optional comment on one line)'.format(
                        index
                    ),
                    hypervisor,
                    subject,
                )
        settings['ssh_keys'] = keys
    if options.get('ip_config') is not None:
        entries = list(options['ip_config'])
        if len(entries) > MAX_NICS:
            raise _invalid('ip_config has {0} entries; at most {1} (one per NIC)'.format(len(entries), MAX_NICS), hypervisor, subject)
        settings['ip_config'] = [_ip_entry(index, entry, hypervisor, subject) for index, entry in enumerate(entries)]
    if options.get('nameservers') is not None:
        servers = []
        for index, server in enumerate(options['nameservers']):
            try:
                servers.append(str(ipaddress.ip_address(str(server).strip())))
            except ValueError:
                raise _invalid("nameservers[{0}] '{1}' is not an IP address".format(index, server), hypervisor, subject)
        settings['nameservers'] = servers
    if options.get('search_domains') is not None:
        domains = []
        for index, domain in enumerate(options['search_domains']):
            domain = str(domain).strip().lower()
            if not DOMAIN.match(domain):
                raise _invalid("search_domains[{0}] '{1}' is not a domain name".format(index, domain), hypervisor, subject)
            domains.append(domain.rstrip('.'))
        settings['search_domains'] = domains
    if options.get('user_data') not in (None, ''):
        settings['user_data'] = _user_data(options['user_data'], hypervisor, subject)
    # Whether the guest upgrades its packages at first boot; not given (None) is not compared. Kept apart from
    # SETTING_KEYS: only the types that write it themselves (HypervisorDriver.CLOUD_INIT_UPGRADE) read it back.
    settings['upgrade'] = bool(options['upgrade']) if options.get('upgrade') is not None else None
    return settings


def _user_data(text, hypervisor, subject):
    text = str(text).replace('\r\n', '\n')
    if len(text.encode('utf-8')) > MAX_USER_DATA:
        raise _invalid('user_data is larger than {0} KiB'.format(MAX_USER_DATA // 1024), hypervisor, subject)
    if text.split('\n', 1)[0].strip() != CLOUD_CONFIG_HEADER:
        raise _invalid("user_data must be a cloud-config document: its first line is '{0}'".format(CLOUD_CONFIG_HEADER), hypervisor, subject)
    # One newline at the end, as every type stores it back.
    return text.rstrip('\n') + '\n'


def _key_blob(key):
    """The decoded key of an OpenSSH public key line, or None when its base64 is broken."""
    parts = key.split()
    try:
        return base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError, IndexError):
        return None


def _key_well_formed(key):
    """The structure ssh-keygen reads (Proxmox VE runs it on each key): the blob's first field names the key's type,
    and for the plain key types the fields that type has follow, with nothing left over. Certificates are only
    checked for their type name."""
    blob, kind = _key_blob(key), key.split()[0]
    fields = []
    while blob:
        if len(blob) < 4 or len(blob) < 4 + int.from_bytes(blob[:4], 'big'):
            return False
        size = int.from_bytes(blob[:4], 'big')
        fields.append(blob[4 : 4 + size])
        blob = blob[4 + size :]
    if not fields or fields[0] != kind.encode('ascii', 'replace'):
        return False
    if kind not in SSH_KEY_FIELDS:
        return kind.endswith('-cert-v01@openssh.com') and len(fields) > 2
    count, least = SSH_KEY_FIELDS[kind]
    return len(fields) == count + 1 and len(fields[-1]) >= least


def key_fingerprint(key):
    """How results show an SSH key: its type and SHA256 fingerprint, as ssh-keygen -l prints them (no comment)."""
    blob = _key_blob(key)
    if blob is None:
        return REDACTED
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode('ascii').rstrip('=')
    return '{0} SHA256:{1}'.format(key.split()[0], digest)


def digest(text):
    """A short digest of a document, for results and for names that change with the contents."""
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]


# ------------------------------------------------------------------ compare
def redacted(settings):
    """What results and --diff show of settings (canonical, or read back): the password as a mask or whether one is
    set, the keys as fingerprints, user_data as its digest and size."""
    if settings is None:
        return None
    view = {}
    for key in SETTING_KEYS:
        value = settings.get(key)
        if key == 'ssh_keys' and value is not None:
            value = [key_fingerprint(k) for k in value]
        elif key == 'user_data' and (value is not None or settings.get('user_data_digest')):
            value = 'sha256:{0}'.format(_comparable(settings, key))
        view[key] = value
    view['upgrade'] = bool(settings.get('upgrade'))
    view['password'] = REDACTED if settings.get('password') or settings.get('password_set') else None
    return view


def _comparable(settings, key):
    value = settings.get(key)
    if key == 'ip_config':
        # An entry's unset keys (None) and absent keys are the same thing; so are no list and an empty one.
        return [{k: entry.get(k) for k in IP_KEYS} for entry in value or ()]
    if key in ('ssh_keys', 'nameservers', 'search_domains'):
        return list(value or ())
    if key == 'user_data':
        # A hypervisor that keeps the document where it cannot be read back tells its digest instead.
        return settings.get('user_data_digest') or (digest(value) if value else None)
    return value


def diff_cloud_init(current, desired):
    """The settings of desired (canonical, from normalize_cloud_init) that differ from current (read back by the
    driver: canonical, with password_set instead of the password); {} when nothing is to be written.

    Returns {'keys': [changed setting names], 'password': whether the password is to be written}. Only what the
    user gave is compared; the password by the update_password rule (module docstring)."""
    if desired is None:
        return {}
    current = current or {}
    keys = [key for key in SETTING_KEYS if desired.get(key) is not None and _comparable(desired, key) != _comparable(current, key)]
    # A VM that holds no upgrade setting does not upgrade (cloud-init's package_upgrade is false by default).
    if desired.get('upgrade') is not None and bool(desired['upgrade']) != bool(current.get('upgrade')):
        keys.append('upgrade')
    rewrite = desired.get('update_password') == 'always' or not current.get('password_set')
    if rewrite and current.get('password_hash') and verify(desired.get('password'), current['password_hash']):
        rewrite = False  # the hash read back is of this very password (compared, not hashed again)
    password = bool(desired.get('password')) and rewrite
    if not keys and not password:
        return {}
    return {'keys': keys, 'password': password}


def merged(current, desired, change):
    """The settings the VM holds once change (diff_cloud_init) is written: current with desired's given keys."""
    after = {key: (current or {}).get(key) for key in SETTING_KEYS}
    for key in SETTING_KEYS:
        if desired.get(key) is not None:
            after[key] = desired[key]
    after['upgrade'] = desired['upgrade'] if desired.get('upgrade') is not None else (current or {}).get('upgrade')
    after['password_set'] = bool((current or {}).get('password_set') or change.get('password') or desired.get('password'))
    return after


def empty_settings():
    """What a VM without cloud-init settings reads back as."""
    settings = dict.fromkeys(SETTING_KEYS)
    settings['password_set'] = False
    return settings


__all__ = ['cloud_init_suboptions', 'diff_cloud_init', 'digest', 'empty_settings', 'key_fingerprint', 'merged', 'normalize_cloud_init', 'redacted']
