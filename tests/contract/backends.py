"""The backends the driver contract suite runs against, behind one small interface.

Each adapter seeds its server with the same scene (two hosts, no VMs, a BIOS template with one core,
1 GiB, one NIC and one disk, and a second template), hands out connection options and drivers, counts
write requests from the server's own request log, and causes the faults every hypervisor type must survive.

The `backend` fixture (tests/conftest.py) runs a test once per registered type (DEFAULT_BACKEND_PARAMS: the types
without an HTTP API are shown as skipped, with the reason); adding a hypervisor type to every suite (contract,
integration, reliability) means one adapter here, listed in BACKEND_CLASSES.
"""

import os
import re
import subprocess
import tempfile

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.rules import SHARED_STORAGE

GiB = 1024**3


class Backend:
    """What every adapter shares: connection options from its base_connection() (overrides win, None drops a key)
    and drivers over them."""

    # An HTTP API, whose faults (dropped connections, 5xx answers, slow answers) the suites' proxies inject and
    # whose scenes have logins and TLS; the suites that test those take HTTP_BACKENDS.
    http_api = True

    def base_connection(self):
        raise NotImplementedError

    def connection(self, **overrides):
        options = self.base_connection()
        options.update(overrides)
        return {k: v for k, v in options.items() if v is not None}

    def driver(self, **overrides):
        return driver_for(self.connection(**overrides))

    @staticmethod
    def api_url_at(host, port):
        """The api_url of a server of this type at host:port."""
        return 'https://{0}:{1}'.format(host, port)


class ProxmoxBackend(Backend):
    """fakepve over HTTPS, verified against its CA."""

    kind = 'proxmox'
    template = 'ubuntu-2404-tpl'
    other_template = 'debian-12-tpl'
    # Where the template's disk is (the storage a full clone of it allocates on unless told otherwise).
    template_storage = SHARED_STORAGE
    network = 'vmbr0'
    second_network = 'vmbr1'
    # PVE wants VM names to be DNS names.
    refused_name = 'bad_name!'
    # The locks lock() can put a VM under, each with what PVE says when a write meets it.
    locks = {'backup': 'VM is locked (backup)', 'config': "can't lock file"}
    # Nodes of the scene (a PVE cluster of pve1 and pve2).
    scene_hosts = 2

    @classmethod
    def from_fixtures(cls, fixture):
        """The adapter over the servers pytest's fixtures start (fixture: request.getfixturevalue)."""
        return cls(fixture('fakepve'), fixture('fakepve_cafile'))

    def __init__(self, pve, cafile):
        self.pve = pve
        self.cafile = cafile
        self.placement = {'node': 'pve1'}
        self.secrets = [pve.password]
        pve.add_node('pve2')
        # The first template's disk is on Ceph, shared by both nodes, so it clones to either node; the second's is
        # on local-lvm, node pve1's own disk, so PVE clones it on pve1 only (tests/simulators/fakepve_net/rules.py).
        pve.storages[SHARED_STORAGE]['volumes'] = {'base-9000-disk-0': {'content': 'images', 'format': 'raw', 'size': 8 * GiB, 'vmid': 9000}}
        pve.storages['local-lvm']['volumes'] = {'base-9001-disk-0': {'content': 'images', 'format': 'raw', 'size': 4 * GiB, 'vmid': 9001}}
        pve.add_vm(
            9000,
            self.template,
            template=True,
            config={
                'cores': 1,
                'memory': 1024,
                'ostype': 'l26',
                'template': 1,
                'boot': 'order=scsi0;net0',
                'scsi0': SHARED_STORAGE + ':base-9000-disk-0,size=8G',
                'net0': 'virtio=BC:24:11:00:90:00,bridge=vmbr0',
                'smbios1': 'uuid=6f1f6a52-0000-4000-8000-000000009000',
                'description': 'Ubuntu 24.04 base',
            },
        )
        pve.add_vm(
            9001,
            self.other_template,
            template=True,
            config={
                'cores': 2,
                'memory': 2048,
                'ostype': 'l26',
                'template': 1,
                'scsi0': 'local-lvm:base-9001-disk-0,size=4G',
                'net0': 'e1000=BC:24:11:00:90:01,bridge=vmbr0',
            },
        )
        pve.pools.setdefault('lab', set())

    def base_connection(self):
        return {'type': 'proxmox', 'name': 'pve-test', 'api_url': self.pve.url, 'username': 'root@pam', 'password': self.pve.password, 'ca_file': self.cafile}

    def write_count(self):
        """Requests that could change something (logins excluded)."""
        return sum(1 for method, path, _body in self.pve.requests if method != 'GET' and not path.endswith('/access/ticket'))

    def request_count(self):
        """Every request the server has seen, logins included."""
        return len(self.pve.requests)

    def expire_login(self):
        self.pve.revoke_tickets()

    def lock(self, vm, kind='backup'):
        """Lock the VM: 'backup' leaves the lock in its config, as an interrupted backup does; 'config' holds
        its config lock file, as another task does for the length of a change."""
        if kind == 'backup':
            self.pve.snapshot_lock(int(vm['id']), 'backup')
        elif kind == 'config':
            # What fakepve's hold_config_lock does, without its event loop: at time scale 0 nobody waits on the
            # lock, so setting and clearing its holder is the whole of it.
            self.pve.vm(int(vm['id'])).lock_holder = 'scenario'
        else:
            raise ValueError(kind)

    def unlock(self, vm, kind='backup'):
        if kind == 'backup':
            self.pve.unlock(int(vm['id']))
        elif kind == 'config':
            self.pve.vm(int(vm['id'])).lock_holder = None
        else:
            raise ValueError(kind)


