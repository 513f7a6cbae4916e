"""Disks of the simulated engine: new disks on a VM (disk attachments), their growth, and the engine's rules.

Every rule cites the ovirt-engine source it comes from (``backend/manager/modules/bll`` unless said otherwise;
messages from ``frontend/.../AppErrors.properties``, HTTP codes from ``EngineMessage``'s ``ErrorType``: CONFLICT is
409, BAD_PARAMETERS 400). Called with the state's lock held.
"""

import time

from ovirtsdk4 import types

from . import osinfo
from .model import GIB, MIB, SimError

# StorageDomainValidator.EMPTY_QCOW_HEADER_SIZE: what a new thin (sparse) disk takes on a file domain at first.
EMPTY_QCOW_HEADER_SIZE = MIB
# osinfo-defaults.properties, os.other.devices.diskInterfaces = i440fx/IDE, VirtIO_SCSI, VirtIO, q35/SATA: every x86
# OS derives from `other` (the few old guests that drop VirtIO_SCSI are not modelled). IDE exists only on the i440fx
# chipset and SATA only on q35 (VmValidationUtils.isDiskInterfaceSupportedByOs with the VM's BiosType chipset).
CHIPSET_INTERFACES = {'i440fx': ('ide', 'virtio_scsi', 'virtio'), 'q35': ('virtio_scsi', 'virtio', 'sata')}


def attachment_defaults(bootable, interface='virtio_scsi'):
    """The attachment of a disk copied from a template (as the template's own): plugged, first one bootable."""
    return {'interface': interface, 'bootable': bool(bootable), 'active': True, 'pass_discard': False}


def chipset(vm):
    """BiosType.getChipsetType(): i440fx_sea_bios is i440fx, every q35_* q35; cluster_default is the cluster's."""
    bios = vm.obj.bios.type.value if vm.obj.bios is not None and vm.obj.bios.type is not None else 'cluster_default'
    if bios == 'cluster_default':
        bios = vm.cluster.obj.bios_type.value if vm.cluster.obj.bios_type is not None else 'q35_sea_bios'
    return 'i440fx' if bios.startswith('i440fx') else 'q35'


def disk_status(disk):
    """The disk's status now: locked until its own lock (a new or growing image) or its VM's image_locked ends."""
    if disk.unlock_at is not None and time.monotonic() >= disk.unlock_at:
        disk.unlock_at = None
        disk.obj.status = types.DiskStatus.OK
        disk.touch()
    return disk.obj.status


def advance_disks(state):
    """Unlock the disks whose operation is over (called before every request is served)."""
    for disk in list(state.locked_disks):
        if disk_status(disk) != types.DiskStatus.LOCKED or disk.id not in state.disks:
            state.locked_disks.discard(disk)
            for vm in state.vms.values():
                if disk in vm.disks:
                    vm.touch()


def _lock_for_a_while(state, disk):
    """The engine locks the image while vdsm makes or extends it (AddDiskCommand, UpdateDiskCommand.lockImageInDb),
    for state.delays['disk_locked'] seconds here; then it is ok."""
    delay = state.delays['disk_locked']
    if delay <= 0:
        disk.obj.status = types.DiskStatus.OK
        disk.unlock_at = None
        return
    disk.obj.status = types.DiskStatus.LOCKED
    disk.unlock_at = time.monotonic() + delay
    state.locked_disks.add(disk)


def locked_disk_aliases(vm):
    return [disk.obj.alias or disk.name for disk in vm.disks if disk_status(disk) == types.DiskStatus.LOCKED]


def check_disks_unlocked(vm, action):
    """DiskImagesValidator.diskImagesNotLocked (RunVmValidator, RemoveVmCommand, UpdateDiskCommand):
    ACTION_TYPE_FAILED_DISKS_LOCKED, a conflict."""
    aliases = locked_disk_aliases(vm)
    if aliases:
        raise SimError(409, '[Cannot %s: The following disks are locked: %s. Please try again in a few minutes.]' % (action, ', '.join(aliases)))


def domain_available(state, domain):
    """StorageDomain.available as the renderer shows it: capacity less what is used."""
    used = domain.base_used + sum(disk.obj.actual_size or 0 for disk in state.disks.values() if disk.storage_domain is domain)
    return max(domain.capacity - used, 0)


def _check_space(state, domain, needed, action):
    """StorageDomainValidator.hasSpaceForNewDisk (available >= what the new image takes at first) and
    isDomainWithinThresholds (available GiB not under critical_space_action_blocker): both
    ACTION_TYPE_FAILED_DISK_SPACE_LOW_ON_STORAGE_DOMAIN, a conflict."""
    available = domain_available(state, domain)
    blocker = domain.obj.critical_space_action_blocker or 0
    if available < needed or available // GIB < blocker:
        raise SimError(409, '[Cannot %s Virtual Disk. Low disk space on Storage Domain %s.]' % (action, domain.name))


