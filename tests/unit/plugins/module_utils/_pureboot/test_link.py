"""VM <-> node reconciliation and the hypervisor registry: pure planning, then applying against the PureBoot double."""

import base64
import dataclasses

import pytest
import requests

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, ConflictError, InvalidInputError, NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.link import (
    Applied,
    apply_node_plan,
    desired_node,
    ensure_vm_node,
    find_vm_node,
    plan_node,
    plan_retire,
    plan_vm_node,
    retire_vm_node,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.nodes import NodeIndex
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.registry import (
    PASSWORD_WARNING,
    apply_registry_plan,
    ensure_registry,
    plan_registry,
    registry_desired,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import nic_record, vm_record

MAC = '52:54:00:ab:cd:ef'
UUID = '4c4c4544-0042-3510-8053-b4c04f4d3332'
UUID_UPPER = UUID.upper()  # as some firmware reports it


def make_vm(name='web1', mac='52:54:00:AB:CD:EF', uuid=UUID_UPPER, firmware='uefi'):
    nics = [nic_record('net0', mac=mac, network='vmbr0', model='virtio')] if mac else []
    return vm_record(id='101', name=name, hypervisor='pve-lab', hypervisor_type='proxmox', status='stopped', nics=nics, uuid=uuid, firmware=firmware)


def node(**fields):
    base = {
        'id': 'n1',
        'mac_address': MAC,
        'hostname': 'web1',
        'state': 'discovered',
        'arch': 'x86_64',
        'boot_mode': 'uefi',
        'system_uuid': UUID,
        'group_id': None,
        'workflow_id': None,
        'tags': [],
    }
    base.update(fields)
    return base


@pytest.fixture
def client(pureboot_server):
    return PureBootClient(pureboot_server.url, api_key=pureboot_server.api_key, ca_file=pureboot_server.cafile)


# ------------------------------------------------------------------------- desired_node (pure)


def test_desired_node_from_the_vm_record():
    assert desired_node(make_vm(), {}) == {'mac_address': MAC, 'hostname': 'web1', 'arch': 'x86_64', 'boot_mode': 'uefi', 'system_uuid': UUID}
    options = {'hostname': 'web1.lab', 'arch': 'arm64', 'group_id': 'g1', 'workflow_id': 'ubuntu-2404-server', 'tags': ['Web', 'prod', 'web']}
    desired = desired_node(make_vm(firmware=None, uuid=None), options)
    assert desired == {
        'mac_address': MAC,
        'hostname': 'web1.lab',
        'arch': 'arm64',
        'boot_mode': 'bios',
        'group_id': 'g1',
        'workflow_id': 'ubuntu-2404-server',
        'tags': ['web', 'prod'],
    }
    cleared = desired_node(make_vm(), {'group_id': '', 'workflow_id': ''})
    assert cleared['group_id'] is None and cleared['workflow_id'] is None


def test_desired_node_refuses_what_pureboot_would():
    with pytest.raises(InvalidInputError) as caught:
        desired_node(make_vm(mac=None), {})
    assert str(caught.value) == "VM 'web1': the VM has no NIC with a MAC address to register as a PureBoot node"
    with pytest.raises(InvalidInputError) as caught:
        desired_node(make_vm(), {'tags': ['ok', 'not ok']})
    assert "'not ok' is not a valid PureBoot tag" in str(caught.value)
    with pytest.raises(InvalidInputError):
        desired_node(make_vm(), {'tags': ['x' * 51]})
    with pytest.raises(InvalidInputError):
        desired_node(make_vm(), {'group': 'web', 'group_id': 'g1'})
    with pytest.raises(InvalidInputError):
        desired_node(make_vm(), {'arch': 'sparc'})
    with pytest.raises(InvalidInputError):
        desired_node(make_vm(), {'colour': 'blue'})


# ------------------------------------------------------------------------- plan_node (pure)


def test_plan_create_puts_workflow_and_tags_after_the_post():
    plan = plan_node(None, desired_node(make_vm(), {'workflow_id': 'w1', 'tags': ['a'], 'group_id': 'g1'}))
    assert plan.action == 'create' and plan.changed
    assert plan.create == {'mac_address': MAC, 'hostname': 'web1', 'arch': 'x86_64', 'boot_mode': 'uefi', 'system_uuid': UUID, 'group_id': 'g1'}
    assert plan.patch == {'workflow_id': 'w1'} and plan.add_tags == ('a',)
    assert plan.before == {} and plan.after['state'] == 'discovered' and plan.after['tags'] == ['a']


def test_plan_none_when_in_line_and_only_differences_otherwise():
    desired = desired_node(make_vm(), {'workflow_id': 'w1', 'tags': ['keep', 'new']})
    current = node(system_uuid=UUID.upper(), workflow_id='w1', tags=['keep', 'new'], group_id='someone-elses')
    plan = plan_node(current, desired)
    assert plan.action == 'none' and not plan.changed and plan.before == plan.after
    plan = plan_node(dict(current, tags=['old', 'keep'], workflow_id='w0'), desired)
    assert plan.action == 'update'
    assert plan.patch == {'workflow_id': 'w1'}
    assert (plan.add_tags, plan.remove_tags) == (('new',), ('old',))
    assert plan.after['tags'] == ['keep', 'new'] and plan.after['workflow_id'] == 'w1'
    untouched = plan_node(dict(current, tags=['old']), desired_node(make_vm(), {'workflow_id': 'w1'}))
    assert untouched.action == 'none', 'tags not given are not managed'


def test_plan_adopt_revive_and_unfixable():
    desired = desired_node(make_vm(), {})
    adopt = plan_node(node(hostname=None, system_uuid=None, boot_mode='bios'), desired)
    assert adopt.action == 'adopt' and adopt.patch == {'hostname': 'web1', 'system_uuid': UUID}
    assert adopt.unfixable == {'boot_mode': {'before': 'bios', 'after': 'uefi'}}
    assert adopt.after['boot_mode'] == 'bios', 'what PureBoot cannot change is not pretended'
    assert "boot_mode is 'bios' in PureBoot but the VM needs 'uefi'" in adopt.warnings[0]
    foreign = plan_node(node(hostname='other', system_uuid='ffff'), desired)
    assert foreign.action == 'adopt' and 'another machine may use this MAC' in foreign.warnings[0]
    revive = plan_node(node(state='retired'), desired)
    assert (revive.action, revive.state, revive.force) == ('revive', 'discovered', True)
    assert revive.after['state'] == 'discovered' and revive.changed
    only_unfixable = plan_node(node(arch='arm64'), desired)
    assert only_unfixable.action == 'none' and not only_unfixable.changed and only_unfixable.unfixable


def test_plan_retire():
    assert plan_retire(None).action == 'none' and plan_retire(None).after == {}
    assert plan_retire(node(state='retired')).action == 'none'
    plan = plan_retire(node(state='active'))
    assert (plan.action, plan.state, plan.force, plan.node_id) == ('retire', 'retired', False, 'n1')
    assert (plan.before['state'], plan.after['state']) == ('active', 'retired')


def test_a_plan_is_not_changed_once_made():
    plan = plan_node(None, desired_node(make_vm(), {}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.action = 'none'
    registry_plan = plan_registry(None, dict(DESIRED, password='s3cret!'))
    with pytest.raises(dataclasses.FrozenInstanceError):
        registry_plan.password = None


# ------------------------------------------------------------------------- applying against the double


def test_create_then_nothing_to_do(pureboot_server, client):
    result = ensure_vm_node(client, make_vm(), {'workflow_id': 'ubuntu-2404-server', 'tags': ['web']})
    assert result['changed'] and result['action'] == 'create'
    created = pureboot_server.node_by_mac(MAC)
    assert (created['hostname'], created['system_uuid'], created['boot_mode'], created['arch']) == ('web1', UUID, 'uefi', 'x86_64')
    assert (created['workflow_id'], created['tags'], created['state']) == ('ubuntu-2404-server', ['web'], 'discovered')
    assert result['pureboot_node']['id'] == created['id']
    pureboot_server.clear_requests()
    plan = plan_vm_node(client, make_vm(), {'workflow_id': 'ubuntu-2404-server', 'tags': ['web']})
    assert plan.action == 'none' and plan.before == plan.after
    applied = apply_node_plan(client, plan)
    assert applied.plan is plan and applied.record['id'] == created['id']
    assert pureboot_server.writes() == []


def test_changing_group_and_workflow_patches_only_those(pureboot_server, client):
    group = pureboot_server.add_group('web-servers')
    ensure_vm_node(client, make_vm(), {'workflow_id': 'w1', 'tags': ['web']})
    pureboot_server.clear_requests()
    result = ensure_vm_node(client, make_vm(), {'group': 'web-servers', 'workflow_id': 'w2', 'tags': ['web']})
    assert result['changed'] and result['action'] == 'update'
    writes = pureboot_server.writes()
    assert [(w['method'], w['body']) for w in writes] == [('PATCH', {'group_id': group['id'], 'workflow_id': 'w2'})]
    assert result['diff']['before']['workflow_id'] == 'w1' and result['diff']['after']['group_id'] == group['id']
    assert result['pureboot_node']['group_id'] == group['id']


def test_an_unknown_group_lists_the_available_ones(pureboot_server, client):
    pureboot_server.add_group('web')
    pureboot_server.add_group('db')
    with pytest.raises(NotFoundError) as caught:
        ensure_vm_node(client, make_vm(), {'group': 'mail'})
    assert str(caught.value) == "pureboot (127.0.0.1): pureboot_node.group: group 'mail' not found; available: db, web"
    assert pureboot_server.writes() == []


def test_a_node_registered_by_an_ipxe_boot_is_adopted(pureboot_server, client):
    answer = requests.get(pureboot_server.api_url + '/boot', params={'mac': '52-54-00-AB-CD-EF'}, verify=pureboot_server.cafile, timeout=10)
    assert answer.status_code == 200
    pureboot_server.clear_requests()
    result = ensure_vm_node(client, make_vm(firmware='bios'), {'tags': ['web']})
    assert result['action'] == 'adopt' and result['changed'] and result['warnings'] == []
    assert [(w['method'], w['path'].rsplit('/', 1)[-1]) for w in pureboot_server.writes()] == [
        ('PATCH', pureboot_server.node_by_mac(MAC)['id']),
        ('POST', 'tags'),
    ]
    adopted = pureboot_server.node_by_mac(MAC)
    assert (adopted['hostname'], adopted['system_uuid'], adopted['tags']) == ('web1', UUID, ['web'])
    assert len(pureboot_server.nodes) == 1


def test_boot_mode_pureboot_cannot_change_is_a_warning_not_a_pretence(pureboot_server, client):
    pureboot_server.add_node(MAC)  # registered as bios, as an iPXE boot does
    result = ensure_vm_node(client, make_vm(firmware='uefi'), {})
    assert result['action'] == 'adopt'
    assert any("PureBoot's API cannot change the boot_mode" in warning for warning in result['warnings'])
    assert result['pureboot_node']['boot_mode'] == 'bios'
    assert all('boot_mode' not in (w['body'] or {}) for w in pureboot_server.writes())
    pureboot_server.clear_requests()
    again = ensure_vm_node(client, make_vm(firmware='uefi'), {})
    assert not again['changed'] and again['warnings'] and pureboot_server.writes() == []


def test_a_retired_node_is_revived_and_updated(pureboot_server, client):
    old = pureboot_server.add_node(MAC, hostname='old-vm', state='retired', workflow_id='w0')
    result = ensure_vm_node(client, make_vm(), {'workflow_id': 'w1'})
    assert result['action'] == 'revive' and result['changed']
    writes = pureboot_server.writes()
    assert (writes[0]['path'], writes[0]['body']['state'], writes[0]['body']['force']) == ('/api/v1/nodes/{0}/state'.format(old['id']), 'discovered', True)
    assert writes[1]['body'] == {'hostname': 'web1', 'workflow_id': 'w1', 'system_uuid': UUID}
    revived = pureboot_server.node_by_mac(MAC)
    assert (revived['id'], revived['state'], revived['hostname'], revived['workflow_id']) == (old['id'], 'discovered', 'web1', 'w1')


def test_a_create_racing_an_ipxe_registration_adopts_the_node(pureboot_server, client):
    plan = plan_vm_node(client, make_vm(firmware='bios'), {'tags': ['web']})
    assert plan.action == 'create'
    pureboot_server.add_node(MAC)  # the VM PXE-booted between the plan and the POST
    pureboot_server.clear_requests()
    applied = apply_node_plan(client, plan)
    assert applied.plan.action == 'adopt', 'a second plan is made for the node found'
    assert plan.action == 'create', 'the first plan is left as it was'
    assert applied.plan.before['id'] == pureboot_server.node_by_mac(MAC)['id'] and applied.plan.after['hostname'] == 'web1'
    assert [(w['method'], w['status']) for w in pureboot_server.writes()] == [('POST', 409), ('PATCH', 200), ('POST', 200)], (
        'one create, then the adopted node is brought in line'
    )
    assert (applied.record['hostname'], applied.record['tags']) == ('web1', ['web'])
    assert len(pureboot_server.nodes) == 1


def test_a_create_refused_for_a_node_that_cannot_be_found_is_not_tried_again(pureboot_server, client):
    plan = plan_vm_node(client, make_vm(), {})
    pureboot_server.fail('POST', '/nodes', status=409, detail='MAC address already registered', times=None)
    with pytest.raises(ConflictError):
        apply_node_plan(client, plan)
    assert [w['method'] for w in pureboot_server.writes()] == ['POST'], 'one attempt: nothing to bring in line'
    assert pureboot_server.nodes == []


def test_managed_tags_are_authoritative(pureboot_server, client):
    pureboot_server.add_node(MAC, hostname='web1', system_uuid=UUID, boot_mode='uefi', tags=['old', 'keep'])
    result = ensure_vm_node(client, make_vm(), {'tags': ['Keep', 'new']})
    assert result['action'] == 'update'
    assert sorted((w['method'], w['path'].rsplit('/', 1)[-1]) for w in pureboot_server.writes()) == [('DELETE', 'old'), ('POST', 'tags')]
    assert pureboot_server.node_by_mac(MAC)['tags'] == ['keep', 'new']


def test_check_mode_and_register_false_send_no_write(pureboot_server, client):
    result = ensure_vm_node(client, make_vm(), {'workflow_id': 'w1'}, check_mode=True)
    assert result['changed'] and result['pureboot_node']['workflow_id'] == 'w1'
    assert pureboot_server.writes() == [] and pureboot_server.nodes == []
    pureboot_server.add_node(MAC, hostname='x')
    result = ensure_vm_node(client, make_vm(), {'register': False, 'workflow_id': 'w1'})
    assert not result['changed'] and result['pureboot_node']['hostname'] == 'x'
    assert pureboot_server.writes() == []


def test_retire_through_the_state_endpoint_never_delete(pureboot_server, client):
    ensure_vm_node(client, make_vm(), {})
    pureboot_server.advance(pureboot_server.node_by_mac(MAC)['id'], 'active')
    assert not retire_vm_node(client, make_vm(), {'on_absent': 'keep'})['changed']
    checked = retire_vm_node(client, make_vm(), {}, check_mode=True)
    assert checked['changed'] and checked['pureboot_node']['state'] == 'retired'
    assert pureboot_server.node_by_mac(MAC)['state'] == 'active'
    result = retire_vm_node(client, make_vm(), {})
    assert result['changed'] and result['pureboot_node']['state'] == 'retired'
    assert result['diff']['before']['state'] == 'active' and result['diff']['before']['system_uuid'] == UUID
    # The UUID is cleared as the node is retired: the machine it named is gone (so a re-created VM may revive it).
    assert result['diff']['after'] == dict(result['diff']['before'], state='retired', system_uuid=None)
    assert checked['diff'] == result['diff'], 'check mode predicted what was done'
    assert pureboot_server.node_by_mac(MAC)['system_uuid'] is None
    pureboot_server.clear_requests()
    assert not retire_vm_node(client, make_vm(), {})['changed']
    assert pureboot_server.writes() == []
    writes = [w for w in pureboot_server.requests if w['method'] == 'DELETE']
    assert writes == []


# ------------------------------------------------------------------------- another machine's node on the VM's MAC

OTHER_UUID = '4c4c4544-0042-3510-8052-b4c04f4e3732'


def test_another_machines_node_on_the_vms_mac_is_a_conflict_and_never_written(pureboot_server, client):
    other = pureboot_server.add_node(MAC, hostname='db-phys-01', system_uuid=OTHER_UUID, state='active')
    pureboot_server.clear_requests()
    for check_mode in (True, False):
        with pytest.raises(ConflictError) as caught:
            ensure_vm_node(client, make_vm(), {'workflow_id': 'w1'}, check_mode=check_mode)
        assert other['id'] in str(caught.value) and 'another machine' in str(caught.value)
        assert len(str(caught.value).splitlines()) == 1
    # Named like the other machine: its hostname makes it no more the VM's.
    with pytest.raises(ConflictError):
        ensure_vm_node(client, make_vm(name='db-phys-01'), {})
    assert find_vm_node(client, make_vm()) is None
    assert ensure_vm_node(client, make_vm(), {'register': False})['pureboot_node'] is None
    retired = retire_vm_node(client, make_vm(), {})
    assert not retired['changed'] and retired['pureboot_node'] is None
    assert any('conflict' in w and other['id'] in w and 'not retired' in w for w in retired['warnings'])
    assert pureboot_server.writes() == []
    assert pureboot_server.node_by_mac(MAC) == other


def test_adopt_always_takes_another_machines_node_over(pureboot_server, client):
    other = pureboot_server.add_node(MAC, hostname='db-phys-01', system_uuid=OTHER_UUID, state='active')
    result = ensure_vm_node(client, make_vm(), {'adopt': 'always'})
    assert result['changed'] and result['action'] == 'adopt' and result['pureboot_node']['id'] == other['id']
    assert result['pureboot_node']['system_uuid'] == UUID and result['pureboot_node']['hostname'] == 'web1'
    assert any('taken over' in w for w in result['warnings'])
    assert not ensure_vm_node(client, make_vm(), {})['changed'], "the VM's node now: adopt matching keeps it"


def test_a_node_this_collection_retired_comes_back_for_a_vm_with_a_new_uuid(pureboot_server, client):
    ensure_vm_node(client, make_vm(), {})
    retire_vm_node(client, make_vm(), {})
    recreated = make_vm(uuid=OTHER_UUID)
    result = ensure_vm_node(client, recreated, {})
    assert result['action'] == 'revive' and result['pureboot_node']['system_uuid'] == OTHER_UUID


def test_a_node_retired_by_someone_else_stays_another_machines(pureboot_server, client):
    other = pureboot_server.add_node(MAC, hostname='db-phys-01', system_uuid=OTHER_UUID, state='retired')
    pureboot_server.clear_requests()
    with pytest.raises(ConflictError):
        ensure_vm_node(client, make_vm(), {})
    assert pureboot_server.writes() == [] and pureboot_server.node_by_mac(MAC) == other


# ------------------------------------------------------------------------- a node planted without login


def plant(pureboot_server, mac, uuid=UUID):
    """What anyone on the provisioning network can do, without a login: register a node with any MAC and UUID."""
    answer = requests.get(pureboot_server.api_url + '/boot', params={'mac': mac, 'uuid': uuid}, verify=pureboot_server.cafile, timeout=10)
    assert answer.status_code == 200
    return pureboot_server.node_by_mac(mac)


def test_a_node_planted_with_the_vms_uuid_is_never_attached_to_the_vm(pureboot_server, client):
    planted = plant(pureboot_server, '52:54:00:66:66:66')
    assert planted['system_uuid'] == UUID
    assert find_vm_node(client, make_vm()) is None
    reported = ensure_vm_node(client, make_vm(), {'register': False})
    assert reported['pureboot_node'] is None and not reported['changed']
    result = ensure_vm_node(client, make_vm(), {'workflow_id': 'w1', 'tags': ['web']})
    assert result['action'] == 'create' and result['pureboot_node']['mac_address'] == MAC
    assert any("52:54:00:66:66:66, on none of its NICs: it is not this VM's node" in w for w in result['warnings'])
    untouched = pureboot_server.node_by_mac('52:54:00:66:66:66')
    assert (untouched['hostname'], untouched['workflow_id'], untouched['tags'], untouched['state']) == (None, None, [], 'discovered')
    retired = retire_vm_node(client, make_vm(), {})
    assert retired['pureboot_node']['mac_address'] == MAC and retired['pureboot_node']['state'] == 'retired'
    assert pureboot_server.node_by_mac('52:54:00:66:66:66')['state'] == 'discovered', 'the planted node is not retired'


def test_a_vm_without_a_mac_has_no_node_whatever_its_uuid(pureboot_server, client):
    plant(pureboot_server, '52:54:00:66:66:66')
    pureboot_server.clear_requests()
    assert find_vm_node(client, make_vm(mac=None)) is None
    result = retire_vm_node(client, make_vm(mac=None), {})
    assert not result['changed'] and result['pureboot_node'] is None
    assert pureboot_server.writes() == []
    assert pureboot_server.node_by_mac('52:54:00:66:66:66')['state'] == 'discovered'


def test_a_node_on_a_second_nic_is_the_vms_node(pureboot_server, client):
    vm = make_vm()
    vm['nics'].append(nic_record('net1', mac='52:54:00:00:00:02', network='vmbr1', model='virtio'))
    second = pureboot_server.add_node('52:54:00:00:00:02', system_uuid=UUID)
    assert find_vm_node(client, vm)['id'] == second['id']
    assert NodeIndex(client.list_nodes()).for_vm(vm)['id'] == second['id']


def test_one_rule_for_the_vms_node_registers_shows_and_retires_the_node_of_its_second_nic(pureboot_server, client):
    # The VM PXE-booted from its second NIC (the provisioning network), so PureBoot registered that MAC, with the
    # VM's UUID, as iPXE sends it. What pureboot_vm manages, what the info module and the inventory show
    # (NodeIndex.for_vm) and what removal retires must be that one node: no second node for the first NIC.
    vm = make_vm()
    second_mac = '52:54:00:00:00:02'
    vm['nics'].append(nic_record('net1', mac=second_mac, network='vmbr1', model='virtio'))
    booted = plant(pureboot_server, second_mac)
    result = ensure_vm_node(client, vm, {'workflow_id': 'w1'})
    # It carries the VM's UUID already, so it counts as linked: an update (hostname, workflow), not an adoption.
    assert result['action'] == 'update' and result['pureboot_node']['id'] == booted['id']
    assert result['pureboot_node']['mac_address'] == second_mac and result['pureboot_node']['hostname'] == 'web1'
    assert pureboot_server.node_by_mac(MAC) is None, 'no second node was registered for the first NIC'
    assert NodeIndex(client.list_nodes()).for_vm(vm)['id'] == booted['id']
    assert not ensure_vm_node(client, vm, {'workflow_id': 'w1'})['changed'], 'converged on that node'
    retired = retire_vm_node(client, vm, {})
    assert retired['changed'] and retired['pureboot_node']['id'] == booted['id']
    assert [n['state'] for n in pureboot_server.nodes if n['mac_address'] in (MAC, second_mac)] == ['retired']


def test_with_no_node_on_any_nic_the_first_nics_mac_is_registered(pureboot_server, client):
    vm = make_vm()
    vm['nics'].append(nic_record('net1', mac='52:54:00:00:00:02', network='vmbr1', model='virtio'))
    result = ensure_vm_node(client, vm, {})
    assert result['action'] == 'create' and result['pureboot_node']['mac_address'] == MAC
    assert pureboot_server.node_by_mac('52:54:00:00:00:02') is None


# ------------------------------------------------------------------------- a URL that is not PureBoot's API


@pytest.mark.parametrize(
    'work',
    [
        lambda client: ensure_vm_node(client, make_vm(), {}),
        lambda client: ensure_vm_node(client, make_vm(), {'register': False}),
        lambda client: ensure_vm_node(client, make_vm(), {'group': 'web'}),
        lambda client: retire_vm_node(client, make_vm(), {}),
        lambda client: ensure_registry(client, DESIRED),
        lambda client: NodeIndex(client.list_nodes()).for_vm(make_vm()),
    ],
    ids=['pureboot_vm', 'register_false', 'group', 'absent', 'pureboot_hypervisor', 'pureboot_vm_info'],
)
def test_what_the_modules_do_with_a_wrong_url_is_one_api_error_not_an_attribute_error(pureboot_server, work):
    wrong = PureBootClient(pureboot_server.url + '/wrong', api_key=pureboot_server.api_key, ca_file=pureboot_server.cafile)
    with pytest.raises(ApiError) as caught:
        work(wrong)
    assert str(caught.value).startswith('pureboot (127.0.0.1): {0}/wrong does not answer as a PureBoot API ('.format(pureboot_server.url))
    assert pureboot_server.writes() == []


# ------------------------------------------------------------------------- registry

DESIRED = {'name': 'pve-lab', 'type': 'proxmox', 'api_url': 'https://pve1:8006', 'username': 'root@pam', 'verify_ssl': True}


def test_plan_registry_pure():
    create = plan_registry(None, DESIRED)
    assert create.action == 'create' and create.create_fields() == DESIRED and not create.sends_password
    current = dict(DESIRED, id='h1', status='online')
    assert plan_registry(current, DESIRED).action == 'none'
    on_create = plan_registry(current, dict(DESIRED, password='s3cret!'))
    assert on_create.action == 'none' and not on_create.sends_password, 'on_create by default'
    update = plan_registry(current, dict(DESIRED, verify_ssl=False, username=None, password='s3cret!'), password_update='always')
    assert update.patch_fields() == {'verify_ssl': False, 'password': 's3cret!'} and update.warnings == (PASSWORD_WARNING,)
    only_password = plan_registry(current, dict(DESIRED, password='s3cret!'), password_update='always')
    assert only_password.action == 'update' and only_password.patch_fields() == {'password': 's3cret!'}
    assert only_password.before == only_password.after, 'the password is never shown, so the diff shows no change'
    deletion = plan_registry(current, dict(DESIRED, password='s3cret!'), state='absent')
    assert deletion.action == 'delete' and deletion.record_id == 'h1' and not deletion.sends_password
    assert plan_registry(None, DESIRED, state='absent').action == 'none'
    with pytest.raises(ConflictError):
        plan_registry(current, dict(DESIRED, type='ovirt'))


def test_registry_desired_from_a_connection():
    connection = Connection({'type': 'proxmox', 'api_url': 'https://pve1:8006', 'username': 'root@pam', 'password': 'pve-pass'})
    assert registry_desired(connection) == {'name': 'pve1', 'type': 'proxmox', 'api_url': 'https://pve1:8006', 'username': 'root@pam', 'verify_ssl': True}
    assert registry_desired(connection, register_credentials=True)['password'] == 'pve-pass'


def test_registry_create_update_delete(pureboot_server, client):
    result = ensure_registry(client, DESIRED)
    assert result['changed'] and result['registry']['name'] == 'pve-lab' and result['warnings'] == []
    assert pureboot_server.stored_password('pve-lab') is None, 'no password unless register_credentials'
    pureboot_server.clear_requests()
    assert not ensure_registry(client, DESIRED)['changed'] and pureboot_server.writes() == []
    result = ensure_registry(client, dict(DESIRED, api_url='https://pve2:8006', password='pve-pass'))
    assert result['changed'] and result['diff']['after']['api_url'] == 'https://pve2:8006'
    assert [w['body'] for w in pureboot_server.writes()] == [{'api_url': 'https://pve2:8006'}]
    assert pureboot_server.stored_password('pve-lab') is None
    result = ensure_registry(client, dict(DESIRED, api_url='https://pve2:8006', password='pve-pass'), password_update='always')
    assert result['changed'] and result['warnings'] == [PASSWORD_WARNING]
    assert pureboot_server.stored_password('pve-lab') == base64.b64encode(b'pve-pass').decode()
    pureboot_server.clear_requests()
    result = ensure_registry(client, DESIRED, state='absent', check_mode=True)
    assert result['changed'] and pureboot_server.writes() == []
    result = ensure_registry(client, DESIRED, state='absent')
    assert result['changed'] and result['registry'] is None and pureboot_server.hypervisors == []
    assert not ensure_registry(client, DESIRED, state='absent')['changed']


def test_registry_password_on_create_and_a_create_race(pureboot_server, client):
    result = ensure_registry(client, dict(DESIRED, password='pve-pass'))
    assert result['warnings'] == [PASSWORD_WARNING]
    assert pureboot_server.stored_password('pve-lab') == base64.b64encode(b'pve-pass').decode()
    plan = plan_registry(None, dict(DESIRED, name='ovirt-lab', type='ovirt', api_url='https://engine/ovirt-engine/api', password='engine-pass'))
    pureboot_server.add_hypervisor('ovirt-lab', type='ovirt', api_url='https://old-engine/ovirt-engine/api')
    pureboot_server.clear_requests()
    applied = apply_registry_plan(client, plan)
    assert plan.action == 'create', 'the first plan is left as it was'
    assert applied.plan.action == 'update' and applied.record['api_url'] == 'https://engine/ovirt-engine/api'
    assert [(w['method'], w['status'], w['body']) for w in pureboot_server.writes()][1:] == [
        ('PATCH', 200, {'api_url': 'https://engine/ovirt-engine/api', 'username': 'root@pam'})
    ], 'no password: on_create'
    assert pureboot_server.writes()[0]['status'] == 409
    assert pureboot_server.stored_password('ovirt-lab') is None, 'on_create: the entry was created by someone else'
    assert len(pureboot_server.hypervisors) == 2


def test_a_registry_create_race_with_password_update_always_sends_the_password(pureboot_server, client):
    plan = plan_registry(None, dict(DESIRED, password='pve-pass'), password_update='always')
    pureboot_server.add_hypervisor('pve-lab', api_url='https://pve1:8006', username='root@pam')
    applied = apply_registry_plan(client, plan)
    assert applied.plan.action == 'update' and applied.plan.warnings == (PASSWORD_WARNING,)
    assert pureboot_server.stored_password('pve-lab') == base64.b64encode(b'pve-pass').decode()


def test_a_registry_create_refused_for_an_entry_that_cannot_be_found_is_not_tried_again(pureboot_server, client):
    plan = plan_registry(None, DESIRED)
    pureboot_server.fail('POST', '/hypervisors', status=409, detail='name already registered', times=None)
    with pytest.raises(ConflictError):
        apply_registry_plan(client, plan)
    assert [w['method'] for w in pureboot_server.writes()] == ['POST']
    assert pureboot_server.hypervisors == []


@pytest.mark.parametrize(
    'make_plan',
    [
        lambda: plan_registry(None, dict(DESIRED, password='s3cret!')),
        lambda: plan_registry(dict(DESIRED, id='h1'), dict(DESIRED, api_url='https://pve2:8006', password='s3cret!'), password_update='always'),
    ],
    ids=['create', 'update'],
)
def test_a_registry_plan_never_shows_its_password(make_plan):
    plan = make_plan()
    assert plan.sends_password and plan.password == 's3cret!'
    shown = repr(plan) + str(plan) + repr(Applied(plan, None)) + str(Applied(plan, None)) + '{0}'.format(plan)
    assert 's3cret!' not in shown
    assert 's3cret!' not in repr((plan.desired, plan.create, plan.patch, plan.before, plan.after, plan.warnings))


def test_register_credentials_on_an_existing_entry_says_how_to_send_the_password():
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.registry import PASSWORD_NOT_SENT

    current = dict(DESIRED, id='h1', status='online')
    later = plan_registry(current, dict(DESIRED, password='s3cret!'))
    assert later.action == 'none' and not later.sends_password and later.warnings == (PASSWORD_NOT_SENT,)
    assert 'password_update: always' in PASSWORD_NOT_SENT and 's3cret!' not in str(later)
    assert plan_registry(current, DESIRED).warnings == (), 'no word without register_credentials'
