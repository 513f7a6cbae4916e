# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""A libvirt domain's XML: read into records, changed (memory, cores, NICs, boot order, firmware, tags,
description) and cloned into a new VM's definition; volume XML. Pure functions on ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import normalize_mac

# The collection's namespace in a domain's <metadata>: <pbh:template/> marks a template, <pbh:vm> holds a VM's tags.
PBH_NS = 'https://pureboot.io/xmlns/hypervisors/1'
PBH_PREFIX = 'pbh'
TEMPLATE_MARKER = '<pbh:template xmlns:pbh="{0}"/>'.format(PBH_NS)
LIBOSINFO_NS = 'http://libosinfo.org/xmlns/libvirt/domain/1.0'
KIB_PER_MIB = 1024
GIB = 1024**3
BOOT_DEVICE = {'hd': 'disk', 'network': 'network', 'cdrom': 'cdrom'}
LIBVIRT_BOOT_DEVICE = {record: libvirt_name for libvirt_name, record in BOOT_DEVICE.items()}
NIC_MODELS = ('virtio', 'e1000', 'e1000e', 'rtl8139', 'ne2k_pci', 'pcnet', 'vmxnet3')
BRIDGE_PREFIX = 'bridge:'
AGENT_CHANNEL = 'org.qemu.guest_agent.0'


# ------------------------------------------------------------------------------------------ domain XML
def _int(text, default=None):
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return default


def memory_kib(element):
    """A <memory>/<currentMemory> element's size in KiB (its unit attribute, KiB by default)."""
    if element is None or _int(element.text) is None:
        return None
    units = {
        'b': 1.0 / 1024,
        'bytes': 1.0 / 1024,
        'k': 1,
        'kib': 1,
        'kb': 1000.0 / 1024,
        'm': 1024,
        'mib': 1024,
        'mb': 1000.0**2 / 1024,
        'g': 1024**2,
        'gib': 1024**2,
        'gb': 1000.0**3 / 1024,
        't': 1024**3,
        'tib': 1024**3,
        'tb': 1000.0**4 / 1024,
    }
    factor = units.get((element.get('unit') or 'KiB').lower())
    return int(_int(element.text) * factor) if factor else None


