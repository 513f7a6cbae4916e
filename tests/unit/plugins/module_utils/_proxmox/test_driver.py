"""How the Proxmox driver reads and writes PVE's config strings, and picks VM ids."""

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import UnreachableError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.config import boot_devices, format_net, parse_boot_order, parse_net
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.tasks import lost_answer
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.vmid import ID_WINDOW, free_vmid, name_offset


def test_parse_net_reads_model_mac_bridge_vlan_and_keeps_the_rest():
    nic, other = parse_net('net1', 'virtio=BC:24:11:AA:BB:CC,bridge=vmbr1,firewall=1,tag=42')
    assert nic == {'name': 'net1', 'mac': 'bc:24:11:aa:bb:cc', 'network': 'vmbr1', 'model': 'virtio', 'vlan': 42}
    assert other == [('firewall', '1')]


def test_format_net_round_trips():
    nic, other = parse_net('net0', 'e1000=52:54:00:12:34:56,bridge=vmbr0,firewall=1')
    assert format_net(nic, other) == 'e1000=52:54:00:12:34:56,bridge=vmbr0,firewall=1'
    assert format_net(dict(nic, vlan=7, model='virtio'), other) == 'virtio=52:54:00:12:34:56,bridge=vmbr0,tag=7,firewall=1'


def test_boot_order_forms():
    config = {'scsi0': 'local-lvm:vm-1-disk-0,size=8G', 'ide2': 'none,media=cdrom', 'net0': 'virtio=x,bridge=vmbr0'}
    assert parse_boot_order(dict(config, boot='order=net0;scsi0')) == ['network', 'disk']
    assert parse_boot_order(dict(config, boot='order=ide2;scsi0;net0')) == ['cdrom', 'disk', 'network']
    assert parse_boot_order(dict(config, boot='ncd')) == ['network', 'disk', 'cdrom']
    assert parse_boot_order(config) == ['disk', 'cdrom', 'network']
    assert boot_devices(config) == {'disk': 'scsi0', 'cdrom': 'ide2', 'network': 'net0'}


def test_free_vmid_skips_taken_ids():
    assert free_vmid(100, set(), 0) == 100
    assert free_vmid(100, {100, 101, 103}, 0) == 102
    assert free_vmid(100, {100, 101, 103}, 1) == 104
    assert free_vmid(100, {101}, 2) == 103


def test_name_offset_is_stable_per_name_and_spread_over_the_window():
    assert name_offset('web-01') == name_offset('web-01')
    offsets = {name_offset('load-{0:02d}'.format(i)) for i in range(1, 101)}
    assert all(0 <= o < ID_WINDOW for o in offsets)
    # 100 names in a window of 1000: a few may share a place, most must not.
    assert len(offsets) >= 90
    assert name_offset('x', window=7) < 7


def test_lost_answer_is_only_a_write_that_went_unanswered():
    plain = UnreachableError('cannot reach')
    assert not lost_answer(plain)
    plain.unanswered = True
    assert lost_answer(plain)
