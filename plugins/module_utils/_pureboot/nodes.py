# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Which PureBoot node is a VM's: the one matching rule (NodeIndex), used by pureboot_vm, pureboot_vm_info and the
inventory alike. Pure functions on the node records the client lists.

A node is a VM's node only by the MAC of one of the VM's NICs: PureBoot lets anyone register a node with any MAC and
SMBIOS UUID without a login, so a UUID alone never links a node to a VM. And a MAC alone is not enough either when
the node says otherwise: a hypervisor user can give a NIC any MAC, also that of a bare-metal server PureBoot knows;
a node whose system_uuid is set and differs from the VM's belongs to another machine (of_another_machine) and is
never the VM's node."""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import normalize_mac

# What results, --diff and the inventory show of a node.
NODE_VIEW_KEYS = ('id', 'mac_address', 'hostname', 'state', 'arch', 'boot_mode', 'system_uuid', 'group_id', 'workflow_id', 'tags', 'ip_address')


def node_subject(node=None, mac=None, node_id=None):
    """How messages name a node: by its MAC when known, else by id."""
    node = node or {}
    mac = mac or node.get('mac_address')
    if mac:
        return 'node {0}'.format(normalize_mac(mac) or mac)
    return 'node {0}'.format(node_id or node.get('id'))


def of_another_machine(node, system_uuid):
    """True when node carries an SMBIOS UUID and it is not system_uuid (the VM's, when known): the node was registered
    by or for another machine, whatever MAC it shares with the VM."""
    node_uuid = str(node.get('system_uuid') or '').lower()
    wanted_uuid = str(system_uuid or '').lower()
    return bool(node_uuid and wanted_uuid and node_uuid != wanted_uuid)


class NodeIndex:
    """Nodes by normalised MAC, to match one VM or thousands against one listing.

    A node is a VM's node only by the MAC of one of the VM's NICs. Its SMBIOS UUID proves nothing on its own:
    GET /api/v1/boot?mac=...&uuid=... registers a node with any MAC and any UUID without a login. So the UUID
    only confirms: among the VM's NICs that have a node, the node that carries the VM's UUID is preferred. But it
    does exclude: a node whose UUID is set and differs from the VM's is another machine's (of_another_machine), and
    never matched for it, whatever MAC the VM's NIC copied.
    Retired nodes are matched too (a re-created VM with the same MAC brings its retired node back: retiring a VM's
    node clears its UUID, link.py plan_retire).
    """

    def __init__(self, nodes):
        self.by_mac = {}
        for node in nodes or ():
            mac = normalize_mac(node.get('mac_address'))
            if mac:
                self.by_mac.setdefault(mac, node)

    def match(self, mac=None, system_uuid=None):
        """The node of one of these MACs (a MAC or a list, in order), confirmed by system_uuid when several have
        one; None when no MAC has a node, whatever the UUID, or when each has another machine's node."""
        candidates = [node for node in self.on_macs(mac) if not of_another_machine(node, system_uuid)]
        wanted_uuid = str(system_uuid or '').lower()
        if wanted_uuid:
            for node in candidates:
                if str(node.get('system_uuid') or '').lower() == wanted_uuid:
                    return node
        return candidates[0] if candidates else None

    def on_macs(self, mac):
        """The nodes of these MACs (a MAC or a list, in order), each once, whoever they belong to."""
        found = []
        for wanted in [mac] if isinstance(mac, str) else list(mac or ()):
            node = self.by_mac.get(normalize_mac(wanted))
            if node is not None and all(node is not other for other in found):
                found.append(node)
        return found

    def of_other_machines(self, vm):
        """The nodes on the MACs of the VM's NICs that belong to another machine (of_another_machine): never the
        VM's, never written to for it unless pureboot_node.adopt is always (link.py)."""
        return [node for node in self.on_macs(vm_macs(vm)) if of_another_machine(node, vm.get('uuid'))]

    def for_vm(self, vm):
        """A VM's node: by the MACs of its NICs in order, its SMBIOS UUID confirming one (see match).

        The one rule for "this VM's node": pureboot_vm_info and the inventory show it, pureboot_vm registers or
        updates it and retires it on removal (link.py: plan_vm_node, find_vm_node).
        """
        return self.match(mac=vm_macs(vm), system_uuid=vm.get('uuid'))


def vm_macs(vm):
    """The normalised MACs of a VM's NICs, in order (NICs without one left out)."""
    macs = []
    for nic in vm.get('nics') or ():
        mac = normalize_mac(nic.get('mac'))
        if mac and mac not in macs:
            macs.append(mac)
    return macs


def node_view(node):
    """The part of a node results, --diff and the inventory show; {} for no node."""
    if not node:
        return {}
    view = {key: node.get(key) for key in NODE_VIEW_KEYS}
    view['tags'] = list(view['tags'] or [])
    return view


def match_node(nodes, mac=None, system_uuid=None):
    """The node of nodes with this MAC (or one of several MACs), confirmed by system_uuid; never by UUID alone."""
    return NodeIndex(nodes).match(mac=mac, system_uuid=system_uuid)