SSO_PATHS = ('/ovirt-engine/sso/oauth/token', '/ovirt-engine/services/sso-logout')


class OvirtBackend(Backend):
    """The oVirt engine simulator over HTTPS, verified against its CA; its default seed without the VMs."""

    kind = 'ovirt'
    template = 'debian12-tpl'
    other_template = 'rhel9-tpl'
    network = 'ovirtmgmt'
    second_network = 'vlan100'
    # The engine allows letters, digits, '_', '-' and '.' in VM names.
    refused_name = 'bad name!'
    # The locks lock() can put a VM under, each with what the engine says when a write meets it.
    locks = {'image': 'VM is locked'}
    # Hosts of the simulator's default seed.
    scene_hosts = 2

    @classmethod
    def from_fixtures(cls, fixture):
        """The adapter over the server pytest's fixtures start (fixture: request.getfixturevalue)."""
        return cls(fixture('ovirt_engine'))

    def __init__(self, engine):
        self.engine = engine
        self.placement = {'cluster': 'Default'}
        self.secrets = [engine.password]
        engine.remove_all_vms()
        # Boot from the disk, then the network, as the Proxmox scene's template does.
        engine.set_template_boot(self.template, ['hd', 'network'])

    def base_connection(self):
        return {
            'type': 'ovirt',
            'name': 'ovirt-test',
            'api_url': self.engine.url,
            'username': self.engine.username,
            'password': self.engine.password,
            'ca_file': self.engine.cafile,
        }

    def write_count(self):
        """Requests that could change something (SSO logins and logouts excluded)."""
        return sum(1 for entry in list(self.engine.requests) if entry['method'] != 'GET' and entry['path'] not in SSO_PATHS)

    def request_count(self):
        """Every request the server has seen, logins included."""
        return len(self.engine.requests)

    def expire_login(self):
        self.engine.expire_tokens()

    def lock(self, vm, kind='image'):
        """Hold the VM image_locked, as a long disk operation does."""
        if kind != 'image':
            raise ValueError(kind)
        self.engine.hold_lock(vm['id'])

    def unlock(self, vm, kind='image'):
        if kind != 'image':
            raise ValueError(kind)
        self.engine.release_lock(vm['id'])


# The guest of the libvirt scene's templates: a boot sector that does what an OS does with the ACPI power button
# (powers off), so graceful shutdown and reboot are real. 16-bit code, loaded at 0x7c00 by SeaBIOS:
#   cli; ds = ss = 0; sp = 0x7c00
#   eax = PCI config dword 00:01.3 register 0x40 (ports 0xcf8/0xcfc): PIIX4's PM I/O base (PMBA); bx = base
#   out PM1a_EN (bx+2) <- 0x0100 (PWRBTN_EN); sti
#   loop: hlt (woken by the BIOS timer); in PM1a_STS (bx); until PWRBTN_STS (0x0100) is set
#   out PM1a_CNT (bx+4) <- 0x2000 (SLP_EN, SLP_TYP 0: QEMU's soft off); cli; hlt
ACPI_GUEST_BOOT_SECTOR = bytes.fromhex('fa31c08ed88ed0bc007cbaf80c66b8400b008066efbafc0c66ed83e0c089c38d5702b80001effbf489daeda9000174f78d5704b80020effaf4ebfd')
# libvirt API calls (libvirtd's log) that change nothing; every other call counts as a write.
LIBVIRT_READ_CALL = re.compile(
    r'(Lookup|Get|List|Is[A-Z]|NumOf|Open|Close|XMLDesc|Capabilities|InterfaceAddresses|'
    r'Info|Stats|Event|Callback|Ref$|Free$|Alive|Compare|'
    # a volume's bytes copied to the client (the cloud-init seed read back)
    r'VolDownload)'
)