def parse_domain(xml_text):
    """The facts of a domain definition this driver works with, as plain data.

    The XML comes from the hypervisor: it is parsed, never evaluated (ElementTree resolves no external entities).
    """
    root = ET.fromstring(xml_text)
    os_element = root.find('os')
    boot = [BOOT_DEVICE[b.get('dev')] for b in (os_element.findall('boot') if os_element is not None else ()) if b.get('dev') in BOOT_DEVICE]
    devices = root.find('devices')
    device_boot = []
    disks, nics = [], []
    agent = False
    for device in list(devices) if devices is not None else ():
        order = _int(device.find('boot').get('order')) if device.find('boot') is not None else None
        if device.tag == 'disk':
            source = device.find('source')
            driver = device.find('driver')
            target = device.find('target')
            disks.append(
                {
                    'device': device.get('device') or 'disk',
                    'type': device.get('type'),
                    'pool': source.get('pool') if source is not None else None,
                    'volume': source.get('volume') if source is not None else None,
                    'path': (source.get('file') or source.get('dev')) if source is not None else None,
                    'format': driver.get('type') if driver is not None else None,
                    'target': target.get('dev') if target is not None else None,
                    'bus': target.get('bus') if target is not None else None,
                    'shareable': device.find('shareable') is not None,
                }
            )
            if order is not None:
                device_boot.append((order, 'cdrom' if device.get('device') == 'cdrom' else 'disk'))
        elif device.tag == 'interface':
            nics.append(_parse_interface(device, len(nics)))
            if order is not None:
                device_boot.append((order, 'network'))
        elif device.tag == 'channel':
            target = device.find('target')
            if target is not None and target.get('name') == AGENT_CHANNEL:
                agent = True
    if device_boot and not boot:
        # Per-device <boot order='N'/> instead of <os><boot dev=.../>: the same list, in that order.
        for _order, kind in sorted(device_boot):
            if kind not in boot:
                boot.append(kind)
    loader = os_element.find('loader') if os_element is not None else None
    uefi = os_element is not None and (os_element.get('firmware') == 'efi' or (loader is not None and loader.get('type') == 'pflash'))
    vcpu = root.find('vcpu')
    pbh = _pbh_element(root)
    osinfo = root.find('metadata/{{{0}}}libosinfo/{{{0}}}os'.format(LIBOSINFO_NS))
    return {
        'name': root.findtext('name'),
        'uuid': (root.findtext('uuid') or '').lower() or None,
        'type': root.get('type'),
        'arch': root.find('os/type').get('arch') if root.find('os/type') is not None else None,
        'vcpus': _int(vcpu.text) if vcpu is not None else None,
        'memory_kib': memory_kib(root.find('memory')),
        'boot_order': boot,
        'firmware': 'uefi' if uefi else 'bios',
        'description': root.findtext('description') or None,
        'template': pbh is not None and pbh.tag == _pbh('template'),
        'tags': [t.text for t in pbh.findall(_pbh('tag')) if t.text] if pbh is not None else [],
        'os_type': osinfo.get('id') if osinfo is not None else None,
        'disks': disks,
        'nics': nics,
        'agent': agent,
        'volumes': [(v.get('pool'), v.get('name')) for v in pbh.findall(_pbh('volume'))] if pbh is not None else [],
        'cpu_mode': root.find('cpu').get('mode') if root.find('cpu') is not None else None,
        'cpu_model': root.findtext('cpu/model'),
        'cpu_sockets': _int(root.find('cpu/topology').get('sockets'), 1) if root.find('cpu/topology') is not None else 1,
    }


def _parse_interface(element, index):
    source = element.find('source')
    kind = element.get('type')
    network = None
    if source is not None and kind == 'network':
        network = source.get('network')
    elif source is not None and kind == 'bridge':
        network = BRIDGE_PREFIX + (source.get('bridge') or '')
    mac = element.find('mac')
    model = element.find('model')
    return {
        'name': 'net{0}'.format(index),
        'mac': normalize_mac(mac.get('address')) if mac is not None else None,
        'network': network,
        'model': model.get('type') if model is not None else None,
    }


def _pbh(tag):
    return '{{{0}}}{1}'.format(PBH_NS, tag)


def _pbh_element(root):
    metadata = root.find('metadata')
    if metadata is None:
        return None
    for child in metadata:
        if child.tag in (_pbh('template'), _pbh('vm')):
            return child
    return None


def _child(parent, tag, first=False):
    """parent's <tag> child, made when missing (first: as its first child)."""
    element = parent.find(tag)
    if element is None:
        element = ET.Element(tag)
        if first:
            parent.insert(0, element)
        else:
            parent.append(element)
    return element


def vm_metadata(root):
    """The VM's <pbh:vm> metadata element, made when missing (a template's marker is replaced: a VM is no
    template)."""
    metadata = _child(root, 'metadata')
    old = _pbh_element(root)
    if old is not None and old.tag == _pbh('vm'):
        return old
    if old is not None:
        metadata.remove(old)
    return ET.SubElement(metadata, _pbh('vm'))


def _set_tags(root, tags):
    """The VM's <pbh:vm> metadata with these tags; what else it holds (the volumes the collection made) stays."""
    vm = vm_metadata(root)
    for old in vm.findall(_pbh('tag')):
        vm.remove(old)
    for tag in tags:
        ET.SubElement(vm, _pbh('tag')).text = str(tag)


def record_volume(root, pool, name):
    """Note in the VM's metadata that the collection made volume name of pool for it: `absent` removes exactly
    the volumes noted so (and the cloud-init seed), never one it did not make."""
    vm = vm_metadata(root)
    if not any(v.get('pool') == pool and v.get('name') == name for v in vm.findall(_pbh('volume'))):
        ET.SubElement(vm, _pbh('volume'), {'pool': pool, 'name': name})


