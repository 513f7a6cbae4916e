# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Blank VMs and disks on Proxmox VE: a mixin of ProxmoxDriver (driver.py), which holds the session, the tasks and
the VM id claim this uses.

A blank VM is one `POST /nodes/{node}/qemu` with every setting in it (qemu-server PVE/API2/Qemu.pm create_vm): its
disks as new volumes (`<storage>:<size in GiB>`), NICs, boot order, OVMF with an EFI vars disk for uefi (without
one PVE boots OVMF from a temporary vars file and loses its settings at every start), ostype, CPU and onboot. Its id
is claimed as a clone's is (driver.py _clone): the create is the claim, a taken id is tried again elsewhere.

Disks of an existing VM: a disk grows with `PUT /nodes/{node}/qemu/{vmid}/resize` (an absolute size, so sending it
again is harmless; PVE refuses to shrink), a disk is added with its new-volume syntax in `PUT .../config`.
"""

from __future__ import annotations

import random
import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import apply_to_record, check_blank_spec, check_boot_order, spec_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ConflictError, HypervisorError, InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.config import _new_mac, boot_devices, format_net
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.hardware import (
    DRIVE,
    add_disk_params,
    os_type_matches,
    os_type_value,
    out_of_bus_order,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import describe_vm

# The EFI vars disk of a uefi VM: PVE's 4 MiB OVMF vars (efitype=4m, what PVE proposes for new VMs), without
# Microsoft's Secure Boot keys, so an unsigned network boot loader (iPXE) starts.
EFI_DISK = '{0}:1,efitype=4m,pre-enrolled-keys=0'


class ProxmoxBlank:
    """Blank VMs and the disks of every VM (see the module's docstring)."""

    # ------------------------------------------------------------ the contract's hooks
    def os_type_value(self, os_type):
        return os_type_value(os_type)

    def os_type_matches(self, current, wanted):
        return os_type_matches(current, wanted)

    def predict_changes(self, vm, changes):
        """The record apply_changes() returns: added disks named by the free slots of the configuration this run
        read for the VM (a CD-ROM or cloud-init drive may hold a slot no disk record shows)."""
        after = apply_to_record(vm, changes)
        if 'disks' in changes:
            config = self._seen_configs.get((vm['node'], str(vm['id'])), {})
            _params, keys = self._add_params(config, changes['disks'], spec_subject(vm))
            added = iter(keys)
            after['disks'] = [dict(d, name=d['name'] or next(added)) for d in after['disks']]
        return after

    # ------------------------------------------------------------ checks
    def _image_storages(self, node, subject):
        """{storage: content} of the storages of node that hold VM disks (content images)."""
        stores = self._call('GET', 'nodes/{0}/storage'.format(node), subject) or []
        return {s.get('storage'): str(s.get('content') or '') for s in stores if s.get('storage')}

    def _check_image_storage(self, node, storage, stores, what, subject):
        usable = sorted(name for name, content in stores.items() if 'images' in content.split(','))
        if storage not in stores:
            raise self.error(
                NotFoundError,
                "{0}: storage '{1}' not found on node '{2}'; storages for VM disks: {3}".format(what, storage, node, ', '.join(usable) or 'none'),
                subject,
            )
        if storage not in usable:
            raise self.error(
                InvalidInputError,
                "{0}: storage '{1}' of node '{2}' does not hold VM disks (content images); storages for VM disks: {3}".format(
                    what, storage, node, ', '.join(usable) or 'none'
                ),
                subject,
            )

    def _add_params(self, config, change, subject, running=False):
        """The config parameters of change['add'] (disks to add, in order) and the keys they get, checked: each
        disk comes after the VM's in bus order, so the n-th listed disk stays the VM's n-th. running: the VM's
        QEMU process runs (add_disk_params leaves its SCSI controller model alone)."""
        late = out_of_bus_order(change['before'], change['add'])
        if late is not None:
            index = len(change['before']) + late[0]
            raise self.error(
                InvalidInputError,
                'disks[{0}]: Proxmox VE lists disks in bus order (ide, sata, scsi, '
                'virtio), and a {1} disk would come before the {2} disk(s) listed '
                'before it; give the disks in that order'.format(index, change['add'][late[0]]['interface'], late[1]),
                subject,
            )
        try:
            return add_disk_params(config, change['add'], running)
        except ValueError as exc:
            raise self.error(InvalidInputError, 'disks: {0}'.format(exc), subject)

    def _blank_node(self, spec, subject):
        """The node of a blank VM: the option, else the only node of the cluster."""
        if spec.get('node'):
            return spec['node']
        nodes = sorted(n.get('node') for n in self._nodes() if n.get('node'))
        if len(nodes) == 1:
            return nodes[0]
        raise self.error(
            InvalidInputError,
            "option 'node' is required to create a blank VM on a cluster of several nodes; nodes: {0}".format(', '.join(nodes) or 'none'),
            subject,
        )

    # ------------------------------------------------------------ blank VMs
    def _preflight_blank(self, spec):
        """preflight() of a blank VM: every check before the create, reads only; returns what create needs."""
        self.validate_spec(spec)
        check_blank_spec(spec, self.label)
        subject = spec_subject(spec)
        node = self._blank_node(spec, subject)
        self._check_node(node, subject)
        if spec.get('pool'):
            self._check_pool(spec['pool'], subject)
        for index, nic in enumerate(spec['networks']):
            if not nic.get('network'):
                raise self.error(InvalidInputError, 'networks[{0}].network (the bridge) is required for a new NIC'.format(index), subject)
        stores = self._image_storages(node, subject)
        wanted = {'disks': spec['disks'], 'storage': spec.get('storage')}
        change = self.diff_hardware({'disks': [], 'name': spec.get('name')}, wanted)['disks']
        for index, disk in enumerate(change['add']):
            if not disk['storage']:
                usable = sorted(name for name, content in stores.items() if 'images' in content.split(','))
                raise self.error(
                    InvalidInputError,
                    "disks[{0}]: give its storage (or the option 'storage'); storages for VM disks on node '{1}': {2}".format(
                        index, node, ', '.join(usable) or 'none'
                    ),
                    subject,
                )
            self._check_image_storage(node, disk['storage'], stores, 'disks[{0}]'.format(index), subject)
        self._check_bridges(node, spec['networks'], subject)
        params = self._blank_params(spec, change, subject)
        devices = boot_devices(params)
        nics = [key for key in params if key.startswith('net')]
        check_boot_order(spec, nics, self.label, devices=[kind for kind in devices if kind != 'network'])
        if spec.get('boot_order'):
            params['boot'] = 'order=' + ';'.join(devices[kind] for kind in spec['boot_order'])
        return {'blank': True, 'target': node, 'params': params}

    def _blank_params(self, spec, change, subject):
        """The parameters of POST /nodes/{node}/qemu but vmid, as qemu-server's create_vm takes them."""
        params, _keys = self._add_params({}, dict(change, before=[]), subject)
        params['name'] = spec['name']
        params['ostype'] = os_type_value(spec.get('os_type') or 'linux')
        sockets = int(spec.get('cpu_sockets') or 1)
        if spec.get('cpu_cores') is not None or sockets != 1:
            params.update(cores=int(spec.get('cpu_cores') or sockets) // sockets, sockets=sockets)
        if spec.get('memory_mb') is not None:
            params['memory'] = int(spec['memory_mb'])
        if spec.get('cpu_type'):
            params['cpu'] = spec['cpu_type']
        if spec.get('start_on_boot') is not None:
            params['onboot'] = 1 if spec['start_on_boot'] else 0
        for index, nic in enumerate(spec['networks']):
            params['net{0}'.format(index)] = format_net(dict(nic, mac=nic.get('mac') or _new_mac()))
        if spec.get('firmware') == 'uefi':
            params['bios'] = 'ovmf'
            params['efidisk0'] = EFI_DISK.format(change['add'][0]['storage'])
        if spec.get('description'):
            params['description'] = spec['description']
        if spec.get('tags'):
            params['tags'] = ';'.join(sorted({str(t).lower() for t in spec['tags']}))
        if spec.get('pool'):
            params['pool'] = spec['pool']
        return params

    def _predict_blank(self, spec, checked):
        """The record of the blank VM the create will make: its config as PVE writes it, the id, UUID and MACs
        unknown."""
        config = {key: value for key, value in checked['params'].items() if key != 'pool'}
        for key, value in list(config.items()):
            storage, _sep, size = str(value).partition(':')
            if DRIVE.match(key) and size.isdigit():
                config[key] = '{0}:vm-new-{1},size={2}G'.format(storage, key, size)
        resource = {'vmid': '', 'name': spec.get('name'), 'node': checked['target'], 'status': 'stopped', 'template': 0}
        record = self._record(resource, config)
        record.update(id=None, uuid=None, nics=[dict(nic, mac=None) for nic in record['nics']])
        return record

    def _create_blank(self, name, spec, timeout):
        spec = dict(spec, name=name)
        subject = spec_subject(spec)
        checked = self._preflight_blank(spec)
        node = checked['target']
        # The same id claim as a clone's (driver.py _clone), with POST /nodes/{node}/qemu as the claim.
        vmid = self._clone(node, None, checked['params'], subject, time.monotonic() + timeout)
        resource = {'vmid': vmid, 'node': node, 'name': name, 'status': 'stopped', 'template': 0}
        vm = self._record(resource, self._config(node, vmid, describe_vm(name, vmid)))
        changes = self.diff_hardware(vm, spec)
        return self.apply_changes(vm, changes, timeout) if changes else vm

    def _create_once(self, node, vmid, params, subject, deadline):
        """One create at vmid, answered as _clone_once answers: 'done', 'taken' or 'again'."""
        try:
            upid = self._call('POST', 'nodes/{0}/qemu'.format(node), subject, vmid=vmid, **params)
        except ConflictError as exc:
            if exc.details.get('id_taken'):
                return 'taken'
            raise
        except HypervisorError as exc:
            if not getattr(exc, 'unanswered', False):
                raise
            # PVE writes the new VM's config, locked 'create', before it answers: read back as a clone's.
            return self._clone_read_back(vmid, params['name'], subject, deadline)
        try:
            self._wait_task(node, upid, max(deadline - time.monotonic(), 1), describe_vm(params['name'], vmid))
        except ConflictError as exc:
            # The allocation could not take the storage's lock in time; PVE removed the half-made VM.
            if not exc.details.get('locked') or time.monotonic() + 1 >= deadline:
                raise
            time.sleep(0.5 + random.random())
            return 'again'
        return 'done'

    # ------------------------------------------------------------ disks of an existing VM
    def _grow_disks(self, vm, grow, timeout):
        """Resize each disk of grow ([(index, key, size_gb)]) to its size; one task each."""
        subject = describe_vm(vm.get('name'), vm.get('id'))
        for _index, key, size in grow:
            # An absolute size: a resize whose answer was lost is sent again harmlessly (same size: no change).
            self._run_task(
                'PUT',
                'nodes/{0}/qemu/{1}/resize'.format(vm['node'], vm['id']),
                subject,
                timeout,
                {'disk': key, 'size': '{0}G'.format(int(size))},
                read_back=lambda _sent_at: False,
            )
