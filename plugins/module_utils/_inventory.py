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

import ipaddress
import socket
from collections import Counter, namedtuple

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import parallel_map
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import INVALID_INPUT, MISSING_LIBRARY, HypervisorError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import require_where, vm_filter_suboptions
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.nodes import NodeIndex, node_view

FILTER_KEYS = ('name', 'status', 'tags')
# Errors in the source file itself, not in a hypervisor or PureBoot: they fail the source even when not strict.
CONFIGURATION_ERRORS = (INVALID_INPUT, MISSING_LIBRARY)
LABEL = 'inventory'


def validate_source_options(given, known):
    """The options of the source file (given: its top-level keys) are all options of the plugin (known: the names its
    documentation declares, doc fragments included). Ansible ignores an unknown key, so `filter:` for `filters:` would
    silently load every VM: it fails in one line naming the option and the nearest valid one instead."""
    unknown = sorted(str(key) for key in given if key not in known)
    if not unknown:
        return
    import difflib  # only to name the nearest option of a mistake: a source without one does not load it

    parts = []
    for key in unknown:
        nearest = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
        parts.append("'{0}'{1}".format(key, " (did you mean '{0}'?)".format(nearest[0]) if nearest else ''))
    raise HypervisorError(
        'unknown option{0} {1} in the source; valid options: {2}'.format('s' if len(unknown) > 1 else '', ', '.join(parts), ', '.join(sorted(known))),
        hypervisor=LABEL,
        category=INVALID_INPUT,
    )


def validate_filters(filters):
    """The `filters` option checked as pureboot_vm_info checks its options (the same spec), with values normalised
    (a single status becomes a list); filters left empty (None) are no filters. One line on a wrong value: a typo
    such as `status: [runing]` must fail, not give an empty inventory."""
    given = {key: value for key, value in (filters or {}).items() if value is not None}
    unknown = sorted(set(given) - set(FILTER_KEYS))
    if unknown:
        raise HypervisorError('unknown filter(s) {0}; known: {1}'.format(', '.join(unknown), ', '.join(FILTER_KEYS)), hypervisor=LABEL, category=INVALID_INPUT)
    spec = {key: option for key, option in vm_filter_suboptions().items() if key in FILTER_KEYS}
    checked = ArgumentSpecValidator(spec).validate(given)
    if checked.error_messages:
        raise HypervisorError('filters: {0}'.format('; '.join(checked.error_messages)), hypervisor=LABEL, category=INVALID_INPUT)
    return {key: value for key, value in checked.validated_parameters.items() if value is not None}


def validate_hypervisors(hypervisors):
    """At least one connection, each saying where its hypervisor is: a source that cannot list anything fails
    instead of giving an empty inventory."""
    if not hypervisors:
        raise HypervisorError("'hypervisors' lists no connection; give at least one", hypervisor=LABEL, category=INVALID_INPUT)
    for options in hypervisors:
        if not isinstance(options, dict):
            raise HypervisorError("every entry of 'hypervisors' must be a dictionary (a connection)", hypervisor=LABEL, category=INVALID_INPUT)
        require_where(options)


def cloud_init_host(settings):
    """What a host takes from a VM's cloud-init settings: {'user', 'address'}, the address being the first static one
    of ip_config (IPv4 before IPv6) without its prefix; nothing secret."""
    address = None
    for entry in (settings or {}).get('ip_config') or ():
        for key in ('address', 'address6'):
            if not address and entry.get(key) and entry[key] != 'dhcp':
                address = str(entry[key]).split('/', maxsplit=1)[0]
    return {'user': (settings or {}).get('user') or None, 'address': address}


def _cloud_init_of(driver, vms, max_workers):
    """{VM id: cloud_init_host()} of the VMs (templates excluded), one more read each; a VM whose settings cannot be
    read is left out, with a warning."""

    def read(vm):
        try:
            return vm['id'], cloud_init_host(driver.read_cloud_init(vm)), None
        except HypervisorError as exc:
            return vm['id'], None, 'cloud-init settings of {0} not read: {1}'.format(vm['name'], exc)

    found, warnings = {}, []
    for vm_id, host, warning in parallel_map(read, [vm for vm in vms if not vm['template']], max_workers):
        if warning:
            warnings.append(warning)
        elif host['user'] or host['address']:
            found[vm_id] = host
    return found, warnings


