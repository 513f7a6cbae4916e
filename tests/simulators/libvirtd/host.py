"""A private libvirtd for tests: the real daemon and QEMU, sharing nothing with the machine's own libvirt.

    host = PrivateLibvirtd(base_dir).start()     # its own netns, config, sockets, state, logs and images
    conn = host.connect()                        # libvirt-python on host.uri (qemu+unix:///system?socket=...)
    host.define_pool('pbh-pool')                 # a dir pool under base_dir/images
    host.define_network('pxe', '192.168.177.1', tftp_root=..., bootp_file='boot.ipxe')
    host.seed_template('tpl', pool='pbh-pool', network='pxe')   # shut-off, marked, with a qcow2 disk
    host.stop()                                  # every process of the namespace ended, the namespace deleted

Why a network namespace: libvirt's networks make a Linux bridge and start dnsmasq (and iptables rules) for
it; inside a namespace made for this daemon they exist only there, and addresses like 192.168.177.1 never
appear in the machine's own namespace. QEMU guests started by this daemon live there too. The daemon's unix
socket is a file under base_dir, so clients in the machine's namespace reach it all the same.

Why a mount namespace as well: a root libvirtd keeps its QEMU driver's config (/etc/libvirt/qemu.conf),
state (/var/lib/libvirt, /run/libvirt), logs and virtlogd's socket at paths fixed at build time. The
launcher binds directories of base_dir over those paths in a mount namespace of its own, so two private
daemons (or one and the machine's) never see each other's domains, networks or config.

Why a private /etc/passwd: the QEMU driver looks up its built-in user (Debian: libvirt-qemu) before it
reads qemu.conf, and refuses to start when that user does not exist, although qemu.conf then says to run
guests as root. The launcher binds a copy of /etc/passwd and /etc/group that adds that user, so the
machine's own user database is left as it is.
"""

import contextlib
import ctypes
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

try:
    import libvirt

    HAS_LIBVIRT = True
except ImportError:
    libvirt = None
    HAS_LIBVIRT = False

TEMPLATE_NS = 'https://pureboot.io/xmlns/hypervisors/1'
TEMPLATE_MARKER = '<pbh:template xmlns:pbh="{0}"/>'.format(TEMPLATE_NS)

# What a private daemon runs, each with the Debian package that brings it (bindep.txt, profile `libvirt`).
REQUIRED_COMMANDS = (
    ('libvirtd', 'libvirt-daemon'),
    ('virtlogd', 'libvirt-daemon'),
    ('virsh', 'libvirt-clients'),
    ('qemu-system-x86_64', 'qemu-system-x86'),
    ('qemu-img', 'qemu-utils'),
    ('dnsmasq', 'dnsmasq-base'),
    ('iptables', 'iptables'),
    ('ip', 'iproute2'),
    ('unshare', 'util-linux'),
    ('saslpasswd2', 'sasl2-bin'),
)
# The QEMU driver itself is a loadable module of libvirtd; the NIC ROMs are what a guest PXE-boots with.
REQUIRED_FILES = (
    ('/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so', 'libvirt-daemon-driver-qemu'),
    ('/usr/lib/ipxe/qemu/efi-virtio.rom', 'ipxe-qemu'),
    # UEFI firmware for guests with firmware: uefi (libvirt picks it by its descriptors), and the SCRAM mechanism
    # of the SASL-protected daemon.
    ('/usr/share/OVMF/OVMF_CODE_4M.fd', 'ovmf'),
    ('/usr/lib/x86_64-linux-gnu/sasl2/libscram.so', 'libsasl2-modules'),
)
SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

# The directories a root libvirtd uses at fixed paths, each bound to base_dir/<key> (see the module's doc).
BOUND_DIRS = (('etc', '/etc/libvirt'), ('run', '/run/libvirt'), ('lib', '/var/lib/libvirt'), ('log', '/var/log/libvirt'), ('cache', '/var/cache/libvirt'))
# The QEMU driver's built-in user on Debian (see the module's doc), and its uid/gid there.
# Set to 1 to let the daemon offer KVM (where /dev/kvm works): its guests are otherwise TCG only.
KVM_ENV = 'PUREBOOT_LIBVIRT_KVM'
QEMU_DRIVER_USER = 'libvirt-qemu'
QEMU_DRIVER_ID = 64055