def libvirt_boot_image(path, size=1024 * 1024):
    """A raw disk image of size bytes that boots into ACPI_GUEST_BOOT_SECTOR."""
    image = bytearray(size)
    image[: len(ACPI_GUEST_BOOT_SECTOR)] = ACPI_GUEST_BOOT_SECTOR
    image[510:512] = b'\x55\xaa'
    with open(path, 'wb') as out:
        out.write(bytes(image))


class LibvirtBackend(Backend):
    """A private libvirtd with QEMU (tests/simulators/libvirtd) as a remote host: over TLS, verified against its CA,
    with a SASL login; guests run under TCG."""

    kind = 'libvirt'
    http_api = False
    template = 'ubuntu-2404-tpl'
    other_template = 'debian-12-tpl'
    # Where the template's disk is (the storage a full clone of it allocates on unless told otherwise).
    template_storage = SHARED_STORAGE
    network = 'pbh-net'
    second_network = 'pbh-net2'
    pool = 'pbh-pool'
    # A VM's name also names its disk volumes (files in the pool): no slash, no space.
    refused_name = 'bad name/!'
    # libvirt leaves no lock on a domain that a user could meet later: a job holds the domain's state change lock
    # only for the length of one call (libvirt itself then waits up to 30 s), so there is no lock to put a VM under.
    locks = {}
    # One connection is one libvirt host.
    scene_hosts = 1
    # The integration targets' lifecycle restarts and stops the VM gracefully after switching it to lifecycle_firmware:
    # the scene's guest is a BIOS boot sector (ACPI_GUEST_BOOT_SECTOR), which UEFI firmware does not boot, and a
    # guest without an OS ignores the power button. The contract suite switches a libvirt VM to uefi and starts it.
    target_vars = {'lifecycle_firmware': 'bios'}

    @classmethod
    def from_fixtures(cls, fixture):
        """The adapter over the daemon pytest's fixture starts (fixture: request.getfixturevalue)."""
        from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.fixtures import LIBVIRT_SASL_LOGIN

        return cls(fixture('libvirt_remote_host'), LIBVIRT_SASL_LOGIN)

    def __init__(self, host, login):
        self.host = host
        self.username, self.password = login
        self.placement = {}
        self.secrets = [self.password]
        self._reset()
        self.mark = host.log_mark()

    def _reset(self):
        """The scene: no domain but the two templates (made again, with fresh disks), no volume but theirs."""
        import libvirt

        conn = self.host.connect()
        for domain in conn.listAllDomains(0):
            if domain.isActive():
                domain.destroy()
            domain.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
        pool = conn.storagePoolLookupByName(self.pool)
        pool.refresh(0)
        for volume in pool.listAllVolumes(0):
            volume.delete(0)
        # Boot from the disk, then the network, as the Proxmox scene's template does.
        self._seed(self.template, memory_mb=1024, vcpus=1, description='Ubuntu 24.04 base')
        self._seed(self.other_template, memory_mb=2048, vcpus=2, nic_model='e1000')

    def _seed(self, name, memory_mb, vcpus, nic_model='virtio', description=None):
        path = os.path.join(self.host.pool_path(self.pool), name + '.qcow2')
        with tempfile.TemporaryDirectory() as scratch:
            raw = os.path.join(scratch, 'boot.raw')
            libvirt_boot_image(raw)
            subprocess.run(['qemu-img', 'convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, path], check=True)
        self.host.connect().storagePoolLookupByName(self.pool).refresh(0)
        self.host.connect().defineXML(
            self.host.domain_xml(
                name,
                memory_mb=memory_mb,
                vcpus=vcpus,
                disks=[path],
                networks=[self.network],
                nic_model=nic_model,
                boot=('hd', 'network'),
                template=True,
                description=description,
            )
        )

    def base_connection(self):
        return {
            'type': 'libvirt',
            'name': 'kvm-test',
            'ca_file': self.host.tls_cafile,
            'api_url': 'qemu+tls://127.0.0.1:{0}/system'.format(self.host.tls_relay()),
            'username': self.username,
            'password': self.password,
        }

    @staticmethod
    def api_url_at(host, port):
        """The api_url of a libvirtd at host:port: qemu+tcp (accepted to a loopback address only)."""
        return 'qemu+tcp://{0}:{1}/system'.format(host, port)

    def write_count(self):
        """API calls that could change something, as libvirtd logged them (the scene's own seeding excluded)."""
        return sum(1 for call in self.host.api_calls(self.mark) if not LIBVIRT_READ_CALL.search(call))

    def request_count(self):
        """Every API call libvirtd served since the scene was seeded."""
        return len(self.host.api_calls(self.mark))

    def expire_login(self):
        """End every client connection from the daemon's side (virt-admin client-disconnect), as a daemon restart
        or a keepalive timeout does: a libvirt session has no login that expires, but its connection can end."""
        admin = 'libvirtd:///system?socket=' + os.path.join(os.path.dirname(self.host.socket_path), 'libvirt-admin-sock')
        listing = subprocess.run(['virt-admin', '-c', admin, 'srv-clients-list', 'libvirtd'], capture_output=True, text=True, check=True).stdout
        for line in listing.splitlines():
            fields = line.split()
            if fields and fields[0].isdigit():
                subprocess.run(['virt-admin', '-c', admin, 'client-disconnect', 'libvirtd', fields[0]], capture_output=True, text=True, check=True)
        # The fixture's own connection was one of them: let it notice now, so the fixture opens a new one.
        try:
            self.host.connect().getLibVersion()
        except Exception:  # pylint: disable=broad-except
            pass

    def lock(self, vm, kind=None):
        raise ValueError(kind)

    def unlock(self, vm, kind=None):
        raise ValueError(kind)


# Every hypervisor type, by its `type`. The contract suite runs on ALL_BACKENDS (tests/contract/conftest.py); the
# integration and reliability suites on BACKENDS, the HTTP APIs, whose faults (dropped connections, 5xx answers,
# slow answers) their proxies inject and whose scenes have logins and TLS; an integration test that holds on libvirt
# too takes ALL_BACKENDS itself (@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)).
BACKEND_CLASSES = {adapter.kind: adapter for adapter in (ProxmoxBackend, OvirtBackend, LibvirtBackend)}
ALL_BACKENDS = list(BACKEND_CLASSES)
HTTP_BACKENDS = [kind for kind in ALL_BACKENDS if BACKEND_CLASSES[kind].http_api]
BACKENDS = HTTP_BACKENDS
# The default `backend` fixture's parameters: every type, so none is left out unseen. A test using it needs an HTTP
# API's faults and scenes (see Backend.http_api); the other types show up as skipped, with the reason, in every run.
DEFAULT_BACKEND_PARAMS = [
    kind
    if kind in HTTP_BACKENDS
    else pytest.param(
        kind,
        marks=pytest.mark.skip(
            reason='{0}: the default backend fixture is for HTTP APIs (fault proxies, logins, TLS); {0} runs in the contract '
            'suite and in tests that parametrize ALL_BACKENDS'.format(kind)
        ),
    )
    for kind in ALL_BACKENDS
]


def smoke_on(kind, params=None):
    """params (ALL_BACKENDS unless given, e.g. DEFAULT_BACKEND_PARAMS) for @pytest.mark.parametrize('backend', ...,
    indirect=True), with only `kind` in the smoke suite.

    The matrix's cells run the smoke suite to show the collection works on each ansible-core: what differs between
    cores (templating, unsafe values, argument parsing) is the same code for every type, so a test whose point is
    that runs on one type there; the main suite still runs it on all of them."""
    return [pytest.param(each, marks=pytest.mark.smoke) if each == kind else each for each in (ALL_BACKENDS if params is None else params)]


def refused_before_writing(backend, action, *words):
    """Run action, which must fail with one line holding each of words before it wrote anything; returns the line."""
    before = backend.write_count()
    with pytest.raises(InvalidInputError) as caught:
        action()
    text = str(caught.value)
    assert '\n' not in text and all(word in text for word in words), text
    assert backend.write_count() == before, 'refused after a write'
    return text
