"""pureboot_vm, pureboot_vm_info and pureboot_hypervisor with PureBoot, through real ansible-playbook runs.

The PureBoot double's request log shows exactly what was written to PureBoot.
"""

import pytest
import requests

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.conftest import target_vars
from ansible_collections.pureboot.hypervisors.tests.integration.runner import ansible_inventory, assert_ok, listing, read_results, role_play, run_playbook


def api_key_login(double):
    return {'url': double.url, 'api_key': double.api_key, 'ca_file': double.cafile}


def password_login(double):
    return {'url': double.url, 'username': double.username, 'password': double.password, 'ca_file': double.cafile}


def node_writes(double):
    """(method, path) of every write to PureBoot, node ids replaced by {id}."""
    writes = []
    for entry in double.writes():
        parts = entry['path'].split('/')
        if len(parts) > 4 and parts[3] == 'nodes' and parts[4] not in ('bulk',):
            parts[4] = '{id}'
        writes.append((entry['method'], '/'.join(parts), entry['body']))
    return writes


def vm_play(backend, double, pb, name='itest-pb', **options):
    task = {
        'pureboot.hypervisors.pureboot_vm': dict(
            {'hypervisor': backend.connection(), 'pureboot': pb, 'name': name, 'template': backend.template}, **dict(backend.placement, **options)
        ),
        'register': 'out',
    }
    dump = {'write_file': {'content': '{{ out | to_json }}', 'dest': 'results.json'}}
    return [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [dict(task, ignore_errors=True), dump]}]


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_node_lifecycle(backend, pureboot_server, tmp_path):
    group = pureboot_server.add_group('lab-web')
    variables = target_vars(backend, tmp_path, pb=api_key_login(pureboot_server), group='lab-web')
    assert_ok(run_playbook(tmp_path, role_play('module_pureboot_vm_pureboot', keep=['register_1']), variables, args=['--diff']))
    registered = read_results(tmp_path)['register_1']
    ids = {'node_id': registered['pureboot_node']['id'], 'mac': registered['vm']['nics'][0]['mac']}
    writes = node_writes(pureboot_server)
    # Registration, then nothing on the re-run, then only the changed fields, retire, and the revival.
    assert [(m, p) for m, p, _body in writes] == [
        ('POST', '/api/v1/nodes'),
        ('PATCH', '/api/v1/nodes/{id}'),
        ('POST', '/api/v1/nodes/{id}/tags'),
        ('POST', '/api/v1/nodes/{id}/tags'),
        ('PATCH', '/api/v1/nodes/{id}'),
        ('PATCH', '/api/v1/nodes/{id}'),
        ('PATCH', '/api/v1/nodes/{id}/state'),
        ('PATCH', '/api/v1/nodes/{id}/state'),
        ('PATCH', '/api/v1/nodes/{id}'),
    ]
    assert writes[0][2]['mac_address'] == ids['mac'] and writes[0][2]['hostname'] == 'itest-linked'
    assert writes[1][2] == {'workflow_id': 'ubuntu-2404-server'}
    assert writes[4][2] == {'group_id': group['id'], 'workflow_id': 'debian-12-minimal'}
    # Retiring clears the removed VM's SMBIOS UUID first: the node names no machine any more.
    assert writes[5][2] == {'system_uuid': None}
    assert writes[6][2]['state'] == 'retired'
    assert writes[7][2]['state'] == 'discovered' and writes[7][2]['force'] is True
    # The re-created VM has a new SMBIOS UUID: the node (which names no other machine) follows it.
    assert writes[8][2]['workflow_id'] == 'ubuntu-2404-server' and set(writes[8][2]) == {'workflow_id', 'system_uuid'}
    nodes = [n for n in pureboot_server.nodes if n['mac_address'] == ids['mac']]
    assert len(nodes) == 1 and nodes[0]['id'] == ids['node_id'] and nodes[0]['state'] == 'discovered'
    assert [v['name'] for v in backend.driver().list_vms()] == ['itest-linked']


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_auto_registered_node_is_adopted(backend, pureboot_server, tmp_path):
    vm = backend.driver().create_vm('itest-pxe', dict(backend.placement, template=backend.template), timeout=60)
    mac = vm['nics'][0]['mac']
    # The VM PXE-booted before it was linked: PureBoot registered its MAC on its own.
    boot = requests.get(pureboot_server.url + '/api/v1/boot', params={'mac': mac.upper()}, verify=pureboot_server.cafile, timeout=10)
    assert boot.status_code == 200
    auto = pureboot_server.node_by_mac(mac)
    result = run_playbook(tmp_path, vm_play(backend, pureboot_server, api_key_login(pureboot_server), name='itest-pxe'))
    assert_ok(result)
    out = read_results(tmp_path)
    assert out['changed'] and not out.get('failed')
    assert out['pureboot_node']['id'] == auto['id']
    assert out['pureboot_node']['hostname'] == 'itest-pxe' and out['pureboot_node']['system_uuid'] == vm['uuid']
    assert len([n for n in pureboot_server.nodes if n['mac_address'] == mac]) == 1


