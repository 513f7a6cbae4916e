# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Blank VMs and disks on oVirt, as a part of OvirtDriver (a mixin: it uses the driver's requests and lookups).

A blank VM is made from the engine's `Blank` template (no disk), with the CPU, memory, OS type and firmware in the
create request; its disks are then added one by one on its `diskattachments` (a new thin qcow2 disk each, in the
storage domain asked for, the first one bootable), as a clone's added disks are. A disk grows through its own
`PUT /disks/{id}` (the engine refuses shrinking, and so does the shared diff before it). The engine keeps a new or
growing disk `locked` while the host makes it: the driver waits until every disk is `ok`, so a start that follows
is not refused.
"""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import check_blank_spec, vm_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.disks import (
    GIB,
    INTERFACE_VALUES,
    attachment_alias,
    disk_alias,
    disk_records,
    interface_refusal,
    name_new_disks,
    os_type_value,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.hardware import MIB, bios_type, boot_devices, cpu_body
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.sdk import otypes
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import remaining, wait_for_task

BLANK = 'Blank'


class OvirtDisks:
    """The blank-VM and disk part of OvirtDriver."""

    # ------------------------------------------------------------ checks
    def _new_disks_checked(self, spec, cluster, clone, bios, subject):
        """Before any write: the storage domain of every disk clone (the record the VM starts as) does not have yet
        (one of the cluster's data center, by the shared rule: the disk's, else `storage`, else the first disk's),
        and each new disk's bus on the VM's chipset. Returns [(disk record to add, storage domain entry)]."""
        changes = self.diff_hardware(clone, spec).get('disks')
        return self._resolve_new_disks(changes['add'] if changes else [], len(clone['disks']), cluster, bios, subject)

    def _resolve_new_disks(self, add, first_index, cluster, bios, subject):
        refusal = interface_refusal(add, first_index, bios)
        if refusal:
            raise self.error(InvalidInputError, refusal, subject)
        resolved = []
        for offset, disk in enumerate(add):
            if not disk.get('storage'):
                domains = [d['name'] for d in self._lookup('storage_domains').values() if cluster['dc_id'] in d['dc_ids']]
                raise self.error(
                    InvalidInputError,
                    'disks[{0}]: a storage domain is required for a new disk on ovirt: give disks[{0}].storage or storage; available: {1}'.format(
                        first_index + offset, ', '.join(sorted(domains)) or 'none'
                    ),
                    subject,
                )
            resolved.append((disk, self._storage_domain(disk['storage'], cluster['dc_id'], subject)))
        return resolved

    def _new_disk_domains(self, current, changes, subject):
        """The storage domain entries of the disks changes add to the SDK VM current (checked as preflight does)."""
        if 'disks' not in changes or not changes['disks']['add']:
            return []
        cluster = self._lookup_ids('clusters', [current.cluster.id]).get(current.cluster.id) or {}
        bios = current.bios.type.value if current.bios is not None and current.bios.type is not None else None
        resolved = self._resolve_new_disks(changes['disks']['add'], len(changes['disks']['before']), cluster, self._effective_bios({}, cluster, bios), subject)
        return [domain for _disk, domain in resolved]

    def _effective_bios(self, spec, cluster, current_bios=None):
        """The BIOS type the VM will have: the one firmware asks for, else its own, else the cluster's."""
        if spec.get('firmware'):
            return bios_type(spec['firmware']).value
        if current_bios not in (None, 'cluster_default'):
            return current_bios
        return cluster.get('bios_type')

    def _blank_preflight(self, spec, cluster, subject):
        check_blank_spec(spec, self.label)
        spec = self._with_blank_defaults(spec)
        blank = self._find_template(BLANK, cluster, subject)
        clone = dict(self._template_vm_record(blank, cluster), node=None, tags=[], name=spec.get('name'), description=spec.get('description') or None)
        new_disks = self._new_disks_checked(spec, cluster, clone, self._effective_bios(spec, cluster), subject)
        return {'cluster': cluster, 'template': blank, 'domain': None, 'clone': clone, 'new_disks': new_disks}

    @staticmethod
    def _with_blank_defaults(spec):
        """A blank VM is a Linux guest unless os_type says otherwise."""
        return dict(spec, os_type=spec.get('os_type') or 'linux') if not spec.get('template') else spec

    def predict_changes(self, vm, changes):
        after = super().predict_changes(vm, changes)
        if 'disks' in changes:
            after['disks'] = name_new_disks(vm.get('name'), after['disks'])
        return after

    # ------------------------------------------------------------ writes
    def _create_blank(self, name, spec, checked, deadline):
        """POST /vms from Blank with the VM's own fields, then its disks, NICs and tags as changes."""
        spec = self._with_blank_defaults(spec)
        cluster = checked['cluster']
        subject = vm_subject({'name': name})
        body = otypes.Vm(
            name=name,
            cluster=otypes.Cluster(id=cluster['id']),
            template=otypes.Template(id=checked['template'].id),
            description=spec.get('description') or '',
            os=otypes.OperatingSystem(
                type=os_type_value(spec['os_type'], cluster.get('architecture')),
                boot=otypes.Boot(devices=boot_devices(spec['boot_order'])) if spec.get('boot_order') else None,
            ),
        )
        if spec.get('cpu_cores') or spec.get('cpu_sockets') or spec.get('cpu_type'):
            sockets = int(spec.get('cpu_sockets') or 1)
            total = int(spec.get('cpu_cores') or sockets)
            topology = otypes.CpuTopology(sockets=sockets, cores=total // sockets, threads=1)
            body.cpu = cpu_body(spec.get('cpu_type'), topology)
            if spec.get('cpu_type') and spec['cpu_type'] != 'host':
                body.custom_cpu_model = spec['cpu_type']
        if spec.get('memory_mb'):
            body.memory = int(spec['memory_mb']) * MIB
            body.memory_policy = otypes.MemoryPolicy(guaranteed=body.memory, max=body.memory * 4)
        if spec.get('firmware'):
            body.bios = otypes.Bios(type=bios_type(spec['firmware']))
        vm = self._add_vm(name, body, False, subject, deadline)
        changes = self.diff_hardware(vm, spec)
        return self._apply(vm, changes, deadline) if changes else vm

    def _apply_disks(self, current, change, domains, subject):
        """Make the VM's disks what change['after'] lists: grow the smaller ones, add the missing ones (domains: the
        storage domain entries of the disks to add, in order). Compares with what the engine has now, so it can run
        again after a lock without doing anything twice."""
        attachments = self._read(lambda system: _attachments_service(system, current.id).list(follow='disk'), subject)
        names = {d['id']: d['name'] for d in self._lookup('storage_domains').values()}
        have = disk_records(attachments, names)
        by_name = {attachment_alias(a): a for a in attachments if a.disk is not None}
        wanted = change['after']
        for index, disk in enumerate(wanted[: len(have)]):
            if disk['size_gb'] > have[index]['size_gb']:
                disk_id = by_name[have[index]['name']].disk.id
                self._write(
                    lambda system, disk_id=disk_id, size=disk['size_gb']: (
                        system.disks_service().disk_service(disk_id).update(otypes.Disk(provisioned_size=size * GIB))
                    ),
                    subject,
                )
        taken = [d['name'] for d in have]
        bootable = any(a.bootable for a in attachments)
        for offset, disk in enumerate(wanted[len(have) :]):
            # domains holds the storage of each disk change['add'] lists, the disks after change['before'].
            domain = domains[len(have) + offset - len(change['before'])]
            alias = disk_alias(current.name, taken)
            taken.append(alias)
            attachment = otypes.DiskAttachment(
                bootable=not bootable,
                active=True,
                pass_discard=False,
                interface=otypes.DiskInterface(INTERFACE_VALUES[disk.get('interface') or self.DEFAULT_DISK_INTERFACE]),
                disk=otypes.Disk(
                    alias=alias,
                    provisioned_size=int(disk['size_gb']) * GIB,
                    format=otypes.DiskFormat.COW,
                    sparse=True,
                    storage_domains=[otypes.StorageDomain(id=domain['id'])],
                ),
            )
            bootable = True

            def added(alias=alias):
                # The engine adds the disk (locked) before it answers: one of that name on the VM is the new one.
                found = [
                    a for a in self._read(lambda system: _attachments_service(system, current.id).list(follow='disk'), subject) if attachment_alias(a) == alias
                ]
                return found[0] if found else False

            self._write(lambda system, body=attachment: _attachments_service(system, current.id).add(body), subject, read_back=added)

    def _wait_disks_ok(self, vm_id, deadline, subject):
        """Wait until no disk of the VM is locked (being made or grown)."""

        def settled():
            attachments = self._read(lambda system: _attachments_service(system, vm_id).list(follow='disk'), subject)
            statuses = [a.disk.status.value for a in attachments if a.disk is not None and a.disk.status is not None]
            if 'illegal' in statuses:
                raise self.error(NotFoundError, "a disk of the VM is illegal after being made or grown; the engine's events say why", subject)
            return True if all(s == 'ok' for s in statuses) else None

        wait_for_task(settled, remaining(deadline), 'the disks to be ok', hypervisor=self.label, subject=subject)


def _attachments_service(system, vm_id):
    return system.vms_service().vm_service(str(vm_id)).disk_attachments_service()