# libvirtd's log: every RPC the daemon dispatches (rpc.netserverprogram) and every public API call (the libvirt.*
# categories log each entry point at debug level), which name them. api_calls() reads it.
API_LOG_FILTERS = '1:rpc.netserverprogram 1:libvirt.domain 1:libvirt.network 1:libvirt.storage 1:libvirt.host 1:libvirt.nodedev'
# The RPCs of a connection itself, which run no public API function in the daemon: named as libvirt's remote
# protocol (remote_protocol.x) names them; any other such RPC is 'proc <number>'.
CONNECTION_PROCEDURES = {
    '1': 'REMOTE_PROC_CONNECT_OPEN',
    '2': 'REMOTE_PROC_CONNECT_CLOSE',
    '60': 'REMOTE_PROC_CONNECT_SUPPORTS_FEATURE',
    '66': 'REMOTE_PROC_AUTH_LIST',
    '67': 'REMOTE_PROC_AUTH_SASL_INIT',
    '68': 'REMOTE_PROC_AUTH_SASL_START',
    '69': 'REMOTE_PROC_AUTH_SASL_STEP',
}
NETNS_PREFIX = 'pbh-lv-'
CLONE_NEWNET = 0x40000000


class LibvirtHostError(Exception):
    """The private daemon could not be started or driven; the message is one line."""


def missing_requirements():
    """The Debian packages (sorted, unique) whose commands or files a private daemon needs and are missing,
    and 'libvirt-python (pip)' when the binding is not importable."""
    missing = set()
    for command, package in REQUIRED_COMMANDS:
        if shutil.which(command, path=SYSTEM_PATH) is None:
            missing.add(package)
    for path, package in REQUIRED_FILES:
        if not os.path.exists(path):
            missing.add(package)
    result = sorted(missing)
    if not HAS_LIBVIRT:
        result.append('libvirt-python (pip)')
    return result


def why_unusable():
    """One line saying why no private daemon can run here, or None when one can."""
    if os.geteuid() != 0:
        return 'a private libvirtd needs root (ip netns, mount namespaces, QEMU as root)'
    missing = missing_requirements()
    if missing:
        return 'a private libvirtd needs these packages (bindep.txt, profile libvirt): ' + ', '.join(missing)
    return None


def short_base_dir(preferred):
    """preferred (made if missing), or a new directory under /tmp when preferred's path would make the daemon's
    socket path too long for a unix socket (108 bytes, with sock/libvirt-admin-sock appended)."""
    preferred = os.path.abspath(str(preferred))
    if len(preferred) <= 60:
        os.makedirs(preferred, exist_ok=True)
        return preferred
    return tempfile.mkdtemp(prefix=NETNS_PREFIX, dir='/tmp')


def _command(name):
    return shutil.which(name, path=SYSTEM_PATH) or name


