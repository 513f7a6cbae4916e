"""The backends the driver contract suite runs against, behind one small interface.

Each adapter seeds its server with the same scene (two hosts, a template with one NIC and one
disk), hands out connection options and drivers, counts write requests from the server's own
request log, and causes the faults every hypervisor type must survive.
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

    def lock(self, vm):
        """Leave the VM locked, as an interrupted backup does."""
        self.pve.snapshot_lock(int(vm['id']), 'backup')

    def unlock(self, vm):
        self.pve.unlock(int(vm['id']))
