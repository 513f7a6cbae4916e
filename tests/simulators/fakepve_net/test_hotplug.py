"""HotplugPve applies what a real PVE changes on a running VM at once and keeps the rest pending (hotplug.py), through
proxmoxer as any client sees it."""

import proxmoxer
import pytest
from proxmoxer.core import ResourceException

from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net import hotplug

GiB = 1024**3
MAC = 'BC:24:11:00:00:01'
NET0 = 'virtio={0},bridge=vmbr0'.format(MAC)
DISK = 'local-lvm:vm-100-disk-0,size=4G'


@pytest.fixture
def api(fakepve, fakepve_cafile):
    fakepve.storages['local-lvm']['volumes'] = {'vm-100-disk-0': {'content': 'images', 'format': 'raw', 'size': 4 * GiB, 'vmid': 100}}
    return proxmoxer.ProxmoxAPI(
        host='127.0.0.1', port=int(fakepve.url.rsplit(':', 1)[1]), user='root@pam', password=fakepve.password, verify_ssl=fakepve_cafile
    )


def running(fakepve, **config):
    """VM 100, running, with config over a NIC, a disk and 2 GiB."""
    base = {'memory': 2048, 'cores': 2, 'ostype': 'l26', 'net0': NET0, 'scsi0': DISK, 'ide2': 'none,media=cdrom'}
    return fakepve.add_vm(100, 'hot', status='running', config={k: v for k, v in dict(base, **config).items() if v is not None})


def pending(api):
    """{key: pending value, or 'delete'} of VM 100, as GET .../pending answers."""
    return {i['key']: ('delete' if i.get('delete') else i['pending']) for i in api.nodes('pve1').qemu(100).pending.get() if 'pending' in i or i.get('delete')}


def live(api):
    return api.nodes('pve1').qemu(100).config.get()


@pytest.mark.parametrize(
    'value, features',
    [
        (None, {'network', 'disk', 'usb'}),
        ('1', {'network', 'disk', 'usb'}),
        ('0', set()),
        ('disk,memory,cpu', {'disk', 'memory', 'cpu'}),
        ('network;usb', {'network', 'usb'}),
    ],
)
def test_hotplug_features_read_as_pve_reads_them(value, features):
    assert hotplug.hotplug_features(value) == features


def test_by_default_a_nic_change_and_a_new_nic_apply_at_once(fakepve, api):
    running(fakepve)
    new_mac = 'BC:24:11:00:00:02'
    api.nodes('pve1').qemu(100).config.put(net0='e1000={0},bridge=vmbr1,tag=5'.format(new_mac), net1='virtio=BC:24:11:00:00:03,bridge=vmbr0')
    assert pending(api) == {}
    config = live(api)
    assert config['net0'] == 'e1000={0},bridge=vmbr1,tag=5'.format(new_mac) and config['net1'].startswith('virtio=BC:24:11:00:00:03')
    api.nodes('pve1').qemu(100).config.put(delete='net1')
    assert 'net1' not in live(api) and pending(api) == {}


def test_without_the_network_feature_only_bridge_and_vlan_apply_at_once(fakepve, api):
    running(fakepve, hotplug='disk,usb')
    api.nodes('pve1').qemu(100).config.put(net0='virtio={0},bridge=vmbr1,tag=7,firewall=1'.format(MAC))
    assert pending(api) == {} and live(api)['net0'] == 'virtio={0},bridge=vmbr1,tag=7,firewall=1'.format(MAC)
    # A new model, a new MAC, a value without a MAC (PVE makes one), a new NIC and a NIC's removal wait.
    for net0 in ('e1000={0},bridge=vmbr1'.format(MAC), 'virtio=BC:24:11:00:00:09,bridge=vmbr1', 'virtio,bridge=vmbr1'):
        api.nodes('pve1').qemu(100).config.put(net0=net0)
        assert pending(api) == {'net0': net0}
        assert live(api)['net0'] == 'virtio={0},bridge=vmbr1,tag=7,firewall=1'.format(MAC)
    api.nodes('pve1').qemu(100).config.put(net1='virtio=BC:24:11:00:00:04,bridge=vmbr0', delete='net0')
    assert pending(api) == {'net0': 'delete', 'net1': 'virtio=BC:24:11:00:00:04,bridge=vmbr0'}


