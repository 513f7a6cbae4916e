"""The tiny installer: its cpio writer and module resolution on their own, then the real build from Debian packages,
then the built installer booted by QEMU (user-mode network: the guest reaches the PureBoot double on this machine's
loopback through QEMU's own 10.0.2.2) reporting to the double and marking its disk."""

import gzip
import lzma
import os
import shutil
import stat
import struct
import subprocess

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.installer import build
from ansible_collections.pureboot.hypervisors.tests.simulators.installer.cpio import Entry, newc_archive, read_newc
from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.server import PureBootDouble

MAC = '52:54:00:12:34:56'


def test_newc_archive_reads_back_and_keeps_the_kernels_alignment():
    entries = [
        Entry.directory('bin'),
        Entry.file('bin/tool', b'abc', 0o755),
        Entry.symlink('bin/sh', 'tool'),
        Entry.char_device('dev/console', 5, 1),
        Entry.file('/init', b'#!/bin/sh\n', 0o755),
    ]
    archive = newc_archive(entries)
    assert len(archive) % 4 == 0 and archive.startswith(b'070701')
    back = read_newc(archive)
    assert [(e.path, e.mode, e.data, e.rdev) for e in back] == [
        ('bin', stat.S_IFDIR | 0o755, b'', (0, 0)),
        ('bin/tool', stat.S_IFREG | 0o755, b'abc', (0, 0)),
        ('bin/sh', stat.S_IFLNK | 0o777, b'tool', (0, 0)),
        ('dev/console', stat.S_IFCHR | 0o600, b'', (5, 1)),
        ('init', stat.S_IFREG | 0o755, b'#!/bin/sh\n', (0, 0)),
    ]
    assert newc_archive(entries) == archive, 'no time or owner in it: the same files give the same bytes'
    assert archive.rstrip(b'\0').endswith(b'TRAILER!!!')


def fake_module(depends):
    """A minimal 64-bit little-endian ELF with a .modinfo section, as a kernel module carries its dependencies."""
    modinfo = 'license=GPL\0depends={0}\0vermagic=6.1.0 SMP\0'.format(','.join(depends)).encode()
    names = b'\0.modinfo\0.shstrtab\0'
    header_size, section_size = 64, 64
    data_offset = header_size
    names_offset = data_offset + len(modinfo)
    sections_offset = names_offset + len(names)
    header = (
        b'\x7fELF' + bytes([2, 1, 1]) + b'\0' * 9 + struct.pack('<HHIQQQIHHHHHH', 1, 62, 1, 0, 0, sections_offset, 0, header_size, 0, 0, section_size, 3, 2)
    )
    sections = b'\0' * section_size
    sections += struct.pack('<IIQQQQIIQQ', 1, 1, 0, 0, data_offset, len(modinfo), 0, 0, 1, 0)
    sections += struct.pack('<IIQQQQIIQQ', 10, 3, 0, 0, names_offset, len(names), 0, 0, 1, 0)
    return header + modinfo + names + sections


def test_modules_come_after_their_dependencies_builtins_skipped_and_xz_unpacked(tmp_path):
    root = tmp_path / 'lib' / 'modules' / '6.1.0-test'
    (root / 'kernel' / 'net').mkdir(parents=True)
    (root / 'kernel' / 'net' / 'virtio_net.ko').write_bytes(fake_module(['virtio', 'net_failover']))
    (root / 'kernel' / 'net' / 'net_failover.ko.xz').write_bytes(lzma.compress(fake_module(['failover'])))
    (root / 'kernel' / 'net' / 'failover.ko.gz').write_bytes(gzip.compress(fake_module([])))
    (root / 'kernel' / 'virtio.ko').write_bytes(fake_module(['virtio_ring']))
    (root / 'modules.builtin').write_text('kernel/drivers/virtio/virtio_ring.ko\n')
    order = build.load_order(str(root), ['virtio-net'])
    assert [name for name, _data in order] == ['virtio', 'failover', 'net_failover', 'virtio_net']
    assert all(data.startswith(b'\x7fELF') for _name, data in order), 'busybox insmod gets plain ELF files'
    assert build.modinfo(order[-1][1])['depends'] == ['virtio,net_failover']
    with pytest.raises(build.InstallerBuildError, match='no module virtio_blk'):
        build.load_order(str(root), ['virtio_blk'])


@pytest.fixture(scope='session')
def installer():
    """The installer built from this Debian release's packages (cached across runs; see default_cache_dir)."""
    problem = build.why_unbuildable()
    if problem:
        pytest.skip(problem)
    return build.build_installer(build.default_cache_dir())


