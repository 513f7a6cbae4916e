# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""libvirt's half of the `cloud_init` option: the NoCloud seed (meta-data, user-data, network-config) written to
and read from the ISO9660 image a domain gets as a CD-ROM, and that CD-ROM in the domain's XML. Pure functions; the type-neutral part is _cloud_init.py."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import CLOUD_CONFIG_HEADER, IP_KEYS, SETTING_KEYS, digest, empty_settings
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.domain_xml import _child, record_volume
from ansible_collections.pureboot.hypervisors.plugins.module_utils._sha_crypt import is_sha512_crypt, sha512_crypt


def nocloud_files(settings, instance_id, hostname, macs=()):
    """The files of a NoCloud seed (libvirt) for settings: {'meta-data', 'user-data', 'network-config'} as text;
    macs: the VM's NIC MACs in order, which ip_config's entries are matched to.

    instance-id changes with the settings, so cloud-init applies a changed seed at the next boot. The keys above are a
    cloud-config of their own; a user_data document goes beside it as a second part of a MIME multipart user-data,
    which cloud-init merges, so neither has to be parsed here. JSON is YAML: no YAML writer is needed.

    The password goes in only as settings['password_hash'], a SHA-512 crypt hash (nocloud_seed makes it): the seed
    stays attached to the VM as a CD-ROM the guest (and whoever reads the pool) can read, so it never holds the
    password itself. cloud-init takes a hash in a user's `passwd`, and recognises one in `password`."""
    password_hash = settings.get('password_hash')
    meta = {'instance-id': instance_id, 'local-hostname': hostname}
    config = {}
    if settings.get('user'):
        user = {'name': settings['user'], 'sudo': 'ALL=(ALL) NOPASSWD:ALL', 'shell': '/bin/bash'}
        if settings.get('ssh_keys'):
            user['ssh_authorized_keys'] = list(settings['ssh_keys'])
        if password_hash:
            user['passwd'] = password_hash
            user['lock_passwd'] = False
        config['users'] = ['default', user]
    elif settings.get('ssh_keys'):
        config['ssh_authorized_keys'] = list(settings['ssh_keys'])
    if password_hash and not settings.get('user'):
        config['password'] = password_hash
        config['chpasswd'] = {'expire': False}
    if password_hash:
        config['ssh_pwauth'] = True
    if (settings.get('nameservers') or settings.get('search_domains')) and not settings.get('ip_config'):
        # Without an interface to put them on in network-config, DNS goes to resolv.conf.
        config['manage_resolv_conf'] = True
        config['resolv_conf'] = {'nameservers': list(settings.get('nameservers') or ()), 'searchdomains': list(settings.get('search_domains') or ())}
    user_data = CLOUD_CONFIG_HEADER + '\n' + json.dumps(config, indent=2, sort_keys=True) + '\n'
    if settings.get('user_data'):
        user_data = _multipart([user_data, settings['user_data']])
    return {
        'meta-data': json.dumps(meta, indent=2, sort_keys=True) + '\n',
        'user-data': user_data,
        'network-config': json.dumps(network_config(settings, macs), indent=2, sort_keys=True) + '\n',
    }


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
            item['nameservers'] = {'addresses': list(settings.get('nameservers') or ()), 'search': list(settings.get('search_domains') or ())}
        ethernets['eth{0}'.format(index)] = item
    return {'version': 2, 'ethernets': ethernets}


def nocloud_settings(files):
    """The settings a NoCloud seed's files (as nocloud_files writes them) hold, canonical; the seed comes from the
    hypervisor's storage, so it is read defensively: what cannot be read counts as no setting. With them the
    password's hash (password_hash: to compare a password with, and to write a seed again with it), which never goes
    into a result (_cloud_init.redacted shows SETTING_KEYS only); a seed of an older release that held the password
    in clear gets it hashed here, so it is never written again."""
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
    stored = user.get('passwd') or user.get('plain_text_passwd') or config.get('password')
    settings['password_set'] = bool(stored)
    if stored:
        stored = str(stored)
        settings['password_hash'] = stored if is_sha512_crypt(stored) else sha512_crypt(stored)
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
        entry = dict.fromkeys(IP_KEYS)
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
    """The files of the seed that holds desired over current (nocloud_settings() of the seed there is, or
    empty_settings()): what the user did not give is kept, and the password's hash when change writes no password
    (a new one is hashed with a new random salt). The instance-id follows the contents, so cloud-init applies a
    changed seed at the next boot."""
    settings = {key: desired.get(key) if desired.get(key) is not None else current.get(key) for key in SETTING_KEYS}
    settings['password_hash'] = sha512_crypt(desired['password']) if change.get('password') else current.get('password_hash')
    instance = 'pureboot-' + digest(json.dumps([settings, hostname, list(macs)], sort_keys=True))
    return nocloud_files(settings, instance, hostname, macs)


