"""An install lab on a private libvirtd: a blank VM goes from nothing to installed by PureBoot.

    installer = build_installer(default_cache_dir())          # tests/simulators/installer
    with InstallLab(host, pool='pbh-pool', installer=installer) as lab:
        # pureboot_vm makes a blank VM on lab.network_name, registers its node with lab.workflow and queues the
        # install (tests/integration/test_module_pxe_install.py); the installer reports through /api/v1/report.
        lab.double.events                                     # what it reported
        lab.disk_head(domain)                                 # b'pureboot-installed <mac>\n...'

It is the PXE lab (pxe.py: a libvirt network with DHCP and TFTP whose boot.ipxe chains to the PureBoot double's
/api/v1/boot, all inside the daemon's network namespace) plus what an install needs on the server side, as a real
PureBoot is set up for one (docs/provisioning.md):
- a workflows directory with one workflow file, `install_method: chain` to this lab's boot files server. The real
  server's kernel/initrd route (/api/v1/files) needs a login iPXE cannot send; a chain to a plain HTTP server is
  what works. Its boot_url carries PureBoot's ${server} and ${mac}, which the boot files server writes into the
  installer's kernel command line (pureboot=..., mac=...).
- the boot files server (BootFilesServer, in this process, its socket in the namespace): install.ipxe, the
  installer's kernel and initrd (tests/simulators/installer).
- the double advertising the bridge address (PUREBOOT_HOST) so guests reach what its scripts name.
"""

import os
import re
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.pxe import PxeLab
from ansible_collections.pureboot.hypervisors.tests.simulators.tls import BackgroundServer, QuietServer

WORKFLOW = 'tiny-installer'
INSTALL_SCRIPT = '/install.ipxe'
KERNEL_PATH = '/vmlinuz'
INITRD_PATH = '/initrd.gz'
# What install.ipxe accepts from its query (PureBoot fills them in): an http URL of a host and port, and a MAC.
SERVER_PATTERN = r'^http://[A-Za-z0-9.-]+(:[0-9]+)?$'
MAC_PATTERN = r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$'


class BootFilesServer(BackgroundServer):
    """Plain HTTP: GET /install.ipxe?server=<PureBoot>&mac=<MAC> (an iPXE script booting the installer with those on
    its kernel command line), /vmlinuz and /initrd.gz. Every request is logged in `requests` (method, path, status)."""

    def __init__(self, installer, address, host='0.0.0.0', then='reboot'):
        super().__init__('boot-files', host, 0, tls=False)
        self.installer = installer
        self.address = address
        self.then = then
        self.requests = []
        self._lock = threading.Lock()

    @property
    def url(self):
        """Where guests reach it."""
        return 'http://{0}:{1}'.format(self.address, self.port)

    def make_server(self, address):
        server = QuietServer(address, _BootFilesHandler)
        server.files = self
        return server

    def answer(self, path, query):
        """(status, content type, body bytes) for one GET."""
        if path == INSTALL_SCRIPT:
            server, mac = query.get('server', [''])[-1], query.get('mac', [''])[-1].lower()
            # Whatever reaches this URL is written into a kernel command line: only a URL and a MAC of plain shape.
            if not re.match(SERVER_PATTERN, server) or not re.match(MAC_PATTERN, mac):
                return 400, 'text/plain', b'server= (http://host:port) and mac= are needed\n'
            template = (
                '#!ipxe\necho PureBoot test installer for {mac}\n'
                'kernel {url}{kernel} console=ttyS0 quiet pureboot={server} mac={mac} pureboot_then={then}\n'
                'initrd {url}{initrd}\nboot\n'
            )
            script = template.format(url=self.url, kernel=KERNEL_PATH, initrd=INITRD_PATH, server=server, mac=mac, then=self.then)
            return 200, 'text/plain', script.encode('utf-8')
        files = {KERNEL_PATH: self.installer.kernel, INITRD_PATH: self.installer.initrd}
        if path in files:
            with open(files[path], 'rb') as handle:
                return 200, 'application/octet-stream', handle.read()
        return 404, 'text/plain', b'not found\n'

    def log(self, method, path, status):
        with self._lock:
            self.requests.append({'method': method, 'path': path, 'status': status})


class _BootFilesHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'boot-files'
    sys_version = ''

    def do_GET(self):  # pylint: disable=invalid-name  # the name http.server calls
        split = urlsplit(self.path)
        status, content_type, body = self.server.files.answer(split.path, parse_qs(split.query))
        self.server.files.log('GET', split.path, status)
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin  # http.server's signature
        """Quiet: the requests are in BootFilesServer.requests."""


class InstallLab(PxeLab):
    """A PxeLab with a workflows directory, a chain workflow to the tiny installer and its boot files server."""

    def __init__(self, host, pool, installer, network='pbh-inst', address='192.168.178.1', workflow=WORKFLOW, then='reboot', **double_options):
        super().__init__(host, pool, network=network, address=address, template=None, **double_options)
        self.installer = installer
        self.workflow = workflow
        self.then = then
        self.workflows_dir = None
        self.files = None

    def start(self):
        try:
            self.workflows_dir = tempfile.mkdtemp(prefix='pbh-workflows-')
            self.double_options.setdefault('workflows_dir', self.workflows_dir)
            super().start()
            self.files = BootFilesServer(self.installer, self.address, then=self.then)
            with self.host.inside():
                self.files.start()
            self.double.write_workflow(
                self.workflow,
                name='PureBoot test installer',
                install_method='chain',
                boot_url='{0}{1}?server=${{server}}&mac=${{mac}}'.format(self.files.url, INSTALL_SCRIPT),
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.files is not None:
            self.files.stop()
            self.files = None
        super().stop()
        if self.workflows_dir:
            for name in os.listdir(self.workflows_dir):
                os.remove(os.path.join(self.workflows_dir, name))
            os.rmdir(self.workflows_dir)
            self.workflows_dir = None

    # ---- the VM side (pureboot_vm makes it on lab.network_name)

    def disk_path(self, domain):
        """The image of a domain's first disk: a file, or a pool's volume (as pureboot_vm makes them)."""
        source = ET.fromstring(domain.XMLDesc()).find('devices/disk/source')
        if source.get('file'):
            return source.get('file')
        pool = self.host.connect().storagePoolLookupByName(source.get('pool'))
        return pool.storageVolLookupByName(source.get('volume')).path()

    def disk_head(self, domain, count=512):
        """The first count bytes of a domain's first disk, read from its qcow2 image with qemu-img (stop it first)."""
        with tempfile.TemporaryDirectory() as scratch:
            raw = os.path.join(scratch, 'head.raw')
            subprocess.run(
                ['qemu-img', 'dd', '-f', 'qcow2', '-O', 'raw', 'bs={0}'.format(int(count)), 'count=1', 'if=' + self.disk_path(domain), 'of=' + raw],
                check=True,
                capture_output=True,
            )
            with open(raw, 'rb') as head:
                return head.read(count)