def test_build_gives_a_debian_kernel_and_a_busybox_initramfs_and_is_cached(installer):
    with open(installer.kernel, 'rb') as kernel:
        assert kernel.read(0x206)[0x202:] == b'HdrS', 'a bzImage'
    assert installer.kernel_package.startswith('linux-image-') and installer.busybox_package.startswith('busybox-static=')
    with open(installer.initrd, 'rb') as initrd:
        entries = {entry.path: entry for entry in read_newc(gzip.decompress(initrd.read()))}
    assert entries['init'].mode == stat.S_IFREG | 0o755 and b'/api/v1/report' in entries['init'].data
    assert entries['bin/busybox'].data.startswith(b'\x7fELF') and entries['bin/busybox'].mode & 0o111
    assert stat.S_ISCHR(entries['dev/console'].mode) and entries['dev/console'].rdev == (5, 1)
    assert entries['usr/share/udhcpc/default.script'].mode & 0o111
    order = entries['lib/modules/load-order'].data.decode().split()
    assert order == installer.modules
    for needed in ('virtio_net', 'net_failover', 'failover', 'virtio_blk', 'virtio_pci'):
        assert needed in order and entries['lib/modules/{0}.ko'.format(needed)].data.startswith(b'\x7fELF')
    assert order.index('failover') < order.index('net_failover') < order.index('virtio_net')
    # A second build of the same versions is the cached one: the same files, not written again.
    written = os.stat(installer.initrd).st_mtime_ns
    again = build.build_installer(build.default_cache_dir())
    assert again == installer and os.stat(again.initrd).st_mtime_ns == written


def boot_installer(installer, tmp_path, double, disk=True):
    """QEMU (TCG) boots the installer directly (-kernel), its NIC on QEMU's user-mode network where 10.0.2.2 is this
    machine's loopback; returns the serial console's text once the guest powered off."""
    if shutil.which('qemu-system-x86_64') is None or shutil.which('qemu-img') is None:
        pytest.skip('booting the installer needs qemu-system-x86_64 and qemu-img (bindep.txt, profile libvirt)')
    argv = [
        'qemu-system-x86_64',
        '-machine',
        'pc,accel=tcg',
        '-m',
        '256',
        '-nographic',
        '-no-reboot',
        '-kernel',
        installer.kernel,
        '-initrd',
        installer.initrd,
        '-append',
        'console=ttyS0 quiet pureboot=http://10.0.2.2:{0} mac={1} pureboot_then=poweroff'.format(double.port, MAC),
        '-nic',
        'user,model=virtio-net-pci,mac=' + MAC,
    ]
    if disk:
        image = str(tmp_path / 'disk.qcow2')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', image, '64M'], check=True)
        argv += ['-drive', 'file={0},if=virtio,format=qcow2'.format(image)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=240, check=False)
    return result.stdout + result.stderr


def first_bytes(image, count):
    raw = image + '.raw'
    subprocess.run(['qemu-img', 'dd', '-f', 'qcow2', '-O', 'raw', 'bs={0}'.format(count), 'count=1', 'if=' + image, 'of=' + raw], check=True)
    with open(raw, 'rb') as handle:
        return handle.read()


def test_the_installer_reports_to_pureboot_and_marks_its_disk(installer, tmp_path):
    with PureBootDouble(tls=False) as double:
        double.add_node(MAC, state='pending', workflow_id='tiny')
        console = boot_installer(installer, tmp_path, double)
        assert [(e['event'], e['to_state']) for e in double.events] == [('install_started', 'installing'), ('install_complete', 'installed')], console
        assert double.node_by_mac(MAC)['state'] == 'installed'
        reports = [entry for entry in double.requests if entry['path'] == '/api/v1/report']
        assert [entry['body'] for entry in reports] == [{'mac_address': MAC, 'event': 'install_started'}, {'mac_address': MAC, 'event': 'install_complete'}]
    assert 'pureboot-installer: end: poweroff' in console
    marker = '{0} {1}\n'.format(build.MARKER, MAC).encode()
    assert first_bytes(str(tmp_path / 'disk.qcow2'), 64).startswith(marker)


def test_an_installer_without_a_disk_reports_install_failed(installer, tmp_path):
    with PureBootDouble(tls=False) as double:
        double.add_node(MAC, state='pending', workflow_id='tiny')
        console = boot_installer(installer, tmp_path, double, disk=False)
        assert [(e['event'], e['message']) for e in double.events] == [('install_started', None), ('install_failed', 'no disk /dev/vda')], console
        node = double.node_by_mac(MAC)
        # One failed attempt of three: the node stays installing, the error kept.
        assert (node['state'], node['install_attempts'], node['last_install_error']) == ('installing', 1, 'no disk /dev/vda')
    assert os.path.exists(installer.initrd)
