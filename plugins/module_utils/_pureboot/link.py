# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The link between a VM and its PureBoot node (the hypervisor registry, planned the same way, is registry.py).

Planning is pure: desired_node() says what the node should look like, plan_node() compares it with
the node PureBoot has and returns a NodePlan whose `changed`, `before` and `after` serve check mode and
--diff alike. apply_node_plan() carries a plan out through the client, sends nothing when nothing
differs, and returns what it did (Applied: the plan finally carried out and the node afterwards). The
same split holds for the registry (plan_registry -> RegistryPlan -> apply_registry_plan). Plans are
frozen values: nothing changes one after it is made, and a RegistryPlan never shows the password it holds.

What the server cannot do is said, not pretended: PATCH ignores arch and boot_mode, so a difference
there is reported under `unfixable` with a warning; DELETE of a node always fails, so nodes are
retired through the state endpoint; a retired node keeps its MAC, so it is revived instead of
registered again.

A node is a VM's node only by the MAC of one of the VM's NICs (_pureboot/nodes.py, NodeIndex): PureBoot lets anyone
register a node with any MAC and SMBIOS UUID without a login, so a UUID alone never links a node to a VM. A node on
the VM's MAC whose SMBIOS UUID is set and differs belongs to another machine (a hypervisor user can give a NIC any
MAC): it is a conflict, left untouched and never retired, unless pureboot_node.adopt is always. Retiring a VM's node
clears its UUID (the machine is gone), so a VM re-created with that MAC, which has a new UUID, may bring it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, HypervisorError, InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import valid_tag
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.install import apply_install_plan, await_node_state, plan_install, predicted_node
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.nodes import (
    NODE_VIEW_KEYS,
    NodeIndex,
    node_subject,
    node_view,
    of_another_machine,
    vm_macs,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import NODE_ARCHES, NODE_OPTION_DEFAULTS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import describe_vm, normalize_mac

if TYPE_CHECKING:  # for Applied.plan only: the registry imports Applied from here
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.registry import RegistryPlan

# Fields of a node this collection keeps in line through PATCH, and those PATCH silently ignores.
LINK_NODE_PATCH_FIELDS = ('hostname', 'workflow_id', 'group_id', 'system_uuid')
UNFIXABLE_FIELDS = ('arch', 'boot_mode')
# POST /nodes does not take workflow_id: it is PATCHed right after.
LINK_NODE_CREATE_FIELDS = ('mac_address', 'hostname', 'arch', 'boot_mode', 'system_uuid', 'group_id')

REVIVE_STATE = 'discovered'
RETIRED = 'retired'
REVIVE_COMMENT = 'revived by pureboot.hypervisors: its VM exists again'
RETIRE_COMMENT = 'retired by pureboot.hypervisors: its VM was removed'


def node_options_with_defaults(node_options):
    """pureboot_node with every key, defaults filled in where a value is None."""
    options = dict(NODE_OPTION_DEFAULTS)
    for key, value in (node_options or {}).items():
        if key not in NODE_OPTION_DEFAULTS:
            raise InvalidInputError(
                "unknown pureboot_node option '{0}'; known: {1}".format(key, ', '.join(sorted(NODE_OPTION_DEFAULTS))), subject='pureboot_node'
            )
        if value is not None:
            options[key] = value
    return options


def vm_mac(vm):
    """The MAC of the VM's first NIC that has one (normalised), or None."""
    for nic in vm.get('nics') or ():
        mac = normalize_mac(nic.get('mac'))
        if mac:
            return mac
    return None


def check_group_choice(options, subject):
    """pureboot_node names its group by name (group) or by id (group_id), never both."""
    if options['group'] is not None and options['group_id'] is not None:
        raise InvalidInputError('pureboot_node: give group or group_id, not both', subject=subject)


def resolve_group_id(client, group):
    """The id of the group named (or numbered, or at path) group; NotFoundError lists the available ones."""
    groups = client.list_groups()
    for key in ('id', 'name', 'path'):
        for candidate in groups:
            if candidate.get(key) == group:
                return candidate['id']
    raise client.error(
        NotFoundError,
        "group '{0}' not found; available: {1}".format(group, ', '.join(sorted(g.get('name') or g.get('id') for g in groups)) or 'none'),
        'pureboot_node.group',
    )


def _desired_tags(tags, subject):
    """The tags as PureBoot stores them (lowercase, each once), or InvalidInputError naming the bad one."""
    result = []
    for tag in tags:
        if not valid_tag(tag):
            raise InvalidInputError(
                "pureboot_node.tags: {0!r} is not a valid PureBoot tag (1-50 characters of letters, digits, '-' and '_')".format(tag), subject=subject
            )
        if tag.lower() not in result:
            result.append(tag.lower())
    return result


def desired_node(vm, node_options, client=None, mac=None):
    """The node fields the VM should have. A key left out is not managed (PureBoot keeps its value).

    Always: mac_address (mac: the MAC of the VM's node when it has one, see plan_vm_node; else the first NIC's MAC),
    hostname (the VM's name), arch, boot_mode; system_uuid when the VM's is known; group_id and workflow_id when given
    ('' clears them); tags when given (then authoritative). A group *name* is resolved to its id with client (a read).
    """
    options = node_options_with_defaults(node_options)
    subject = describe_vm(vm.get('name'))
    mac = normalize_mac(mac) or vm_mac(vm)
    if mac is None:
        raise InvalidInputError('the VM has no NIC with a MAC address to register as a PureBoot node', subject=subject)
    if options['arch'] not in NODE_ARCHES:
        raise InvalidInputError('pureboot_node.arch must be one of {0}, got {1}'.format(', '.join(NODE_ARCHES), options['arch']), subject=subject)
    check_group_choice(options, subject)
    desired = {'mac_address': mac, 'arch': options['arch'], 'boot_mode': 'uefi' if vm.get('firmware') == 'uefi' else 'bios'}
    if options['hostname'] or vm.get('name'):
        desired['hostname'] = options['hostname'] or vm['name']
    if vm.get('uuid'):
        desired['system_uuid'] = str(vm['uuid']).lower()
    if options['group']:
        if client is None:
            raise ValueError('desired_node needs the client to resolve a group name')
        desired['group_id'] = resolve_group_id(client, options['group'])
    elif options['group'] is not None or options['group_id'] is not None:
        desired['group_id'] = options['group_id'] or None
    if options['workflow_id'] is not None:
        desired['workflow_id'] = options['workflow_id'] or None
    if options['tags'] is not None:
        desired['tags'] = _desired_tags(options['tags'], subject)
    return desired


def _same(key, have, want):
    if key == 'system_uuid':
        return str(have or '').lower() == str(want or '').lower()
    return have == want


def _is_linked(current, desired):
    """True when the node already carries this VM's identity (its hostname or its SMBIOS UUID)."""
    if current.get('hostname') and current.get('hostname') == desired.get('hostname'):
        return True
    return bool(desired.get('system_uuid')) and _same('system_uuid', current.get('system_uuid'), desired['system_uuid'])


@dataclass(frozen=True)
class NodePlan:
    """What to do to one node (made by plan_node or plan_retire, never changed afterwards).

    action: create | adopt | revive | update | retire | none. create holds the POST's fields (action create only);
    state is the state the node is forced to first (revive, retire), with force; patch only the PATCHable fields
    that differ; add_tags/remove_tags only when tags are managed; unfixable the arch/boot_mode differences the API
    cannot change (said in warnings, not pretended in after). before/after are node views for --diff and check mode.
    """

    action: str
    subject: str
    desired: dict | None
    current: dict | None
    before: dict
    after: dict
    create: dict | None = None
    state: str | None = None
    force: bool = False
    patch: dict = field(default_factory=dict)
    add_tags: tuple = ()
    remove_tags: tuple = ()
    unfixable: dict = field(default_factory=dict)
    warnings: tuple = ()

    @property
    def changed(self):
        return self.action != 'none'

    @property
    def node_id(self):
        """The id of the node the plan is for; None before a create."""
        return (self.current or {}).get('id')

    @property
    def mac_address(self):
        return (self.desired or {}).get('mac_address') or (self.current or {}).get('mac_address')


@dataclass(frozen=True)
class Applied:
    """What an apply function did: the plan finally carried out (a second one when a create met a 409, see
    apply_node_plan) and the record as PureBoot has it afterwards (None once deleted, or when there is none)."""

    plan: NodePlan | RegistryPlan
    record: dict | None


def _unchanged_node_plan(current, subject):
    """The plan that leaves current (a node, or None) as it is."""
    return NodePlan(action='none', subject=subject, desired=None, current=current, before=node_view(current), after=node_view(current))


def plan_node(current, desired):
    """The NodePlan that brings current (a node, or None) to desired (see desired_node). Pure.

    action: create | adopt (a node exists for the MAC but is not this VM's yet, e.g. registered by an iPXE
    boot) | revive (the node is retired: forced back to discovered, then updated) | update | none.
    """
    subject = node_subject(mac=desired['mac_address'])
    desired_tags = list(desired.get('tags') or [])
    if current is None:
        after = {key: desired.get(key) for key in NODE_VIEW_KEYS}
        after.update(state='discovered', tags=desired_tags)
        return NodePlan(
            action='create',
            subject=subject,
            desired=desired,
            current=None,
            before={},
            after=after,
            create={key: desired[key] for key in LINK_NODE_CREATE_FIELDS if desired.get(key) is not None},
            patch={'workflow_id': desired['workflow_id']} if desired.get('workflow_id') else {},
            add_tags=tuple(desired_tags),
        )

    patch = {key: desired[key] for key in LINK_NODE_PATCH_FIELDS if key in desired and not _same(key, current.get(key), desired[key])}
    have_tags = [str(tag).lower() for tag in current.get('tags') or ()]
    add_tags, remove_tags = (), ()
    if desired.get('tags') is not None:
        add_tags = tuple(tag for tag in desired['tags'] if tag not in have_tags)
        remove_tags = tuple(tag for tag in have_tags if tag not in desired['tags'])
    unfixable, warnings = {}, []
    for key in UNFIXABLE_FIELDS:
        if key in desired and current.get(key) != desired[key]:
            unfixable[key] = {'before': current.get(key), 'after': desired[key]}
            warnings.append(
                "{0} (id {1}): {2} is '{3}' in PureBoot but the VM needs '{4}'; PureBoot's API cannot change the {2} "
                'of a registered node (PATCH ignores it), so it is left as is: change it on the PureBoot server'.format(
                    subject, current.get('id'), key, current.get(key), desired[key]
                )
            )

    state, force = None, False
    taken_over = of_another_machine(current, desired.get('system_uuid'))
    if taken_over:
        # Only with adopt: always (plan_vm_node refuses such a node otherwise).
        warnings.append(
            "{0} (id {1}) was registered with SMBIOS UUID {2}, not this VM's {3}: another machine may use this MAC; "
            'the node is taken over for this VM (pureboot_node.adopt: always)'.format(
                subject, current.get('id'), current.get('system_uuid'), desired['system_uuid']
            )
        )
    if current.get('state') == RETIRED:
        action, state, force = 'revive', REVIVE_STATE, True
    elif taken_over or not _is_linked(current, desired):
        action = 'adopt'
    elif patch or add_tags or remove_tags:
        action = 'update'
    else:
        action = 'none'

    before = node_view(current)
    after = dict(before, **patch)
    if state:
        after['state'] = state
    after['tags'] = [tag for tag in have_tags if tag not in remove_tags] + list(add_tags)
    return NodePlan(
        action=action,
        subject=subject,
        desired=desired,
        current=current,
        before=before,
        after=after,
        state=state,
        force=force,
        patch=patch,
        add_tags=add_tags,
        remove_tags=remove_tags,
        unfixable=unfixable,
        warnings=tuple(warnings),
    )


def plan_retire(current):
    """The NodePlan that retires current (PATCH state -> retired; DELETE is broken); none when absent or retired.

    The node's system_uuid is cleared first: the machine it named is gone, and a node without one is no other
    machine's, so a VM re-created with its MAC (and a new SMBIOS UUID) may revive it. A node retired by anyone else
    keeps its UUID and stays another machine's.
    """
    subject = node_subject(current) if current else 'node'
    if not current or current.get('state') == RETIRED:
        return _unchanged_node_plan(current, subject)
    before = node_view(current)
    patch = {'system_uuid': None} if current.get('system_uuid') else {}
    return NodePlan(
        action='retire', subject=subject, desired=None, current=current, before=before, after=dict(before, state=RETIRED, **patch), state=RETIRED, patch=patch
    )


def apply_node_plan(client, plan):
    """Carry out a NodePlan of plan_node or plan_retire; returns Applied(plan carried out, node afterwards).

    Sends nothing when the plan changes nothing.
    """
    if plan.action == 'create':
        try:
            created = client.create_node(**plan.create)
        except ConflictError:
            # The MAC was registered between the plan and the POST: the VM PXE-booted meanwhile and its iPXE
            # request registered the node (PureBoot does that without a login). The node exists now, so it is
            # brought in line instead: one second attempt, planned against that node, which is never a create.
            found = client.find_node(mac=plan.mac_address)
            if found is None:
                raise
            if of_another_machine(found, plan.desired.get('system_uuid')):
                raise client.error(ConflictError, another_machine_line(found, plan.desired.get('hostname')), node_subject(found))
            plan = plan_node(found, plan.desired)
        else:
            return Applied(plan, _carry_out_node_changes(client, plan, created['id']))
    if not plan.changed:
        return Applied(plan, plan.current)
    return Applied(plan, _carry_out_node_changes(client, plan, plan.node_id))


def _carry_out_node_changes(client, plan, node_id):
    """The writes after the create (if any) of plan on node node_id: state, PATCH, tags; the node afterwards.

    A retire clears the UUID before the state changes: a retired node that still named the removed VM's UUID would
    be another machine's for the VM re-created with its MAC."""
    if plan.state == RETIRED and plan.patch:
        client.update_node(node_id, **plan.patch)
        plan = replace(plan, patch={})
    if plan.state:
        comment = REVIVE_COMMENT if plan.state == REVIVE_STATE else RETIRE_COMMENT
        client.set_node_state(node_id, plan.state, comment=comment, force=plan.force)
    if plan.patch:
        client.update_node(node_id, **plan.patch)
    for tag in plan.add_tags:
        try:
            client.add_node_tag(node_id, tag)
        except ConflictError:
            pass  # added meanwhile by someone else: the node has it, as wanted
    for tag in plan.remove_tags:
        try:
            client.remove_node_tag(node_id, tag)
        except NotFoundError:
            pass  # removed meanwhile: the node lacks it, as wanted
    return client.get_node(node_id)


def _node_result(plan, node):
    return {
        'changed': plan.changed,
        'pureboot_node': node,
        'diff': {'before': plan.before, 'after': plan.after},
        'warnings': list(plan.warnings),
        'action': plan.action,
    }


def plan_vm_node(client, vm, node_options):
    """Read what is needed (groups when named, the nodes) and plan the VM's node.

    The VM's node is the one rule of NodeIndex.for_vm (a node with the MAC of one of its NICs), the same the info
    module and the inventory show and state absent retires; only when there is none is the first NIC's MAC
    registered. So a node PureBoot registered for the VM's second NIC (it PXE-booted from there) is the one kept
    in line, not a second node beside it.
    """
    nodes = client.list_nodes()
    index = NodeIndex(nodes)
    current = index.for_vm(vm)
    if current is None:
        current = _node_to_take_over(client, index, vm, node_options)
    desired = desired_node(vm, node_options, client, mac=(current or {}).get('mac_address'))
    plan = plan_node(current, desired)
    if current is None and desired.get('system_uuid'):
        # The VM's MAC changed since its node was registered, or someone registered its UUID under another MAC
        # (no login needed): either way that node is not the VM's, and it is left as it is. Said, not acted on.
        wanted_uuid, own_macs = desired['system_uuid'].lower(), vm_macs(vm)
        other = next(
            (
                n
                for n in nodes
                if n.get('state') != RETIRED and normalize_mac(n.get('mac_address')) not in own_macs and str(n.get('system_uuid') or '').lower() == wanted_uuid
            ),
            None,
        )
        if other:
            plan = replace(
                plan,
                warnings=plan.warnings
                + (
                    "{0} (id {1}) has this VM's SMBIOS UUID but the MAC {2}, on none of its NICs: it is not this VM's node "
                    "and is left as is; a node for the VM's MAC {3} is registered".format(
                        node_subject(other), other.get('id'), other.get('mac_address'), desired['mac_address']
                    ),
                ),
            )
    return plan


def another_machine_line(node, vm_name):
    """The one line that says a node found by a VM's MAC is another machine's."""
    return (
        "{0} (id {1}, hostname {2}) is on the MAC of {3}'s NIC but belongs to another machine (SMBIOS UUID {4}); "
        'it is left untouched: give the VM another MAC, or pureboot_node.adopt: always to take the node over'.format(
            node_subject(node), node.get('id'), node.get('hostname') or '-', vm_name or 'the VM', node.get('system_uuid')
        )
    )


def _node_to_take_over(client, index, vm, node_options):
    """For a VM without a node of its own: the node of another machine on one of its MACs when adopt is always,
    None when there is none; ConflictError (nothing written) when there is one and adopt is matching."""
    others = index.of_other_machines(vm)
    if not others:
        return None
    if node_options_with_defaults(node_options)['adopt'] == 'always':
        return others[0]
    raise client.error(ConflictError, another_machine_line(others[0], vm.get('name')), node_subject(others[0]))


def find_vm_node(client, vm):
    """The VM's node by the one rule of NodeIndex.for_vm: by the MACs of its NICs, the SMBIOS UUID only confirming
    one of several; None when the VM has no MAC (its UUID alone never finds a node)."""
    if not vm_macs(vm):
        return None
    return NodeIndex(client.list_nodes()).for_vm(vm)


def ensure_vm_node(client, vm, node_options, check_mode=False):
    """Register the VM as a node or keep its node in line, and queue its install when node_options ask;
    {'changed', 'pureboot_node', 'diff', 'warnings', 'action'}, with 'pureboot_install' when an install or reinstall
    is asked. Waiting for the install is await_vm_node's, once the VM runs.

    With register false nothing is written: the node matched by the VM's MACs is only reported.
    The install is planned on the node as the node plan leaves it, before any write, so a refusal (an install_failed
    node with its attempts used, ...) is one line with nothing written. In check mode the node is predicted from
    the plans.
    """
    options = node_options_with_defaults(node_options)
    if not options['register']:
        node = find_vm_node(client, vm)
        return _node_result(_unchanged_node_plan(node, node_subject(node) if node else 'node'), node)
    plan = plan_vm_node(client, vm, options)
    planned = dict(plan.current or {}, **(plan.after if plan.changed else {}))
    install = plan_install(planned, options)
    if check_mode:
        node, install_result = predict_install(plan.after if plan.changed else plan.current, options, install)
        return _with_install(_node_result(plan, node), install_result)
    applied = apply_node_plan(client, plan)
    result = _node_result(applied.plan, applied.record)
    if install is not None:
        # Planned again on the node as PureBoot has it now: it may have changed since it was read.
        install = plan_install(applied.record, options)
        node = (apply_install_plan(client, install, applied.record['id']) if install.changed else None) or applied.record
        result = _with_install(dict(result, pureboot_node=node), install.result())
    return result


def predict_install(node, options, install=None):
    """Check mode: (the node once its install is queued, the pureboot_install result or None). node is a node
    record or view; install its plan when made already."""
    install = install if install is not None else plan_install(node or {}, options)
    if install is None:
        return node, None
    return predicted_node(node, install), install.result()


def _with_install(result, install_result):
    """The node step's result with the install's merged in: changed, the state in --diff, pureboot_install."""
    if install_result is None:
        return result
    result = dict(result, pureboot_install=install_result, changed=result['changed'] or install_result['queued'])
    if install_result['queued']:
        after = dict(result['diff']['after'] or {}, state=install_result['transitions'][-1])
        result['diff'] = dict(result['diff'], after=after)
    return result


def await_vm_node(client, result, node_options, check_mode, subject):
    """result (ensure_vm_node's) after waiting for its node to reach pureboot_node.wait_for, with 'pureboot_wait'
    (states_seen, seconds); result as it is when no wait is asked, and in check mode. Called once the VM runs.

    A failed wait raises its error with what was done in its partial result (changed, the node as last seen)."""
    options = node_options_with_defaults(node_options)
    if not options['wait_for'] or check_mode:
        return result
    node = result['pureboot_node']
    if not node:
        raise InvalidInputError(
            "pureboot_node.wait_for: no PureBoot node has the MAC of one of the VM's NICs, so there is nothing to wait for (pureboot_node.register is false)",
            subject=subject,
        )
    try:
        node, report = await_node_state(client, node, options['wait_for'], options['wait_timeout'])
    except HypervisorError as exc:
        exc.partial_result = {'changed': result['changed'], 'pureboot_node': node, 'pureboot_wait': exc.details.get('pureboot_wait')}
        raise
    return dict(result, pureboot_node=node, pureboot_wait=report)


def retire_vm_node(client, vm, node_options, check_mode=False):
    """Retire the node of a VM being removed (matched by the MACs of its NICs), unless on_absent is keep."""
    options = node_options_with_defaults(node_options)
    nodes = NodeIndex(client.list_nodes()) if vm_macs(vm) else NodeIndex(())
    node = nodes.for_vm(vm)
    if options['on_absent'] == 'keep' or not options['register']:
        return _node_result(_unchanged_node_plan(node, node_subject(node) if node else 'node'), node)
    plan = plan_retire(node)
    if node is None:
        # Another machine's node on the VM's MAC is never retired with the VM: said, so nobody thinks it was.
        plan = replace(
            plan,
            warnings=tuple('conflict: {0}; it is not retired'.format(another_machine_line(other, vm.get('name'))) for other in nodes.of_other_machines(vm)),
        )
    if check_mode:
        return _node_result(plan, plan.after or None)
    applied = apply_node_plan(client, plan)
    return _node_result(applied.plan, applied.record)