@pytest.mark.pureboot(token_ttl=1)
def test_login_renewed_when_the_token_expires_mid_task(backend, pureboot_server, tmp_path):
    pureboot_server.slow(0.15)
    result = run_playbook(
        tmp_path, vm_play(backend, pureboot_server, password_login(pureboot_server), pureboot_node={'tags': ['a', 'b', 'c'], 'workflow_id': 'wf'})
    )
    assert_ok(result)
    out = read_results(tmp_path)
    assert out['changed'] and not out.get('failed'), out.get('msg')
    logins = [e for e in pureboot_server.requests if e['path'] == '/api/v1/auth/login']
    assert len(logins) >= 2, 'the one-second token never had to be renewed'
    assert all(e['status'] == 200 for e in logins)
    assert sorted(out['pureboot_node']['tags']) == ['a', 'b', 'c']
    assert pureboot_server.password not in result.stdout + result.stderr


def test_pureboot_failure_leaves_a_state_a_rerun_converges_from(backend, pureboot_server, tmp_path):
    pureboot_server.fail('POST', '/api/v1/nodes', status=503, detail='Service Unavailable', times=1)
    assert_ok(run_playbook(tmp_path, vm_play(backend, pureboot_server, api_key_login(pureboot_server))))
    failed = read_results(tmp_path)
    assert failed['failed']
    assert failed['vm']['name'] == 'itest-pb' and failed['vm']['id']
    assert 'is stopped on {0}, but PureBoot failed'.format(backend.connection()['name']) in failed['msg']
    assert '503' in failed['msg'] and '\n' not in failed['msg']
    assert_ok(run_playbook(tmp_path, vm_play(backend, pureboot_server, api_key_login(pureboot_server))))
    converged = read_results(tmp_path)
    assert not converged.get('failed') and converged['changed']
    assert converged['vm']['id'] == failed['vm']['id']
    assert [v['name'] for v in backend.driver().list_vms()] == ['itest-pb']
    assert len([n for n in pureboot_server.nodes if n['mac_address'] == converged['vm']['nics'][0]['mac']]) == 1


def test_hypervisor_registry_sync(backend, pureboot_server, tmp_path):
    connection = backend.connection()
    pb = api_key_login(pureboot_server)

    def sync(**options):
        play = [
            {
                'hosts': 'localhost',
                'gather_facts': False,
                'tasks': [
                    {'pureboot.hypervisors.pureboot_hypervisor': dict({'hypervisor': connection, 'pureboot': pb}, **options), 'register': 'out'},
                    {'write_file': {'content': '{{ out | to_json }}', 'dest': 'results.json'}},
                ],
            }
        ]
        result = run_playbook(tmp_path, play, args=['--diff'])
        assert_ok(result)
        return read_results(tmp_path), result

    created, _run = sync()
    again, _run = sync()
    assert created['changed'] and not again['changed']
    assert created['pureboot_registry']['name'] == connection['name']
    assert created['pureboot_registry']['api_url'] == connection['api_url']
    assert pureboot_server.stored_password(connection['name']) is None, 'the password went without register_credentials'
    moved, _run = sync(hypervisor=dict(connection, verify_ssl=False))
    assert moved['changed'] and moved['diff']['before']['verify_ssl'] and not moved['diff']['after']['verify_ssl']
    assert [e['body'] for e in pureboot_server.writes() if e['method'] == 'PATCH'] == [{'verify_ssl': False}]
    connection_with_credentials = dict(connection)
    removed, _run = sync(state='absent')
    assert removed['changed'] and removed['pureboot_registry'] is None
    assert [h['name'] for h in pureboot_server.hypervisors] == []
    with_password, run = sync(hypervisor=connection_with_credentials, register_credentials=True)
    assert with_password['changed'] and pureboot_server.stored_password(connection['name'])
    assert 'base64' in run.stdout + run.stderr
    assert connection['password'] not in run.stdout + run.stderr


def test_the_node_of_the_second_nic_is_the_one_managed_shown_and_retired(backend, pureboot_server, tmp_path):
    """One rule for "this VM's node" in pureboot_vm (register, retire), pureboot_vm_info and the inventory."""
    driver = backend.driver()
    vm = driver.create_vm(
        'itest-2nic',
        dict(backend.placement, template=backend.template, networks=[{'network': backend.network}, {'network': backend.second_network}]),
        timeout=60,
    )
    macs = [nic['mac'] for nic in vm['nics']]
    assert len(macs) == 2
    # It PXE-booted from its second NIC: PureBoot registered that MAC on its own.
    boot = requests.get(pureboot_server.url + '/api/v1/boot', params={'mac': macs[1]}, verify=pureboot_server.cafile, timeout=10)
    assert boot.status_code == 200
    booted = pureboot_server.node_by_mac(macs[1])
    pb = api_key_login(pureboot_server)
    assert_ok(run_playbook(tmp_path, vm_play(backend, pureboot_server, pb, name='itest-2nic')))
    managed = read_results(tmp_path)
    assert not managed.get('failed'), managed.get('msg')
    assert managed['pureboot_node']['id'] == booted['id'] and managed['pureboot_node']['hostname'] == 'itest-2nic'
    assert pureboot_server.node_by_mac(macs[0]) is None, "a second node was registered beside the VM's own"
    inventory = listing(ansible_inventory(tmp_path, {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [backend.connection()], 'pureboot': pb}))
    assert inventory['_meta']['hostvars']['itest-2nic']['pureboot_node']['id'] == booted['id']
    assert_ok(run_playbook(tmp_path, vm_play(backend, pureboot_server, pb, name='itest-2nic', state='absent')))
    removed = read_results(tmp_path)
    assert removed['changed'] and removed['pureboot_node']['id'] == booted['id']
    assert [n['state'] for n in pureboot_server.nodes if n['mac_address'] in macs] == ['retired']