def _check_interface(vm, interface, action):
    """DiskVmElementValidator.isVirtIoScsiValid (the VM's VirtIO-SCSI controller, CANNOT_PERFORM_ACTION_VIRTIO_SCSI_
    IS_DISABLED, 409) and isDiskInterfaceSupported (ACTION_TYPE_DISK_INTERFACE_UNSUPPORTED, 400)."""
    if interface == 'virtio_scsi' and vm.obj.virtio_scsi is not None and vm.obj.virtio_scsi.enabled is False:
        raise SimError(409, '[Cannot %s Virtual Disk. VirtIO-SCSI is disabled for the VM]' % action)
    if interface not in CHIPSET_INTERFACES[chipset(vm)]:
        os_type = vm.obj.os.type if vm.obj.os is not None and vm.obj.os.type else 'other'
        raise SimError(400, '[Cannot %s Virtual Disk: The disk interface is not supported by the VM OS: %s.]' % (action, osinfo.display_name(os_type)))


def _check_one_boot_disk(vm, name, except_disk=None):
    """DiskValidator.isVmNotContainsBootDisk: one bootable disk per VM (ACTION_TYPE_FAILED_DISK_BOOT_IN_USE, 409)."""
    boot = next((disk for disk in vm.disks if disk.attachment['bootable'] and disk is not except_disk), None)
    if boot is not None:
        raise SimError(409, '[Cannot add Virtual Disk. Disk %s in VM %s is already marked as boot.]' % (boot.obj.alias or boot.name, vm.name))


def _storage_domain(state, vm, wanted):
    """The REST layer's getStorageDomainId: by id, or by name (404 when no domain has it); AddDiskCommand then reads
    the domain within the VM's data center, so one of another data center does not exist for it (400,
    ACTION_TYPE_FAILED_STORAGE_DOMAIN_NOT_EXIST); none given is ACTION_TYPE_FAILED_STORAGE_DOMAIN_NOT_SPECIFIED (400)."""
    if not wanted or not (wanted[0].id or wanted[0].name):
        raise SimError(400, "[Cannot add Virtual Disk. Storage Domain hasn't been specified.]")
    ref = wanted[0]
    if ref.id:
        domain = state.storage_domains.get(ref.id)
    else:
        domain = next((sd for sd in state.storage_domains.values() if sd.name == ref.name), None)
        if domain is None:
            raise SimError(404, 'Entity not found: StorageDomain')
    if domain is None or domain.datacenter is not vm.datacenter:
        raise SimError(400, "[Cannot add Virtual Disk. Storage Domain doesn't exist.]")
    if domain.obj.type is not None and domain.obj.type.value in ('iso', 'export'):
        # StorageDomainValidator.domainIsValidDestination.
        raise SimError(409, '[Cannot add Virtual Disk. Storage Domain type is illegal.]')
    return domain