def test_hotplug_zero_keeps_every_hardware_change_pending_and_the_fast_plug_options_not(fakepve, api):
    running(fakepve, hotplug='0')
    api.nodes('pve1').qemu(100).config.put(
        net0='e1000={0},bridge=vmbr0'.format(MAC), scsi1='local-lvm:1', memory=4096, ciuser='admin', nameserver='192.0.2.53', ipconfig0='ip=dhcp'
    )
    waiting = pending(api)
    assert set(waiting) == {'net0', 'scsi1', 'memory'}, waiting
    config = live(api)
    assert (config['ciuser'], config['nameserver'], config['ipconfig0']) == ('admin', '192.0.2.53', 'ip=dhcp')
    # The next start applies what waited.
    api.nodes('pve1').qemu(100).status.stop.post()
    api.nodes('pve1').qemu(100).status.start.post()
    assert pending(api) == {} and live(api)['net0'].startswith('e1000=') and str(live(api)['memory']) == '4096'


def test_cpu_firmware_boot_and_os_type_wait_for_the_next_start(fakepve, api):
    running(fakepve, hotplug='network,disk,usb,cpu,memory', numa=1)
    api.nodes('pve1').qemu(100).config.put(cores=4, sockets=2, cpu='host', bios='ovmf', boot='order=net0;scsi0', ostype='win11', cpuunits=200)
    assert set(pending(api)) == {'cores', 'sockets', 'cpu', 'bios', 'boot', 'ostype'}
    # Even with every hotplug feature; cpuunits is a cgroup change, at once.
    assert live(api)['cpuunits'] == '200'


def test_vcpus_need_the_cpu_feature(fakepve, api):
    running(fakepve, hotplug='cpu', cores=4)
    api.nodes('pve1').qemu(100).config.put(vcpus=2)
    assert pending(api) == {} and live(api)['vcpus'] == '2'


def test_a_new_disk_is_plugged_unless_on_ide_or_sata_or_without_the_disk_feature(fakepve, api):
    running(fakepve)
    api.nodes('pve1').qemu(100).config.put(scsi1='local-lvm:1', sata0='local-lvm:1', efidisk0='local-lvm:1,efitype=4m')
    assert set(pending(api)) == {'sata0', 'efidisk0'}
    assert live(api)['scsi1'].startswith('local-lvm:vm-100-disk-')
    # A change of an existing disk: a backup flag at once, a cache mode at the next start.
    api.nodes('pve1').qemu(100).config.put(scsi0=DISK + ',backup=0')
    assert live(api)['scsi0'] == DISK + ',backup=0'
    api.nodes('pve1').qemu(100).config.put(scsi0=DISK + ',cache=writeback')
    assert pending(api)['scsi0'] == DISK + ',cache=writeback'


def test_a_disk_removal_needs_the_disk_feature_and_not_ide_or_sata(fakepve, api):
    running(fakepve, sata1='local-lvm:vm-100-disk-1,size=1G', scsi1='local-lvm:vm-100-disk-2,size=1G')
    api.nodes('pve1').qemu(100).config.put(delete='sata1,scsi1')
    assert pending(api) == {'sata1': 'delete'} and 'scsi1' not in live(api)


def test_a_cd_rom_takes_its_medium_at_once_and_keeps_its_media_type(fakepve, api):
    running(fakepve, hotplug='0')
    api.nodes('pve1').qemu(100).config.put(ide2='local:iso/ubuntu.iso,media=cdrom')
    assert live(api)['ide2'] == 'local:iso/ubuntu.iso,media=cdrom' and pending(api) == {}
    with pytest.raises(ResourceException) as refused:
        api.nodes('pve1').qemu(100).config.put(ide2='local-lvm:1', description='kept')
    assert refused.value.status_code == 400 and 'unable to change media type' in str(refused.value)
    assert 'ide2' in pending(api) and live(api)['description'] == 'kept'


