"""DiskPve allocates the new volumes of a config write and resizes disks as a real PVE does (disks.py), through
proxmoxer as any client sees it."""

import proxmoxer
import pytest

GiB = 1024**3


@pytest.fixture
def api(fakepve, fakepve_cafile):
    fakepve.add_vm(100, 'vm', config={'memory': 1024, 'scsi0': 'local-lvm:vm-100-disk-0,size=4G', 'ide2': 'none,media=cdrom'})
    fakepve.storages['local-lvm']['volumes'] = {'vm-100-disk-0': {'content': 'images', 'format': 'raw', 'size': 4 * GiB, 'vmid': 100}}
    return proxmoxer.ProxmoxAPI(
        host='127.0.0.1', port=int(fakepve.url.rsplit(':', 1)[1]), user='root@pam', password=fakepve.password, verify_ssl=fakepve_cafile
    )


def task_status(api, upid):
    return api.nodes('pve1').tasks(upid).status.get()['exitstatus']


def test_a_new_volume_in_a_config_write_is_allocated(fakepve, api):
    api.nodes('pve1').qemu(100).config.put(scsi1='local-lvm:2', virtio0='local-lvm:1')
    config = fakepve.vm(100).config
    assert config['scsi1'].startswith('local-lvm:vm-100-disk-1') and config['scsi1'].endswith('size=2G')
    assert config['virtio0'].startswith('local-lvm:vm-100-disk-2') and config['virtio0'].endswith('size=1G')
    assert fakepve.storages['local-lvm']['volumes']['vm-100-disk-1']['size'] == 2 * GiB


def test_a_volume_on_a_storage_without_images_is_refused(fakepve, api):
    with pytest.raises(proxmoxer.core.ResourceException):
        api.nodes('pve1').qemu(100).config.put(scsi1='no-such-store:2')
    assert 'scsi1' not in fakepve.vm(100).config


def test_resize_grows_and_never_shrinks(fakepve, api):
    assert task_status(api, api.nodes('pve1').qemu(100).resize.put(disk='scsi0', size='6G')) == 'OK'
    assert fakepve.vm(100).config['scsi0'].endswith('size=6G')
    assert fakepve.storages['local-lvm']['volumes']['vm-100-disk-0']['size'] == 6 * GiB
    assert task_status(api, api.nodes('pve1').qemu(100).resize.put(disk='scsi0', size='+1G')) == 'OK'
    assert fakepve.vm(100).config['scsi0'].endswith('size=7G')
    assert task_status(api, api.nodes('pve1').qemu(100).resize.put(disk='scsi0', size='2G')) == 'shrinking disks is not supported'
    assert task_status(api, api.nodes('pve1').qemu(100).resize.put(disk='ide2', size='2G')) == "you can't resize a cdrom"
    assert task_status(api, api.nodes('pve1').qemu(100).resize.put(disk='scsi5', size='2G')) == "disk 'scsi5' does not exist"
