"""fakepve with the disk writes of a VM's configuration that fakepve does not model, each from qemu-server's source:

1. a drive written to an existing VM's config (PUT or POST /nodes/{node}/qemu/{vmid}/config) in PVE's new-volume
   syntax, ``<storage>:<size in GiB>``, allocates a volume of that size on that storage, which must exist and hold
   VM images, and stores the drive as ``<volume id>,...,size=<N>G`` (qemu-server PVE/API2/Qemu.pm update_vm_api,
   $create_disks with NEW_DISK_RE and PVE::Storage::vdisk_alloc; with no storage: "no storage ID specified (and no
   default storage)"). fakepve allocates on create and clone only, and would store ``local-lvm:32`` as it came;
2. PUT /nodes/{node}/qemu/{vmid}/resize grows a disk, in a ``resize`` task (PVE 8+: resize_vm forks a worker and
   answers its UPID). In the worker, under the config lock: the VM must not be locked unless ``skiplock``; "disk
   '<d>' does not exist"; "you can't resize a cdrom"; Datastore.AllocateSpace on the volume's storage; the size is
   ``[+]N[KMGT]`` (a ``+`` adds to the current size); "shrinking disks is not supported" when smaller; no change
   when equal; else the volume and the drive's ``size=`` take the new size (qemu-server PVE/API2/Qemu.pm
   resize_vm's $updatefn).
"""

from fakepve.lxc import SIZE_UNITS, format_size
from fakepve.model import TaskError
from fakepve.qemu import DRIVE_KEY, NEW_DISK, is_cdrom, join_drive, split_drive, volume_ref

RESIZE = '/nodes/{node}/qemu/{vmid}/resize'


class DiskPve:
    """Mixin for a FakePve: rules 1 and 2 above."""

    # ------------------------------------------------------------ rule 1: new volumes in a config write
    async def _apply_config(self, vm, user, p):
        p = dict(p)
        made = []
        try:
            for key in sorted(p):
                if not DRIVE_KEY.match(key) or key in ('efidisk0', 'tpmstate0'):
                    continue
                volume, props = split_drive(p[key])
                if is_cdrom(volume, props) or not NEW_DISK.match(volume or ''):
                    continue
                self._qm_check_drive(user, vm.vmid, None, key, p[key], None)
                p[key], volids = self._qm_new_drive(vm.vmid, key, p[key], None)
                made.extend(volids)
            return await super()._apply_config(vm, user, p)
        except Exception:
            for volid in made:
                self._qm_free(volid)
            raise

    # ------------------------------------------------------------ rule 2: resize
    def _routes_disks(self):
        return [('PUT', RESIZE, self._qm_resize)]

    async def _qm_resize(self, v, user):
        vm = self.find(v['node'], v['vmid'])
        self.require(user, '/vms/{0}'.format(vm.vmid), 'VM.Config.Disk')
        self.need_quorum()
        disk, sizestr = v['disk'], str(v['size'])

        async def body():
            if not v.get('skiplock') and vm.lock:
                raise TaskError('VM is locked ({0})'.format(vm.lock))
            if not vm.config.get(disk):
                raise TaskError("disk '{0}' does not exist".format(disk))
            volume, props = split_drive(vm.config[disk])
            if not volume:
                raise TaskError("disk '{0}' has no associated volume".format(disk))
            if is_cdrom(volume, props):
                raise TaskError("you can't resize a cdrom")
            sid, name = volume_ref(volume)
            if not self.allowed(user, '/storage/{0}'.format(sid), 'Datastore.AllocateSpace'):
                raise TaskError('Permission check failed (/storage/{0}, Datastore.AllocateSpace)'.format(sid))
            vol = self.storages.get(sid, {}).get('volumes', {}).get(name)
            if vol is None:
                raise TaskError("Could not determine current size of volume '{0}'".format(volume))
            size = int(vol.get('size') or 0)
            grow, number, unit = sizestr.startswith('+'), sizestr.lstrip('+')[:-1], sizestr[-1:]
            if unit.isdigit():
                number, unit = sizestr.lstrip('+'), ''
            new = int(float(number) * SIZE_UNITS.get(unit, 1)) + (size if grow else 0)
            if new < size:
                raise TaskError('shrinking disks is not supported')
            if new == size:
                return None
            store = self.storages[sid]
            if 'avail' in store:
                if new - size > store['avail']:
                    raise TaskError("unable to write to storage '{0}': No space left on device".format(sid))
                store['avail'] -= new - size
            vol['size'] = new
            vm.config[disk] = join_drive(volume, dict(props, size=format_size(new)))
            return None

        return await self.task(vm.node, 'resize', vm.vmid, user, body, vm=vm)


__all__ = ['DiskPve']
