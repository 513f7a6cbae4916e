"""libvirt templates cannot smuggle host access into their clones (issue 23 item 4), on the private libvirtd.

A template maintainer (or anyone who may edit the template's definition) adds a host device or path; every case
defines such a template on the real daemon, asks pureboot_vm's driver to clone it, and expects one line naming the
element, before any write (libvirtd's own log of API calls shows none, and no domain or volume appears). A template
with only what the allow-list holds (plugins/module_utils/_libvirt/template_policy.py, docs/security.md) is cloned,
without its console password.
"""

import os
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKEND_CLASSES, LibvirtBackend

QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0'
NAME = 'tpl-policy'
CLONE = 'tpl-policy-clone'


@pytest.fixture
def libvirt_backend(request):
    return BACKEND_CLASSES[LibvirtBackend.kind].from_fixtures(request.getfixturevalue)


def define_template(backend, devices=(), top=(), os_children=(), name=NAME):
    """A template made from the scene's template: its definition with the given XML fragments added to <devices>,
    to <domain> and to <os>, defined on the daemon; returns its XML as the daemon keeps it."""
    conn = backend.host.connect()
    root = ET.fromstring(conn.lookupByName(backend.template).XMLDesc(0))
    root.find('name').text = name
    for tag in ('uuid',):
        for element in root.findall(tag):
            root.remove(element)
    for interface in root.findall('devices/interface'):
        for mac in interface.findall('mac'):
            interface.remove(mac)
    for fragment in devices:
        root.find('devices').append(ET.fromstring(fragment))
    for fragment in os_children:
        root.find('os').append(ET.fromstring(fragment))
    for fragment in top:
        root.append(ET.fromstring(fragment))
    ET.register_namespace('qemu', QEMU_NS)
    return conn.defineXML(ET.tostring(root, encoding='unicode')).XMLDesc(0)


def pool_volume(backend, name, size_mb=1):
    """A volume of the scene's pool (what a CD-ROM or disk of a template may be); returns its path."""
    return backend.host.create_disk(backend.pool, name, size_mb=size_mb)


def assert_refused(backend, naming):
    """Cloning the template fails with one line naming the element, and nothing was written."""
    backend.mark = backend.host.log_mark()
    with backend.driver() as driver:
        with pytest.raises(InvalidInputError) as refused:
            driver.preflight({'name': CLONE, 'template': NAME})
        with pytest.raises(InvalidInputError):
            driver.create_vm(CLONE, {'template': NAME}, timeout=60)
    message = str(refused.value)
    assert len(message.splitlines()) == 1 and naming in message and "template '{0}'".format(NAME) in message, message
    assert backend.write_count() == 0, 'a write was sent before the template was refused'
    assert CLONE not in [dom.name() for dom in backend.host.connect().listAllDomains(0)]
    assert not [v for v in os.listdir(backend.host.pool_path(backend.pool)) if v.startswith(CLONE)]
    return message


def host_file(tmp_path, name='secret'):
    path = tmp_path / name
    path.write_text('host secret\n')
    return str(path)


# Each case: (id, what it adds: devices, top-level, os children, the element the message names). A callable builds
# the fragments from the backend and tmp_path.
CASES = [
    (
        'hostdev',
        lambda b, t: dict(
            devices=[
                "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x00' slot='0x1f' function='0x0'/></source></hostdev>"
            ]
        ),
        '<hostdev',
    ),
    (
        'filesystem',
        lambda b, t: dict(devices=["<filesystem type='mount' accessmode='passthrough'><source dir='/'/><target dir='hostroot'/></filesystem>"]),
        '<filesystem',
    ),
    (
        'block-disk',
        lambda b, t: dict(devices=["<disk type='block' device='disk'><source dev='/dev/null'/><target dev='vdb' bus='virtio'/></disk>"]),
        "<disk type='block'",
    ),
    ('lun', lambda b, t: dict(devices=["<disk type='block' device='lun'><source dev='/dev/null'/><target dev='sda' bus='scsi'/></disk>"]), "device='lun'"),
    (
        'cdrom-host-file',
        lambda b, t: dict(
            devices=["<disk type='file' device='cdrom'><source file='{0}'/><target dev='sdc' bus='sata'/><readonly/></disk>".format(host_file(t))]
        ),
        'is not a volume of a storage pool',
    ),
    (
        'disk-host-file',
        lambda b, t: dict(
            devices=[
                "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{0}'/><target dev='vdc' bus='virtio'/></disk>".format(
                    host_file(t)
                )
            ]
        ),
        'is not a volume of a storage pool',
    ),
    (
        'qemu-commandline',
        lambda b, t: dict(
            top=["<qemu:commandline xmlns:qemu='{0}'><qemu:arg value='-device'/><qemu:arg value='isa-debugcon'/></qemu:commandline>".format(QEMU_NS)]
        ),
        '<qemu:commandline',
    ),
    (
        'serial-file',
        lambda b, t: dict(devices=["<serial type='file'><source path='{0}'/><target port='1'/></serial>".format(t / 'console.log')]),
        "<serial type='file'",
    ),
    (
        'channel-host-socket',
        lambda b, t: dict(
            devices=["<channel type='unix'><source mode='connect' path='{0}'/><target type='virtio' name='org.example.x'/></channel>".format(t / 'host.sock')]
        ),
        "<channel type='unix'",
    ),
    ('vnc-on-all-addresses', lambda b, t: dict(devices=["<graphics type='vnc' port='-1' autoport='yes' listen='0.0.0.0'/>"]), 'not on loopback'),
    ('rng-host-device', lambda b, t: dict(devices=["<rng model='virtio'><backend model='random'>/dev/random</backend></rng>"]), '<rng'),
    ('direct-kernel-boot', lambda b, t: dict(os_children=['<kernel>{0}</kernel>'.format(host_file(t))]), '<kernel'),
    ('shmem', lambda b, t: dict(devices=["<shmem name='pbh-shared'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>"]), '<shmem'),
]


@pytest.mark.parametrize('fragments,naming', [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_template_with_host_access_is_refused_before_any_write(libvirt_backend, tmp_path, fragments, naming):
    define_template(libvirt_backend, **fragments(libvirt_backend, tmp_path))
    assert_refused(libvirt_backend, naming)


def test_a_template_of_allowed_devices_is_cloned_without_its_console_password(libvirt_backend):
    backend = libvirt_backend
    iso = pool_volume(backend, 'tpl-policy-tools.iso')
    define_template(
        backend,
        devices=[
            "<disk type='file' device='cdrom'><source file='{0}'/><target dev='sdb' bus='sata'/><readonly/></disk>".format(iso),
            "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' passwd='Kn0wn-pw'/>",
            "<video><model type='vga'/></video>",
            "<input type='tablet' bus='usb'/>",
            "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>",
            "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
            "<watchdog model='i6300esb' action='reset'/>",
        ],
    )
    with backend.driver() as driver:
        clone = driver.create_vm(CLONE, {'template': NAME}, timeout=60)
        assert clone['name'] == CLONE
        import libvirt

        secure = backend.host.connect().lookupByName(CLONE).XMLDesc(libvirt.VIR_DOMAIN_XML_SECURE)
        assert 'passwd' not in secure and 'Kn0wn-pw' not in secure
        assert ET.fromstring(secure).find('devices/graphics').get('listen') == '127.0.0.1'
        cdrom = [d for d in ET.fromstring(secure).findall('devices/disk') if d.get('device') == 'cdrom']
        assert cdrom and cdrom[0].find('source').get('file') == iso, "the pool's CD-ROM is kept"
        driver.delete_vm(clone, timeout=60)