def _list_one(options, filters, include_templates, max_workers, strict, use_cloud_init=False):
    """(label, records, warnings, error, cloud-init hosts) of one hypervisor; an error is returned, or raised when
    strict."""
    with driver_for(options) as driver:
        driver.max_workers = max_workers
        try:
            vms = driver.list_vms(name=filters.get('name'), status=filters.get('status'), tags=filters.get('tags'), include_templates=include_templates)
            if use_cloud_init:
                hosts, warnings = _cloud_init_of(driver, vms, max_workers)
                return driver.label, vms, list(driver.warnings) + warnings, None, hosts
            return driver.label, vms, list(driver.warnings), None, {}
        except HypervisorError as exc:
            if strict or exc.category in CONFIGURATION_ERRORS:
                raise
            return driver.label, [], list(driver.warnings), str(exc), {}


def collect(
    hypervisors, filters=None, include_templates=False, max_workers=16, strict=False, pureboot_client=None, strict_pureboot=False, use_cloud_init=False
):
    """Fetch every hypervisor's VMs (hypervisors in parallel, each with max_workers) and the PureBoot nodes.

    hypervisors are complete `hypervisor` dicts: the caller has applied the environment's fallbacks. The source's
    own mistakes (filters, connections) fail before any request.

    Returns {'vms': [...], 'nodes': [...] or None, 'skipped': [{'hypervisor', 'error'}], 'warnings': [...],
    'pureboot_error': None or the one line why PureBoot could not be read, 'cloud_init': {'<hypervisor> <VM id>':
    cloud_init_host()} with use_cloud_init}. PureBoot failing (a wrong key, the
    server down) is like a hypervisor failing: the VMs still load, without node data, unless strict_pureboot.
    """
    filters = validate_filters(filters)
    validate_hypervisors(hypervisors)
    answers = parallel_map(
        lambda options: _list_one(options, filters, include_templates, max_workers, strict, use_cloud_init),
        hypervisors,
        max(1, min(len(hypervisors), max_workers)),
    )
    data = {'vms': [], 'nodes': None, 'skipped': [], 'warnings': [], 'pureboot_error': None}
    if use_cloud_init:
        data['cloud_init'] = {}
    for label, vms, warnings, error, cloud_init in answers:
        data['vms'].extend(vms)
        for vm_id, host in cloud_init.items():
            data['cloud_init']['{0} {1}'.format(label, vm_id)] = host
        data['warnings'].extend(warnings)
        if error:
            data['skipped'].append({'hypervisor': label, 'error': error})
    if pureboot_client is not None:
        try:
            data['nodes'] = pureboot_client.list_nodes()
        except HypervisorError as exc:
            if strict_pureboot or exc.category in CONFIGURATION_ERRORS:
                raise
            data['pureboot_error'] = str(exc)
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


# The names default_groups() makes begin so: no host of a VM may (host_names(), rule 4).
GROUP_NAMESPACE = ('pureboot_hypervisor_', 'pureboot_type_', 'pureboot_status_', 'pureboot_state_', 'pureboot_unregistered')


def default_groups(vm, node, with_pureboot):
    """The default groups of a VM's host: its hypervisor, type and status, and with PureBoot its node's state
    (pureboot_unregistered when no node has the MAC of one of its NICs, or the node has no state)."""
    groups = ['pureboot_hypervisor_' + vm['hypervisor'], 'pureboot_type_' + vm['hypervisor_type'], 'pureboot_status_' + vm['status']]
    if with_pureboot:
        groups.append('pureboot_state_' + node['state'] if node and node.get('state') else 'pureboot_unregistered')
    return groups


# Names that mean this machine to Ansible or to the resolver, whatever the case: Ansible's implicit localhost and the
# usual /etc/hosts aliases of the loopback addresses; any name under .localhost resolves to loopback (RFC 6761).
LOOPBACK_NAMES = ('localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback')


