"""The validator refuses what PVE's schema refuses, with PVE's words, and accepts what the driver sends."""

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.pve_schema.validator import Schema, parse_size

CONFIG = '/api2/json/nodes/pve1/qemu/100/config'


@pytest.fixture(scope='module')
def schema():
    return Schema()


def test_the_copy_names_its_version(schema):
    assert schema.version and schema.date


@pytest.mark.parametrize(
    'values',
    [
        {'net0': 'virtio=BC:24:11:00:90:00,bridge=vmbr0,tag=10', 'net31': 'e1000,bridge=vmbr1'},
        {'ipconfig0': 'ip=192.0.2.5/24,gw=192.0.2.1', 'ipconfig1': 'ip6=2001:db8::5/64,gw6=2001:db8::1'},
        {'ipconfig2': 'ip=dhcp,ip6=auto'},
        {'boot': 'order=scsi0;net0;ide2', 'tags': 'web;prod', 'name': 'web-01.lab', 'memory': '1024', 'balloon': 0},
        {
            'sshkeys': 'ssh-ed25519%20AAAAC3Nz%20me%40host%0A',
            'description': 'any text\nat all',
            'delete': 'ipconfig1,net1',
            'digest': 'a' * 40,
            'agent': 'enabled=1,fstrim_cloned_disks=1',
        },
        {
            'scsi0': 'ceph-vm:vm-100-disk-0,size=8G',
            'ide2': 'local-lvm:cloudinit,media=cdrom',
            'cicustom': 'user=local:snippets/pureboot-user-data-0123456789abcdef.yaml',
            'nameserver': '192.0.2.53 2001:db8::53',
        },
        {'hotplug': 'network,disk,memory'},
        {'hotplug': '0'},
    ],
)
def test_what_pve_accepts_passes(schema, values):
    assert schema.check('PUT', CONFIG, values) == []


@pytest.mark.parametrize(
    'values, parameter, text',
    [
        ({'net0': 'virtio=01:00:5E:00:00:01,bridge=vmbr0'}, 'net0', 'valid unicast MAC address'),
        ({'net32': 'virtio,bridge=vmbr0'}, 'net32', 'property is not defined in schema'),
        ({'ipconfig0': 'ip=10.0.0.5/7'}, 'ipconfig0', 'valid ipv4 network configuration'),
        ({'ipconfig0': 'ip6=2001:db8::5/0'}, 'ipconfig0', 'valid ipv6 network configuration'),
        ({'ipconfig0': 'gw=10.0.0.1'}, 'ipconfig0', "ipconfig0.ip: missing property required by 'ipconfig0.gw'"),
        ({'name': 'bad_name!'}, 'name', 'valid DNS name'),
        ({'tags': 'ok;not ok!'}, 'tags', 'invalid characters in tag'),
        ({'boot': 'order=scsi0;net40'}, 'boot', "invalid boot device 'net40'"),
        ({'memory': '8'}, 'memory', 'minimum value of 16'),
        ({'balloon': '-1'}, 'balloon', 'minimum value of 0'),
        ({'sshkeys': 'ssh-ed25519 AAAA'}, 'sshkeys', 'invalid urlencoded string'),
        ({'delete': 'net0,0bad'}, 'delete', "invalid configuration ID '0bad'"),
        ({'onboot': 'yes'}, 'onboot', "type check ('boolean') failed"),
        ({'cores': 'two'}, 'cores', "type check ('integer') failed"),
        ({'ostype': 'plan9'}, 'ostype', 'does not have a value in the enumeration'),
        ({'bogus': '1'}, 'bogus', 'property is not defined in schema'),
        ({'hotplug': 'network,pci'}, 'hotplug', "invalid hotplug feature 'pci'"),
    ],
)
def test_what_pve_refuses_is_named(schema, values, parameter, text):
    errors = dict(schema.check('PUT', CONFIG, values))
    assert list(errors) == [parameter] and text in errors[parameter], errors


def test_paths_methods_and_templates(schema):
    assert schema.check('GET', '/api2/json/nodes/pve1/tasks', {'vmid': '100', 'source': 'all', 'limit': 20}) == []
    assert dict(schema.check('GET', '/api2/json/nodes/pve1/tasks', {'source': 'running'}))['source']
    assert dict(schema.check('GET', '/api2/json/nodes/pve_1/qemu', {}))['node']  # pve-node format
    assert dict(schema.check('GET', '/api2/json/nodes/pve1/qemu/12/config', {}))['vmid']  # minimum 100
    assert '_path' in dict(schema.check('GET', '/api2/json/nodes/pve1/nothing-here', {}))
    assert '_method' in dict(schema.check('PATCH', CONFIG, {}))
    clone = '/api2/json/nodes/pve1/qemu/9000/clone'
    assert schema.check('POST', clone, {'newid': 101, 'name': 'web', 'full': 1, 'target': 'pve2', 'storage': 'ceph-vm', 'pool': 'lab'}) == []
    assert dict(schema.check('POST', clone, {'name': 'web'}))['newid'] == 'property is missing and it is not optional'


def test_disk_sizes_as_pve_reads_them():
    assert parse_size('8G') == 8 * 1024**3 and parse_size('512MiB') == 512 * 1024**2 and parse_size('1.5K') == 1536
    assert parse_size('8 G') is None and parse_size('8g') is None
