"""Build the tiny installer (the package's docstring says what and why): build_installer(cache_dir) -> Installer.

installer = build_installer(default_cache_dir())   # once per package versions; then read from the cache
installer.kernel, installer.initrd                  # paths of vmlinuz and initrd.gz
"""

import collections
import fcntl
import glob
import gzip
import hashlib
import lzma
import os
import re
import shutil
import struct
import subprocess
import tempfile

from ansible_collections.pureboot.hypervisors.tests.simulators.installer.cpio import Entry, newc_archive

KERNEL_METAPACKAGE = 'linux-image-amd64'
BUSYBOX_PACKAGE = 'busybox-static'
# What the guest needs of its kernel's modules: the virtio PCI transport, the NIC (virtio_net needs failover and
# net_failover, found from each module's own list of dependencies) and the disk. Built-in ones are skipped.
MODULES = ('virtio_pci', 'virtio_net', 'virtio_blk')
REQUIRED_COMMANDS = (('apt-get', 'apt'), ('apt-cache', 'apt'), ('dpkg-deb', 'dpkg'))
SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
CACHE_ENV = 'PUREBOOT_INSTALLER_CACHE'
KERNEL_FILE = 'vmlinuz'
INITRD_FILE = 'initrd.gz'
# The marker /init writes at the start of the first disk, followed by a space and the MAC.
MARKER = 'pureboot-installed'

Installer = collections.namedtuple('Installer', 'kernel initrd directory kernel_package busybox_package modules')

# udhcpc runs this on each lease event; busybox ships none. `mask` is the prefix length udhcpc exports.
DEFAULT_SCRIPT = r"""#!/bin/sh
# udhcpc's event script in the PureBoot test installer: configure the interface from the lease.
case "$1" in
    deconfig)
        ip addr flush dev "$interface"
        ip link set "$interface" up
        ;;
    bound|renew)
        ip addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" dev "$interface"
        for gateway in $router; do
            ip route add default via "$gateway" dev "$interface"
            break
        done
        ;;
esac
exit 0
"""

INIT = r"""#!/bin/sh
# /init of the PureBoot test installer (tests/simulators/installer): report to PureBoot, mark the disk, reboot.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "pureboot-installer: $*"; }
# The value of name=value on the kernel command line.
arg() { for word in $(cat /proc/cmdline); do case "$word" in "$1"=*) echo "${word#*=}"; return;; esac; done; }
SERVER=$(arg pureboot)
MAC=$(arg mac | tr 'A-F-' 'a-f:')
THEN=$(arg pureboot_then)

finish() {
    sync
    say "end: ${THEN:-reboot}"
    if [ "$THEN" = poweroff ]; then poweroff -f; else reboot -f; fi
    sleep 3600
}
# POST /api/v1/report {"mac_address", "event"[, "message"]}: public, no login.
report() {
    body="{\"mac_address\": \"$MAC\", \"event\": \"$1\"${2:+, \"message\": \"$2\"}}"
    if wget -q -O /tmp/answer --header 'Content-Type: application/json' --post-data "$body" "$SERVER/api/v1/report"; then
        say "reported $1"
    else
        say "PureBoot did not take $1"
        return 1
    fi
}
fail() { say "failed: $1"; report install_failed "$1"; finish; }

say "PureBoot $SERVER, MAC $MAC"
[ -n "$SERVER" ] && [ -n "$MAC" ] || { say "pureboot= and mac= must be on the kernel command line"; finish; }
while read -r module; do
    insmod "/lib/modules/$module.ko" || say "insmod $module failed"
done < /lib/modules/load-order

# The NIC PureBoot knows this machine by.
IFACE=
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    for dev in /sys/class/net/*; do
        [ "$(cat "$dev/address")" = "$MAC" ] && IFACE=${dev##*/}
    done
    [ -n "$IFACE" ] && break
    sleep 1
done
[ -n "$IFACE" ] || { say "no NIC with MAC $MAC"; finish; }
ip link set lo up
ip link set "$IFACE" up
udhcpc -i "$IFACE" -s /usr/share/udhcpc/default.script -q -n -t 10 -T 2 || { say "no DHCP lease on $IFACE"; finish; }

report install_started || finish
DISK=
for attempt in 1 2 3; do
    [ -b /dev/vda ] && DISK=/dev/vda && break
    sleep 1
done
[ -n "$DISK" ] || fail "no disk /dev/vda"
printf '%s %s\n' "@MARKER@" "$MAC" > /tmp/marker
dd if=/tmp/marker of="$DISK" 2>/dev/null || fail "cannot write $DISK"
sync
say "wrote the marker to $DISK"
report install_complete
finish
""".replace('@MARKER@', MARKER)


