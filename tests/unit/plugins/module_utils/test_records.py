"""The normalised records and the filters every listing applies."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import (
    HOST_STATUSES,
    VM_KEYS,
    describe_vm,
    host_record,
    name_matches,
    nic_record,
    normalize_mac,
    vm_matches,
    vm_record,
)


@pytest.mark.parametrize(
    'given, expected',
    [
        ('52:54:00:AB:CD:EF', '52:54:00:ab:cd:ef'),
        ('52-54-00-ab-cd-ef', '52:54:00:ab:cd:ef'),
        ('525400abcdef', '52:54:00:ab:cd:ef'),
        (' 52:54:00:ab:cd:ef ', '52:54:00:ab:cd:ef'),
        ('52:54:00:ab:cd', None),
        ('52:54-00:ab:cd:ef', None),
        ('zz:54:00:ab:cd:ef', None),
        ('', None),
        (None, None),
    ],
)
def test_normalize_mac(given, expected):
    assert normalize_mac(given) == expected


def test_vm_record_has_every_key_and_refuses_unknown_ones():
    record = vm_record(id='1', name='a', status='weird')
    assert tuple(record) == VM_KEYS
    assert record['status'] == 'unknown'
    assert record['nics'] == [] and record['tags'] == [] and record['template'] is False
    with pytest.raises(KeyError):
        vm_record(id='1', colour='blue')


def test_nic_record_normalises_mac_and_vlan():
    assert nic_record('net0', 'AA-BB-CC-DD-EE-FF', 'vmbr0', 'virtio', '12') == {
        'name': 'net0',
        'mac': 'aa:bb:cc:dd:ee:ff',
        'network': 'vmbr0',
        'model': 'virtio',
        'vlan': 12,
    }


def test_name_glob_and_exact():
    assert name_matches('web-01', 'web-*')
    assert name_matches('web-01', 'web-01')
    assert not name_matches('Web-01', 'web-*')
    assert name_matches('anything', None)
    assert not name_matches(None, 'x')


def test_vm_filters():
    vm = vm_record(id='1', name='db-1', status='running', node='pve2', cluster='c1', tags=['Prod', 'db'])
    assert vm_matches(vm, name='db-*', status='running', node='pve2', cluster='c1', tags=['prod'])
    assert vm_matches(vm, status=['stopped', 'running'])
    assert not vm_matches(vm, status='stopped')
    assert not vm_matches(vm, tags=['prod', 'web'])
    assert not vm_matches(vm, node='pve1')
    template = vm_record(id='2', name='tpl', template=True)
    assert not vm_matches(template)
    assert vm_matches(template, include_templates=True)


@pytest.mark.parametrize(
    'name, vm_id, text', [('web-1', '104', "VM 'web-1' (id 104)"), ('web-1', None, "VM 'web-1'"), (None, '104', 'VM 104'), (None, None, 'VM')]
)
def test_one_way_to_name_a_vm(name, vm_id, text):
    assert describe_vm(name, vm_id) == text


def test_tags_are_returned_lowercase_sorted_and_once():
    assert vm_record(name='web', tags=['Web', 'lab', 'web']).get('tags') == ['lab', 'web']


@pytest.mark.parametrize(
    'status, expected', [('online', 'online'), ('offline', 'offline'), ('maintenance', 'maintenance'), ('up', 'unknown'), (None, 'unknown')]
)
def test_host_status_is_one_of_the_common_words(status, expected):
    assert host_record('h1', status) == {'name': 'h1', 'status': expected}
    assert expected in HOST_STATUSES
