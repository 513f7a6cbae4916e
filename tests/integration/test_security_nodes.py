"""Never another machine's node (issue 23 item 3), through real ansible-playbook runs of pureboot_vm.

A hypervisor user can give their VM's NIC the MAC of a machine PureBoot already knows (a bare-metal server that
booted with its own SMBIOS UUID), and anyone on the provisioning network can register a node for a MAC ahead of
the VM. The rule: a node found by the VM's MAC whose system_uuid is set and differs from the VM's belongs to another
machine: `conflict` (one line, the node untouched, never retired) unless `pureboot_node.adopt: always` (default
`matching`); two VMs sharing a MAC are a conflict, never a node that changes hands on every run.

The PureBoot double's request log shows every write; the node is read back from the double. The tests are the case
`never-another-machines-node` of test_security.CASES (docs/security.md).
"""

import json

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend
from ansible_collections.pureboot.hypervisors.tests.integration.runner import run_playbook
from ansible_collections.pureboot.hypervisors.tests.integration.test_security import case

# The bare-metal server whose MAC the VM's NIC copies: PureBoot registered it from its own iPXE boot.
OTHER_MACHINE = {'hostname': 'db-phys-01', 'system_uuid': '4c4c4544-0042-3510-8052-b4c04f4e3732', 'state': 'active', 'workflow_id': 'rhel-9-baremetal'}


@pytest.fixture
def pve(fakepve, fakepve_cafile):
    return ProxmoxBackend(fakepve, fakepve_cafile)


def pureboot_options(server):
    return {'url': server.url, 'api_key': server.api_key, 'ca_file': server.cafile}


def run_vm_task(tmp_path, pve, server, name, state='present', **options):
    """pureboot_vm on one VM with PureBoot; returns (the task's result, the run)."""
    task = {
        'pureboot.hypervisors.pureboot_vm': dict(
            {'hypervisor': pve.connection(), 'pureboot': pureboot_options(server), 'name': name, 'state': state, 'template': pve.template},
            **dict(pve.placement, **options),
        ),
        'register': 'out',
        'ignore_errors': True,
    }
    dump = {'write_file': {'content': '{{ out | to_json }}', 'dest': str(tmp_path / 'out.json')}}
    run = run_playbook(tmp_path, [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [task, dump]}])
    assert (tmp_path / 'out.json').exists(), run.stdout[-4000:]
    return json.loads((tmp_path / 'out.json').read_text()), run


def vm_on_a_copied_mac(pve, server, name='sec-copied-mac'):
    """A VM, and the other machine's node registered for its NIC's MAC (as if the NIC copied that machine's MAC)."""
    vm = pve.driver().create_vm(name, dict(pve.placement, template=pve.template), timeout=60)
    assert vm['uuid'] and vm['uuid'].lower() != OTHER_MACHINE['system_uuid']
    node = server.add_node(vm['nics'][0]['mac'], **OTHER_MACHINE)
    server.clear_requests()
    return vm, node


@case('never-another-machines-node')
def test_a_node_of_another_machine_found_by_mac_is_a_conflict_and_untouched(pve, pureboot_server, tmp_path):
    vm, node = vm_on_a_copied_mac(pve, pureboot_server)
    result, _run = run_vm_task(tmp_path, pve, pureboot_server, vm['name'], pureboot_node={'workflow_id': 'ubuntu-2404-server'})
    assert result.get('failed') and result.get('error_category') == 'conflict', result
    assert len(result['msg'].splitlines()) == 1
    assert node['id'] in result['msg'] or node['mac_address'] in result['msg'].lower()
    assert pureboot_server.writes() == [], "the other machine's node was written to"
    assert pureboot_server.node_by_mac(node['mac_address']) == node


@case('never-another-machines-node')
def test_adopt_always_takes_the_node_over(pve, pureboot_server, tmp_path):
    vm, node = vm_on_a_copied_mac(pve, pureboot_server)
    result, _run = run_vm_task(tmp_path, pve, pureboot_server, vm['name'], pureboot_node={'adopt': 'always'})
    assert not result.get('failed'), result
    assert result['changed']
    adopted = pureboot_server.node_by_mac(node['mac_address'])
    assert adopted['id'] == node['id']
    assert adopted['hostname'] == vm['name'] and adopted['system_uuid'].lower() == vm['uuid'].lower()


@case('never-another-machines-node')
def test_a_node_of_another_machine_is_never_retired_on_absent(pve, pureboot_server, tmp_path):
    vm, node = vm_on_a_copied_mac(pve, pureboot_server)
    result, run = run_vm_task(tmp_path, pve, pureboot_server, vm['name'], state='absent')
    assert [entry for entry in pureboot_server.writes() if entry['path'].endswith('/state')] == [], "the other machine's node was retired"
    assert pureboot_server.writes() == []
    assert pureboot_server.node_by_mac(node['mac_address']) == node
    # Said: the conflict is in the result (a failure or a warning naming the node), not silently skipped.
    said = ' '.join([result.get('msg') or ''] + list(result.get('warnings') or []))
    assert 'conflict' in said.lower() or node['id'] in said, run.stdout[-4000:]


@case('never-another-machines-node')
def test_two_vms_sharing_a_mac_are_a_conflict_not_a_flip_flop(pve, fakepve, pureboot_server, tmp_path):
    first = pve.driver().create_vm('sec-mac-first', dict(pve.placement, template=pve.template), timeout=60)
    second = pve.driver().create_vm('sec-mac-second', dict(pve.placement, template=pve.template), timeout=60)
    mac = first['nics'][0]['mac']
    # The hypervisor user gives the second VM's NIC the first VM's MAC (PVE lets anyone with VM.Config.Network).
    fakepve.vm(int(second['id'])).config['net0'] = 'virtio={0},bridge=vmbr0'.format(mac.upper())
    result, _run = run_vm_task(tmp_path, pve, pureboot_server, first['name'])
    assert not result.get('failed') and result['changed'], result
    registered = pureboot_server.node_by_mac(mac)
    assert registered['system_uuid'].lower() == first['uuid'].lower()
    pureboot_server.clear_requests()
    result, _run = run_vm_task(tmp_path, pve, pureboot_server, second['name'])
    assert result.get('failed') and result.get('error_category') == 'conflict', result
    assert pureboot_server.writes() == [] and pureboot_server.node_by_mac(mac) == registered
    result, _run = run_vm_task(tmp_path, pve, pureboot_server, first['name'])
    assert not result.get('failed') and not result['changed'], 'the node changed hands: {0}'.format(result)
    assert pureboot_server.writes() == []
