# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A libvirt domain's disks, CPU and OS type, and a blank VM's definition. Pure functions on ElementTree.

Disks are the <disk device='disk'> elements in the order of the definition (libvirt keeps the order it was given),
each on its bus (virtio vdX, scsi and sata sdX, ide hdX). A new disk goes after the last one, so the n-th disk of
the `disks` option stays the domain's n-th disk.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.domain_xml import (
    KIB_PER_MIB,
    LIBOSINFO_NS,
    _child,
    _interface_element,
    _set_boot_order,
    _set_description,
    _set_tags,
    record_volume,
)

GIB = 1024**3
DEFAULT_CPU_MODEL = 'qemu64'
BUS_PREFIX = {'virtio': 'vd', 'scsi': 'sd', 'sata': 'sd', 'ide': 'hd'}
# libosinfo's ids for the collection's OS families; 'other' is a domain without libosinfo metadata.
OS_WORDS = {'linux': 'http://libosinfo.org/linux/2022', 'windows': 'http://microsoft.com/win/11', 'other': None}
# The form of a libosinfo OS id: a URI of the vendor's domain (osinfo-db: http://debian.org/debian/12), what
# virt-install and virt-manager write into a domain's metadata; a short id (debian12) is not one.
LIBOSINFO_ID = re.compile(r'^https?://[^/\s]+/\S+$')
# The architecture of a blank VM's definition.
BLANK_ARCH = 'x86_64'
# Where the ids of each family live in osinfo-db (the vendor's domain in the id).
LINUX_VENDORS = (
    'libosinfo.org/linux',
    'debian.org',
    'ubuntu.com',
    'fedoraproject.org',
    'redhat.com',
    'centos.org',
    'opensuse.org',
    'suse.com',
    'archlinux.org',
    'almalinux.org',
    'rockylinux.org',
    'oracle.com/ol',
    'alpinelinux.org',
    'gentoo.org',
    'nixos.org',
    'voidlinux.org',
    'mageia.org',
    'slackware.com',
)


def size_gb(capacity):
    """A capacity in bytes as whole GiB, a part rounded up."""
    return int(math.ceil(int(capacity) / float(GIB))) if capacity is not None else None


def disk_elements(root):
    devices = root.find('devices')
    return [d for d in devices.findall('disk') if (d.get('device') or 'disk') == 'disk'] if devices is not None else []


def next_target(bus, taken):
    """The first free target name of bus (vda, vdb, ...; sdX for scsi and sata; hdX for ide)."""
    prefix = BUS_PREFIX[bus]
    for letter in 'abcdefghijklmnopqrstuvwxyz':
        if prefix + letter not in taken:
            return prefix + letter
    raise ValueError('no free {0} target left'.format(bus))


def add_disk(root, pool, volume, bus):
    """Add a disk on volume of pool on bus after the domain's last disk; returns its target (the disk's name)."""
    devices = _child(root, 'devices')
    taken = {t.get('dev') for t in devices.findall('disk/target')}
    target = next_target(bus, taken)
    disk = ET.Element('disk', {'type': 'volume', 'device': 'disk'})
    ET.SubElement(disk, 'driver', {'name': 'qemu', 'type': 'qcow2'})
    ET.SubElement(disk, 'source', {'pool': pool, 'volume': volume})
    ET.SubElement(disk, 'target', {'dev': target, 'bus': bus})
    disks = devices.findall('disk')
    last = disk_elements(root)
    anchor = last[-1] if last else (disks[-1] if disks else None)
    devices.insert(list(devices).index(anchor) + 1 if anchor is not None else 0, disk)
    record_volume(root, pool, volume)
    return target


def cpu_type(facts):
    """The CPU model of a definition: 'host' for host-passthrough, a custom model's name, host-model, or None."""
    if facts.get('cpu_mode') == 'host-passthrough':
        return 'host'
    if facts.get('cpu_model'):
        return facts['cpu_model']
    return facts.get('cpu_mode') if facts.get('cpu_mode') not in (None, 'custom') else None


