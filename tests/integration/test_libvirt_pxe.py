"""The whole chain on a real hypervisor: a VM the collection creates on libvirt PXE-boots into PureBoot.

Inside the private libvirtd's network namespace (tests/simulators/libvirtd): a libvirt network whose dnsmasq
hands out DHCP leases and, over TFTP, boot.ipxe, which chains to the PureBoot double's
GET /api/v1/boot?mac=${net0/mac}&uuid=${uuid}. The double runs in this process but listens in the namespace
(0.0.0.0 there: the bridge address for the guest, the namespace's loopback for Ansible). A real
ansible-playbook, run in the namespace, creates the VM from a template with pureboot_vm (pxe_boot: true, the
node registered, state running); QEMU (TCG) starts it and its NIC's own iPXE ROM boots from the network.
Nothing is downloaded, and no address of the test exists outside the namespace.

The boot requests the double logged are written to pxe-evidence.json in the test's tmp_path, and to
$PUREBOOT_PXE_EVIDENCE when that is set.
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
import yaml

from ansible_collections.pureboot.hypervisors.tests.integration.runner import BIN, ansible_env, assert_ok, write_vars
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.fixtures import LIBVIRT_POOL
from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.server import PureBootDouble

libvirt = pytest.importorskip('libvirt')

PXE_NETWORK = 'pbh-pxe'
PXE_ADDRESS = '192.168.177.1'
PXE_TEMPLATE = 'pxe-tpl'
VM_NAME = 'pxe-vm-01'
BOOT_FILE = 'boot.ipxe'
WORKFLOW = 'ubuntu-2404-server'
# Under TCG the ROM's DHCP, TFTP and HTTP take ~20 s on these machines (backends.md); room for a busy one.
BOOT_TIMEOUT = 180


@pytest.fixture
def pxe_scene(libvirt_host):
    """The PXE network, the double in the namespace, boot.ipxe chaining to it, and a template that boots from
    its disk only, so that only pxe_boot can make its VMs boot from the network."""
    # dnsmasq reads TFTP files after dropping root: its root must be reachable by others, which pytest's
    # private tmp directories are not.
    tftp_root = tempfile.mkdtemp(prefix='pbh-tftp-', dir='/tmp')
    os.chmod(tftp_root, 0o755)
    network = libvirt_host.define_network(PXE_NETWORK, PXE_ADDRESS, tftp_root=tftp_root, bootp_file=BOOT_FILE)
    try:
        with libvirt_host.inside():
            double = PureBootDouble(host='0.0.0.0', tls=False).start()
        # The URL the double writes into its iPXE scripts (a workflow's kernel and initrd) is the one the guests
        # reach it on, as a real server is configured with its public address.
        double.host = PXE_ADDRESS
        try:
            script = '#!ipxe\nchain http://{0}:{1}/api/v1/boot?mac=${{net0/mac}}&uuid=${{uuid}}\n'.format(
                PXE_ADDRESS, double.port)
            with open(os.path.join(tftp_root, BOOT_FILE), 'w') as boot_file:
                boot_file.write(script)
            os.chmod(os.path.join(tftp_root, BOOT_FILE), 0o644)
            libvirt_host.seed_template(PXE_TEMPLATE, LIBVIRT_POOL, PXE_NETWORK, boot=('hd',),
                                       description='PXE proof template')
            yield {'host': libvirt_host, 'double': double, 'network': network}
        finally:
            double.stop()
            libvirt_host.remove_domains()
    finally:
        network.destroy()
        network.undefine()
        shutil.rmtree(tftp_root, ignore_errors=True)


def run_in_namespace(host, tmp_path, plays, variables):
    """ansible-playbook on localhost, inside the daemon's network namespace."""
    playbook = tmp_path / 'pxe.yml'
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    command = host.netns_command([BIN / 'ansible-playbook', '-i', 'localhost,', '-c', 'local', playbook,
                                  '-e', '@{0}'.format(write_vars(tmp_path, variables))])
    return subprocess.run(command, env=ansible_env(tmp_path), capture_output=True, text=True, timeout=600,
                          cwd=str(tmp_path), check=False)


def boot_requests(double):
    return [entry for entry in double.requests if entry['path'] == '/api/v1/boot']