class PrivateLibvirtd:
    """A libvirtd and virtlogd of its own, in a network and a mount namespace of its own (see the module's doc).

    base_dir: an empty or new directory for everything the daemon writes (keep its path short: the unix
    socket's full path must stay under 108 bytes). log_filters: libvirtd's log_filters.
    """

    def __init__(self, base_dir, log_filters=API_LOG_FILTERS, sasl_login=None, tls=False):
        self.base_dir = os.path.abspath(str(base_dir))
        self.log_filters = log_filters
        # (user, password): the read-write socket then asks for a SASL login (SCRAM-SHA-256 against a sasldb of
        # this daemon's own, in a /etc/sasl2 bound for it alone), as a remote host's daemon would.
        self.sasl_login = sasl_login
        # tls: the daemon also listens with TLS on 127.0.0.1:TLS_PORT of its namespace (a CA and server certificate
        # of its own, tls_cafile; no client certificate asked); tls_relay() reaches it from this namespace.
        self.tls = tls
        self.tls_cafile = os.path.join(self.base_dir, 'pki', 'cacert.pem')
        self._relay = None
        self.netns = NETNS_PREFIX + secrets.token_hex(4)
        self.socket_path = os.path.join(self.base_dir, 'sock', 'libvirt-sock')
        self.uri = 'qemu+unix:///system?socket=' + self.socket_path
        self.images_dir = os.path.join(self.base_dir, 'images')
        self.api_log = os.path.join(self.base_dir, 'log', 'libvirtd.log')
        self.daemon_log = os.path.join(self.base_dir, 'daemon.log')
        self._process = None
        self._netns_made = False
        self._connection = None

    # ------------------------------------------------------------------ start and stop

    def start(self, timeout=60):
        """Make the namespace, write the config, start virtlogd and libvirtd; wait until the daemon answers."""
        problem = why_unusable()
        if problem:
            raise LibvirtHostError(problem)
        if len(self.socket_path) >= 100:
            raise LibvirtHostError('socket path too long for a unix socket: ' + self.socket_path)
        try:
            self._write_config()
            self._run(['ip', 'netns', 'add', self.netns])
            self._netns_made = True
            self._run(self.netns_command(['ip', 'link', 'set', 'lo', 'up']))
            with open(self.daemon_log, 'ab') as log:
                self._process = subprocess.Popen(
                    self.netns_command(['unshare', '--mount', '--propagation', 'private', 'sh', os.path.join(self.base_dir, 'launch.sh')]),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self._daemon_env(),
                    start_new_session=True,
                )
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout=15):
        """End every process in the namespace (libvirtd, virtlogd, dnsmasq, QEMU), then delete the namespace.

        Safe to call twice and after a failed start. Leaves base_dir (logs, images) for the test's tmp cleanup.
        """
        if self._relay is not None:
            self._relay.close()
            self._relay = None
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # pylint: disable=broad-except
                pass  # the daemon may already be gone; closing is only courtesy
            self._connection = None
        if self._netns_made:
            self._end_processes(timeout)
            for _attempt in range(10):
                if subprocess.run(['ip', 'netns', 'delete', self.netns], capture_output=True, check=False).returncode == 0:
                    break
                time.sleep(0.5)
            self._netns_made = False
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def running(self):
        return self._process is not None and self._process.poll() is None

    def netns_pids(self):
        """The ids of the processes in this daemon's network namespace."""
        if not self._netns_made:
            return []
        result = subprocess.run(['ip', 'netns', 'pids', self.netns], capture_output=True, text=True, check=False)
        return [int(pid) for pid in result.stdout.split()]

    def netns_command(self, argv):
        """argv run inside this daemon's network namespace (for subprocess)."""
        return ['ip', 'netns', 'exec', self.netns] + [str(arg) for arg in argv]

    @contextlib.contextmanager
    def inside(self):
        """Run the body with the calling thread in the daemon's network namespace: a socket made there (a test
        server's listening socket) belongs to the namespace and stays there after the thread comes back, so a
        server can live in this process, its state at hand, and still be reached only from the namespace."""
        libc = ctypes.CDLL(None, use_errno=True)
        with open('/proc/thread-self/ns/net') as own, open('/run/netns/' + self.netns) as target:
            if libc.setns(target.fileno(), CLONE_NEWNET) != 0:
                raise LibvirtHostError('cannot enter network namespace {0}: {1}'.format(self.netns, os.strerror(ctypes.get_errno())))
            try:
                yield
            finally:
                if libc.setns(own.fileno(), CLONE_NEWNET) != 0:
                    # Carrying on in the wrong namespace would send a test's traffic where it must not go.
                    os.write(2, 'cannot return from network namespace {0}\n'.format(self.netns).encode())
                    os._exit(70)

    def _end_processes(self, timeout):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.netns_pids():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + timeout
            while self.netns_pids() and time.monotonic() < deadline:
                if self._process is not None:
                    self._process.poll()  # reap libvirtd, else it lingers as a zombie in the namespace
                time.sleep(0.2)
            if not self.netns_pids():
                return

    def _daemon_env(self):
        env = {key: value for key, value in os.environ.items() if not key.startswith('LIBVIRT')}
        env['PATH'] = SYSTEM_PATH
        return env

    @staticmethod
    def _run(argv):
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise LibvirtHostError('{0} failed: {1}'.format(' '.join(argv[:4]), (result.stderr or result.stdout).strip()))
        return result

    def _write_config(self):
        for key, _target in BOUND_DIRS:
            os.makedirs(os.path.join(self.base_dir, key), exist_ok=True)
        for name in ('sock', 'images'):
            os.makedirs(os.path.join(self.base_dir, name), exist_ok=True)
        etc = os.path.join(self.base_dir, 'etc')
        log_dir = os.path.join(self.base_dir, 'log')
        _write(
            os.path.join(etc, 'libvirtd.conf'),
            '\n'.join(
                (
                    'unix_sock_dir = "{0}"'.format(os.path.dirname(self.socket_path)),
                    # Root only: the socket is this test's, nobody else on the machine may drive the daemon.
                    'unix_sock_group = "root"',
                    'unix_sock_ro_perms = "0700"',
                    'unix_sock_rw_perms = "0700"',
                    'unix_sock_admin_perms = "0700"',
                    'auth_unix_ro = "none"',
                    'auth_unix_rw = "{0}"'.format('sasl' if self.sasl_login else 'none'),
                    'listen_tls = {0}'.format(1 if self.tls else 0),
                    'listen_tcp = 0',
                    'log_filters = "{0}"'.format(self.log_filters),
                    'log_outputs = "1:file:{0}"'.format(self.api_log),
                    '',
                )
            )
            + (self._tls_config() if self.tls else ''),
        )
        _write(os.path.join(etc, 'virtlogd.conf'), 'log_outputs = "3:file:{0}"\n'.format(os.path.join(log_dir, 'virtlogd.log')))
        # Guests run as root without a security driver or cgroups: no libvirt-qemu user, no AppArmor profile, no
        # systemd on these machines. The daemon is private to the test; nothing else runs guests through it.
        _write(
            os.path.join(etc, 'qemu.conf'),
            '\n'.join(
                (
                    'user = "root"',
                    'group = "root"',
                    'dynamic_ownership = 0',
                    'security_driver = "none"',
                    'cgroup_controllers = [ ]',
                    # No private /dev per guest: libvirt would move the mounts under /dev (the bound /dev/kvm, below)
                    # into it and fails on a file bound there; the daemon's own mount namespace isolates enough.
                    'namespaces = [ ]',
                    'stdio_handler = "logd"',
                    '',
                )
            ),
        )
        passwd = _read('/etc/passwd')
        group = _read('/etc/group')
        if not _has_entry(passwd, QEMU_DRIVER_USER):
            passwd += '{0}:x:{1}:{1}:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin\n'.format(QEMU_DRIVER_USER, QEMU_DRIVER_ID)
        if not _has_entry(group, QEMU_DRIVER_USER):
            group += '{0}:x:{1}:\n'.format(QEMU_DRIVER_USER, QEMU_DRIVER_ID)
        _write(os.path.join(self.base_dir, 'passwd'), passwd)
        _write(os.path.join(self.base_dir, 'group'), group)
        base = self.base_dir
        lines = ['set -e']
        lines += [
            'mount --bind {0} /etc/passwd'.format(shlex.quote(os.path.join(base, 'passwd'))),
            'mount --bind {0} /etc/group'.format(shlex.quote(os.path.join(base, 'group'))),
        ]
        for key, target in BOUND_DIRS:
            # mkdir -p only creates a missing mount point (an empty directory) where the package made none.
            lines.append('mkdir -p {1} && mount --bind {0} {1}'.format(shlex.quote(os.path.join(base, key)), target))
        if os.environ.get(KVM_ENV) != '1':
            # Guests run under TCG: nested KVM stalls guest firmware on these machines (docs/test-servers.md), and
            # the collection makes a blank VM <domain type='kvm'> wherever the daemon's capabilities offer KVM.
            # An empty file bound read-only on /dev/kvm in the daemon's mount namespace: libvirt's probe finds no
            # KVM, as on a host without it, and the collection falls back to 'qemu' as it does there. Read-only,
            # and a regular file, because libvirt also asks access(/dev/kvm, W_OK) before it trusts its cached
            # capabilities (qemu_capabilities.c, virQEMUCapsKVMUsable): a writable /dev/kvm (/dev/null, a device,
            # passes even on a read-only mount) makes it throw the cache away and probe QEMU again (about 24 s) on
            # every domain definition.
            no_kvm = shlex.quote(os.path.join(base, 'no-kvm'))
            lines.append('if [ -e /dev/kvm ]; then : > {0}; mount --bind {0} /dev/kvm; mount -o remount,bind,ro /dev/kvm; fi'.format(no_kvm))
        if self.sasl_login:
            lines.append('mkdir -p /etc/sasl2 && mount --bind {0} /etc/sasl2'.format(shlex.quote(self._write_sasl())))
        lines += [
            '{0} -f {1} -p {2} &'.format(
                _command('virtlogd'), shlex.quote(os.path.join(etc, 'virtlogd.conf')), shlex.quote(os.path.join(base, 'virtlogd.pid'))
            ),
            # exec: libvirtd keeps this process's id, the one PrivateLibvirtd started.
            'exec {0} -f {1}{3} -p {2}'.format(
                _command('libvirtd'),
                shlex.quote(os.path.join(etc, 'libvirtd.conf')),
                shlex.quote(os.path.join(base, 'libvirtd.pid')),
                ' --listen' if self.tls else '',
            ),
            '',
        ]
        _write(os.path.join(base, 'launch.sh'), '\n'.join(lines))

    def _tls_config(self):
        """libvirtd.conf's TLS lines, after making a CA and a server certificate for 127.0.0.1 under base_dir/pki."""
        folder = os.path.dirname(self.tls_cafile)
        make_tls_pki(folder)
        return '\n'.join(
            (
                'listen_addr = "127.0.0.1"',
                'tls_port = "{0}"'.format(TLS_PORT),
                'auth_tls = "{0}"'.format('sasl' if self.sasl_login else 'none'),
                # The collection's side is what the tests look at: it verifies the daemon; no client certificate.
                'tls_no_verify_certificate = 1',
                'ca_file = "{0}"'.format(self.tls_cafile),
                'cert_file = "{0}"'.format(os.path.join(folder, 'servercert.pem')),
                'key_file = "{0}"'.format(os.path.join(folder, 'serverkey.pem')),
                '',
            )
        )

    def tls_relay(self):
        """A port on 127.0.0.1 of this process's namespace whose connections are relayed to the daemon's TLS port in
        its namespace (so a test, and the ansible-playbook it runs, can speak TLS to the daemon); closed by stop()."""
        if self._relay is None:
            self._relay = TLSRelay(self)
        return self._relay.port

    def _write_sasl(self):
        """libvirt's SASL config and a sasldb holding the one login; returns the folder to bind on /etc/sasl2."""
        folder = os.path.join(self.base_dir, 'sasl2')
        os.makedirs(folder, exist_ok=True)
        database = os.path.join(folder, 'passwd.db')
        _write(os.path.join(folder, 'libvirt.conf'), 'mech_list: scram-sha-256\nsasldb_path: {0}\n'.format(database))
        user, password = self.sasl_login
        result = subprocess.run(
            [_command('saslpasswd2'), '-p', '-c', '-a', 'libvirt', '-f', database, user], input=password, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise LibvirtHostError('saslpasswd2 failed: {0}'.format((result.stderr or result.stdout).strip()))
        return folder

    def _open(self):
        """A new libvirt connection to this daemon, logged in with sasl_login when it asks for one."""
        if not self.sasl_login:
            return libvirt.open(self.uri)
        user, password = self.sasl_login

        def answer(credentials, _opaque):
            for credential in credentials:
                credential[4] = user if credential[0] == libvirt.VIR_CRED_AUTHNAME else password
            return 0

        return libvirt.openAuth(self.uri, [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], answer, None], 0)

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last_error = 'no socket yet'
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise LibvirtHostError('libvirtd exited ({0}) at start: {1}'.format(self._process.returncode, self._last_errors()))
            if os.path.exists(self.socket_path):
                try:
                    conn = self._open()
                    conn.getLibVersion()
                    conn.close()
                    return
                except libvirt.libvirtError as exc:
                    last_error = str(exc)
            time.sleep(0.2)
        raise LibvirtHostError('libvirtd did not answer on {0} within {1} s: {2}'.format(self.socket_path, timeout, last_error))

    def _last_errors(self):
        """The daemon's last error lines, one line: why it stopped."""
        lines = []
        for path in (self.daemon_log, self.api_log):
            if os.path.exists(path):
                lines += [line.strip() for line in _read(path).splitlines() if ': error :' in line or 'error' in line.lower()]
        return ' | '.join(lines[-3:]) or 'no error logged'

    # ------------------------------------------------------------------ libvirt objects

    def connect(self):
        """A libvirt connection to this daemon, kept and reused; closed by stop()."""
        if self._connection is None or not self._connection.isAlive():
            self._connection = self._open()
        return self._connection

    def define_pool(self, name, path=None):
        """A persistent, started dir storage pool (default path: base_dir/images/<name>); returns it."""
        path = path or os.path.join(self.images_dir, name)
        os.makedirs(path, exist_ok=True)
        pool = self.connect().storagePoolDefineXML(
            "<pool type='dir'><name>{0}</name><target><path>{1}</path></target></pool>".format(escape(name), escape(path))
        )
        pool.create()
        return pool

    def pool_path(self, pool_name):
        """The directory of a dir pool."""
        root = ET.fromstring(self.connect().storagePoolLookupByName(pool_name).XMLDesc())
        return root.findtext('target/path')

    def define_network(self, name, address=None, prefix=24, dhcp=True, tftp_root=None, bootp_file=None, bridge=None, forward=None):
        """A persistent, started libvirt network inside the namespace; returns it.

        address: the bridge's IPv4 address (None: a bare bridge, no IP, no dnsmasq; with one, an IPv6 prefix too,
        see below); dhcp: hand out
        .100-.200 of the /24; tftp_root and bootp_file: dnsmasq's TFTP root and the boot file DHCP names (what
        a PXE ROM fetches); forward: None for an isolated network, 'nat' to NAT (inside the namespace only).
        """
        bridge = bridge or 'pbh' + secrets.token_hex(3)
        parts = ['<network>', '<name>{0}</name>'.format(escape(name)), "<bridge name={0} stp='off'/>".format(quoteattr(bridge))]
        if forward:
            parts.append('<forward mode={0}/>'.format(quoteattr(forward)))
        if address:
            parts.append("<ip address={0} prefix='{1}'>".format(quoteattr(address), int(prefix)))
            if tftp_root:
                parts.append('<tftp root={0}/>'.format(quoteattr(str(tftp_root))))
            if dhcp:
                net = address.rsplit('.', 1)[0]
                parts.append("<dhcp><range start='{0}.100' end='{0}.200'/>".format(net))
                if bootp_file:
                    parts.append('<bootp file={0}/>'.format(quoteattr(bootp_file)))
                parts.append('</dhcp>')
            parts.append('</ip>')
            # An IPv6 prefix too, so dnsmasq sends router advertisements: a guest's iPXE configures IPv6 alongside
            # DHCPv4 and, on a network where no router answers, waits about 12 s for one on every network boot
            # (measured: a PXE-first guest took 22.5 s to reach its disk without, 10 s with). Real provisioning
            # networks have routers; the addresses stay in this daemon's namespace.
            parts.append("<ip family='ipv6' address='fd00:0:0:{0}::1' prefix='64'/>".format(int(address.split('.')[2])))
        parts.append('</network>')
        network = self.connect().networkDefineXML(''.join(parts))
        network.create()
        return network

    def create_disk(self, pool_name, volume_name, size_mb=64, backing=None):
        """A qcow2 image made by qemu-img in the pool's directory (backed by `backing` when given); the pool is
        refreshed so libvirt lists it. Returns its path."""
        path = os.path.join(self.pool_path(pool_name), volume_name)
        argv = [_command('qemu-img'), 'create', '-q', '-f', 'qcow2']
        if backing:
            argv += ['-F', 'qcow2', '-b', backing]
        argv += [path, '{0}M'.format(int(size_mb))]
        self._run(argv)
        self.connect().storagePoolLookupByName(pool_name).refresh()
        return path

    def domain_xml(
        self,
        name,
        memory_mb=128,
        vcpus=1,
        disks=(),
        networks=(),
        nic_model='virtio',
        boot=('hd', 'network'),
        template=False,
        description=None,
        domain_type='qemu',
    ):
        """The XML of a small BIOS x86_64 domain: disks (paths of qcow2 images), one NIC per network name,
        the template marker in its metadata when template is true. domain_type 'qemu' is TCG, which works where
        /dev/kvm does not or nested KVM stalls (see docs/test-servers.md)."""
        parts = [
            '<domain type={0}>'.format(quoteattr(domain_type)),
            '<name>{0}</name>'.format(escape(name)),
            "<memory unit='MiB'>{0}</memory>".format(int(memory_mb)),
            '<vcpu>{0}</vcpu>'.format(int(vcpus)),
        ]
        if description:
            parts.append('<description>{0}</description>'.format(escape(description)))
        if template:
            parts.append('<metadata>{0}</metadata>'.format(TEMPLATE_MARKER))
        parts.append("<os><type arch='x86_64' machine='pc'>hvm</type>")
        parts += ['<boot dev={0}/>'.format(quoteattr(dev)) for dev in boot]
        parts.append('</os><features><acpi/></features><devices>')
        for index, path in enumerate(disks):
            parts.append(
                "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file={0}/><target dev='vd{1}' bus='virtio'/></disk>".format(
                    quoteattr(path), chr(ord('a') + index)
                )
            )
        for network in networks:
            parts.append("<interface type='network'><source network={0}/><model type={1}/></interface>".format(quoteattr(network), quoteattr(nic_model)))
        parts.append("<serial type='pty'/><console type='pty'/></devices></domain>")
        return ''.join(parts)

    def seed_template(self, name, pool, network, memory_mb=128, vcpus=1, disk_mb=64, nic_model='virtio', description=None, boot=('hd', 'network')):
        """A template as the collection knows one: a shut-off domain with the marker in its metadata, one qcow2
        disk made by qemu-img in `pool` and one NIC on `network`. Returns the virDomain."""
        disk = self.create_disk(pool, name + '.qcow2', size_mb=disk_mb)
        return self.connect().defineXML(
            self.domain_xml(
                name, memory_mb=memory_mb, vcpus=vcpus, disks=[disk], networks=[network], nic_model=nic_model, boot=boot, template=True, description=description
            )
        )

    def remove_domains(self, keep=(), names=None):
        """Destroy and undefine every domain whose name is not in keep (only those in names, when given), and
        delete its disk images: what a test made is gone, the seeded templates stay."""
        conn = self.connect()
        for domain in conn.listAllDomains():
            if domain.name() in keep or (names is not None and domain.name() not in names):
                continue
            disks = [node.get('file') for node in ET.fromstring(domain.XMLDesc()).findall('devices/disk/source')]
            if domain.isActive():
                domain.destroy()
            domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
            for path in disks:
                if path and path.startswith(self.base_dir) and os.path.exists(path):
                    os.remove(path)
        for pool in conn.listAllStoragePools(libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE):
            pool.refresh()

    # ------------------------------------------------------------------ what the daemon served

    def domains_on_network(self, network):
        """The names of the domains with a NIC on this libvirt network."""
        names = []
        for domain in self.connect().listAllDomains():
            sources = ET.fromstring(domain.XMLDesc()).findall("devices/interface[@type='network']/source")
            if any(source.get('network') == network for source in sources):
                names.append(domain.name())
        return names

    def log_mark(self):
        """A position in the API log: pass it to api_calls() to see only what came after."""
        return os.path.getsize(self.api_log) if os.path.exists(self.api_log) else 0

    def rpc_calls(self, since=0):
        """Every RPC the daemon dispatched for its clients since the mark, in order, each named by the public API
        function it ran (e.g. 'virConnectListAllDomains', 'virDomainCreate') or, for those that run none (a
        connection's open, authentication and close), by CONNECTION_PROCEDURES or as 'proc <number>'. Read from
        libvirtd's own log (API_LOG_FILTERS), so it counts what reached the daemon, whichever client sent it."""
        with open(self.api_log, 'rb') as log:
            log.seek(since)
            text = log.read().decode('utf-8', 'replace')
        calls = []
        pending = {}  # thread -> index in calls of the RPC it dispatched and has not named yet
        for line in text.splitlines():
            # "<time>: <thread>: debug : <function>:<line> : <message>"
            fields = line.split(': ', 2)
            parts = line.split(' : ', 2)
            if len(fields) < 3 or len(parts) < 3 or not parts[0].endswith('debug'):
                continue
            thread, function = fields[1], parts[1].split(':', 1)[0]
            if function == 'virNetServerProgramDispatch':
                procedure = parts[2].rsplit('proc=', 1)[-1].strip()
                pending[thread] = len(calls)
                calls.append(CONNECTION_PROCEDURES.get(procedure, 'proc ' + procedure))
            elif function.startswith('vir') and thread in pending:
                # The API the daemon runs for that RPC; the calls it makes on its own (virDomainFree when it drops
                # a reference) come with no RPC and are not counted.
                calls[pending.pop(thread)] = function
        return calls

    def api_calls(self, since=0):
        """The public API functions the daemon ran for its clients' RPCs since the mark, in order: rpc_calls()
        without a connection's own open, authentication and close."""
        return [call for call in self.rpc_calls(since) if call.startswith('vir')]


