# -*- coding: utf-8 -*-
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The `cloud_init` option of pureboot_vm, the same on every hypervisor type.

One place for what every type shares: the checks of the suboptions (without a request), the canonical form both the
desired and the read-back settings are compared in, the one comparison that decides a change, the redacted view that
results and --diff show, and the per-type translations (Proxmox VE config keys, the NoCloud seed's files), kept here
as pure functions so they are unit tested without a hypervisor.

Passwords: no hypervisor gives a cloud-init password back (Proxmox VE answers a mask, the oVirt engine nothing), so a
password can never be compared. The rule is the one of ansible.builtin.user: with update_password `on_create` (the
default) the password is written when the VM gets its cloud-init settings for the first time (no password set yet),
and never compared afterwards; with `always` it is written on every run, which then reports a change.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import re
from urllib.parse import quote, unquote

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import REDACTED, InvalidInputError

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
DOMAIN = re.compile(r'^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*'
                    r'[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$')
CLOUD_CONFIG_HEADER = '#cloud-config'


def cloud_init_suboptions():
    """The argument spec of the `cloud_init` option (the module's DOCUMENTATION says the same)."""
    return dict(
        user=dict(type='str'),
        password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=list(UPDATE_PASSWORD), default='on_create', no_log=False),
        ssh_keys=dict(type='list', elements='str', no_log=False),
        ip_config=dict(type='list', elements='dict', options=dict(
            address=dict(type='str'), gateway=dict(type='str'), address6=dict(type='str'),
            gateway6=dict(type='str'))),
        nameservers=dict(type='list', elements='str'),
        search_domains=dict(type='list', elements='str'),
        user_data=dict(type='str'),
    )


def _invalid(message, hypervisor, subject):
    return InvalidInputError('cloud_init: ' + message, hypervisor=hypervisor, subject=subject)


def _address(value, family, where, hypervisor, subject):
    """'dhcp', or an address with its prefix ('192.0.2.10/24') of the family (4 or 6), in its canonical form."""
    text = str(value).strip()
    if text.lower() == 'dhcp':
        return 'dhcp'
    if '/' not in text:
        raise _invalid("{0} '{1}' needs a prefix length (CIDR, e.g. {2}) or dhcp".format(
            where, text, '192.0.2.10/24' if family == 4 else '2001:db8::10/64'), hypervisor, subject)
    try:
        interface = ipaddress.ip_interface(text)
    except ValueError:
        raise _invalid("{0} '{1}' is not an address in CIDR notation nor dhcp".format(where, text), hypervisor, subject)
    if interface.version != family:
        raise _invalid("{0} '{1}' is not an IPv{2} address".format(where, text, family), hypervisor, subject)
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
        raise _invalid('ip_config[{0}]: unknown key(s) {1}; known: {2}'.format(index, ', '.join(unknown),
                                                                               ', '.join(IP_KEYS)), hypervisor, subject)
    result = dict((key, None) for key in IP_KEYS)
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
    settings = dict((key, None) for key in SETTING_KEYS)
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
            if not SSH_KEY.match(key) or _key_blob(key) is None:
                raise _invalid('ssh_keys[{0}] is not an OpenSSH public key (type, base64 key, optional comment on one '
                               'line)'.format(index), hypervisor, subject)
        settings['ssh_keys'] = keys
    if options.get('ip_config') is not None:
        entries = list(options['ip_config'])
        if len(entries) > MAX_NICS:
            raise _invalid('ip_config has {0} entries; at most {1} (one per NIC)'.format(len(entries), MAX_NICS),
                           hypervisor, subject)
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
                raise _invalid("search_domains[{0}] '{1}' is not a domain name".format(index, domain), hypervisor,
                               subject)
            domains.append(domain.rstrip('.'))
        settings['search_domains'] = domains
    if options.get('user_data') not in (None, ''):
        settings['user_data'] = _user_data(options['user_data'], hypervisor, subject)
    return settings