def wait_for_requests(double, predicate, timeout=BOOT_TIMEOUT):
    """The double's log once predicate(log) holds; fails with the log after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = double.requests
        if predicate(log):
            return log
        time.sleep(0.5)
    pytest.fail('no boot request within {0} s; the double saw: {1}'.format(
        timeout, [(e['method'], e['path'], e['query']) for e in double.requests]))


def parse_time(text):
    return datetime.fromisoformat(text.replace('Z', '+00:00'))


def lease_address(network, mac):
    addresses = [lease['ipaddr'] for lease in network.DHCPLeases() if lease['mac'].lower() == mac]
    assert len(addresses) == 1, network.DHCPLeases()
    return addresses[0]


def save_evidence(tmp_path, evidence):
    text = json.dumps(evidence, indent=1, sort_keys=True)
    (tmp_path / 'pxe-evidence.json').write_text(text)
    if os.environ.get('PUREBOOT_PXE_EVIDENCE'):
        with open(os.environ['PUREBOOT_PXE_EVIDENCE'], 'w') as out:
            out.write(text)
    print(text)


def test_vm_created_by_the_collection_pxe_boots_into_pureboot(pxe_scene, tmp_path):
    host, double, network = pxe_scene['host'], pxe_scene['double'], pxe_scene['network']
    task = {'pureboot.hypervisors.pureboot_vm': {
        'hypervisor': {'type': 'libvirt', 'name': 'kvm-pxe', 'api_url': host.uri},
        # The namespace's loopback: plain http is what a loopback PureBoot may speak.
        'pureboot': {'url': 'http://127.0.0.1:{0}'.format(double.port), 'api_key': double.api_key},
        'name': VM_NAME, 'template': PXE_TEMPLATE, 'pxe_boot': True, 'state': 'running',
        'pureboot_node': {'register': True}}, 'register': 'created'}
    dump = {'ansible.builtin.copy': {'content': '{{ created | to_json }}', 'dest': str(tmp_path / 'results.json'),
                                     'mode': '0600'}}
    started = datetime.now(timezone.utc)
    result = run_in_namespace(host, tmp_path, [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task, dump]}], {})
    assert_ok(result)
    created = json.loads((tmp_path / 'results.json').read_text())
    assert created['changed'] is True and created['vm']['status'] == 'running'
    mac = created['vm']['nics'][0]['mac']
    domain = host.connect().lookupByName(VM_NAME)
    # pxe_boot put the network first, before the template's disk.
    boot_devices = [boot.get('dev') for boot in ET.fromstring(domain.XMLDesc()).findall('os/boot')]
    assert boot_devices[0] == 'network' and 'hd' in boot_devices
    assert domain.isActive()

    # The VM's iPXE asks PureBoot for its script, with its own MAC and SMBIOS UUID.
    log = wait_for_requests(double, lambda entries: any(e['path'] == '/api/v1/boot' for e in entries))
    first_boot = boot_requests(double)[0]
    assert first_boot['method'] == 'GET' and first_boot['status'] == 200
    assert first_boot['query']['mac'].lower() == mac
    assert first_boot['query']['uuid'].lower() == domain.UUIDString()
    # The collection registered the node before the VM booted: its POST comes first in the log.
    paths = [(e['method'], e['path']) for e in log]
    assert paths.index(('POST', '/api/v1/nodes')) < paths.index(('GET', '/api/v1/boot'))

    # What the real /boot does to a known discovered node: the state stays, last_seen_at and the IP move.
    nodes = [node for node in double.nodes if node['mac_address'] == mac]
    assert len(nodes) == 1
    node = nodes[0]
    assert node['id'] == created['pureboot_node']['id'] and node['hostname'] == VM_NAME
    assert created['pureboot_node']['state'] == 'discovered' and node['state'] == 'discovered'
    first_seen = parse_time(node['last_seen_at'])
    assert first_seen >= started.replace(microsecond=0)
    assert node['ip_address'] == lease_address(network, mac)

    # A pending node with a workflow gets the install script: after a reset the VM boots again, its iPXE
    # fetches the workflow's kernel from PureBoot, and last_seen_at moves on while the state stays pending.
    double.update_node(node['id'], workflow_id=WORKFLOW)
    double.advance(node['id'], 'pending')
    double.clear_requests()
    domain.reset()
    kernel_path = '/api/v1/files/workflows/{0}/vmlinuz'.format(WORKFLOW)
    log = wait_for_requests(double, lambda entries: any(e['path'] == kernel_path for e in entries))
    second_boot = boot_requests(double)[0]
    assert second_boot['query']['mac'].lower() == mac and second_boot['status'] == 200
    node = double.node_by_mac(mac)
    assert node['state'] == 'pending'
    assert parse_time(node['last_seen_at']) > first_seen

    save_evidence(tmp_path, {
        'vm': {'name': VM_NAME, 'uuid': domain.UUIDString(), 'mac': mac, 'address': node['ip_address'],
               'boot_order': boot_devices},
        'boot.ipxe': (open(os.path.join(network_tftp_root(network), BOOT_FILE)).read()),
        'first_boot_request': first_boot,
        'node_after_first_boot': {'state': 'discovered', 'last_seen_at': first_seen.isoformat()},
        'second_boot_requests': [dict(method=e['method'], path=e['path'], query=e['query'], status=e['status'])
                                 for e in log],
        'node_after_second_boot': dict((key, node[key]) for key in ('state', 'workflow_id', 'last_seen_at', 'ip_address')),
    })


def network_tftp_root(network):
    return ET.fromstring(network.XMLDesc()).find('ip/tftp').get('root')
