"""fakepve with real network state: each node's bridges and the cluster's SDN vnets.

fakepve answers GET /nodes/{node}/network and GET /cluster/sdn/vnets from its schema with the same sample for
every node (vmbr0 and eno1), and no vnet that the sample does not name, so a test could not show a bridge that
exists on one node and not on another. NetworkedPve keeps them as state, the way PVE's own API lists them
(PVE::API2::Network and PVE::API2::Network::SDN::Vnets):

- ``pve.bridges[node]``: the node's Linux bridges, [vmbr0, vmbr1] by default for every node (add_node included);
- ``pve.vnets``: {vnet: zone} of the cluster's SDN vnets, {'vnet1': 'zone1'} by default.

It also answers a VM's cloud-init password as PVE does: GET .../config and .../pending never give ``cipassword``
back, only the mask PVE sends (PVE::API2::Qemu); the model keeps what was written, for tests to read.

The requests go through fakepve's own routing, so its schema checks, permissions, unknown-node answer and
injected faults (``pve.fail('GET', '/network', status=403)``) apply to them as to every other path.
"""

import json

from fakepve.server import FakePve, ok

DEFAULT_BRIDGES = ('vmbr0', 'vmbr1')
DEFAULT_VNETS = {'vnet1': 'zone1'}
# What PVE answers in place of a VM's cloud-init password.
CIPASSWORD_MASK = '**********'
# What `type` asks for (PVE's network interface types and its two bridge aliases).
BRIDGE_TYPES = ('bridge', 'OVSBridge')


class NetworkedPve(FakePve):
    """A FakePve whose nodes have their own bridges, and whose cluster has SDN vnets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bridges = {node: list(DEFAULT_BRIDGES) for node in self.nodes}
        self.vnets = dict(DEFAULT_VNETS)

    def add_node(self, name, *args, **kwargs):
        result = super().add_node(name, *args, **kwargs)
        self.bridges.setdefault(name, list(DEFAULT_BRIDGES))
        return result

    # fakepve registers every `_routes_*` method's routes before its schema catch-all.
    def _routes_networks(self):
        return [('GET', '/nodes/{node}/network', self._network_index), ('GET', '/cluster/sdn/vnets', self._vnet_index)]

    async def _network_index(self, values, _user):
        node = values['node']
        interfaces = [{'iface': 'eno1', 'type': 'eth', 'method': 'manual', 'method6': 'manual', 'families': ['inet'], 'priority': 1, 'active': 1, 'exists': 1}]
        for index, bridge in enumerate(self.bridges.get(node, ()), 2):
            interfaces.append(
                {
                    'iface': bridge,
                    'type': 'bridge',
                    'method': 'manual',
                    'method6': 'manual',
                    'families': ['inet'],
                    'priority': index,
                    'active': 1,
                    'autostart': 1,
                    'bridge_ports': 'eno1' if index == 2 else '',
                    'bridge_stp': 'off',
                    'bridge_fd': '0',
                }
            )
        wanted = values.get('type')
        if wanted in ('any_bridge', 'any_local_bridge'):
            interfaces = [i for i in interfaces if i['type'] in BRIDGE_TYPES]
        elif wanted:
            interfaces = [i for i in interfaces if i['type'] == wanted]
        return interfaces

    async def _vnet_index(self, _values, _user):
        return [{'vnet': vnet, 'zone': zone, 'type': 'vnet', 'digest': '0' * 40} for vnet, zone in sorted(self.vnets.items())]

    # PVE hides the cloud-init password in every answer; fakepve's handlers answer the config as stored.
    async def _config_get(self, request):
        answer = json.loads((await super()._config_get(request)).text)['data']
        if answer.get('cipassword'):
            answer['cipassword'] = CIPASSWORD_MASK
        return ok(answer)

    async def _pending(self, request):
        answer = json.loads((await super()._pending(request)).text)['data']
        for item in answer:
            if item.get('key') == 'cipassword':
                for field in ('value', 'pending'):
                    if item.get(field):
                        item[field] = CIPASSWORD_MASK
        return ok(answer)
