# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""oVirt's half of the `cloud_init` option: settings to and from the engine's Initialization fields (pure functions),
and those fields to and from the SDK's Initialization type. The type-neutral part is _cloud_init.py."""

from __future__ import annotations

import ipaddress

from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import IP_KEYS, empty_settings
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.sdk import otypes


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
            for family, address_key, gateway_key, prefix in ((4, 'address', 'gateway', ''), (6, 'address6', 'gateway6', '6')):
                value = entry.get(address_key)
                if value == 'dhcp':
                    nic[('ipv6_' if family == 6 else '') + 'boot_protocol'] = 'dhcp'
                elif value:
                    interface = ipaddress.ip_interface(value)
                    nic[('ipv6_' if family == 6 else '') + 'boot_protocol'] = 'static'
                    nic['address' + prefix] = str(interface.ip)
                    nic['netmask' + prefix] = str(interface.netmask) if family == 4 else str(interface.network.prefixlen)
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
    keys = [' '.join(line.split()) for line in str(fields.get('authorized_ssh_keys') or '').splitlines() if line.strip()]
    settings['ssh_keys'] = keys or None
    settings['nameservers'] = str(fields.get('dns_servers') or '').split() or None
    settings['search_domains'] = [d.lower().rstrip('.') for d in str(fields.get('dns_search') or '').split()] or None
    settings['user_data'] = fields.get('custom_script') or None
    entries = []
    for nic in sorted(fields.get('nic_configurations') or (), key=lambda n: str(n.get('name'))):
        entry = dict.fromkeys(IP_KEYS)
        for prefix, protocol_key, address_key, gateway_key in (
            ('', 'boot_protocol', 'address', 'gateway'),
            ('6', 'ipv6_boot_protocol', 'address6', 'gateway6'),
        ):
            if nic.get(protocol_key) == 'dhcp':
                entry[address_key] = 'dhcp'
            elif nic.get('address' + prefix):
                entry[address_key] = _ovirt_address(nic['address' + prefix], nic.get('netmask' + prefix) or ('32' if not prefix else '128'))
                entry[gateway_key] = nic.get('gateway' + prefix) or None
        entries.append(entry)
    settings['ip_config'] = entries or None
    return settings


def _initialization_fields(initialization):
    """The plain fields of an SDK Initialization (_cloud_init.ovirt_fields' form), or None."""
    if initialization is None:
        return None
    fields = {
        key: getattr(initialization, key, None)
        for key in ('host_name', 'user_name', 'root_password', 'authorized_ssh_keys', 'dns_servers', 'dns_search', 'custom_script')
    }
    nics = []
    for nic in initialization.nic_configurations or ():
        item = {
            'name': nic.name,
            'boot_protocol': nic.boot_protocol.value if nic.boot_protocol is not None else None,
            'ipv6_boot_protocol': nic.ipv6_boot_protocol.value if nic.ipv6_boot_protocol is not None else None,
        }
        for ip, suffix in ((nic.ip, ''), (nic.ipv6, '6')):
            if ip is not None:
                item.update({'address' + suffix: ip.address, 'netmask' + suffix: ip.netmask, 'gateway' + suffix: ip.gateway})
        nics.append(item)
    fields['nic_configurations'] = nics
    return fields


def _initialization(fields):
    """The SDK Initialization of plain fields (_cloud_init.ovirt_fields)."""
    nics = []
    for nic in fields.get('nic_configurations') or ():
        config = otypes.NicConfiguration(
            name=nic['name'],
            on_boot=True,
            boot_protocol=otypes.BootProtocol(nic.get('boot_protocol') or 'none'),
            ipv6_boot_protocol=otypes.BootProtocol(nic.get('ipv6_boot_protocol') or 'none'),
        )
        if nic.get('address'):
            config.ip = otypes.Ip(address=nic['address'], netmask=nic.get('netmask'), gateway=nic.get('gateway'), version=otypes.IpVersion.V4)
        if nic.get('address6'):
            config.ipv6 = otypes.Ip(address=nic['address6'], netmask=nic.get('netmask6'), gateway=nic.get('gateway6'), version=otypes.IpVersion.V6)
        nics.append(config)
    return otypes.Initialization(
        host_name=fields.get('host_name'),
        user_name=fields.get('user_name'),
        root_password=fields.get('root_password'),
        authorized_ssh_keys=fields.get('authorized_ssh_keys'),
        dns_servers=fields.get('dns_servers'),
        dns_search=fields.get('dns_search'),
        custom_script=fields.get('custom_script'),
        nic_configurations=nics,
    )