def _user_data(text, hypervisor, subject):
    text = str(text).replace('\r\n', '\n')
    if len(text.encode('utf-8')) > MAX_USER_DATA:
        raise _invalid('user_data is larger than {0} KiB'.format(MAX_USER_DATA // 1024), hypervisor, subject)
    if text.split('\n', 1)[0].strip() != CLOUD_CONFIG_HEADER:
        raise _invalid("user_data must be a cloud-config document: its first line is '{0}'".format(
            CLOUD_CONFIG_HEADER), hypervisor, subject)
    # One newline at the end, as every type stores it back.
    return text.rstrip('\n') + '\n'


def _key_blob(key):
    """The decoded key of an OpenSSH public key line, or None when its base64 is broken."""
    parts = key.split()
    try:
        return base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError, IndexError):
        return None


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
    view['password'] = REDACTED if settings.get('password') or settings.get('password_set') else None
    return view


def _comparable(settings, key):
    value = settings.get(key)
    if key == 'ip_config':
        # An entry's unset keys (None) and absent keys are the same thing; so are no list and an empty one.
        return [dict((k, entry.get(k)) for k in IP_KEYS) for entry in value or ()]
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
    keys = [key for key in SETTING_KEYS
            if desired.get(key) is not None and _comparable(desired, key) != _comparable(current, key)]
    rewrite = desired.get('update_password') == 'always' or not current.get('password_set')
    password = bool(desired.get('password')) and rewrite
    if not keys and not password:
        return {}
    return {'keys': keys, 'password': password}


def merged(current, desired, change):
    """The settings the VM holds once change (diff_cloud_init) is written: current with desired's given keys."""
    after = dict((key, (current or {}).get(key)) for key in SETTING_KEYS)
    for key in SETTING_KEYS:
        if desired.get(key) is not None:
            after[key] = desired[key]
    after['password_set'] = bool((current or {}).get('password_set') or change.get('password')
                                 or desired.get('password'))
    return after


def empty_settings():
    """What a VM without cloud-init settings reads back as."""
    settings = dict((key, None) for key in SETTING_KEYS)
    settings['password_set'] = False
    return settings


# ------------------------------------------------------------ Proxmox VE
def _pve_ipconfig(entry):
    parts = []
    if entry.get('address'):
        parts.append('ip=' + entry['address'])
    if entry.get('gateway'):
        parts.append('gw=' + entry['gateway'])
    if entry.get('address6'):
        parts.append('ip6=' + entry['address6'])
    if entry.get('gateway6'):
        parts.append('gw6=' + entry['gateway6'])
    return ','.join(parts)


def pve_params(settings, change, config, nic_keys):
    """The PUT /config parameters that write change (diff_cloud_init) of settings to a Proxmox VE VM whose config is
    config; nic_keys: the VM's netN keys in order (ipconfigN goes with netN). Returns (params, delete list).

    PVE stores sshkeys URL-encoded (format 'urlencoded': every byte but unreserved ones as %XX, a space as %20) and
    answers them so; nameserver and searchdomain are space-separated lists."""
    params, delete = {}, []
    keys = change.get('keys', ())
    if 'user' in keys:
        params['ciuser'] = settings['user']
    if change.get('password'):
        params['cipassword'] = settings['password']
    if 'ssh_keys' in keys:
        if settings['ssh_keys']:
            params['sshkeys'] = quote('\n'.join(settings['ssh_keys']) + '\n', safe='')
        else:
            delete.append('sshkeys')
    if 'ip_config' in keys:
        wanted = settings['ip_config']
        for index, entry in enumerate(wanted):
            number = int(nic_keys[index][3:]) if index < len(nic_keys) else index
            params['ipconfig{0}'.format(number)] = _pve_ipconfig(entry)
        used = set('ipconfig{0}'.format(int(key[3:])) for key in nic_keys[:len(wanted)])
        if len(wanted) > len(nic_keys):
            used.update('ipconfig{0}'.format(i) for i in range(len(wanted)))
        delete.extend(sorted(key for key in config if re.match(r'^ipconfig\d+$', key) and key not in used))
    if 'nameservers' in keys:
        if settings['nameservers']:
            params['nameserver'] = ' '.join(settings['nameservers'])
        else:
            delete.append('nameserver')
    if 'search_domains' in keys:
        if settings['search_domains']:
            params['searchdomain'] = ' '.join(settings['search_domains'])
        else:
            delete.append('searchdomain')
    return params, delete


def _pve_ip_entry(value):
    entry = dict((key, None) for key in IP_KEYS)
    names = {'ip': 'address', 'gw': 'gateway', 'ip6': 'address6', 'gw6': 'gateway6'}
    for part in str(value or '').split(','):
        name, _sep, item = part.partition('=')
        if name.strip() in names and item.strip():
            item = item.strip()
            key = names[name.strip()]
            if key in ('address', 'address6') and item.lower() != 'dhcp':
                try:
                    item = str(ipaddress.ip_interface(item))
                except ValueError:
                    pass  # kept as read: it differs from any valid desired value, so it is rewritten
            entry[key] = item.lower() if item.lower() == 'dhcp' else item
    return entry


def pve_settings(config, nic_keys, snippet_digest=None):
    """The cloud-init settings a Proxmox VE VM's config holds, canonical (see normalize_cloud_init); untrusted input
    read defensively. user_data is known only by the digest in its snippet's name (pve_snippet_name)."""
    settings = empty_settings()
    if config.get('ciuser'):
        settings['user'] = str(config['ciuser'])
    settings['password_set'] = bool(config.get('cipassword'))
    if config.get('sshkeys'):
        keys = [' '.join(line.split()) for line in unquote(str(config['sshkeys'])).splitlines() if line.strip()]
        settings['ssh_keys'] = keys or None
    entries = [_pve_ip_entry(config.get('ipconfig{0}'.format(int(key[3:])))) for key in nic_keys]
    # Trailing NICs without an ipconfig are no entries of the list.
    while entries and not any(entries[-1].values()):
        entries.pop()
    if entries:
        settings['ip_config'] = entries
    if config.get('nameserver'):
        settings['nameservers'] = str(config['nameserver']).split() or None
    if config.get('searchdomain'):
        settings['search_domains'] = [d.lower().rstrip('.') for d in str(config['searchdomain']).split()] or None
    if snippet_digest:
        settings['user_data_digest'] = snippet_digest
    return settings


def pve_has_drive(config):
    """The config key of the VM's cloud-init drive ('ide2', 'scsi1', ...) or None: a drive whose volume is
    <storage>:cloudinit (as written), or one PVE allocated for it (<storage>:vm-<id>-cloudinit)."""
    for key in sorted(config):
        if not re.match(r'^(ide|sata|scsi|virtio)\d+$', key):
            continue
        volume = str(config[key]).split(',', maxsplit=1)[0]
        if volume.endswith(':cloudinit') or '-cloudinit' in volume:
            return key
    return None


def pve_free_drive_slot(config):
    """Where the cloud-init drive goes: ide2 (PVE's own choice), else the first free IDE, then SCSI slot."""
    for key in ['ide2', 'ide0', 'ide1', 'ide3'] + ['scsi{0}'.format(i) for i in range(31)]:
        if key not in config:
            return key
    return None


# ----------------------------------------------------------------- oVirt
def ovirt_fields(settings, current_fields=None, host_name=None):
    """The VM's `initialization` (plain fields, the driver makes the SDK types) holding settings over what it holds
    now (current_fields, as _ovirt._initialization_fields gives it): the engine replaces the whole initialization on
    update, so what the user did not give is kept from before. NIC N of ip_config is the guest's ethN, oVirt's own
    naming.

    host_name (the VM's name) is the guest's hostname, as the other types give it; it also shows that the VM has an
    initialization when the engine answers nothing else of it (a password alone, which it never answers)."""
    fields = dict(current_fields or {})
    fields.pop('root_password', None)
    if host_name:
        fields['host_name'] = host_name
    if settings.get('user') is not None:
        fields['user_name'] = settings['user']
    if settings.get('password'):
        fields['root_password'] = settings['password']
    if settings.get('ssh_keys') is not None:
        fields['authorized_ssh_keys'] = '\n'.join(settings['ssh_keys']) + '\n' if settings['ssh_keys'] else ''
    if settings.get('nameservers') is not None:
        fields['dns_servers'] = ' '.join(settings['nameservers'])
    if settings.get('search_domains') is not None:
        fields['dns_search'] = ' '.join(settings['search_domains'])
    if settings.get('user_data') is not None:
        fields['custom_script'] = settings['user_data']
    if settings.get('ip_config') is not None:
        nics = []
        for index, entry in enumerate(settings['ip_config']):
            nic = {'name': 'eth{0}'.format(index), 'boot_protocol': 'none', 'ipv6_boot_protocol': 'none'}
            for family, address_key, gateway_key, prefix in ((4, 'address', 'gateway', ''), (6, 'address6', 'gateway6',
                                                                                             '6')):
                value = entry.get(address_key)
                if value == 'dhcp':
                    nic[('ipv6_' if family == 6 else '') + 'boot_protocol'] = 'dhcp'
                elif value:
                    interface = ipaddress.ip_interface(value)
                    nic[('ipv6_' if family == 6 else '') + 'boot_protocol'] = 'static'
                    nic['address' + prefix] = str(interface.ip)
                    nic['netmask' + prefix] = (str(interface.netmask) if family == 4
                                               else str(interface.network.prefixlen))
                    if entry.get(gateway_key):
                        nic['gateway' + prefix] = entry[gateway_key]
            nics.append(nic)
        fields['nic_configurations'] = nics
    return fields


def _ovirt_address(address, netmask):
    try:
        return str(ipaddress.ip_interface('{0}/{1}'.format(address, netmask)))
    except ValueError:
        return '{0}/{1}'.format(address, netmask)  # kept as read: differs from every valid desired value


def ovirt_settings(fields):
    """The cloud-init settings of a VM whose `initialization` has fields (plain, as ovirt_fields makes them; None:
    none). The engine never answers root_password, so a password counts as set once the VM has an initialization
    (the update_password rule then writes it once, with the first settings)."""
    settings = empty_settings()
    fields = fields or {}
    if not any(value not in (None, '', []) for value in fields.values()):
        return settings
    settings['password_set'] = True
    settings['user'] = fields.get('user_name') or None
    keys = [' '.join(line.split()) for line in str(fields.get('authorized_ssh_keys') or '').splitlines()
            if line.strip()]
    settings['ssh_keys'] = keys or None
    settings['nameservers'] = str(fields.get('dns_servers') or '').split() or None
    settings['search_domains'] = [d.lower().rstrip('.') for d in str(fields.get('dns_search') or '').split()] or None
    settings['user_data'] = fields.get('custom_script') or None
    entries = []
    for nic in sorted(fields.get('nic_configurations') or (), key=lambda n: str(n.get('name'))):
        entry = dict((key, None) for key in IP_KEYS)
        for prefix, protocol_key, address_key, gateway_key in (('', 'boot_protocol', 'address', 'gateway'),
                                                               ('6', 'ipv6_boot_protocol', 'address6', 'gateway6')):
            if nic.get(protocol_key) == 'dhcp':
                entry[address_key] = 'dhcp'
            elif nic.get('address' + prefix):
                entry[address_key] = _ovirt_address(nic['address' + prefix], nic.get('netmask' + prefix) or
                                                    ('32' if not prefix else '128'))
                entry[gateway_key] = nic.get('gateway' + prefix) or None
        entries.append(entry)
    settings['ip_config'] = entries or None
    return settings


# --------------------------------------------------------------- NoCloud
def nocloud_files(settings, instance_id, hostname, macs=()):
    """The files of a NoCloud seed (libvirt) for settings: {'meta-data', 'user-data', 'network-config'} as text;
    macs: the VM's NIC MACs in order, which ip_config's entries are matched to.

    instance-id changes with the settings, so cloud-init applies a changed seed at the next boot. The keys above are a
    cloud-config of their own; a user_data document goes beside it as a second part of a MIME multipart user-data,
    which cloud-init merges, so neither has to be parsed here. JSON is YAML: no YAML writer is needed."""
    meta = {'instance-id': instance_id, 'local-hostname': hostname}
    config = {}
    if settings.get('user'):
        user = {'name': settings['user'], 'sudo': 'ALL=(ALL) NOPASSWD:ALL', 'shell': '/bin/bash'}
        if settings.get('ssh_keys'):
            user['ssh_authorized_keys'] = list(settings['ssh_keys'])
        if settings.get('password'):
            user['plain_text_passwd'] = settings['password']
            user['lock_passwd'] = False
        config['users'] = ['default', user]
    elif settings.get('ssh_keys'):
        config['ssh_authorized_keys'] = list(settings['ssh_keys'])
    if settings.get('password') and not settings.get('user'):
        config['password'] = settings['password']
        config['chpasswd'] = {'expire': False}
    if settings.get('password'):
        config['ssh_pwauth'] = True
    if (settings.get('nameservers') or settings.get('search_domains')) and not settings.get('ip_config'):
        # Without an interface to put them on in network-config, DNS goes to resolv.conf.
        config['manage_resolv_conf'] = True
        config['resolv_conf'] = {'nameservers': list(settings.get('nameservers') or ()),
                                 'searchdomains': list(settings.get('search_domains') or ())}
    user_data = CLOUD_CONFIG_HEADER + '\n' + json.dumps(config, indent=2, sort_keys=True) + '\n'
    if settings.get('user_data'):
        user_data = _multipart([user_data, settings['user_data']])
    return {'meta-data': json.dumps(meta, indent=2, sort_keys=True) + '\n', 'user-data': user_data,
            'network-config': json.dumps(network_config(settings, macs), indent=2, sort_keys=True) + '\n'}


def network_config(settings, macs=()):
    """cloud-init network config version 2 for ip_config, nameservers and search_domains: entry N configures the
    NIC whose MAC is macs[N] (the guest may name its interfaces in any way)."""
    ethernets = {}
    macs = list(macs)
    for index, entry in enumerate(settings.get('ip_config') or ()):
        if index >= len(macs) or not macs[index]:
            break
        item = {'match': {'macaddress': macs[index]}, 'set-name': 'eth{0}'.format(index)}
        addresses = []
        for family, address_key, gateway_key in (('4', 'address', 'gateway'), ('6', 'address6', 'gateway6')):
            if entry.get(address_key) == 'dhcp':
                item['dhcp' + family] = True
            elif entry.get(address_key):
                addresses.append(entry[address_key])
            if entry.get(gateway_key):
                item['gateway' + family] = entry[gateway_key]
        if addresses:
            item['addresses'] = addresses
        if settings.get('nameservers') or settings.get('search_domains'):
            item['nameservers'] = {'addresses': list(settings.get('nameservers') or ()),
                                   'search': list(settings.get('search_domains') or ())}
        ethernets['eth{0}'.format(index)] = item
    return {'version': 2, 'ethernets': ethernets}


def nocloud_settings(files, with_password=False):
    """The settings a NoCloud seed's files (as nocloud_files writes them) hold, canonical; the seed comes from the
    hypervisor's storage, so it is read defensively: what cannot be read counts as no setting. with_password: the
    password too (to write a seed again with it), which never goes into a result."""
    settings = empty_settings()
    ours, user_data = _user_data_parts(files.get('user-data') or '')
    try:
        config = json.loads(ours) if ours else {}
    except ValueError:
        config = {}
    if not isinstance(config, dict):
        config = {}
    users = [u for u in config.get('users') or () if isinstance(u, dict)]
    user = users[0] if users else {}
    settings['user'] = user.get('name') or None
    keys = user.get('ssh_authorized_keys') or config.get('ssh_authorized_keys') or []
    settings['ssh_keys'] = [' '.join(str(k).split()) for k in keys if str(k).strip()] or None
    settings['password_set'] = bool(user.get('plain_text_passwd') or config.get('password'))
    if with_password and settings['password_set']:
        settings['password'] = str(user.get('plain_text_passwd') or config.get('password'))
    resolv = config.get('resolv_conf') if isinstance(config.get('resolv_conf'), dict) else {}
    settings['user_data'] = user_data
    try:
        network = json.loads(files.get('network-config') or '{}')
    except ValueError:
        network = {}
    ethernets = network.get('ethernets') if isinstance(network, dict) else None
    entries = []
    dns = {}
    for name in sorted(ethernets or {}, key=lambda n: int(n[3:]) if n[3:].isdigit() else 0):
        item = ethernets[name] if isinstance(ethernets[name], dict) else {}
        entry = dict((key, None) for key in IP_KEYS)
        for family, address_key, gateway_key in (('4', 'address', 'gateway'), ('6', 'address6', 'gateway6')):
            if item.get('dhcp' + family):
                entry[address_key] = 'dhcp'
            for address in item.get('addresses') or ():
                if (':' in str(address)) == (family == '6'):
                    entry[address_key] = str(address)
            entry[gateway_key] = item.get('gateway' + family) or None
        entries.append(entry)
        dns = dns or (item.get('nameservers') if isinstance(item.get('nameservers'), dict) else {})
    settings['ip_config'] = entries or None
    settings['nameservers'] = list(dns.get('addresses') or resolv.get('nameservers') or ()) or None
    settings['search_domains'] = list(dns.get('search') or resolv.get('searchdomains') or ()) or None
    return settings


def nocloud_seed(current, desired, change, hostname, macs):
    """The files of the seed that holds desired over current (nocloud_settings(..., with_password=True) of the seed
    there is, or empty_settings()): what the user did not give is kept, and the password only when change writes
    none. The instance-id follows the contents, so cloud-init applies a changed seed at the next boot."""
    settings = dict((key, desired.get(key) if desired.get(key) is not None else current.get(key))
                    for key in SETTING_KEYS)
    settings['password'] = desired.get('password') if change.get('password') else current.get('password')
    instance = 'pureboot-' + digest(json.dumps([settings, hostname, list(macs)], sort_keys=True))
    return nocloud_files(settings, instance, hostname, macs)


def _user_data_parts(text):
    """(our cloud-config's JSON, the user's user_data or None) of a user-data nocloud_files wrote."""
    if text.startswith(CLOUD_CONFIG_HEADER + '\n'):
        return text[len(CLOUD_CONFIG_HEADER) + 1:], None
    boundary = re.match(r'Content-Type: multipart/mixed; boundary="([^"]+)"', text)
    if not boundary:
        return None, None
    parts = []
    for chunk in text.split('--' + boundary.group(1))[1:]:
        if chunk.startswith('--'):
            break
        body = chunk.split('\n\n', 1)[1] if '\n\n' in chunk else ''
        parts.append(body.rstrip('\n') + '\n')
    ours = parts[0][len(CLOUD_CONFIG_HEADER) + 1:] if parts and parts[0].startswith(CLOUD_CONFIG_HEADER) else None
    return ours, (parts[1] if len(parts) > 1 else None)


# An ISO9660 image (ECMA-119) of a few small files in its root directory, written and read here so the seed needs
# no external tool. Names are ISO9660 ones (META-DATA;1), which Linux shows as meta-data (its default map=normal),
# where cloud-init looks for them; the volume identifier is the label cloud-init finds the seed by.
SECTOR = 2048
SEED_LABEL = 'cidata'
# A fixed date: the same settings give the same image, byte for byte.
_ISO_DATE = bytes([100, 1, 1, 0, 0, 0, 0])
_ISO_LONG_DATE = b'2000010100000000\x00'


def _both16(value):
    return value.to_bytes(2, 'little') + value.to_bytes(2, 'big')


def _both32(value):
    return value.to_bytes(4, 'little') + value.to_bytes(4, 'big')


def _dir_record(identifier, extent, size, directory=False):
    length = 33 + len(identifier) + (1 - len(identifier) % 2)
    record = (bytes([length, 0]) + _both32(extent) + _both32(size) + _ISO_DATE + bytes([2 if directory else 0, 0, 0])
              + _both16(1) + bytes([len(identifier)]) + identifier)
    return record + b'\x00' * (length - len(record))


def _pad(data, size):
    return data + b'\x00' * (size - len(data))


def iso9660(files, label=SEED_LABEL):
    """The bytes of an ISO9660 image of files ({name: text}) in its root directory, its volume labelled label."""
    names = sorted(files)
    root_extent, first_file = 20, 21
    extents, position = {}, first_file
    contents = dict((name, files[name].encode('utf-8')) for name in names)
    for name in names:
        extents[name] = position
        position += max(1, -(-len(contents[name]) // SECTOR))
    total = position
    root = _dir_record(b'\x00', root_extent, SECTOR, True) + _dir_record(b'\x01', root_extent, SECTOR, True)
    for name in names:
        root += _dir_record((name.upper() + ';1').encode('ascii'), extents[name], len(contents[name]))
    if len(root) > SECTOR:
        raise ValueError('too many files for one directory sector')
    path_l = bytes([1, 0]) + root_extent.to_bytes(4, 'little') + (1).to_bytes(2, 'little') + b'\x00\x00'
    path_m = bytes([1, 0]) + root_extent.to_bytes(4, 'big') + (1).to_bytes(2, 'big') + b'\x00\x00'

    def text(value, size):
        return value.encode('ascii').ljust(size, b' ')
    pvd = (bytes([1]) + b'CD001' + bytes([1, 0]) + text('LINUX', 32) + text(label, 32) + b'\x00' * 8
           + _both32(total) + b'\x00' * 32 + _both16(1) + _both16(1) + _both16(SECTOR) + _both32(10)
           + (18).to_bytes(4, 'little') + b'\x00' * 4 + (19).to_bytes(4, 'big') + b'\x00' * 4
           + _dir_record(b'\x00', root_extent, SECTOR, True) + text('', 128) + text('', 128)
           + text('PUREBOOT', 128) + text('PUREBOOT.HYPERVISORS', 128) + text('', 37 * 3)
           + _ISO_LONG_DATE * 2 + b'0' * 16 + b'\x00' + b'0' * 16 + b'\x00' + bytes([1, 0]))
    terminator = bytes([255]) + b'CD001' + bytes([1])
    image = [b'\x00' * (16 * SECTOR), _pad(pvd, SECTOR), _pad(terminator, SECTOR), _pad(path_l, SECTOR),
             _pad(path_m, SECTOR), _pad(root, SECTOR)]
    for name in names:
        data = contents[name]
        image.append(_pad(data, max(1, -(-len(data) // SECTOR)) * SECTOR))
    return b''.join(image)


def read_iso9660(image, limit=1024 * 1024):
    """(label, {name: text}) of the files in the root directory of an ISO9660 image, names as Linux shows them
    (lowercase, without ';1'); None when image is not one. The image comes from the hypervisor: every offset is
    checked against its length, and files past limit bytes are not read."""
    if len(image) < 17 * SECTOR or image[16 * SECTOR + 1:16 * SECTOR + 6] != b'CD001' or image[16 * SECTOR] != 1:
        return None
    pvd = image[16 * SECTOR:17 * SECTOR]
    label = pvd[40:72].decode('ascii', 'replace').strip()
    root = pvd[156:190]
    extent, size = int.from_bytes(root[2:6], 'little'), int.from_bytes(root[10:14], 'little')
    directory = image[extent * SECTOR:extent * SECTOR + min(size, limit)]
    files, offset = {}, 0
    while offset < len(directory):
        length = directory[offset]
        if length == 0:
            # Records do not cross sectors: the rest of this one is padding.
            offset = (offset // SECTOR + 1) * SECTOR
            continue
        record = directory[offset:offset + length]
        offset += length
        if len(record) < 34:
            break
        name_length = record[32]
        name = record[33:33 + name_length]
        if record[25] & 2 or name in (b'\x00', b'\x01'):
            continue
        start, data_size = int.from_bytes(record[2:6], 'little'), int.from_bytes(record[10:14], 'little')
        if data_size > limit or (start * SECTOR + data_size) > len(image):
            continue
        shown = name.decode('ascii', 'replace').split(';')[0].rstrip('.').lower()
        files[shown] = image[start * SECTOR:start * SECTOR + data_size].decode('utf-8', 'replace')
    return label, files


def _multipart(documents):
    boundary = '==PUREBOOT-' + digest(''.join(documents)) + '=='
    lines = ['Content-Type: multipart/mixed; boundary="{0}"'.format(boundary), 'MIME-Version: 1.0', '']
    for document in documents:
        lines += ['--' + boundary, 'Content-Type: text/cloud-config; charset="utf-8"', 'MIME-Version: 1.0',
                  'Content-Transfer-Encoding: 8bit', '', document.rstrip('\n')]
    lines += ['--' + boundary + '--', '']
    return '\n'.join(lines)


__all__ = ['cloud_init_suboptions', 'normalize_cloud_init', 'redacted', 'diff_cloud_init', 'merged',
           'empty_settings', 'pve_params', 'pve_settings', 'pve_has_drive', 'pve_free_drive_slot', 'nocloud_files',
           'key_fingerprint', 'digest', 'ovirt_fields', 'ovirt_settings', 'nocloud_settings', 'nocloud_seed', 'iso9660',
           'read_iso9660']
