# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Proxmox VE's half of the `cloud_init` option: settings to and from a VM's config keys (ciuser, sshkeys,
ipconfigN, ...) and its cloud-init drive. Pure functions; the type-neutral part is _cloud_init.py."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import IP_KEYS, digest, empty_settings


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
        # Entry i goes with the i-th NIC, netN to ipconfigN (PVE reads ipconfigN for netN only); entries beyond the
        # NICs are refused before (rules.check_ip_config_fits).
        wanted = settings['ip_config']
        for key, entry in zip(nic_keys, wanted):
            params['ipconfig{0}'.format(int(key[3:]))] = _pve_ipconfig(entry)
        used = {'ipconfig{0}'.format(int(key[3:])) for key in nic_keys[: len(wanted)]}
        delete.extend(sorted(key for key in config if re.match(r'^ipconfig\d+$', key) and key not in used))
    if 'upgrade' in keys:
        params['ciupgrade'] = 1 if settings['upgrade'] else 0
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
    entry = dict.fromkeys(IP_KEYS)
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
    # qemu-server: ciupgrade defaults to 1 (a full package upgrade at first boot) when the config has none.
    settings['upgrade'] = str(config.get('ciupgrade', 1)).strip().lower() in ('1', 'on', 'yes', 'true')
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


# ------------------------------------------------------------------ user_data snippets
# PVE takes a custom cloud-config only as a snippet (cicustom user=<volid>), and its API can neither upload a snippet
# nor read one back: the storage content listing (GET /nodes/{node}/storage/{storage}/content) gives a volume's
# `volid` and `size` in bytes, nothing of its text. So the snippet is named after the document's digest and checked
# by its size; whoever may write to the snippet storage can still change its text: that storage must be trusted.


def snippet_storage(stores):
    """The storage a user_data snippet is looked for on: the first (by name) of a node's storages (GET
    /nodes/{node}/storage?content=snippets) whose content allows snippets; None when none does."""
    names = sorted(str(s.get('storage')) for s in stores or () if s.get('storage') and 'snippets' in str(s.get('content', 'snippets')).split(','))
    return names[0] if names else None


def check_snippet(node, storage, content, user_data):
    """(volid, None) when the snippet of user_data is on storage, as content (its listing) says; (volid, (kind,
    message)) otherwise, kind being 'missing' (no storage, or no such snippet) or 'other' (a snippet of that name,
    of another size: not this document)."""
    if storage is None:
        return None, (
            'missing',
            "cloud_init.user_data needs a storage whose content allows snippets on node '{0}', and none does; add 'snippets' to a storage's content".format(
                node
            ),
        )
    name = 'snippets/pureboot-user-data-{0}.yaml'.format(digest(user_data))
    volid = '{0}:{1}'.format(storage, name)
    found = [item for item in content or () if str(item.get('volid')) == volid]
    if not found:
        return volid, (
            'missing',
            "cloud_init.user_data: the snippet '{0}' is not on node '{1}'; PVE's API cannot "
            "upload snippets: copy the document to {2} of storage '{3}' first "
            '(docs/cloud-init.md)'.format(volid, node, name, storage),
        )
    size, wanted = found[0].get('size'), len(user_data.encode('utf-8'))
    if size != wanted:
        return volid, (
            'other',
            "cloud_init.user_data: the snippet '{0}' on node '{1}' has {2} bytes, the document "
            '{3}: it is not this document (changed on the storage?); copy the document there '
            'again (docs/cloud-init.md)'.format(volid, node, size, wanted),
        )
    return volid, None