def add_new_disk(state, vm, attachment):
    """POST /vms/{id}/diskattachments with a disk that does not exist yet (AddDiskCommand via
    BackendDiskAttachmentsResource.createDisk)."""
    disk_body = attachment.disk
    # BackendDiskAttachmentsResource.validateDiskForCreation: "provisionedSize|size" and "format" (400); the API model
    # makes the attachment's interface mandatory (DiskAttachmentsService.Add).
    # (The SDK no longer has the old `size`, so a request can only carry provisioned_size.)
    missing = [name for name, value in (('provisionedSize|size', disk_body.provisioned_size), ('format', disk_body.format)) if not value]
    if missing:
        raise SimError(400, 'Disk [%s] required for add' % ', '.join(missing), reason='Incomplete parameters')
    if attachment.interface is None:
        raise SimError(400, 'DiskAttachment [interface] required for add', reason='Incomplete parameters')
    size = int(disk_body.provisioned_size)
    if size <= 0:
        # DiskValidator.validateDiskSize: ACTION_TYPE_FAILED_DISK_SIZE_ZERO (400).
        raise SimError(400, "[Cannot add Virtual Disk. Disk's provisioned size has to be greater than 0.]")
    if vm.status == 'image_locked':
        # VmValidator.vmNotLocked: ACTION_TYPE_FAILED_VM_IS_LOCKED (409).
        raise SimError(409, '[Cannot add Virtual Disk: VM is locked. Please try again in a few minutes.]')
    interface = attachment.interface.value
    alias = disk_body.alias or disk_body.name or '%s_Disk%d' % (vm.name, len(vm.disks) + 1)  # ImagesHandler.setDiskAlias
    if attachment.bootable:
        _check_one_boot_disk(vm, alias)
    domain = _storage_domain(state, vm, disk_body.storage_domains)
    _check_interface(vm, interface, 'add')
    sparse = disk_body.sparse if disk_body.sparse is not None else disk_body.format == types.DiskFormat.COW
    if disk_body.format == types.DiskFormat.RAW and sparse and domain.obj.storage is not None and domain.obj.storage.type.value in ('iscsi', 'fcp'):
        # ImagesHandler.checkImageConfiguration: no thin RAW on block storage (ACTION_TYPE_FAILED_DISK_CONFIGURATION_
        # NOT_SUPPORTED, 400).
        raise SimError(400, '[Cannot add Virtual Disk. Disk configuration (RAW Sparse) is incompatible with the storage domain type.]')
    # StorageDomainValidator.getTotalSizeForNewDisks: a thin image takes its qcow2 header at first, a preallocated
    # one its whole size.
    _check_space(state, domain, EMPTY_QCOW_HEADER_SIZE if sparse else size, 'add')
    disk = state.new_disk(alias, size, domain)
    disk.obj.format = disk_body.format
    disk.obj.sparse = bool(sparse)
    disk.obj.actual_size = disk.obj.total_size = EMPTY_QCOW_HEADER_SIZE if sparse else size
    if disk_body.description:
        disk.obj.description = disk_body.description
    # BackendDiskAttachmentsResource.getAddParameters: plugged when `active` says so (the model calls a request
    # without it undefined; the engine then plugs it).
    disk.attachment = {
        'interface': interface,
        'bootable': bool(attachment.bootable),
        'active': attachment.active is not False,
        'pass_discard': bool(attachment.pass_discard),
    }
    _lock_for_a_while(state, disk)
    vm.disks.append(disk)
    vm.touch()
    return disk


def update_disk(state, disk, body, vm=None, attachment=None):
    """PUT /disks/{id} (BackendDiskResource.update) and PUT /vms/{id}/diskattachments/{id}
    (BackendDiskAttachmentResource.update): both are UpdateDiskCommand."""
    owner = vm or next((candidate for candidate in state.vms.values() if disk in candidate.disks), None)
    if owner is not None:
        state.advance(owner)
        if owner.status == 'image_locked':
            # UpdateDiskCommand.validateVmDisk -> VmValidator.vmNotLocked.
            raise SimError(409, '[Cannot edit Virtual Disk: VM is locked. Please try again in a few minutes.]')
    if disk_status(disk) == types.DiskStatus.LOCKED:
        # UpdateDiskCommand.getExclusiveLocks: the disk's lock, ACTION_TYPE_FAILED_DISKS_LOCKED (409).
        raise SimError(
            409, '[Cannot edit Virtual Disk: The following disks are locked: %s. Please try again in a few minutes.]' % (disk.obj.alias or disk.name)
        )
    size = body.provisioned_size if body is not None else None
    old = disk.obj.provisioned_size or 0
    if attachment is not None and owner is not None:
        if attachment.interface is not None and attachment.interface.value != disk.attachment['interface']:
            _check_interface(owner, attachment.interface.value, 'edit')
        if attachment.bootable and not disk.attachment['bootable']:
            _check_one_boot_disk(owner, disk.name, except_disk=disk)
    if size is not None and int(size) != old:
        # UpdateDiskCommand.validateCanResizeDisk: ACTION_TYPE_FAILED_REQUESTED_DISK_SIZE_IS_TOO_SMALL (400) ...
        if int(size) < old:
            raise SimError(400, '[Cannot edit Virtual Disk. New disk size must be larger than the current disk size.]')
        # ... and the space for the added size, counted as a new image of that size (thin: its header).
        added = int(size) - old
        _check_space(state, disk.storage_domain, EMPTY_QCOW_HEADER_SIZE if disk.obj.sparse else added, 'edit')
        disk.obj.provisioned_size = int(size)
        if not disk.obj.sparse:
            disk.obj.actual_size = disk.obj.total_size = int(size)
        _lock_for_a_while(state, disk)
    if body is not None:
        for field in ('alias', 'description'):
            value = getattr(body, field)
            if value is not None:
                setattr(disk.obj, field, value)
                if field == 'alias':
                    disk.obj.name = value
    if attachment is not None:
        for field in ('bootable', 'active', 'pass_discard'):
            value = getattr(attachment, field)
            if value is not None:
                disk.attachment[field] = bool(value)
        if attachment.interface is not None:
            disk.attachment['interface'] = attachment.interface.value
    disk.touch()
    if owner is not None:
        owner.touch()
    return disk