def test_memory_needs_the_memory_feature_and_moves_in_dimms(fakepve, api):
    running(fakepve)
    api.nodes('pve1').qemu(100).config.put(memory=3072)
    assert pending(api) == {'memory': '3072'} and str(live(api)['memory']) == '2048'
    fakepve.vm(100).pending.clear()
    fakepve.vm(100).config.update(hotplug='network,disk,memory', numa=1)
    api.nodes('pve1').qemu(100).config.put(memory=3000)
    # 1024 static + 512 MiB DIMMs: 3000 takes four of them.
    assert pending(api) == {} and live(api)['memory'] == '3072'
    api.nodes('pve1').qemu(100).config.put(memory=2000)
    assert live(api)['memory'] == '1536'
    with pytest.raises(ResourceException) as refused:
        api.nodes('pve1').qemu(100).config.put(memory=768)
    assert refused.value.status_code == 400 and "hotplug problem - memory can't be lower than 1024 MB" in str(refused.value)
    assert pending(api) == {'memory': '768'}


def test_balloon_at_once_unless_switched_on_or_off(fakepve, api):
    running(fakepve, balloon=1024)
    api.nodes('pve1').qemu(100).config.put(balloon=1536)
    assert live(api)['balloon'] == '1536'
    api.nodes('pve1').qemu(100).config.put(balloon=0)
    assert pending(api) == {'balloon': '0'}


def test_the_agent_changes_at_once_only_for_fstrim(fakepve, api):
    running(fakepve, agent='1')
    api.nodes('pve1').qemu(100).config.put(agent='enabled=1,fstrim_cloned_disks=1')
    assert live(api)['agent'] == 'enabled=1,fstrim_cloned_disks=1' and pending(api) == {}
    api.nodes('pve1').qemu(100).config.put(agent='0')
    assert live(api)['agent'] == 'enabled=1,fstrim_cloned_disks=1' and pending(api) == {'agent': '0'}


def test_a_new_agent_key_waits(fakepve, api):
    running(fakepve)
    api.nodes('pve1').qemu(100).config.put(agent='1')
    assert 'agent' not in live(api) and pending(api) == {'agent': '1'}


def test_only_the_keys_of_the_request_are_hotplugged(fakepve, api):
    """A change left pending by an earlier request stays so; the fast plug options are applied all the same."""
    vm = running(fakepve)
    vm.pending.update(net0='virtio={0},bridge=vmbr1'.format(MAC), tags='old')
    api.nodes('pve1').qemu(100).config.put(cpuunits=100)
    assert pending(api) == {'net0': 'virtio={0},bridge=vmbr1'.format(MAC)} and live(api)['tags'] == 'old'


def test_a_change_to_the_same_value_leaves_nothing_pending(fakepve, api):
    running(fakepve, hotplug='0', agent='0')
    api.nodes('pve1').qemu(100).config.put(cores=2, memory=2048, agent='0', net0=NET0)
    assert pending(api) == {}


def test_the_hotplug_key_itself(fakepve, api):
    running(fakepve)
    api.nodes('pve1').qemu(100).config.put(hotplug='network,disk')
    assert live(api)['hotplug'] == 'network,disk'
    api.nodes('pve1').qemu(100).config.put(hotplug='network,disk,memory')
    assert pending(api) == {'hotplug': 'network,disk,memory'}


def test_a_stopped_vm_takes_everything_at_once(fakepve, api):
    running(fakepve, hotplug='0').status = 'stopped'
    api.nodes('pve1').qemu(100).config.put(net0='e1000={0},bridge=vmbr0'.format(MAC), memory=4096, cores=4)
    assert pending(api) == {} and live(api)['cores'] == '4'


def start_status(api):
    """Start VM 100; (its task's exit status, the VM's status after)."""
    upid = api.nodes('pve1').qemu(100).status.start.post()
    task = api.nodes('pve1').tasks(upid).status.get()
    return task.get('exitstatus'), api.nodes('pve1').qemu(100).status.current.get()['status']


def test_a_vm_with_memory_hotplug_starts_only_with_numa(fakepve, api):
    running(fakepve, hotplug='network,disk,memory').status = 'stopped'
    assert start_status(api) == ('NUMA needs to be enabled for memory hotplug', 'stopped')
    # vm_start applies the pending changes first: a pending numa counts, and a pending hotplug too.
    fakepve.vm(100).pending['numa'] = '1'
    assert start_status(api) == ('OK', 'running')
    assert live(api)['numa'] == '1'


def test_a_pending_memory_hotplug_is_checked_at_the_start_that_applies_it(fakepve, api):
    running(fakepve).status = 'stopped'
    fakepve.vm(100).pending['hotplug'] = 'network,disk,memory'
    assert start_status(api) == ('NUMA needs to be enabled for memory hotplug', 'stopped')