def _read(path):
    with open(path) as handle:
        return handle.read()


def _write(path, text):
    with open(path, 'w') as handle:
        handle.write(text)


def _has_entry(database, name):
    return any(line.split(':', 1)[0] == name for line in database.splitlines())


# The daemon's TLS port in its namespace (libvirt's default).
TLS_PORT = 16514


def make_tls_pki(folder):
    """A CA (cacert.pem) and a server certificate and key for 127.0.0.1 signed by it (servercert.pem, serverkey.pem),
    as libvirtd checks them at start: a CA with keyCertSign, a server certificate that is no CA, for serverAuth."""
    import datetime  # pylint: disable=import-outside-toplevel
    import ipaddress  # pylint: disable=import-outside-toplevel

    from cryptography import x509  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives import hashes, serialization  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # pylint: disable=import-outside-toplevel

    now = datetime.datetime.now(datetime.UTC)

    def usage(**allowed):
        names = (
            'digital_signature',
            'content_commitment',
            'key_encipherment',
            'data_encipherment',
            'key_agreement',
            'key_cert_sign',
            'crl_sign',
            'encipher_only',
            'decipher_only',
        )
        return x509.KeyUsage(**{name: allowed.get(name, False) for name in names})

    def certificate(subject, key, issuer, issuer_key, extensions):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=7))
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'pureboot.hypervisors test libvirt CA')])
    ca = certificate(
        ca_name, ca_key, ca_name, ca_key, [(x509.BasicConstraints(ca=True, path_length=None), True), (usage(key_cert_sign=True, crl_sign=True), True)]
    )
    server = certificate(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, '127.0.0.1')]),
        server_key,
        ca_name,
        ca_key,
        [
            (x509.BasicConstraints(ca=False, path_length=None), True),
            (usage(digital_signature=True, key_encipherment=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
            (x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]), False),
        ],
    )
    os.makedirs(folder, exist_ok=True)
    pem = serialization.Encoding.PEM
    _write(os.path.join(folder, 'cacert.pem'), ca.public_bytes(pem).decode())
    _write(os.path.join(folder, 'servercert.pem'), server.public_bytes(pem).decode())
    _write(
        os.path.join(folder, 'serverkey.pem'),
        server_key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()).decode(),
    )
    os.chmod(os.path.join(folder, 'serverkey.pem'), 0o600)


class TLSRelay:
    """Listens on 127.0.0.1 (a free port) of this process's namespace and relays each connection, byte for byte, to
    127.0.0.1:TLS_PORT inside the daemon's namespace (its socket made there with PrivateLibvirtd.inside()). TLS
    runs end to end between the client and libvirtd: the relay sees only ciphertext."""

    def __init__(self, host):
        import socket  # pylint: disable=import-outside-toplevel
        import threading  # pylint: disable=import-outside-toplevel

        self._socket, self._threading, self._host = socket, threading, host
        self._listener = socket.socket()
        self._listener.bind(('127.0.0.1', 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name='tls-relay', daemon=True).start()

    def close(self):
        try:
            self._listener.close()
        except OSError:
            pass

    def _accept(self):
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return  # closed
            self._threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        try:
            with self._host.inside():
                upstream = self._socket.create_connection(('127.0.0.1', TLS_PORT), timeout=10)
            upstream.settimeout(None)
        except (OSError, LibvirtHostError):
            client.close()
            return
        self._threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(self._socket.SHUT_RDWR)
                except OSError:
                    pass