def set_cpu(root, vcpus=None, sockets=None, model=None):
    """<vcpu> and the <cpu> topology (sockets x cores, one thread) and model ('host': host-passthrough)."""
    vcpu = _child(root, 'vcpu')
    if vcpus is not None:
        vcpu.text = str(int(vcpus))
        vcpu.attrib.pop('current', None)
    total = int(vcpu.text or 1)
    cpu = root.find('cpu')
    if model is not None or sockets is not None or (cpu is not None and cpu.find('topology') is not None):
        cpu = _child(root, 'cpu')
    if model is not None:
        for child in cpu.findall('model'):
            cpu.remove(child)
        if model == 'host':
            cpu.attrib.clear()
            cpu.set('mode', 'host-passthrough')
        elif model == 'host-model':
            cpu.attrib.clear()
            cpu.set('mode', 'host-model')
        else:
            cpu.attrib.clear()
            cpu.attrib.update({'mode': 'custom', 'match': 'exact'})
            element = ET.Element('model', {'fallback': 'allow'})
            element.text = model
            cpu.insert(0, element)
    if cpu is not None and cpu.get('mode') is None and cpu.find('model') is None:
        # A <cpu> with a topology only gets the machine's default model from libvirt when defined
        # (qemuDomainDefSetDefaultCPU: QEMU's default CPU type of the pc and q35 machines, qemu64): written here as
        # libvirt would, so check mode predicts it.
        cpu.attrib.update({'mode': 'custom', 'match': 'exact', 'check': 'none'})
        element = ET.Element('model', {'fallback': 'forbid'})
        element.text = DEFAULT_CPU_MODEL
        cpu.insert(0, element)
    if cpu is not None and (sockets is not None or cpu.find('topology') is not None):
        topology = _child(cpu, 'topology')
        count = int(sockets) if sockets is not None else int(topology.get('sockets') or 1)
        topology.attrib.clear()
        topology.attrib.update({'sockets': str(count), 'dies': '1', 'cores': str(total // count), 'threads': '1'})


def set_os_type(root, os_id):
    """The libosinfo OS id in the domain's metadata (virt-install's and virt-manager's place for it); None removes it."""
    metadata = _child(root, 'metadata')
    for old in metadata.findall('{{{0}}}libosinfo'.format(LIBOSINFO_NS)):
        metadata.remove(old)
    if os_id:
        ET.register_namespace('libosinfo', LIBOSINFO_NS)
        holder = ET.SubElement(metadata, '{{{0}}}libosinfo'.format(LIBOSINFO_NS))
        ET.SubElement(holder, '{{{0}}}os'.format(LIBOSINFO_NS), {'id': os_id})


def os_type_value(os_type):
    return OS_WORDS[os_type] if os_type in OS_WORDS else os_type


def os_family(os_id):
    if not os_id:
        return 'other'
    if 'microsoft.com/win' in os_id:
        return 'windows'
    return 'linux' if any(vendor in os_id for vendor in LINUX_VENDORS) else 'other'


def os_type_matches(current, wanted):
    if wanted in OS_WORDS:
        return os_family(current) == wanted
    return current == wanted


def blank_definition(name, spec, domain_type, disks):
    """The definition of a blank VM: disks ([(pool, volume, bus)], in order) on new volumes, the NICs of spec, its
    boot order, firmware (UEFI by libvirt's firmware autoselection), CPU, memory, OS type, tags and description. The
    volumes are recorded in its metadata, as the collection made them."""
    root = ET.Element('domain', {'type': domain_type})
    ET.SubElement(root, 'name').text = name
    memory = int(spec.get('memory_mb') or 1024) * KIB_PER_MIB
    ET.SubElement(root, 'memory', {'unit': 'KiB'}).text = str(memory)
    ET.SubElement(root, 'currentMemory', {'unit': 'KiB'}).text = str(memory)
    ET.SubElement(root, 'vcpu').text = str(int(spec.get('cpu_cores') or 1))
    os_element = ET.SubElement(root, 'os')
    ET.SubElement(os_element, 'type', {'arch': BLANK_ARCH}).text = 'hvm'
    features = ET.SubElement(root, 'features')
    ET.SubElement(features, 'acpi')
    ET.SubElement(features, 'apic')
    set_cpu(root, sockets=spec.get('cpu_sockets'), model=spec.get('cpu_type'))
    devices = ET.SubElement(root, 'devices')
    for pool, volume, bus in disks:
        add_disk(root, pool, volume, bus)
    for nic in spec['networks']:
        element = _interface_element(nic)
        if nic.get('mac'):
            ET.SubElement(element, 'mac', {'address': nic['mac'].lower()})
        ET.SubElement(element, 'model', {'type': nic.get('model') or 'virtio'})
        devices.append(element)
    ET.SubElement(devices, 'serial', {'type': 'pty'})
    ET.SubElement(devices, 'console', {'type': 'pty'})
    if spec.get('boot_order'):
        _set_boot_order(root, spec['boot_order'])
    if spec.get('firmware') == 'uefi':
        os_element.set('firmware', 'efi')
    set_os_type(root, os_type_value(spec.get('os_type') or 'linux'))
    _set_tags(root, sorted({str(t).lower() for t in spec.get('tags') or ()}))
    if spec.get('description'):
        _set_description(root, spec['description'])
    return root
