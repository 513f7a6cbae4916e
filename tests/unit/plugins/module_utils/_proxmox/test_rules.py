"""Proxmox VE's rules the driver keeps itself (_proxmox/rules.py, _proxmox/changes.py), as pure functions."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.changes import config_params
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.rules import (
    agent_enabled,
    check_ip_config_fits,
    check_vm_name,
    local_disks,
    stored_description,
)


@pytest.mark.parametrize(
    'value', ['1', 'on', 'yes', 'true', 'TRUE', 'enabled=1', 'enabled=true', 'enabled=on', 'enabled=yes', 'fstrim_cloned_disks=1,enabled=1', 'type=virtio,1', 1]
)
def test_every_agent_spelling_pve_takes_as_enabled(value):
    assert agent_enabled(value) is True


@pytest.mark.parametrize('value', [None, '', '0', 'off', 'no', 'false', 'enabled=0', 'fstrim_cloned_disks=1', 'type=isa', 0])
def test_agent_spellings_that_are_not_enabled(value):
    assert agent_enabled(value) is False


def test_a_description_as_pve_stores_it():
    assert stored_description('Web server\nowner: lab\n \t\n') == 'Web server\nowner: lab'
    assert stored_description('  leading kept') == '  leading kept'


@pytest.mark.parametrize('name', ['web-01', 'web.lab.example', 'a', 'X9'])
def test_dns_names_are_vm_names(name):
    check_vm_name(name, 'pve', None)


@pytest.mark.parametrize('name', ['bad_name!', 'web..lab', '-web', 'web-', 'web.', 'wé'])
def test_other_names_are_refused_in_one_line(name):
    with pytest.raises(InvalidInputError) as caught:
        check_vm_name(name, 'pve', "VM 'x'")
    assert name in str(caught.value) and '\n' not in str(caught.value)


def test_ip_config_fits_the_nics():
    check_ip_config_fits([{}, {}], ['net0', 'net2'], 'pve', None)
    with pytest.raises(InvalidInputError, match=r'ip_config has 3 entries and the VM has 2 NIC\(s\) \(net0, net2\)'):
        check_ip_config_fits([{}, {}, {}], ['net0', 'net2'], 'pve', None)


def test_local_disks_are_those_on_storage_not_shared():
    config = {
        'scsi0': 'ceph-vm:base-100-disk-0,size=8G',
        'ide2': 'local-lvm:vm-100-cloudinit,media=cdrom',
        'ide0': 'none,media=cdrom',
        'ide1': 'cdrom,media=cdrom',
        'net0': 'virtio=BC:24:11:00:00:01',
    }
    assert local_disks(config, {'ceph-vm'}) == [('ide2', 'local-lvm')]
    assert local_disks(config, {'ceph-vm', 'local-lvm'}) == []


def test_lowering_memory_below_the_balloon_target_lowers_the_target():
    change = {'memory_mb': {'before': 2048, 'after': 512}}
    assert config_params({'memory': '2048', 'balloon': '1024'}, change, 'pve', None) == {'memory': 512, 'balloon': 512}
    assert config_params({'memory': '2048', 'balloon': '256'}, change, 'pve', None) == {'memory': 512}
    assert config_params({'memory': '2048', 'balloon': '0'}, change, 'pve', None) == {'memory': 512}


def test_a_vm_has_at_most_32_nic_slots():
    config = {'net{0}'.format(i): 'virtio=BC:24:11:00:00:{0:02X},bridge=vmbr0'.format(i) for i in range(32)}
    nics = [{'network': 'vmbr0'}] * 33
    with pytest.raises(InvalidInputError, match='at most 32 NICs'):
        config_params(config, {'networks': {'before': [], 'after': nics}}, 'pve', None)
