"""A libvirt domain's disks, CPU and OS type, and a blank VM's definition (pure functions)."""

import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.disks import (
    add_disk,
    blank_definition,
    cpu_type,
    next_target,
    os_family,
    os_type_matches,
    os_type_value,
    set_cpu,
    set_os_type,
    size_gb,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.domain_xml import apply_hardware, parse_domain, to_xml

SPEC = {
    'name': 'web',
    'networks': [{'network': 'default'}, {'network': 'bridge:br0', 'mac': '52:54:00:AA:BB:CC'}],
    'memory_mb': 2048,
    'cpu_cores': 4,
    'cpu_sockets': 2,
    'cpu_type': 'host',
    'boot_order': ['network', 'disk'],
    'firmware': 'uefi',
    'os_type': 'linux',
    'tags': ['B', 'a'],
    'description': 'blank',
}


def test_a_blank_definition_reads_back_as_asked():
    root = blank_definition('web', SPEC, 'kvm', [('pool-a', 'web-vda.qcow2', 'virtio'), ('pool-b', 'web-sda.qcow2', 'sata')])
    facts = parse_domain(to_xml(root))
    assert (facts['name'], facts['type'], facts['vcpus'], facts['memory_kib']) == ('web', 'kvm', 4, 2048 * 1024)
    assert [(d['target'], d['bus'], d['pool'], d['volume']) for d in facts['disks']] == [
        ('vda', 'virtio', 'pool-a', 'web-vda.qcow2'),
        ('sda', 'sata', 'pool-b', 'web-sda.qcow2'),
    ]
    assert [(n['network'], n['mac'], n['model']) for n in facts['nics']] == [('default', None, 'virtio'), ('bridge:br0', '52:54:00:aa:bb:cc', 'virtio')]
    assert (facts['boot_order'], facts['firmware'], facts['tags'], facts['description']) == (['network', 'disk'], 'uefi', ['a', 'b'], 'blank')
    assert (cpu_type(facts), facts['cpu_sockets']) == ('host', 2)
    assert facts['os_type'] == os_type_value('linux')
    # The volumes the collection made are noted in the metadata; tags written later keep them.
    assert facts['volumes'] == [('pool-a', 'web-vda.qcow2'), ('pool-b', 'web-sda.qcow2')]
    again = parse_domain(to_xml(apply_hardware(root, {'tags': {'after': ['x']}})))
    assert again['volumes'] == facts['volumes'] and again['tags'] == ['x']


def test_disks_are_added_after_the_last_disk_with_the_next_free_target():
    root = ET.fromstring(
        "<domain><devices><disk device='disk'><target dev='vda' bus='virtio'/></disk>"
        "<disk device='cdrom'><target dev='hdc' bus='ide'/></disk><interface type='network'/>"
        '</devices></domain>'
    )
    assert add_disk(root, 'p', 'v-vdb.qcow2', 'virtio') == 'vdb'
    assert add_disk(root, 'p', 'v-hda.qcow2', 'ide') == 'hda'
    assert [d.find('target').get('dev') for d in root.findall('devices/disk')] == ['vda', 'vdb', 'hda', 'hdc']
    assert next_target('ide', {'hda', 'hdb'}) == 'hdc' and next_target('scsi', set()) == 'sda'


def test_cpu_model_topology_and_os_type():
    root = ET.fromstring('<domain><vcpu>4</vcpu></domain>')
    set_cpu(root, sockets=2)
    facts = parse_domain(to_xml(root))
    # What libvirt gives a topology-only <cpu> when it is defined.
    assert (cpu_type(facts), facts['cpu_sockets']) == ('qemu64', 2)
    set_cpu(root, model='Haswell')
    assert cpu_type(parse_domain(to_xml(root))) == 'Haswell'
    set_cpu(root, vcpus=6, sockets=3, model='host')
    facts = parse_domain(to_xml(root))
    assert (cpu_type(facts), facts['cpu_sockets'], facts['vcpus']) == ('host', 3, 6)
    assert root.find('cpu/topology').get('cores') == '2'
    set_os_type(root, 'http://debian.org/debian/12')
    assert parse_domain(to_xml(root))['os_type'] == 'http://debian.org/debian/12'
    set_os_type(root, None)
    assert parse_domain(to_xml(root))['os_type'] is None


def test_os_families_and_sizes():
    assert os_family('http://debian.org/debian/12') == 'linux' and os_family('http://microsoft.com/win/10') == 'windows'
    assert os_family(None) == 'other' and os_family('http://freebsd.org/freebsd/14.0') == 'other'
    assert os_type_matches('http://ubuntu.com/ubuntu/24.04', 'linux')
    assert not os_type_matches('http://ubuntu.com/ubuntu/24.04', 'windows')
    assert os_type_value('other') is None and os_type_value('http://x/y') == 'http://x/y'
    assert (size_gb(1024**3), size_gb(1024**3 + 1), size_gb(None)) == (1, 2, None)
