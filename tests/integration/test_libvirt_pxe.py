"""The whole chain on a real hypervisor: a VM the collection creates on libvirt PXE-boots into PureBoot.

On the private libvirtd (tests/simulators/libvirtd) and its PXE lab (pxe.py: a libvirt network handing out
leases and boot.ipxe, which chains to the PureBoot double's GET /api/v1/boot?mac=${net0/mac}&uuid=${uuid};
everything inside the daemon's network namespace), a real ansible-playbook, run in the namespace, creates a
VM from a disk-only template with pureboot_vm (pxe_boot: true, the node registered, state running). QEMU
(TCG) starts it and its NIC's own iPXE ROM boots from the network. Nothing is downloaded, and no address of
the test exists outside the namespace.

The boot requests the double logged are written to pxe-evidence.json in the test's tmp_path, and to
$PUREBOOT_PXE_EVIDENCE when that is set.
"""

import json
from datetime import UTC, datetime

import pytest

from ansible_collections.pureboot.hypervisors.tests.integration.runner import assert_ok, run_playbook, save_evidence
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.fixtures import LIBVIRT_POOL
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.pxe import PxeLab

VM_NAME = 'pxe-vm-01'
WORKFLOW = 'ubuntu-2404-server'
# Under TCG the ROM's DHCP, TFTP and HTTP take ~20 s on these machines (docs/test-servers.md); room for a busy one.
BOOT_TIMEOUT = 180


@pytest.fixture
def pxe_lab(libvirt_host, tmp_path):
    with PxeLab(libvirt_host, LIBVIRT_POOL, workflows_dir=str(tmp_path / 'workflows')) as lab:
        yield lab


def run_in_namespace(host, tmp_path, plays):
    """ansible-playbook on localhost, inside the daemon's network namespace."""
    return run_playbook(tmp_path, plays, {}, name='pxe.yml', wrap=host.netns_command)


def parse_time(text):
    return datetime.fromisoformat(text.replace('Z', '+00:00'))


def test_vm_created_by_the_collection_pxe_boots_into_pureboot(pxe_lab, tmp_path):
    host, double = pxe_lab.host, pxe_lab.double
    task = {
        'pureboot.hypervisors.pureboot_vm': {
            'hypervisor': {'type': 'libvirt', 'name': 'kvm-pxe', 'api_url': host.uri},
            'pureboot': {'url': pxe_lab.pureboot_url, 'api_key': double.api_key},
            'name': VM_NAME,
            'template': pxe_lab.template,
            'pxe_boot': True,
            'state': 'running',
            'pureboot_node': {'register': True},
        },
        'register': 'created',
    }
    dump = {'write_file': {'content': '{{ created | to_json }}', 'dest': str(tmp_path / 'results.json')}}
    started = datetime.now(UTC).replace(microsecond=0)
    assert_ok(run_in_namespace(host, tmp_path, [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task, dump]}]))
    created = json.loads((tmp_path / 'results.json').read_text())
    assert created['changed'] is True and created['vm']['status'] == 'running'
    mac = created['vm']['nics'][0]['mac']
    domain = host.connect().lookupByName(VM_NAME)
    assert domain.isActive()
    # pxe_boot put the network first, before the template's disk.
    boot_devices = pxe_lab.boot_devices(VM_NAME)
    assert boot_devices[0] == 'network' and 'hd' in boot_devices

    # The VM's iPXE asks PureBoot for its script, with its own MAC and SMBIOS UUID.
    first_boot = pxe_lab.wait_for_boot(mac, BOOT_TIMEOUT)
    assert first_boot is not None, 'no boot request from {0} within {1} s; the double saw: {2}'.format(
        mac, BOOT_TIMEOUT, [(e['method'], e['path'], e['query']) for e in double.requests]
    )
    assert first_boot['method'] == 'GET' and first_boot['status'] == 200
    assert first_boot['query']['uuid'].lower() == domain.UUIDString()
    # The collection registered the node before the VM booted: its POST comes first in the log.
    paths = [(e['method'], e['path']) for e in double.requests]
    assert paths.index(('POST', '/api/v1/nodes')) < paths.index(('GET', '/api/v1/boot'))

    # What the real /boot does to a known, discovered node: the state stays, last_seen_at and the IP move.
    nodes = [node for node in double.nodes if node['mac_address'] == mac]
    assert len(nodes) == 1
    node = nodes[0]
    assert node['id'] == created['pureboot_node']['id'] and node['hostname'] == VM_NAME
    assert created['pureboot_node']['state'] == 'discovered' and node['state'] == 'discovered'
    first_seen = parse_time(node['last_seen_at'])
    assert first_seen >= started
    assert node['ip_address'] == pxe_lab.lease_address(mac) and node['ip_address'].startswith('192.168.177.')

    # A pending node with a workflow gets the install script: after a reset the VM boots again, its iPXE
    # fetches the workflow's kernel from PureBoot, and last_seen_at moves on while the state stays pending.
    # The workflow file as on a real server: kernel and initrd through PureBoot's /api/v1/files (which needs the
    # login iPXE cannot send: the double answers 401, as the real server does, after logging the request).
    double.write_workflow(
        WORKFLOW,
        install_method='kernel',
        kernel_path='/workflows/{0}/vmlinuz'.format(WORKFLOW),
        initrd_path='/workflows/{0}/initrd'.format(WORKFLOW),
        cmdline='ip=dhcp',
    )
    double.update_node(node['id'], workflow_id=WORKFLOW)
    double.advance(node['id'], 'pending')
    double.clear_requests()
    domain.reset()
    kernel_path = '/api/v1/files/workflows/{0}/vmlinuz'.format(WORKFLOW)
    log = pxe_lab.wait_for(lambda entries: any(e['path'] == kernel_path for e in entries), BOOT_TIMEOUT)
    assert log is not None, 'the VM did not fetch the kernel of its workflow; the double saw: {0}'.format(
        [(e['method'], e['path'], e['query']) for e in double.requests]
    )
    second_boot = pxe_lab.boot_requests(mac)[0]
    assert second_boot['status'] == 200
    assert next(e['status'] for e in log if e['path'] == kernel_path) == 401
    node = double.node_by_mac(mac)
    assert node['state'] == 'pending'
    assert parse_time(node['last_seen_at']) > first_seen

    save_evidence(
        tmp_path,
        'pxe-evidence.json',
        'PUREBOOT_PXE_EVIDENCE',
        {
            'vm': {'name': VM_NAME, 'uuid': domain.UUIDString(), 'mac': mac, 'address': node['ip_address'], 'boot_order': boot_devices},
            'boot.ipxe': pxe_lab.boot_script,
            'first_boot_request': first_boot,
            'node_after_first_boot': {'state': 'discovered', 'last_seen_at': first_seen.isoformat()},
            'second_boot_requests': [dict(method=e['method'], path=e['path'], query=e['query'], status=e['status']) for e in log],
            'node_after_second_boot': {key: node[key] for key in ('state', 'workflow_id', 'last_seen_at', 'ip_address')},
        },
    )