def _user_data_parts(text):
    """(our cloud-config's JSON, the user's user_data or None) of a user-data nocloud_files wrote."""
    if text.startswith(CLOUD_CONFIG_HEADER + '\n'):
        return text[len(CLOUD_CONFIG_HEADER) + 1 :], None
    boundary = re.match(r'Content-Type: multipart/mixed; boundary="([^"]+)"', text)
    if not boundary:
        return None, None
    parts = []
    for chunk in text.split('--' + boundary.group(1))[1:]:
        if chunk.startswith('--'):
            break
        body = chunk.split('\n\n', 1)[1] if '\n\n' in chunk else ''
        parts.append(body.rstrip('\n') + '\n')
    ours = parts[0][len(CLOUD_CONFIG_HEADER) + 1 :] if parts and parts[0].startswith(CLOUD_CONFIG_HEADER) else None
    return ours, (parts[1] if len(parts) > 1 else None)


def _multipart(documents):
    boundary = '==PUREBOOT-' + digest(''.join(documents)) + '=='
    lines = ['Content-Type: multipart/mixed; boundary="{0}"'.format(boundary), 'MIME-Version: 1.0', '']
    for document in documents:
        lines += [
            '--' + boundary,
            'Content-Type: text/cloud-config; charset="utf-8"',
            'MIME-Version: 1.0',
            'Content-Transfer-Encoding: 8bit',
            '',
            document.rstrip('\n'),
        ]
    lines += ['--' + boundary + '--', '']
    return '\n'.join(lines)


# ------------------------------------------------------------------------------------------- cloud-init
# A VM's NoCloud seed: the volume <vm>-cidata.iso in the pool of its first disk, attached as a read-only CD-ROM.
SEED_MAX_BYTES = 1024 * 1024


def seed_volume_name(vm_name):
    return '{0}-cidata.iso'.format(vm_name)


def is_seed_disk(disk, vm_name):
    """True for the CD-ROM of a definition that is the VM's own seed volume."""
    name = disk.get('volume') or os.path.basename(disk.get('path') or '')
    return disk.get('device') == 'cdrom' and name == seed_volume_name(vm_name)


def attach_seed(root, pool_name, volume_name):
    """The definition with the seed attached as a CD-ROM (on the IDE bus of a pc machine, SATA on q35); unchanged
    when it is attached already. Returns True when it changed."""
    devices = _child(root, 'devices')
    for disk in devices.findall('disk'):
        source = disk.find('source')
        if disk.get('device') == 'cdrom' and source is not None and source.get('volume') == volume_name:
            return False
    os_type = root.find('os/type')
    bus = 'sata' if os_type is not None and 'q35' in (os_type.get('machine') or '') else 'ide'
    prefix = 'sd' if bus == 'sata' else 'hd'
    taken = {t.get('dev') for t in devices.findall('disk/target')}
    letters = 'cdbefghijklmnopqrstuvwxyz' if bus == 'ide' else 'abcdefghijklmnopqrstuvwxyz'
    dev = next(prefix + letter for letter in letters if prefix + letter not in taken)
    disk = ET.Element('disk', {'type': 'volume', 'device': 'cdrom'})
    ET.SubElement(disk, 'driver', {'name': 'qemu', 'type': 'raw'})
    ET.SubElement(disk, 'source', {'pool': pool_name, 'volume': volume_name})
    ET.SubElement(disk, 'target', {'dev': dev, 'bus': bus})
    ET.SubElement(disk, 'readonly')
    # After the last disk, so device order (and names the guest gives) of the disks stay as they were.
    disks = devices.findall('disk')
    position = list(devices).index(disks[-1]) + 1 if disks else 0
    devices.insert(position, disk)
    # The collection made the seed for this VM: `absent` removes it with the VM (blank.py delete_vm).
    record_volume(root, pool_name, volume_name)
    return True
