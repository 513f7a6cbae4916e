# -*- coding: utf-8 -*-
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""What the inventory plugin fetches, and the hosts it makes of it, kept apart from Ansible so both can be tested
and the fetched data cached as plain data.

collect() fetches: VM records, the PureBoot nodes they map to, and the hypervisors that were skipped; it never
holds a secret, so it can go into the inventory cache as it is. inventory_hosts() decides what the plugin adds to
the inventory from it (host names, variables, default groups, warnings); the plugin only makes the Ansible calls.
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import parallel_map
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    INVALID_INPUT, MISSING_LIBRARY, HypervisorError)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot import NodeIndex
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot_link import node_view

FILTER_KEYS = ('name', 'status', 'tags')


def _list_one(options, filters, include_templates, max_workers, strict):
    """(label, records, warnings, error) of one hypervisor; an error is returned, or raised when strict."""
    with driver_for(options) as driver:
        driver.max_workers = max_workers
        try:
            vms = driver.list_vms(name=filters.get('name'), status=filters.get('status'), tags=filters.get('tags'),
                                  include_templates=include_templates)
            return driver.label, vms, list(driver.warnings), None
        except HypervisorError as exc:
            if strict or exc.category in (INVALID_INPUT, MISSING_LIBRARY):
                raise
            return driver.label, [], list(driver.warnings), str(exc)


def collect(hypervisors, filters=None, include_templates=False, max_workers=16, strict=False, pureboot_client=None):
    """Fetch every hypervisor's VMs (hypervisors in parallel, each with max_workers) and the PureBoot nodes.

    hypervisors are complete `hypervisor` dicts: the caller has applied the environment's fallbacks.

    Returns {'vms': [...], 'nodes': [...] or None, 'skipped': [{'hypervisor', 'error'}], 'warnings': [...]}.
    """
    filters = dict((k, v) for k, v in (filters or {}).items() if v is not None)
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise HypervisorError('unknown filter(s) {0}; known: {1}'.format(', '.join(unknown), ', '.join(FILTER_KEYS)),
                              hypervisor='inventory', category=INVALID_INPUT)
    answers = parallel_map(lambda options: _list_one(options, filters, include_templates, max_workers, strict),
                           hypervisors, max(1, min(len(hypervisors), max_workers)))
    data = {'vms': [], 'nodes': None, 'skipped': [], 'warnings': []}
    for label, vms, warnings, error in answers:
        data['vms'].extend(vms)
        data['warnings'].extend(warnings)
        if error:
            data['skipped'].append({'hypervisor': label, 'error': error})
    if pureboot_client is not None:
        data['nodes'] = pureboot_client.list_nodes()
    return data


# One host of the inventory: its name, its variables and the names of its default groups (not yet made safe
# for Ansible's group names: the plugin does that).
InventoryHost = namedtuple('InventoryHost', ['name', 'variables', 'groups'])


def hypervisor_address(vm, node, trust_pureboot_ip):
    """ansible_host: what the hypervisor reports; PureBoot's address (set by unauthenticated requests) only
    when the user trusts it and the hypervisor reports none. None when neither applies."""
    if vm['ip_addresses']:
        return vm['ip_addresses'][0]
    if trust_pureboot_ip and node:
        return node.get('ip_address') or None
    return None


def default_groups(vm, node, with_pureboot):
    """The default groups of a VM's host: its hypervisor, type and status, and with PureBoot its node's state
    (pureboot_unregistered when no node has the MAC of one of its NICs, or the node has no state)."""
    groups = ['pureboot_hypervisor_' + vm['hypervisor'], 'pureboot_type_' + vm['hypervisor_type'],
              'pureboot_status_' + vm['status']]
    if with_pureboot:
        groups.append('pureboot_state_' + node['state'] if node and node.get('state') else 'pureboot_unregistered')
    return groups


def inventory_hosts(data, trust_pureboot_ip=False):
    """The hosts collect()'s data makes, in the order of its VMs, and the warnings to show: ([InventoryHost], [str]).

    A host is named after its VM (its id when it has no name). A name that is already a host of another
    hypervisor becomes '<hypervisor>_<name>', with a warning: VMs of different hypervisors never merge into one
    host. With PureBoot (data['nodes'] not None) every host has pureboot_node: its node, matched only by the MAC of
    one of its NICs, or None.
    """
    warnings = ['skipped {0}'.format(skipped['error']) for skipped in data['skipped']]
    warnings.extend(data['warnings'])
    with_pureboot = data['nodes'] is not None
    index = NodeIndex(data['nodes']) if with_pureboot else None
    owners = {}
    hosts = []
    for vm in data['vms']:
        name = vm['name'] or vm['id']
        if name in owners and owners[name] != vm['hypervisor']:
            renamed = '{0}_{1}'.format(vm['hypervisor'], name)
            warnings.append("VM '{0}' of {1} is also a VM of {2}; its host is '{3}'".format(
                name, vm['hypervisor'], owners[name], renamed))
            name = renamed
        owners[name] = vm['hypervisor']
        node = (node_view(index.for_vm(vm)) or None) if with_pureboot else None
        variables = {'pureboot_vm': vm}
        if with_pureboot:
            variables['pureboot_node'] = node
        address = hypervisor_address(vm, node, trust_pureboot_ip)
        if address:
            variables['ansible_host'] = address
        hosts.append(InventoryHost(name, variables, default_groups(vm, node, with_pureboot)))
    return hosts, warnings
