# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""What a libvirt template may hand on to its clones: an allow-list, checked before any write.

Whoever maintains a template (or can edit its definition) is not trusted with the host: a clone copies the
template's definition, so a host block device, a `<filesystem>` passthrough of `/`, a CD-ROM of `/etc/shadow`, a
`<hostdev>`, a `<qemu:commandline>` or a console password they know would reach every clone, and run as the host's
QEMU. So a template's definition may hold only what is listed here (docs/security.md has the same list in words);
anything else is refused with one line naming the element. What the clone must not inherit but may safely lose is
left out of the definition instead: the console password (the template is read with VIR_DOMAIN_XML_SECURE) and the
emulator path (libvirt picks the host's own emulator for the domain type and architecture).

Element and attribute names are libvirt's domain XML format (https://libvirt.org/formatdomain.html).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.sdk import libvirt

# Children of <domain> a template may have. Everything under <metadata> is opaque data; sysinfo, os, seclabel and
# devices are checked further below.
DOMAIN_CHILDREN = frozenset(
    (
        'name',
        'uuid',
        'genid',
        'title',
        'description',
        'metadata',
        'memory',
        'currentMemory',
        'maxMemory',
        'vcpu',
        'vcpus',
        'iothreads',
        'cpu',
        'os',
        'features',
        'clock',
        'on_poweroff',
        'on_reboot',
        'on_crash',
        'on_lockfailure',
        'pm',
        'resource',
        'sysinfo',
        'seclabel',
        'devices',
    )
)
# Children of <os>: no direct kernel boot (kernel, initrd, dtb, cmdline read host files), no ACPI tables from host
# files; the firmware loader only as one the host offers (see _check_loader); nvram is never copied (domain_xml).
OS_CHILDREN = frozenset(('type', 'boot', 'bootmenu', 'smbios', 'bios', 'loader', 'nvram', 'firmware'))
AGENT_CHANNEL = 'org.qemu.guest_agent.0'
SPICE_CHANNEL = 'com.redhat.spice.0'
LOOPBACK = frozenset(('127.0.0.1', '::1', 'localhost'))
# Device elements that need no more than their name to be harmless: emulated hardware with no host resource.
PLAIN_DEVICES = frozenset(('controller', 'video', 'sound', 'memballoon', 'watchdog', 'panic'))
INPUT_TYPES = frozenset(('mouse', 'tablet', 'keyboard'))
AUDIO_TYPES = frozenset(('none', 'spice'))
NIC_TYPES = frozenset(('network', 'bridge'))
# Children of an <interface>: what configures the emulated NIC. Not <backend> (host tap/vhost device paths),
# <script> (a host program), <rom file=...> (a host file; <rom bar=.../> alone is fine, see _check_interface).
NIC_CHILDREN = frozenset(
    (
        'source',
        'mac',
        'model',
        'target',
        'alias',
        'address',
        'boot',
        'driver',
        'link',
        'mtu',
        'rom',
        'filterref',
        'bandwidth',
        'vlan',
        'virtualport',
        'coalesce',
        'tune',
        'acpi',
    )
)
DISK_CHILDREN = frozenset(
    (
        'driver',
        'source',
        'target',
        'address',
        'alias',
        'readonly',
        'shareable',
        'boot',
        'serial',
        'wwn',
        'vendor',
        'product',
        'iotune',
        'blockio',
        'geometry',
        'transient',
        'backingStore',
    )
)


class TemplateRefused(Exception):
    """One element of a template a clone may not copy; the message names it."""


def _describe(element, *attributes):
    """How a message names an element: <tag a='v' ...> with the attributes that matter."""
    shown = ''.join(" {0}='{1}'".format(name, element.get(name)) for name in attributes if element.get(name))
    tag = element.tag
    if tag.startswith('{'):
        namespace, tag = tag[1:].split('}', 1)
        tag = '{0}:{1}'.format('qemu' if 'libvirt.org/schemas/domain/qemu' in namespace else namespace, tag)
    return '<{0}{1}>'.format(tag, shown)


def _refuse(element, why, *attributes):
    raise TemplateRefused('{0} {1}'.format(_describe(element, *attributes), why))


def _check_unknown_children(element, allowed, why):
    for child in element:
        if child.tag not in allowed:
            _refuse(child, why)


def _check_disk(disk, volume_exists):
    device = disk.get('device') or 'disk'
    if device not in ('disk', 'cdrom'):
        _refuse(disk, "is not a disk or CD-ROM of a storage pool (a LUN or floppy reaches the host's devices)", 'device')
    kind = disk.get('type') or 'file'
    if kind not in ('file', 'volume'):
        _refuse(disk, 'is not a volume of a storage pool (block devices, network and directory disks reach the host or other systems)', 'type', 'device')
    _check_unknown_children(disk, DISK_CHILDREN, 'in a <disk> is not on the allow-list')
    for backing in disk.findall('backingStore'):
        if len(backing) or backing.get('type'):
            _refuse(backing, 'names a backing file: the clone gets its own volume, a CD-ROM none', 'type')
    source = disk.find('source')
    if source is None or not (source.get('file') or source.get('volume')):
        if device == 'disk':
            _refuse(disk, 'has no source to clone', 'device')
        return  # an empty CD-ROM tray
    _check_unknown_children(source, frozenset(), "in a disk's <source> is not on the allow-list")
    if kind == 'volume':
        place = {'pool': source.get('pool'), 'volume': source.get('volume')}
    else:
        place = {'path': source.get('file')}
    if not volume_exists(place):
        _refuse(
            disk,
            'source {0} is not a volume of a storage pool of this host'.format(place.get('path') or '{0}/{1}'.format(place['pool'], place['volume'])),
            'type',
            'device',
        )


def _check_interface(interface):
    if interface.get('type') not in NIC_TYPES:
        _refuse(interface, 'is not a NIC on a libvirt network or host bridge', 'type')
    _check_unknown_children(interface, NIC_CHILDREN, 'in an <interface> is not on the allow-list')
    rom = interface.find('rom')
    if rom is not None and rom.get('file'):
        _refuse(rom, "loads a host file as the NIC's option ROM", 'file')


def _check_char_device(device):
    """serial and console of type pty; channel: the guest agent's unix socket (libvirt places it in its own
    directory: the path is not copied, domain_xml.clone_definition) or spicevmc."""
    kind = device.get('type')
    target = device.find('target')
    if device.tag in ('serial', 'console'):
        if kind != 'pty':
            _refuse(device, 'is backed by the host (a file, device or socket); only type pty is allowed', 'type')
        allowed = frozenset(('target', 'alias', 'address'))
    elif kind == 'unix':
        source = device.find('source')
        if target is None or target.get('type') != 'virtio' or target.get('name') != AGENT_CHANNEL:
            _refuse(device, 'is a host socket; a unix channel is allowed for the guest agent ({0}) only'.format(AGENT_CHANNEL), 'type')
        if source is not None and source.get('mode', 'bind') != 'bind':
            _refuse(source, 'connects to a host socket', 'mode')
        allowed = frozenset(('source', 'target', 'alias', 'address'))
    elif kind == 'spicevmc':
        allowed = frozenset(('target', 'alias', 'address'))
    else:
        _refuse(device, 'is backed by the host (a file, device or socket)', 'type')
    _check_unknown_children(device, allowed, 'in a {0} is not on the allow-list'.format(_describe(device)))
    if device.tag == 'channel' and kind == 'unix':
        source = device.find('source')
        if source is not None:
            _check_unknown_children(source, frozenset(), "in the guest agent's <source> is not on the allow-list")


def _check_graphics(graphics):
    if graphics.get('type') not in ('vnc', 'spice'):
        _refuse(graphics, 'is not a VNC or SPICE console', 'type')
    if graphics.get('socket'):
        _refuse(graphics, 'listens on a host socket path', 'socket')
    addresses = [graphics.get('listen')] + [listen.get('address') for listen in graphics.findall('listen')]
    for listen in graphics.findall('listen'):
        if listen.get('type') not in ('address', 'none', None):
            _refuse(listen, 'is not a loopback address', 'type')
    for address in addresses:
        if address and address not in LOOPBACK:
            _refuse(graphics, 'listens on {0}, not on loopback'.format(address), 'type')
    for gl in graphics.findall('gl'):
        if gl.get('rendernode'):
            _refuse(gl, 'opens a host device', 'rendernode')
    # Never copied: a console password the template's maintainer knows (read with VIR_DOMAIN_XML_SECURE).
    for secret in ('passwd', 'passwdValidTo'):
        if secret in graphics.attrib:
            del graphics.attrib[secret]


def _check_rng(rng):
    backend = rng.find('backend')
    if (
        backend is None
        or backend.get('model') not in ('random', 'builtin')
        or (backend.get('model') == 'random' and (backend.text or '/dev/urandom').strip() != '/dev/urandom')
    ):
        _refuse(rng, "is not backed by /dev/urandom or QEMU's builtin source", 'model')
    _check_unknown_children(rng, frozenset(('backend', 'rate', 'alias', 'address', 'driver')), 'in an <rng> is not on the allow-list')


def _check_devices(devices, volume_exists):
    for device in list(devices):
        tag = device.tag
        if tag == 'emulator':
            devices.remove(device)  # the host's own emulator is picked by libvirt: a path is never copied
        elif tag == 'disk':
            _check_disk(device, volume_exists)
        elif tag == 'interface':
            _check_interface(device)
        elif tag in ('serial', 'console', 'channel'):
            _check_char_device(device)
        elif tag == 'graphics':
            _check_graphics(device)
        elif tag == 'rng':
            _check_rng(device)
        elif tag == 'input':
            if device.get('type') not in INPUT_TYPES:
                _refuse(device, 'reads a host input device', 'type')
        elif tag == 'audio':
            if device.get('type') not in AUDIO_TYPES:
                _refuse(device, "uses the host's sound system or files", 'type')
        elif tag == 'redirdev':
            if device.get('type') != 'spicevmc':
                _refuse(device, 'redirects a host or network USB device', 'type')
        elif tag not in PLAIN_DEVICES:
            _refuse(device, 'is not on the allow-list of devices a clone may copy (host devices, shared memory, passthrough and host paths are not)', 'type')


def _check_os(os_element, loader_allowed):
    _check_unknown_children(os_element, OS_CHILDREN, 'in <os> reads a host file or is not on the allow-list')
    loader = os_element.find('loader')
    if loader is not None and (loader.text or '').strip() and not loader_allowed((loader.text or '').strip(), os_element.find('type')):
        _refuse(loader, '{0} is not a firmware this host offers'.format((loader.text or '').strip()), 'type')


def _check_top_level(root, loader_allowed):
    for child in root:
        if child.tag not in DOMAIN_CHILDREN:
            _refuse(child, 'is not on the allow-list of what a clone may copy (QEMU command lines and overrides, host paths and host resources are not)')
    for sysinfo in root.findall('sysinfo'):
        if sysinfo.get('type', 'smbios') != 'smbios':
            _refuse(sysinfo, 'passes host files to the guest', 'type')
    for seclabel in root.findall('seclabel'):
        if seclabel.get('type') != 'dynamic' or seclabel.get('relabel') == 'no':
            _refuse(seclabel, "weakens the confinement of the host's QEMU process", 'type', 'model')
    os_element = root.find('os')
    if os_element is not None:
        _check_os(os_element, loader_allowed)


def checked_template_root(template_xml, volume_exists, loader_allowed):
    """The template's definition (an Element) cleaned of what a clone never copies, or TemplateRefused naming the
    first element not on the allow-list. volume_exists({'pool','volume'} or {'path'}) says whether a disk source
    is a volume of a storage pool of the host; loader_allowed(path, <os><type>) whether a firmware path is one the
    host offers. Pure but for those two questions."""
    root = ET.fromstring(template_xml)
    _check_top_level(root, loader_allowed)
    devices = root.find('devices')
    if devices is not None:
        _check_devices(devices, volume_exists)
    return root


def allowed_template_xml(driver, template_name, template_xml, subject):
    """The template's definition as a clone may copy it (see checked_template_root), asking the driver's libvirt
    connection about volumes and firmware; InvalidInputError, one line naming the element, before any write."""
    missing = (libvirt.VIR_ERR_NO_STORAGE_POOL, libvirt.VIR_ERR_NO_STORAGE_VOL)

    def volume_exists(place):
        if place.get('path'):
            found = driver._read_unless_missing(lambda conn: conn.storageVolLookupByPath(place['path']), missing, subject)
        else:
            found = driver._read_unless_missing(
                lambda conn: conn.storagePoolLookupByName(place['pool']).storageVolLookupByName(place['volume']), missing, subject
            )
        return found is not None

    def loader_allowed(path, os_type):
        os_type = os_type if os_type is not None else ET.Element('type')
        caps = driver._read(lambda conn: conn.getDomainCapabilities(None, os_type.get('arch'), os_type.get('machine'), None, 0), subject)
        return path in [value.text for value in ET.fromstring(caps).findall('os/loader/value')]

    try:
        root = checked_template_root(template_xml, volume_exists, loader_allowed)
    except TemplateRefused as refused:
        raise driver.error(
            InvalidInputError,
            "template '{0}': {1}; a clone copies only what docs/security.md lists (libvirt templates)".format(template_name, refused),
            subject,
        )
    return ET.tostring(root, encoding='unicode')
