"""The scene a fault or load case plays in: one hypervisor backend, the PureBoot double, and the way both are
looked at afterwards (how many VMs of a name, how many nodes for a MAC, which creates reached the server).
"""

import contextlib
from urllib.parse import parse_qs

from ansible_collections.pureboot.hypervisors.tests.reliability.chaos import DropProxy

OVIRT_API = '/ovirt-engine/api'


class Scene:
    """backend (the integration suite's), its server (fakepve or the oVirt simulator), the PureBoot double."""

    def __init__(self, request, backend, double, tmp_path, name):
        self.request = request
        self.backend = backend
        self.kind = backend.kind
        self.pve = request.getfixturevalue('fakepve') if self.kind == 'proxmox' else None
        self.engine = request.getfixturevalue('ovirt_engine') if self.kind == 'ovirt' else None
        self.double = double
        self.tmp_path = tmp_path
        self.name = name
        self.hv = backend.connection()
        self.pb = {'url': double.url, 'api_key': double.api_key, 'ca_file': double.cafile}
        self.vm = None

    @property
    def label(self):
        return self.hv['name']

    @property
    def server(self):
        return self.pve if self.pve is not None else self.engine

    def through_proxy(self, **options):
        """Send the tasks' hypervisor requests through a DropProxy (stopped after the test); returns it."""
        connection = self.backend.connection()
        proxy = self._proxy(connection['api_url'], connection['ca_file'], **options)
        self.hv = dict(self.hv, api_url=proxy.url, ca_file=proxy.cafile)
        return proxy

    def pureboot_through_proxy(self, **options):
        """The same for the tasks' PureBoot requests."""
        proxy = self._proxy(self.double.url, self.double.cafile, **options)
        self.pb = dict(self.pb, url=proxy.url, ca_file=proxy.cafile)
        return proxy

    def _proxy(self, url, ca_file, **options):
        proxy = DropProxy(url, ca_file, **options).start()
        self.request.addfinalizer(proxy.stop)
        return proxy

    # ------------------------------------------------------------ tasks
    def vm_args(self, state='present', name=None, **options):
        args = dict(self.backend.placement, hypervisor=self.hv, pureboot=self.pb, name=name or self.name, template=self.backend.template, state=state)
        args.update(options)
        return args

    def vm_task(self, state='present', name=None, **options):
        return {'pureboot.hypervisors.pureboot_vm': self.vm_args(state, name, **options)}

    # ------------------------------------------------------------ set-up through the driver
    @contextlib.contextmanager
    def _driver(self):
        driver = self.backend.driver()
        try:
            yield driver
        finally:
            driver.close()

    def create_vm(self, name=None, **placement):
        spec = dict(self.backend.placement, template=self.backend.template)
        spec.update(placement)
        with self._driver() as driver:
            self.vm = driver.create_vm(name or self.name, spec, timeout=60)
        return self.vm

    # ------------------------------------------------------------ looking
    def vms(self, name=None):
        """The VMs called name (default: the scene's) that the hypervisor has."""
        name = name or self.name
        with self._driver() as driver:
            return [vm for vm in driver.list_vms(name=name) if vm['name'] == name]

    def all_vms(self):
        with self._driver() as driver:
            return driver.list_vms()

    def nodes(self, name=None, mac=None):
        """PureBoot's nodes for a VM: by hostname (default the scene's VM name), or by MAC."""
        if mac:
            return [n for n in self.double.nodes if n['mac_address'] == mac.lower()]
        return [n for n in self.double.nodes if n.get('hostname') == (name or self.name)]

    def create_requests(self):
        """(VM name, HTTP status) of every create request the hypervisor received (its own log)."""
        found = []
        if self.pve is not None:
            for method, path, body in list(self.pve.requests):
                if method == 'POST' and path.endswith('/clone'):
                    form = parse_qs(body.decode('utf-8', 'replace') if isinstance(body, bytes) else str(body))
                    found.append((form.get('name', [None])[0], None))
        else:
            for entry in list(self.engine.requests):
                if entry['method'] == 'POST' and entry['path'] == OVIRT_API + '/vms':
                    found.append((None, entry.get('status')))
        return found

    def node_creates(self):
        """(MAC, status) of every POST /nodes the PureBoot double received."""
        return [
            ((e.get('body') or {}).get('mac_address'), e.get('status')) for e in self.double.requests if e['method'] == 'POST' and e['path'] == '/api/v1/nodes'
        ]
