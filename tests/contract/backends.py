"""The backends the driver contract suite runs against, behind one small interface.

Each adapter seeds its server with the same scene (two hosts, no VMs, a BIOS template with one core,
1 GiB, one NIC and one disk, and a second template), hands out connection options and drivers, counts
write requests from the server's own request log, and causes the faults every hypervisor type must survive.

The `backend` fixture (tests/conftest.py) runs a test once per entry of BACKENDS; adding a hypervisor type
to every suite (contract, integration, reliability) means one adapter here, listed in BACKEND_CLASSES.
"""

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for

GiB = 1024 ** 3


class ProxmoxBackend(object):
    """fakepve over HTTPS, verified against its CA."""

    kind = 'proxmox'
    template = 'ubuntu-2404-tpl'
    other_template = 'debian-12-tpl'
    network = 'vmbr0'
    second_network = 'vmbr1'
    # PVE wants VM names to be DNS names.
    refused_name = 'bad_name!'
    # The locks lock() can put a VM under, each with what PVE says when a write meets it.
    locks = {'backup': 'VM is locked (backup)', 'config': "can't lock file"}

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
        pve.storages['local-lvm']['volumes'] = {
            'base-9000-disk-0': {'content': 'images', 'format': 'raw', 'size': 8 * GiB, 'vmid': 9000},
            'base-9001-disk-0': {'content': 'images', 'format': 'raw', 'size': 4 * GiB, 'vmid': 9001},
        }
        pve.add_vm(9000, self.template, template=True, config={
            'cores': 1, 'memory': 1024, 'ostype': 'l26', 'template': 1, 'boot': 'order=scsi0;net0',
            'scsi0': 'local-lvm:base-9000-disk-0,size=8G', 'net0': 'virtio=BC:24:11:00:90:00,bridge=vmbr0',
            'smbios1': 'uuid=6f1f6a52-0000-4000-8000-000000009000', 'description': 'Ubuntu 24.04 base'})
        pve.add_vm(9001, self.other_template, template=True, config={
            'cores': 2, 'memory': 2048, 'ostype': 'l26', 'template': 1,
            'scsi0': 'local-lvm:base-9001-disk-0,size=4G', 'net0': 'e1000=BC:24:11:00:90:01,bridge=vmbr0'})
        pve.pools.setdefault('lab', set())

    def connection(self, **overrides):
        options = {'type': 'proxmox', 'name': 'pve-test', 'api_url': self.pve.url, 'username': 'root@pam',
                   'password': self.pve.password, 'ca_file': self.cafile}
        options.update(overrides)
        return dict((k, v) for k, v in options.items() if v is not None)

    def driver(self, **overrides):
        return driver_for(self.connection(**overrides))

    def write_count(self):
        """Requests that could change something (logins excluded)."""
        return sum(1 for method, path, _body in self.pve.requests
                   if method != 'GET' and not path.endswith('/access/ticket'))

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


class OvirtBackend(object):
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

    def connection(self, **overrides):
        options = {'type': 'ovirt', 'name': 'ovirt-test', 'api_url': self.engine.url, 'username': self.engine.username,
                   'password': self.engine.password, 'ca_file': self.engine.cafile}
        options.update(overrides)
        return dict((k, v) for k, v in options.items() if v is not None)

    def driver(self, **overrides):
        return driver_for(self.connection(**overrides))

    def write_count(self):
        """Requests that could change something (SSO logins and logouts excluded)."""
        return sum(1 for entry in list(self.engine.requests)
                   if entry['method'] != 'GET' and entry['path'] not in SSO_PATHS)

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


# Every hypervisor type the suites run against, by its `type`.
BACKEND_CLASSES = dict((adapter.kind, adapter) for adapter in (ProxmoxBackend, OvirtBackend))
BACKENDS = list(BACKEND_CLASSES)