def _set_memory(root, mib):
    for tag in ('memory', 'currentMemory'):
        element = _child(root, tag)
        element.set('unit', 'KiB')
        element.text = str(int(mib) * KIB_PER_MIB)


def _set_cores(root, cores):
    vcpu = _child(root, 'vcpu')
    vcpu.text = str(int(cores))
    vcpu.attrib.pop('current', None)
    topology = root.find('cpu/topology')
    if topology is not None:
        # One socket of `cores` cores: a topology must multiply out to the vCPU count.
        topology.attrib.update({'sockets': '1', 'cores': str(int(cores)), 'threads': '1'})
        if 'dies' in topology.attrib:
            topology.set('dies', '1')


def _set_boot_order(root, order):
    os_element = _child(root, 'os')
    for boot in os_element.findall('boot'):
        os_element.remove(boot)
    # libvirt refuses <os><boot> beside per-device <boot order>: the collection writes the <os> form only.
    devices = root.find('devices')
    for device in list(devices) if devices is not None else ():
        for boot in device.findall('boot'):
            device.remove(boot)
    position = 1 if os_element.find('type') is not None else 0
    for offset, kind in enumerate(order):
        element = ET.Element('boot', {'dev': LIBVIRT_BOOT_DEVICE[kind]})
        os_element.insert(position + offset, element)


def _set_firmware(root, firmware):
    os_element = _child(root, 'os')
    for tag in ('loader', 'nvram'):
        for element in os_element.findall(tag):
            os_element.remove(element)
    if firmware == 'uefi':
        # libvirt picks the UEFI build that fits the machine (firmware autoselection) and makes the VM's NVRAM.
        os_element.set('firmware', 'efi')
    else:
        os_element.attrib.pop('firmware', None)


def _set_description(root, description):
    element = root.find('description')
    if not description:
        if element is not None:
            root.remove(element)
        return
    if element is None:
        element = ET.Element('description')
        # <description> belongs after <name>/<uuid>/<title> by libvirt's schema order; libvirt accepts it anywhere.
        root.insert(min(2, len(root)), element)
    element.text = description


def _interface_element(nic):
    network = nic.get('network') or ''
    if network.startswith(BRIDGE_PREFIX):
        element = ET.Element('interface', {'type': 'bridge'})
        ET.SubElement(element, 'source', {'bridge': network[len(BRIDGE_PREFIX) :]})
    else:
        element = ET.Element('interface', {'type': 'network'})
        ET.SubElement(element, 'source', {'network': network})
    return element


def _set_nics(root, wanted):
    """Make the domain's interfaces the wanted list, in order: changed ones rewritten in place (keeping what the
    collection does not manage), new ones added (libvirt gives them a MAC when none is asked), extra ones removed."""
    devices = _child(root, 'devices')
    current = devices.findall('interface')
    for index, nic in enumerate(wanted):
        if index < len(current):
            element = current[index]
            have = _parse_interface(element, index)
            if nic.get('network') and nic['network'] != have['network']:
                replacement = _interface_element(nic)
                element.set('type', replacement.get('type'))
                source = element.find('source')
                if source is not None:
                    element.remove(source)
                element.insert(0, replacement.find('source'))
                # The port of the old network or bridge means nothing on the new one.
                for stale in ('target', 'vlan', 'virtualport'):
                    for child in element.findall(stale):
                        element.remove(child)
        else:
            element = _interface_element(nic)
            if current:
                devices.insert(list(devices).index(current[-1]) + 1 + index - len(current), element)
            else:
                devices.append(element)
        if nic.get('mac'):
            _child(element, 'mac').set('address', normalize_mac(nic['mac']))
        if nic.get('model'):
            _child(element, 'model').set('type', nic['model'])
        elif element.find('model') is None:
            _child(element, 'model').set('type', 'virtio')
    for element in current[len(wanted) :]:
        devices.remove(element)


