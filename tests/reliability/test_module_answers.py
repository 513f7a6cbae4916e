"""Issue 14 through the modules, as Ansible runs them: check mode predicts the real run, PureBoot node
included; every precondition fails before the first write; filters fail with the same line as pureboot_vm.
"""

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.reliability.harness import ModuleRunner

# What the hypervisor or PureBoot assigns, so check mode cannot know it.
VM_ASSIGNED = ('id', 'uuid', 'ip_addresses')
NODE_ASSIGNED = ('id', 'mac_address', 'system_uuid')


def pureboot_options(double):
    return {'url': double.url, 'username': double.username, 'password': double.password, 'ca_file': double.cafile}


def vm_view(vm):
    shown = {k: v for k, v in vm.items() if k not in VM_ASSIGNED}
    shown['nics'] = [dict(nic, mac=None) for nic in vm['nics']]
    return shown


def node_view(node):
    return {k: v for k, v in (node or {}).items() if k not in NODE_ASSIGNED}


@pytest.fixture
def runner(tmp_path):
    with ModuleRunner(tmp_path, 1) as opened:
        yield opened


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_check_mode_predicts_the_real_run_for_every_template(backend, pureboot_server, runner):
    pureboot_server.add_group('lab-web')
    for index, template in enumerate((backend.template, backend.other_template)):
        args = dict(
            backend.placement,
            hypervisor=backend.connection(),
            pureboot=pureboot_options(pureboot_server),
            name='truth-{0}'.format(index),
            template=template,
            cpu_cores=2,
            tags=['Lab'],
            pxe_boot=True,
            networks=[{'network': backend.network}, {'network': backend.second_network}],
            pureboot_node={'group': 'lab-web', 'workflow_id': 'ubuntu-2404-server', 'tags': ['web']},
        )
        writes = backend.write_count()
        checked, _out, _err, _rc = runner.run('pureboot_vm', dict(args, _ansible_check_mode=True, _ansible_diff=True), 'check-{0}'.format(index))
        assert checked['changed'] and not checked.get('failed'), checked
        assert backend.write_count() == writes, 'check mode wrote'
        real, _out, _err, _rc = runner.run('pureboot_vm', args, 'real-{0}'.format(index))
        assert real['changed'] and not real.get('failed'), real
        assert vm_view(checked['vm']) == vm_view(real['vm']), template
        assert checked['vm']['firmware'] in ('bios', 'uefi') and len(checked['vm']['nics']) == 2
        assert checked['pureboot_node'] is not None
        # Check mode shows the node's view (what --diff shows); the real run returns PureBoot's whole record.
        predicted_node = node_view(checked['pureboot_node'])
        assert predicted_node == {k: real['pureboot_node'].get(k) for k in predicted_node}, template
        assert predicted_node['group_id'] and predicted_node['boot_mode'] == real['vm']['firmware']
        again, _out, _err, _rc = runner.run('pureboot_vm', args, 'again-{0}'.format(index))
        assert again['changed'] is False, again


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
@pytest.mark.parametrize(
    'mistake, expected',
    [
        ({'pureboot_node': {'group': 'lab-wbe'}}, "group 'lab-wbe' not found; available: lab-web"),
        ({'pureboot': {'password': 'Not-The-Pass-1'}}, 'authentication failed'),
        ({'pureboot_node': {'tags': ['has space']}}, 'is not a valid PureBoot tag'),
        ({'networks': [{'network': 'no-such-net'}]}, "'no-such-net' not found"),
        ({'tags': ['a', 'B', 'has space']}, 'tags must be'),
        ({'boot_order': ['disk', 'disk']}, 'boot_order names disk more than once'),
        ({'networks': [], 'pxe_boot': True}, 'pxe_boot needs a NIC to boot from the network, and the VM has none'),
        ({'name': ''}, "name is empty: give the VM's name (or its id)"),
    ],
    ids=['group', 'pureboot-login', 'node-tag', 'network', 'tags', 'boot-twice', 'pxe-no-nic', 'empty-name'],
)
def test_every_precondition_fails_before_the_first_write(backend, pureboot_server, runner, mistake, expected):
    pureboot_server.add_group('lab-web')
    mistake = dict(mistake)
    pureboot = dict(pureboot_options(pureboot_server), **mistake.pop('pureboot', {}))
    args = dict(
        backend.placement, hypervisor=backend.connection(), pureboot=pureboot, name='early', template=backend.template, networks=[{'network': backend.network}]
    )
    args.update(mistake)
    for check_mode in (True, False):
        writes, nodes = backend.write_count(), len(pureboot_server.nodes)
        result, _out, _err, _rc = runner.run('pureboot_vm', dict(args, _ansible_check_mode=check_mode), 'early-{0}'.format(check_mode))
        assert result['failed'] and expected in result['msg'], result['msg']
        assert '\n' not in result['msg']
        assert backend.write_count() == writes and len(pureboot_server.nodes) == nodes, 'written before failing'


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_an_unknown_node_is_said_alike_by_every_module(backend, runner):
    if backend.kind == 'ovirt':
        pytest.skip('pureboot_vm places oVirt VMs by cluster, not by host')
    answers = []
    for module, extra in (('pureboot_vm', {'name': 'lost', 'template': backend.template}), ('pureboot_vm_info', {}), ('pureboot_vm_template_info', {})):
        result, _out, _err, _rc = runner.run(module, dict(extra, hypervisor=backend.connection(), node='pve9'), module)
        assert result['failed'], result
        answers.append(result['msg'][result['msg'].find("node 'pve9'") :])
    # A libvirt connection is one host: the node there is, as its daemon names itself (read past the driver).
    nodes = backend.host.connect().getHostname() if backend.kind == 'libvirt' else 'pve1, pve2'
    assert answers == ["node 'pve9' not found; available: " + nodes] * 3


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_an_unknown_cluster_is_said_alike_by_every_module(backend, runner):
    answers = []
    for module in ('pureboot_vm_info', 'pureboot_vm_template_info'):
        result, _out, _err, _rc = runner.run(module, {'hypervisor': backend.connection(), 'cluster': 'Nonexistent'}, module)
        assert result['failed'] and 'vms' not in result and 'templates' not in result, result
        answers.append(result['msg'])
    assert answers[0] == answers[1]
    assert answers[0].endswith(
        {
            'proxmox': "filter 'cluster' does not apply to proxmox hypervisors",
            'ovirt': "cluster 'Nonexistent' not found; available: Default",
            'libvirt': "filter 'cluster' does not apply to libvirt hypervisors",
        }[backend.kind]
    )
