"""A PXE lab on a private libvirtd: what a VM needs to boot from the network into the PureBoot double.

    lab = PxeLab(host, pool='pbh-pool').start()
    ... create a VM from lab.template with pxe_boot: true, PureBoot at lab.pureboot_url (inside the namespace) ...
    request = lab.wait_for_boot(mac)            # the double's log entry of the VM's GET /api/v1/boot
    lab.stop()

All of it lives in the daemon's network namespace: a libvirt network whose dnsmasq hands out DHCP leases
and, over TFTP, boot.ipxe; boot.ipxe chains to GET /api/v1/boot?mac=${net0/mac}&uuid=${uuid} on the bridge
address; the double runs in this process but listens there on 0.0.0.0 (the bridge address for guests, the
namespace's loopback for Ansible run with host.netns_command). The template boots from its disk only, so
only pxe_boot makes its VMs boot from the network. Used by tests/integration/test_libvirt_pxe.py and make demo.
"""

import os
import shutil
import tempfile
import time
import xml.etree.ElementTree as ET

from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.server import PureBootDouble

BOOT_FILE = 'boot.ipxe'
BOOT_PATH = '/api/v1/boot'


class PxeLab:
    """The PXE network, TFTP root, PureBoot double and template on a started PrivateLibvirtd (see the module)."""

    def __init__(self, host, pool, network='pbh-pxe', address='192.168.177.1', template='pxe-tpl', **double_options):
        """template: the disk-only template to seed (None: none); double_options: more PureBootDouble options
        (workflows_dir, install_timeout, ...)."""
        self.host = host
        self.double_options = double_options
        self.pool = pool
        self.network_name = network
        self.address = address
        self.template = template
        self.double = None
        self.network = None
        self.tftp_root = None
        self.boot_script = None

    @property
    def pureboot_url(self):
        """PureBoot's URL for a client inside the namespace: its loopback, where plain http is acceptable."""
        return 'http://127.0.0.1:{0}'.format(self.double.port)

    def start(self):
        try:
            # dnsmasq reads TFTP files after dropping root: the root must be reachable by others, which pytest's
            # private tmp directories are not.
            self.tftp_root = tempfile.mkdtemp(prefix='pbh-tftp-', dir='/tmp')
            os.chmod(self.tftp_root, 0o755)
            self.network = self.host.define_network(self.network_name, self.address, tftp_root=self.tftp_root, bootp_file=BOOT_FILE)
            # The URL the double writes into its iPXE scripts (a workflow's kernel and initrd) is the one guests
            # reach it on, as a real server is configured with its public address (PUREBOOT_HOST).
            with self.host.inside():
                self.double = PureBootDouble(host='0.0.0.0', tls=False, advertise_host=self.address, **self.double_options).start()
            self.boot_script = '#!ipxe\nchain http://{0}:{1}{2}?mac=${{net0/mac}}&uuid=${{uuid}}\n'.format(self.address, self.double.port, BOOT_PATH)
            path = os.path.join(self.tftp_root, BOOT_FILE)
            with open(path, 'w') as boot_file:
                boot_file.write(self.boot_script)
            os.chmod(path, 0o644)
            if self.template:
                self.host.seed_template(self.template, self.pool, self.network_name, boot=('hd',), description='PXE lab template: boots from its disk only')
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Stop the double, remove the lab's domains, network and TFTP root; safe after a failed start."""
        if self.double is not None:
            self.double.stop()
            self.double = None
        if self.network is not None:
            # The template and the VMs made from it: every domain on the lab's network, and no other.
            self.host.remove_domains(names=self.host.domains_on_network(self.network_name))
            if self.network.isActive():
                self.network.destroy()
            self.network.undefine()
            self.network = None
        if self.tftp_root:
            shutil.rmtree(self.tftp_root, ignore_errors=True)
            self.tftp_root = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def boot_requests(self, mac=None):
        """The double's log entries of GET /api/v1/boot (from this MAC when given)."""
        return [entry for entry in self.double.requests if entry['path'] == BOOT_PATH and (mac is None or entry['query'].get('mac', '').lower() == mac.lower())]

    def wait_for(self, predicate, timeout):
        """The double's request log once predicate(log) holds, or None after timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.double.requests
            if predicate(log):
                return log
            time.sleep(0.5)
        return None

    def wait_for_boot(self, mac, timeout):
        """The first GET /api/v1/boot from this MAC, or None after timeout seconds."""
        if self.wait_for(lambda _log: self.boot_requests(mac), timeout) is None:
            return None
        return self.boot_requests(mac)[0]

    def lease_address(self, mac, timeout=10):
        """The address the network's DHCP leased to this MAC, or None after timeout seconds.

        libvirt learns a lease from its leases helper, which dnsmasq runs as its --dhcp-script after the DHCP
        exchange, queued and one at a time (dnsmasq(8)): the guest may be using its address, and have told
        PureBoot, before the network lists the lease."""
        deadline = time.monotonic() + timeout
        while True:
            for lease in self.network.DHCPLeases():
                if lease['mac'].lower() == mac.lower():
                    return lease['ipaddr']
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)

    def boot_devices(self, name):
        """A domain's boot order, as its persistent definition lists it."""
        root = ET.fromstring(self.host.connect().lookupByName(name).XMLDesc(0))
        return [boot.get('dev') for boot in root.findall('os/boot')]
