# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The PUT /nodes/{node}/qemu/{vmid}/config parameters that write a VM's hardware changes (diff_hardware), against
its current config, keeping the rules PVE enforces beyond its API schema. Pure functions."""

from __future__ import annotations

import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.config import _natural, _new_mac, boot_devices, format_net, parse_net
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.hardware import cpu_params, other_params
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.rules import MAX_NETS, stored_description


def net_value(config, key, nic):
    """The netN value written for nic (a NIC record) at key: its fields, then the options of config's key this
    driver does not manage (firewall, queues, mtu ...); a new MAC when it has none."""
    other = parse_net(key, config[key])[1] if key in config else []
    return format_net(dict(nic, mac=nic.get('mac') or _new_mac()), other)


def config_params(config, changes, hypervisor, subject):
    """The PUT /config parameters for changes, against config (the VM's, pending changes applied)."""
    params, delete = {}, []
    try:
        params.update(cpu_params(config, changes))
    except ValueError as exc:
        raise InvalidInputError(str(exc), hypervisor=hypervisor, subject=subject)
    params.update(other_params(changes))
    if 'memory_mb' in changes:
        params['memory'] = int(changes['memory_mb']['after'])
        # PVE refuses memory below the balloon target (the least memory the guest is left with: qemu-server
        # update_vm_api, "balloon value too large"): the target comes down with the memory, to all of it.
        balloon = str(config.get('balloon') or '0')
        if balloon.isdigit() and int(balloon) > params['memory']:
            params['balloon'] = params['memory']
    new_config = dict(config)
    if 'networks' in changes:
        current = [key for key in sorted(config, key=_natural) if re.match(r'^net\d+$', key)]
        wanted = changes['networks']['after']
        # qemu-server has the slots net0 .. net31 ($MAX_NETS).
        free = (i for i in range(MAX_NETS) if 'net{0}'.format(i) not in config)
        for index, nic in enumerate(wanted):
            key = current[index] if index < len(current) else 'net{0}'.format(next(free, MAX_NETS))
            if key == 'net{0}'.format(MAX_NETS):
                raise InvalidInputError(
                    'networks: a VM has at most {0} NICs (net0 to net{1})'.format(MAX_NETS, MAX_NETS - 1), hypervisor=hypervisor, subject=subject
                )
            if not nic.get('network'):
                raise InvalidInputError('networks[{0}].network (the bridge) is required for a new NIC'.format(index), hypervisor=hypervisor, subject=subject)
            params[key] = new_config[key] = net_value(config, key, nic)
        for key in current[len(wanted) :]:
            delete.append(key)
            new_config.pop(key, None)
    if 'boot_order' in changes:
        devices = boot_devices(new_config)
        missing = [kind for kind in changes['boot_order']['after'] if kind not in devices]
        if missing:
            raise InvalidInputError('boot_order names {0} but the VM has no such device'.format(', '.join(missing)), hypervisor=hypervisor, subject=subject)
        params['boot'] = 'order=' + ';'.join(devices[kind] for kind in changes['boot_order']['after'])
    if 'firmware' in changes:
        params['bios'] = 'ovmf' if changes['firmware']['after'] == 'uefi' else 'seabios'
    if 'description' in changes:
        description = stored_description(changes['description']['after'] or '')
        if description:
            params['description'] = description
        else:
            delete.append('description')
    if 'tags' in changes:
        if changes['tags']['after']:
            params['tags'] = ';'.join(changes['tags']['after'])
        else:
            delete.append('tags')
    if delete:
        params['delete'] = ','.join(delete)
    return params
