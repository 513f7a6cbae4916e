# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A libvirt domain's state and its guest agent's addresses, as the records' status and ip_addresses."""

from __future__ import annotations

import ipaddress

from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.sdk import libvirt


def domain_status(state, reason=None):
    """A libvirt domain state (and its reason) as a record status."""
    if state == libvirt.VIR_DOMAIN_PAUSED and reason == libvirt.VIR_DOMAIN_PAUSED_STARTING_UP:
        return 'starting'
    return {
        libvirt.VIR_DOMAIN_RUNNING: 'running',
        libvirt.VIR_DOMAIN_BLOCKED: 'running',
        libvirt.VIR_DOMAIN_PAUSED: 'paused',
        libvirt.VIR_DOMAIN_SHUTDOWN: 'stopping',
        libvirt.VIR_DOMAIN_SHUTOFF: 'stopped',
        libvirt.VIR_DOMAIN_CRASHED: 'stopped',
        libvirt.VIR_DOMAIN_PMSUSPENDED: 'suspended',
    }.get(state, 'unknown')


def guest_addresses(interfaces):
    """Addresses of virDomainInterfaceAddresses' answer, without loopback and link-local ones."""
    found = []
    for _name, details in sorted((interfaces or {}).items()):
        for address in (details or {}).get('addrs') or ():
            ip = address.get('addr')
            if not ip or ip in found:
                continue
            try:
                parsed = ipaddress.ip_address(ip)
            except ValueError:
                continue
            if not (parsed.is_loopback or parsed.is_link_local):
                found.append(ip)
    return found