def controller_names():
    """The names of the controller Ansible runs on, lower-case: its host name, its FQDN and their short forms."""
    names = set()
    for name in (socket.gethostname(), socket.getfqdn()):
        if name:
            names.update((name.lower(), name.split('.')[0].lower()))
    return names


def means_loopback(name):
    """True when name is localhost or a loopback or unspecified address (which reaches this machine too), in any
    spelling the resolver takes: '127.1', '2130706433', '::ffff:127.0.0.1', '[::1]'."""
    lowered = str(name).lower().rstrip('.')
    if lowered in LOOPBACK_NAMES or lowered.endswith('.localhost'):
        return True
    try:
        address = ipaddress.ip_address(lowered.strip('[]'))
    except ValueError:
        try:
            # inet_aton takes the old short and numeric forms getaddrinfo also takes ('127.1', '0x7f000001').
            address = ipaddress.IPv4Address(socket.inet_aton(lowered))
        except (OSError, ValueError):
            return False
    address = getattr(address, 'ipv4_mapped', None) or address
    return address.is_loopback or address.is_unspecified


def host_names(vms, taken=(), controller=None, source_groups=((), ())):
    """The host name of each VM, in the order of vms, and the warnings about names that are not the VM's own.

    A hypervisor user chooses VM names, so no name of theirs may decide which host a play, `-l` or `delegate_to`
    reaches; no VM may vanish, and a host name must not quietly move to another VM:
    1. A host is named after its VM (its id when it has no name).
    2. A name several VMs share is the host of none of them, with a warning for each: on one hypervisor each one's
       host is '<name>_<id>' (a VM id is unique on its hypervisor); across hypervisors '<hypervisor>_<name>'
       (and '<hypervisor>_<name>_<id>' for those that share it on one hypervisor too). A host name depends only on
       the VMs of that name, so it keeps pointing at the same VM when another VM of that name appears or one goes;
       once the name is unique again, its VM's host is '<name>' again.
    3. A name that means the controller (localhost, a loopback address, the controller's own host names, any
       case) or that is already a host or group of an inventory source loaded earlier (taken, any case) becomes
       '<hypervisor>_<name>', with a warning: the earlier host keeps its name and its variables.
    4. A name in the namespace of this plugin's default groups (GROUP_NAMESPACE, any case: a VM named
       'pureboot_status_running' or 'pureboot_state_installed') becomes '<hypervisor>_<name>' too, with a warning:
       Ansible matches a host pattern against host names when no group has that name (no VM is running yet) and
       whenever the pattern is a glob ('pureboot_state_*'), so such a VM would join plays aimed at the groups.
       So does a name among those the source's own `groups` and `keyed_groups` make (source_groups: the names and
       the prefixes the plugin's source_group_namespace() gives).
    5. Should the result still be taken (a VM literally named like another's host), '_<id>' is added to it.

    controller: the controller's names (controller_names() when None).
    """
    controller = controller_names() if controller is None else {name.lower() for name in controller}
    taken = {name.lower() for name in taken}
    source_names, source_prefixes = source_groups

    def reserved(name):
        return means_loopback(name) or name.lower() in controller or name.lower() in taken

    def in_group_namespace(name):
        # Only a VM's own name: a qualified one keeps the administrator's hypervisor label in front.
        return name.lower().startswith(GROUP_NAMESPACE)

    def in_source_groups(name):
        return name.lower() in source_names or name.lower().startswith(tuple(source_prefixes))

    per_hypervisor = Counter((vm['hypervisor'], vm['name'] or vm['id']) for vm in vms)
    hypervisors_of = {}
    for vm in vms:
        hypervisors_of.setdefault(vm['name'] or vm['id'], []).append(vm['hypervisor'])
    warnings = []
    owners = set()
    names = []
    for vm in vms:
        own = vm['name'] or vm['id']
        name = own
        sharing = sorted(set(hypervisors_of[own]))
        if len(sharing) > 1:
            name = '{0}_{1}'.format(vm['hypervisor'], own)
        if per_hypervisor[(vm['hypervisor'], own)] > 1:
            name = '{0}_{1}'.format(name, vm['id'])
        if len(sharing) > 1:
            warnings.append(
                "{0} VMs are named '{1}' (on {2}); the host of the one on {3} with id {4} is '{5}'".format(
                    len(hypervisors_of[own]), own, ', '.join(sharing), vm['hypervisor'], vm['id'], name
                )
            )
        elif name != own:
            warnings.append(
                "{0} has {1} VMs named '{2}'; the host of the one with id {3} is '{4}'".format(
                    vm['hypervisor'], per_hypervisor[(vm['hypervisor'], own)], own, vm['id'], name
                )
            )
        elif reserved(own) or in_group_namespace(own) or in_source_groups(own):
            name = '{0}_{1}'.format(vm['hypervisor'], own)
            if own.lower() in taken:
                why = 'is already a host or group of an inventory source loaded before this one'
            elif in_group_namespace(own):
                why = "is in the namespace of this plugin's default groups"
            elif in_source_groups(own):
                why = "is in the namespace of this source's groups or keyed_groups"
            else:
                why = 'names the controller (localhost, a loopback address or its own name)'
            warnings.append("VM '{0}' (id {1}) of {2}: '{0}' {3}; its host is '{4}'".format(own, vm['id'], vm['hypervisor'], why, name))
        while name in owners or reserved(name):
            occupied, name = name, '{0}_{1}'.format(name, vm['id'])
            warnings.append("VM '{0}' (id {1}) of {2}: host name '{3}' is taken; its host is '{4}'".format(own, vm['id'], vm['hypervisor'], occupied, name))
        owners.add(name)
        names.append(name)
    return names, warnings