class InstallerBuildError(Exception):
    """The installer could not be built; the message is one line."""


def why_unbuildable():
    """One line saying why the installer cannot be built here, or None when it can."""
    missing = sorted({package for command, package in REQUIRED_COMMANDS if shutil.which(command, path=SYSTEM_PATH) is None})
    if missing:
        return 'building the installer needs apt and dpkg (Debian packages: {0})'.format(', '.join(missing))
    if os.geteuid() != 0:
        return 'building the installer needs root (apt-get update when the package lists are missing)'
    return None


def default_cache_dir():
    """$PUREBOOT_INSTALLER_CACHE, else ~/.cache/pureboot.hypervisors/installer: kept between test runs."""
    return os.environ.get(CACHE_ENV) or os.path.join(os.path.expanduser('~'), '.cache', 'pureboot.hypervisors', 'installer')


def _run(argv, cwd=None):
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False, env=dict(os.environ, PATH=SYSTEM_PATH, LC_ALL='C'))
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise InstallerBuildError('{0} failed: {1}'.format(' '.join(argv[:3]), lines[-1] if lines else result.returncode))
    return result.stdout


def _package_fields(*names):
    """{name: the candidate version's control fields} of the packages apt knows (one apt-cache show for all)."""
    result = subprocess.run(
        ['apt-cache', 'show', '--no-all-versions'] + list(names),
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, PATH=SYSTEM_PATH, LC_ALL='C'),
    )
    packages = {}
    for stanza in result.stdout.split('\n\n'):
        fields = {}
        for line in stanza.splitlines():
            match = re.match(r'^([A-Za-z-]+): ?(.*)$', line)
            if match:
                fields.setdefault(match.group(1), match.group(2))
        if fields.get('Package') in names:
            packages.setdefault(fields['Package'], fields)
    return packages


def _kernel_package(metapackage_fields):
    """linux-image-<abi>-amd64, the package the metapackage depends on."""
    for dependency in metapackage_fields.get('Depends', '').split(','):
        name = dependency.split('|')[0].split('(')[0].strip()
        if name.startswith('linux-image-'):
            return name
    raise InstallerBuildError('{0} depends on no linux-image package'.format(KERNEL_METAPACKAGE))


def resolve_packages():
    """(kernel package, its version), (busybox-static, its version) as apt would fetch them; runs `apt-get update -qq`
    once when apt has no lists that know them (a fresh machine)."""
    for attempt in (1, 2):
        known = _package_fields(KERNEL_METAPACKAGE, BUSYBOX_PACKAGE)
        if len(known) == 2:
            kernel_name = _kernel_package(known[KERNEL_METAPACKAGE])
            kernel = _package_fields(kernel_name).get(kernel_name)
            if kernel:
                return (kernel_name, kernel['Version']), (BUSYBOX_PACKAGE, known[BUSYBOX_PACKAGE]['Version'])
        if attempt == 1:
            if os.geteuid() != 0:
                raise InstallerBuildError('apt knows no {0} or {1} and only root can run apt-get update'.format(KERNEL_METAPACKAGE, BUSYBOX_PACKAGE))
            _run(['apt-get', 'update', '-qq'])
    raise InstallerBuildError('apt knows no {0} or {1}, even after apt-get update'.format(KERNEL_METAPACKAGE, BUSYBOX_PACKAGE))


def _recipe_digest():
    """A digest of what this package writes into the installer (this file and the cpio writer)."""
    digest = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ('build.py', 'cpio.py'):
        with open(os.path.join(here, name), 'rb') as source:
            digest.update(source.read())
    return digest.hexdigest()[:12]