def apply_hardware(root, changes):
    """Write the changes of diff_hardware() into a domain definition (an ElementTree root), in place."""
    if 'cpu_cores' in changes:
        _set_cores(root, changes['cpu_cores']['after'])
    if 'memory_mb' in changes:
        _set_memory(root, changes['memory_mb']['after'])
    if 'networks' in changes:
        _set_nics(root, changes['networks']['after'])
    if 'boot_order' in changes:
        _set_boot_order(root, changes['boot_order']['after'])
    if 'firmware' in changes:
        _set_firmware(root, changes['firmware']['after'])
    if 'description' in changes:
        _set_description(root, changes['description']['after'])
    if 'tags' in changes:
        _set_tags(root, changes['tags']['after'])
    return root


def clone_definition(template_xml, name, disk_sources, domain_type=None):
    """The definition of a new VM made from a template's: its name, no UUID (libvirt makes one), no MACs (libvirt
    makes new ones), its own disk volumes (disk_sources: {target dev: (pool, volume)}), no template marker, and
    nothing that belongs to the template's own instance (NVRAM file, agent socket path, SMBIOS UUID)."""
    root = ET.fromstring(template_xml)
    if domain_type:
        root.set('type', domain_type)
    _child(root, 'name').text = name
    for tag in ('uuid', 'genid'):
        for element in root.findall(tag):
            root.remove(element)
    for entry in root.findall("sysinfo/system/entry[@name='uuid']"):
        root.find('sysinfo/system').remove(entry)
    os_element = root.find('os')
    if os_element is not None:
        for nvram in os_element.findall('nvram'):
            os_element.remove(nvram)
    devices = _child(root, 'devices')
    for disk in devices.findall('disk'):
        target = disk.find('target')
        dev = target.get('dev') if target is not None else None
        if dev in disk_sources:
            pool, volume = disk_sources[dev]
            disk.set('type', 'volume')
            source = disk.find('source')
            if source is not None:
                disk.remove(source)
            disk.insert(1 if disk.find('driver') is not None else 0, ET.Element('source', {'pool': pool, 'volume': volume}))
            driver = disk.find('driver')
            if driver is not None:
                driver.set('type', 'qcow2')
            for backing in disk.findall('backingStore'):
                disk.remove(backing)
    for interface in devices.findall('interface'):
        for tag in ('mac', 'target', 'alias'):
            for element in interface.findall(tag):
                interface.remove(element)
    for channel in devices.findall('channel'):
        source = channel.find('source')
        if channel.get('type') == 'unix' and source is not None and source.get('path'):
            channel.remove(source)
    metadata = root.find('metadata')
    marker = _pbh_element(root)
    if marker is not None:
        metadata.remove(marker)
    return root


def to_xml(root):
    ET.register_namespace(PBH_PREFIX, PBH_NS)
    return ET.tostring(root, encoding='unicode')


def volume_xml(name, capacity, backing=None, fmt='qcow2'):
    """A new volume's definition; backing ({'path', 'format'}) makes it a qcow2 overlay of that volume."""
    volume = ET.Element('volume')
    ET.SubElement(volume, 'name').text = name
    ET.SubElement(volume, 'capacity', {'unit': 'bytes'}).text = str(int(capacity))
    target = ET.SubElement(volume, 'target')
    ET.SubElement(target, 'format', {'type': fmt})
    if backing:
        store = ET.SubElement(volume, 'backingStore')
        ET.SubElement(store, 'path').text = backing['path']
        ET.SubElement(store, 'format', {'type': backing['format'] or 'raw'})
    return ET.tostring(volume, encoding='unicode')


def disk_volume_name(vm_name, target):
    """The name of a new VM's copy of one template disk: <vm>-<target>.qcow2, e.g. web-1-vda.qcow2 (named by the
    disk's target, as the template's own volume name may be anything)."""
    return '{0}-{1}.qcow2'.format(vm_name, target)
