"""How the Proxmox driver reads and writes PVE's config strings."""

from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox import (
    boot_devices, format_net, parse_boot_order, parse_net)


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