def inventory_hosts(data, trust_pureboot_ip=False, taken=(), controller=None, source_groups=((), ())):
    """The hosts collect()'s data makes, in the order of its VMs, and the warnings to show: ([InventoryHost], [str]).

    Host names: host_names(), taken being the hosts and groups the inventory has before this source adds its own
    (decided at every run, from the cache too: another source may have been added since the data was cached) and
    source_groups the names this source's groups and keyed_groups make (the plugin's source_group_namespace()).
    With PureBoot read (data['nodes'] not None) every host has pureboot_node: its node, matched only by the MAC of
    one of its NICs (NodeIndex.for_vm), or None. When PureBoot was configured but could not be read
    (data['pureboot_error']), no host has pureboot_node and no node-state group is made: null and
    pureboot_unregistered would claim the VM has no node, which nobody knows.
    """
    warnings = ['skipped {0}'.format(skipped['error']) for skipped in data['skipped']]
    warnings.extend(data['warnings'])
    if data.get('pureboot_error'):
        warnings.append(
            'PureBoot could not be read, so the hosts have no pureboot_node and no pureboot_state_* or '
            'pureboot_unregistered group (strict_pureboot makes this fail): {0}'.format(data['pureboot_error'])
        )
    names, naming_warnings = host_names(data['vms'], taken, controller, source_groups)
    warnings.extend(naming_warnings)
    with_pureboot = data['nodes'] is not None
    index = NodeIndex(data['nodes']) if with_pureboot else None
    hosts = []
    for name, vm in zip(names, data['vms']):
        node = (node_view(index.for_vm(vm)) or None) if with_pureboot else None
        variables = {'pureboot_vm': vm}
        if with_pureboot:
            variables['pureboot_node'] = node
        # With use_cloud_init: the VM's cloud-init user, and its static address where the hypervisor reports
        # none (set by whoever configured the VM, so before what PureBoot learnt from unauthenticated requests).
        cloud_init = (data.get('cloud_init') or {}).get('{0} {1}'.format(vm['hypervisor'], vm['id'])) or {}
        if cloud_init.get('user'):
            variables['ansible_user'] = cloud_init['user']
        address = hypervisor_address(vm, None, False) or cloud_init.get('address') or hypervisor_address(vm, node, trust_pureboot_ip)
        if address:
            variables['ansible_host'] = address
        hosts.append(InventoryHost(name, variables, default_groups(vm, node, with_pureboot)))
    return hosts, warnings