def _safe(text):
    return re.sub(r'[^A-Za-z0-9.+-]', '_', text)


def build_installer(cache_dir):
    """The installer's kernel and initrd, built into cache_dir unless a build of the same package versions and
    recipe is there already. Raises InstallerBuildError (one line) when it cannot be built."""
    problem = why_unbuildable()
    if problem:
        raise InstallerBuildError(problem)
    kernel, busybox = resolve_packages()
    name = '{0}_{1}+{2}_{3}+{4}'.format(kernel[0], _safe(kernel[1]), busybox[0], _safe(busybox[1]), _recipe_digest())
    directory = os.path.join(cache_dir, name)
    os.makedirs(cache_dir, exist_ok=True)
    # One build at a time per cache: a second test process waits and then finds the result.
    with open(os.path.join(cache_dir, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(os.path.join(directory, INITRD_FILE)):
            _build(directory, kernel, busybox)
    with open(os.path.join(directory, 'modules')) as listing:
        modules = listing.read().split()
    return Installer(
        os.path.join(directory, KERNEL_FILE), os.path.join(directory, INITRD_FILE), directory, '{0}={1}'.format(*kernel), '{0}={1}'.format(*busybox), modules
    )


def _build(directory, kernel, busybox):
    scratch = tempfile.mkdtemp(prefix='.build-', dir=os.path.dirname(directory))
    try:
        trees = {}
        for package, version in (kernel, busybox):
            # apt-get download writes the .deb into the current directory; dpkg-deb -x only unpacks it.
            _run(['apt-get', 'download', '-q', '{0}={1}'.format(package, version)], cwd=scratch)
            debs = glob.glob(os.path.join(scratch, glob.escape(package) + '_*.deb'))
            if len(debs) != 1:
                raise InstallerBuildError('apt-get download left no single {0} package in {1}'.format(package, scratch))
            trees[package] = os.path.join(scratch, package)
            _run(['dpkg-deb', '-x', debs[0], trees[package]])
            os.remove(debs[0])
        kernel_tree, busybox_tree = trees[kernel[0]], trees[busybox[0]]
        vmlinuz = _one_file(kernel_tree, ('boot/vmlinuz-*',), 'the kernel')
        busybox_binary = _one_file(busybox_tree, ('bin/busybox', 'usr/bin/busybox'), 'busybox')
        module_root = _one_file(kernel_tree, ('lib/modules/*', 'usr/lib/modules/*'), 'the modules directory')
        modules = load_order(module_root, MODULES)
        entries = initramfs_entries(busybox_binary, modules)
        output = os.path.join(scratch, 'out')
        os.makedirs(output)
        shutil.copyfile(vmlinuz, os.path.join(output, KERNEL_FILE))
        with open(os.path.join(output, INITRD_FILE), 'wb') as initrd:
            initrd.write(gzip.compress(newc_archive(entries), compresslevel=9, mtime=0))
        with open(os.path.join(output, 'modules'), 'w') as listing:
            listing.write('\n'.join(name for name, _path in modules) + '\n')
        if os.path.exists(directory):
            shutil.rmtree(directory)
        os.rename(output, directory)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _one_file(root, patterns, what):
    for pattern in patterns:
        found = sorted(glob.glob(os.path.join(root, pattern)))
        if len(found) == 1:
            return found[0]
    raise InstallerBuildError('found no single {0} ({1}) in the package'.format(what, ' or '.join(patterns)))


# ---------------------------------------------------------------- kernel modules

MODULE_SUFFIXES = ('.ko', '.ko.xz', '.ko.gz', '.ko.zst')


def _module_key(name):
    # The kernel treats - and _ in module names alike.
    return name.replace('-', '_')


def _builtin_modules(module_root):
    path = os.path.join(module_root, 'modules.builtin')
    if not os.path.exists(path):
        return set()
    with open(path) as listing:
        return {_module_key(os.path.basename(line.strip()).split('.ko')[0]) for line in listing if line.strip()}


def _module_files(module_root):
    files = {}
    for folder, _dirs, names in os.walk(os.path.join(module_root, 'kernel')):
        for name in names:
            for suffix in MODULE_SUFFIXES:
                if name.endswith(suffix):
                    files[_module_key(name[: -len(suffix)])] = os.path.join(folder, name)
    return files


def module_bytes(path):
    """A module file's plain ELF bytes: busybox insmod reads no compressed module, so .xz and .gz are unpacked here
    (.zst with the zstd command, Python having no zstd)."""
    with open(path, 'rb') as handle:
        data = handle.read()
    if path.endswith('.xz'):
        return lzma.decompress(data)
    if path.endswith('.gz'):
        return gzip.decompress(data)
    if path.endswith('.zst'):
        if shutil.which('zstd', path=SYSTEM_PATH) is None:
            raise InstallerBuildError('{0} is zstd-compressed and the zstd command is missing (Debian package zstd)'.format(os.path.basename(path)))
        return subprocess.run(['zstd', '-dc', path], capture_output=True, check=True).stdout
    return data


def modinfo(elf):
    """The key=value pairs of a kernel module's .modinfo section (64-bit little-endian ELF), as a dict of lists."""
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        raise InstallerBuildError('not a 64-bit little-endian ELF module')
    (section_offset,) = struct.unpack_from('<Q', elf, 0x28)
    entry_size, count, names_index = struct.unpack_from('<HHH', elf, 0x3A)

    def section(index):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size
        name, _kind, _flags, _address, offset, size = struct.unpack_from('<IIQQQQ', elf, section_offset + index * entry_size)
        return name, elf[offset : offset + size]

    names = section(names_index)[1]
    info = {}
    for index in range(count):
        name_offset, data = section(index)
        if names[name_offset : names.index(b'\0', name_offset)] == b'.modinfo':
            for item in data.split(b'\0'):
                if b'=' in item:
                    key, value = item.decode('utf-8', 'replace').split('=', 1)
                    info.setdefault(key, []).append(value)
    return info


def load_order(module_root, wanted):
    """[(name, plain ELF bytes)] of the wanted modules and what they depend on, each after its dependencies;
    modules built into the kernel (modules.builtin) are left out."""
    builtin, files = _builtin_modules(module_root), _module_files(module_root)
    ordered, seen = [], set()

    def visit(name, chain):
        key = _module_key(name)
        if key in seen or key in builtin:
            return
        if key in chain:
            raise InstallerBuildError('module dependency loop: ' + ' -> '.join(chain + (key,)))
        if key not in files:
            raise InstallerBuildError('the kernel package has no module {0} and does not build it in'.format(key))
        data = module_bytes(files[key])
        for depends in modinfo(data).get('depends', []):
            for dependency in filter(None, depends.split(',')):
                visit(dependency, chain + (key,))
        seen.add(key)
        ordered.append((key, data))

    for name in wanted:
        visit(name, ())
    return ordered


# ---------------------------------------------------------------- the initramfs


def initramfs_entries(busybox_binary, modules):
    """The initramfs: busybox, /init, udhcpc's script, the modules and their load order, /dev/console (the kernel
    opens it for /init before anything is mounted)."""
    with open(busybox_binary, 'rb') as handle:
        busybox = handle.read()
    entries = [
        Entry.directory(path) for path in ('bin', 'dev', 'etc', 'lib', 'lib/modules', 'proc', 'root', 'sys', 'tmp', 'usr', 'usr/share', 'usr/share/udhcpc')
    ]
    entries += [
        Entry.char_device('dev/console', 5, 1),
        Entry.file('bin/busybox', busybox, 0o755),
        Entry.symlink('bin/sh', 'busybox'),
        Entry.file('init', INIT.encode('utf-8'), 0o755),
        Entry.file('usr/share/udhcpc/default.script', DEFAULT_SCRIPT.encode('utf-8'), 0o755),
        Entry.file('lib/modules/load-order', ''.join(name + '\n' for name, _data in modules).encode('utf-8')),
    ]
    entries += [Entry.file('lib/modules/{0}.ko'.format(name), data) for name, data in modules]
    return entries
