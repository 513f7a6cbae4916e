"""Tests of the PureBoot double itself, over real HTTPS with requests (verify = the double's certificate).

verify is passed on every call rather than set on a Session: requests lets REQUESTS_CA_BUNDLE from the
environment override Session.verify.
"""

import ast
import base64
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

MAC = '52:54:00:ab:cd:ef'


class Api:
    """A thin requests wrapper aimed at one double, authenticated with its API key by default."""

    def __init__(self, double):
        self.double = double
        self.token = double.api_key
        self.session = requests.Session()

    def call(self, method, path, headers=None, auth=True, **kwargs):
        """path is relative to /api/v1 unless it starts with '/health'."""
        url = (self.double.url if path.startswith('/health') else self.double.api_url) + path
        headers = dict(headers or {})
        if auth and self.token:
            headers.setdefault('Authorization', 'Bearer ' + self.token)
        return self.session.request(method, url, headers=headers, verify=self.double.cafile, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return self.call('GET', path, **kwargs)

    def post(self, path, **kwargs):
        return self.call('POST', path, **kwargs)

    def patch(self, path, **kwargs):
        return self.call('PATCH', path, **kwargs)

    def delete(self, path, **kwargs):
        return self.call('DELETE', path, **kwargs)

    def create_node(self, mac=MAC, **fields):
        fields['mac_address'] = mac
        response = self.post('/nodes', json=fields)
        assert response.status_code == 201, response.text
        return response.json()['data']

    def set_state(self, node_id, state, **extra):
        extra['state'] = state
        return self.patch('/nodes/{0}/state'.format(node_id), json=extra)

    def login(self, username='admin', password='pureboot-admin'):
        return self.post('/auth/login', json={'username': username, 'password': password}, auth=False)


@pytest.fixture
def api(pureboot_server):
    client = Api(pureboot_server)
    yield client
    client.session.close()


def _detail(response):
    return response.json()['detail']


# ---------------------------------------------------------------- auth


def test_health_answers_without_auth(api, pureboot_cafile):
    assert pureboot_cafile == api.double.cafile and os.path.isfile(pureboot_cafile)
    response = api.get('/health', auth=False)
    assert response.status_code == 200
    assert response.json()['status'] == 'healthy'


@pytest.mark.parametrize(
    'headers, detail',
    [
        ({}, 'Not authenticated'),
        ({'X-API-Key': 'KEY'}, 'Not authenticated'),
        ({'Authorization': 'Basic YWRtaW46cHVyZWJvb3Q='}, 'Invalid authentication scheme'),
        ({'Authorization': 'bearer KEY'}, 'Invalid authentication scheme'),
        ({'Authorization': 'Bearer not-a-jwt'}, 'Invalid or expired token'),
        ({'Authorization': 'Bearer pb_live_0000abcd_' + '0' * 48}, 'API key not found'),
    ],
)
def test_401_details(api, headers, detail):
    headers = {name: value.replace('KEY', api.double.api_key) for name, value in headers.items()}
    response = api.get('/nodes', headers=headers, auth=False)
    assert response.status_code == 401
    assert response.json() == {'detail': detail}


def test_api_key_format_and_disabling(api):
    assert api.double.api_key.startswith('pb_live_')
    prefix, key_id, secret = api.double.api_key.rsplit('_', 2)
    assert prefix == 'pb_live' and len(key_id) == 8 and len(secret) == 48
    int(key_id + secret, 16)
    assert api.get('/nodes').status_code == 200
    api.double.disable_api_key()
    response = api.get('/nodes')
    assert (response.status_code, _detail(response)) == (401, 'API key is disabled')
    api.double.disable_api_key(active=True)
    assert api.get('/nodes').status_code == 200


def test_login_envelope_and_bearer_use(api):
    response = api.login()
    assert response.status_code == 200
    body = response.json()
    assert body['success'] is True and body['message'] == 'Login successful'
    assert set(body['data']) == {'access_token', 'token_type', 'expires_in'}
    assert body['data']['token_type'] == 'bearer' and body['data']['expires_in'] == 900
    api.token = body['data']['access_token']
    assert api.token.count('.') == 2
    assert api.get('/nodes').status_code == 200


def test_token_expiry_then_renewal_by_new_login(api):
    api.token = api.login().json()['data']['access_token']
    api.double.expire_tokens()
    response = api.get('/nodes')
    assert (response.status_code, _detail(response)) == (401, 'Invalid or expired token')
    api.token = api.login().json()['data']['access_token']
    assert api.get('/nodes').status_code == 200
    api.token = api.double.api_key
    assert api.get('/nodes').status_code == 200, 'API keys do not expire with the JWTs'


@pytest.mark.pureboot(token_ttl=1)
def test_token_ttl_is_honoured(api):
    body = api.login().json()
    assert body['data']['expires_in'] == 1
    api.token = body['data']['access_token']
    assert api.get('/nodes').status_code == 200
    time.sleep(1.1)
    assert api.get('/nodes').status_code == 401


def test_failed_logins_never_lock_the_account(api):
    assert api.login(username='nobody').json() == {'detail': 'Invalid credentials'}
    for _attempt in range(7):
        response = api.login(password='wrong')
        assert (response.status_code, _detail(response)) == (401, 'Invalid credentials')
    response = api.login()
    assert response.status_code == 200, 'the current server rolls its failure counter back: no 423'
    assert response.json()['message'] == 'Login successful'


@pytest.mark.pureboot(max_failed_logins=2)
def test_the_lockout_the_code_intends_can_be_turned_on(api):
    for _attempt in range(2):
        assert api.login(password='wrong').status_code == 401
    response = api.login()
    assert (response.status_code, _detail(response)) == (423, 'Account locked. Try again in 14 minutes.')
    api.double.unlock('admin')
    assert api.login().status_code == 200


def test_login_body_validation(api):
    response = api.post('/auth/login', json={'username': 'admin'}, auth=False)
    assert response.status_code == 422
    assert _detail(response) == [{'type': 'missing', 'loc': ['body', 'password'], 'msg': 'Field required', 'input': {'username': 'admin'}}]


# ---------------------------------------------------------------- nodes


def test_create_node_normalises_mac_and_fills_defaults(api):
    response = api.post('/nodes', json={'mac_address': '52-54-00-AB-CD-EF', 'hostname': 'vm1'})
    assert response.status_code == 201
    body = response.json()
    assert body['success'] is True and body['message'] == 'Node registered successfully'
    node = body['data']
    assert node['mac_address'] == MAC
    assert (node['state'], node['arch'], node['boot_mode'], node['hostname']) == ('discovered', 'x86_64', 'bios', 'vm1')
    assert node['tags'] == [] and node['install_attempts'] == 0
    assert node['created_at'].endswith('Z') and 'T' in node['created_at']
    assert set(node) >= {
        'id',
        'ip_address',
        'workflow_id',
        'system_uuid',
        'pi_model',
        'group_id',
        'last_install_error',
        'state_changed_at',
        'updated_at',
        'last_seen_at',
        'health_status',
        'health_score',
    }
    assert len(node['id']) == 36 and node['id'][14] == '4', 'a UUID4'
    fetched = api.get('/nodes/' + node['id']).json()
    assert fetched['data'] == node and fetched['message'] is None


@pytest.mark.parametrize('second', ['52:54:00:AB:CD:EF', '52-54-00-ab-cd-ef', MAC])
def test_duplicate_mac_is_409_with_normalised_mac(api, second):
    api.create_node('52-54-00-Ab-cD-eF')
    response = api.post('/nodes', json={'mac_address': second})
    assert response.status_code == 409
    assert response.json() == {'detail': 'Node with MAC 52:54:00:ab:cd:ef already exists'}
    assert len(api.double.nodes) == 1


def test_node_validation_errors_are_the_validators_value_errors(api):
    response = api.post('/nodes', json={'mac_address': '52:54:00:ab:cd', 'arch': 'sparc', 'boot_mode': 'efi'})
    assert response.status_code == 422
    assert _detail(response) == [
        {
            'type': 'value_error',
            'loc': ['body', 'mac_address'],
            'msg': 'Value error, Invalid MAC address format: 52:54:00:ab:cd',
            'input': '52:54:00:ab:cd',
            'ctx': {'error': {}},
        },
        {
            'type': 'value_error',
            'loc': ['body', 'arch'],
            'msg': "Value error, Invalid architecture: sparc. Must be one of {'x86_64', 'arm64', 'aarch64'}",
            'input': 'sparc',
            'ctx': {'error': {}},
        },
        {
            'type': 'value_error',
            'loc': ['body', 'boot_mode'],
            'msg': "Value error, Invalid boot mode: efi. Must be one of {'bios', 'uefi', 'pi'}",
            'input': 'efi',
            'ctx': {'error': {}},
        },
    ]
    missing = _detail(api.post('/nodes', json={'hostname': 'x'}))
    assert missing == [{'type': 'missing', 'loc': ['body', 'mac_address'], 'msg': 'Field required', 'input': {'hostname': 'x'}}]
    no_body = api.post('/nodes')
    assert (no_body.status_code, _detail(no_body)[0]['loc']) == (422, ['body'])
    bad_json = api.post('/nodes', data='{"mac_address": ', headers={'Content-Type': 'application/json'})
    assert bad_json.status_code == 422 and _detail(bad_json)[0]['type'] == 'json_invalid'
    wrong_type = _detail(api.post('/nodes', json={'mac_address': MAC, 'hostname': 42}))
    assert wrong_type[0]['type'] == 'string_type' and wrong_type[0]['loc'] == ['body', 'hostname']
    assert api.double.nodes == []


def test_list_filters_and_quirks(api):
    group = api.double.add_group('lab')
    first = api.create_node(MAC, group_id=group['id'])
    second = api.create_node('52:54:00:00:00:02', group_id='no-such-group')
    api.double.add_node('52:54:00:00:00:03', state='retired', tags=['web'])
    listing = api.get('/nodes').json()
    assert listing['success'] is True and listing['total'] == 3 and len(listing['data']) == 3
    assert second['group_id'] == 'no-such-group', 'group_id is not checked'

    def ids(**params):
        return [node['id'] for node in api.get('/nodes', params=params).json()['data']]

    assert ids(group_id=group['id']) == [first['id']]
    assert [node['mac_address'] for node in api.get('/nodes', params={'state': 'retired'}).json()['data']] == ['52:54:00:00:00:03']
    assert len(ids(tag='WEB')) == 1
    assert len(ids(mac_address=MAC, page=2, per_page=1)) == 3, 'no MAC filter, no pagination'


def test_get_unknown_node_is_404(api):
    response = api.get('/nodes/00000000-0000-4000-8000-000000000000')
    assert response.status_code == 404 and response.json() == {'detail': 'Node not found'}


def test_patch_changes_listed_fields_and_ignores_others(api):
    node = api.create_node(hostname='old', vendor='QEMU')
    response = api.patch(
        '/nodes/' + node['id'],
        json={
            'hostname': 'new',
            'workflow_id': 'ubuntu-2404-server',
            'vendor': None,
            'mac_address': '52:54:00:99:99:99',
            'arch': 'arm64',
            'boot_mode': 'uefi',
            'state': 'active',
            'bogus': 1,
        },
    )
    assert response.status_code == 200
    data = response.json()['data']
    assert (data['hostname'], data['workflow_id'], data['vendor']) == ('new', 'ubuntu-2404-server', None)
    assert (data['mac_address'], data['arch'], data['boot_mode'], data['state']) == (MAC, 'x86_64', 'bios', 'discovered')
    assert data['model'] is None
    unchanged = api.patch('/nodes/' + node['id'], json={'arch': 'arm64'}).json()['data']
    assert unchanged['updated_at'] == data['updated_at'], 'an all-ignored PATCH changes nothing'


def test_state_transitions_allowed_forbidden_and_forced(api):
    node = api.create_node()
    response = api.set_state(node['id'], 'active')
    assert response.status_code == 400
    assert _detail(response) == ("Invalid state transition from 'discovered' to 'active'. Valid transitions: ['pending', 'cloning_target', 'retired']")
    response = api.set_state(node['id'], 'pending', comment='go')
    assert response.status_code == 200
    assert response.json()['message'] == 'Node transitioned to pending'
    assert response.json()['data']['state'] == 'pending' and response.json()['data']['state_changed_at']
    forced = api.set_state(node['id'], 'active', force=True)
    assert forced.status_code == 200 and forced.json()['data']['state'] == 'active'
    bad = api.set_state(node['id'], 'dancing')
    assert bad.status_code == 422
    assert _detail(bad)[0]['type'] == 'value_error' and _detail(bad)[0]['loc'] == ['body', 'state']
    assert _detail(bad)[0]['msg'].startswith("Value error, Invalid state: dancing. Must be one of ['discovered', 'pending'")
    assert api.set_state(node['id'], 'retired').status_code == 200
    assert 'Valid transitions: []' in _detail(api.set_state(node['id'], 'active'))


def test_install_failed_retry_is_refused_after_three_attempts(api):
    node_id = api.create_node()['id']
    assert api.set_state(node_id, 'pending').status_code == 200
    for attempt in (1, 2, 3):
        assert api.set_state(node_id, 'installing').json()['data']['install_attempts'] == attempt
        assert api.set_state(node_id, 'install_failed', comment='disk').status_code == 200
        retry = api.set_state(node_id, 'pending')
        if attempt < 3:
            assert retry.status_code == 200
    assert retry.status_code == 400
    assert _detail(retry) == 'Max install attempts (3) exceeded. Use force=true to reset and retry.'
    assert api.get('/nodes/' + node_id).json()['data']['last_install_error'] == 'disk'
    forced = api.set_state(node_id, 'pending', force=True).json()['data']
    assert (forced['state'], forced['install_attempts']) == ('pending', 0)


def test_delete_node_always_answers_500_in_plain_text(api):
    node = api.create_node()
    for node_id in (node['id'], 'unknown'):
        response = api.delete('/nodes/' + node_id)
        assert response.status_code == 500
        assert response.headers['Content-Type'].startswith('text/plain')
        assert response.text == 'Internal Server Error'
    assert api.get('/nodes/' + node['id']).json()['data']['state'] == 'discovered'


def test_retired_node_keeps_its_mac(api):
    node = api.create_node()
    assert api.set_state(node['id'], 'retired').status_code == 200
    response = api.post('/nodes', json={'mac_address': MAC.upper()})
    assert response.status_code == 409
    match = [item for item in api.get('/nodes').json()['data'] if item['mac_address'] == MAC]
    assert [item['state'] for item in match] == ['retired']
    assert api.set_state(node['id'], 'discovered').status_code == 400
    assert api.set_state(node['id'], 'discovered', force=True).json()['data']['state'] == 'discovered'


def test_tags(api):
    node_id = api.create_node()['id']
    response = api.post('/nodes/{0}/tags'.format(node_id), json={'tag': 'Web_Tier-1'})
    assert response.status_code == 200 and response.json()['data']['tags'] == ['web_tier-1']
    duplicate = api.post('/nodes/{0}/tags'.format(node_id), json={'tag': 'WEB_TIER-1'})
    assert duplicate.status_code == 409 and _detail(duplicate) == "Tag 'web_tier-1' already exists on node"
    for bad, text in (
        ('', 'Tag must be 1-50 characters'),
        ('a' * 51, 'Tag must be 1-50 characters'),
        ('has space', 'Tag can only contain letters, numbers, hyphens, underscores'),
        ('dot.ted', 'Tag can only contain letters, numbers, hyphens, underscores'),
    ):
        invalid = api.post('/nodes/{0}/tags'.format(node_id), json={'tag': bad})
        assert invalid.status_code == 422, bad
        assert _detail(invalid) == [{'type': 'value_error', 'loc': ['body', 'tag'], 'msg': 'Value error, ' + text, 'input': bad, 'ctx': {'error': {}}}]
    assert api.post('/nodes/nope/tags', json={'tag': 'x'}).status_code == 404
    removed = api.delete('/nodes/{0}/tags/WEB_TIER-1'.format(node_id))
    assert removed.status_code == 200 and removed.json()['data']['tags'] == []
    missing = api.delete('/nodes/{0}/tags/web_tier-1'.format(node_id))
    assert missing.status_code == 404 and _detail(missing) == "Tag 'web_tier-1' not found on node"


def test_bulk_operations(api):
    first = api.create_node()['id']
    second = api.create_node('52:54:00:00:00:02')['id']
    ids = [first, second, 'unknown-id']
    added = api.post('/nodes/bulk/add-tag', json={'node_ids': ids, 'tag': 'Lab'}).json()
    assert added['success'] is True and added['data'] == {'updated': 2, 'failed': 0, 'errors': []}
    assert [node['tags'] for node in api.double.nodes] == [['lab'], ['lab']]
    again = api.post('/nodes/bulk/add-tag', json={'node_ids': ids, 'tag': 'lab'}).json()
    assert again['data']['updated'] == 0
    removed = api.post('/nodes/bulk/remove-tag', json={'node_ids': [first], 'tag': 'LAB'}).json()
    assert removed['data'] == {'updated': 1, 'failed': 0, 'errors': []}
    group = api.double.add_group('racks')
    assigned = api.post('/nodes/bulk/assign-group', json={'node_ids': ids, 'group_id': group['id']}).json()
    assert assigned['data']['updated'] == 2 and api.double.groups[0]['node_count'] == 2
    assert api.post('/nodes/bulk/assign-group', json={'node_ids': ids, 'group_id': 'nope'}).status_code == 404
    api.set_state(second, 'pending')
    changed = api.post('/nodes/bulk/change-state', json={'node_ids': ids, 'new_state': 'pending'}).json()
    assert changed['data']['updated'] == 1 and changed['data']['failed'] == 1
    assert changed['data']['errors'] == [{'node_id': second, 'error': "Invalid state transition from 'pending' to 'pending'"}]
    invalid = api.post('/nodes/bulk/change-state', json={'node_ids': first, 'new_state': 'x'})
    assert invalid.status_code == 422
    assert [error['type'] for error in _detail(invalid)] == ['list_type', 'value_error']


def test_boot_auto_registers_unknown_mac(api):
    hardware = {'vendor': 'QEMU', 'model': 'Standard PC', 'serial': 'SN-1', 'uuid': 'u-1'}
    response = api.get('/boot', params=dict(hardware, mac='52-54-00-AA-BB-CC'), auth=False)
    assert response.status_code == 200
    assert response.headers['Content-Type'].startswith('text/plain')
    assert response.text.startswith('#!ipxe') and 'exit' in response.text, 'boot from local disk'
    node = api.double.node_by_mac('52:54:00:aa:bb:cc')
    assert (node['state'], node['boot_mode'], node['arch']) == ('discovered', 'bios', 'x86_64')
    assert node['last_seen_at'] and node['ip_address'] == '127.0.0.1'
    assert (node['vendor'], node['model'], node['serial_number'], node['system_uuid']) == ('QEMU', 'Standard PC', 'SN-1', 'u-1')
    conflict = api.post('/nodes', json={'mac_address': '52:54:00:aa:bb:cc', 'boot_mode': 'uefi'})
    assert conflict.status_code == 409
    assert api.get('/boot', params={'mac': 'nonsense'}, auth=False).status_code == 400
    assert api.get('/boot', auth=False).status_code == 422
    assert len(api.double.nodes) == 1


def test_boot_of_a_known_mac_updates_last_seen_and_ip_and_fills_only_empty_fields(api):
    node = api.double.add_node(MAC, vendor='Dell', ip_address='192.0.2.1', state='active')
    assert node['last_seen_at'] is None
    script = api.get('/boot', params={'mac': MAC, 'vendor': 'QEMU', 'model': 'm1', 'uuid': 'planted-uuid'}, auth=False).text
    assert script.startswith('#!ipxe') and 'State: active' in script and 'exit' in script
    seen = api.double.node_by_mac(MAC)
    assert seen['last_seen_at'] and seen['ip_address'] == '127.0.0.1', "the caller's address"
    assert (seen['vendor'], seen['model'], seen['system_uuid']) == ('Dell', 'm1', 'planted-uuid'), 'filled where empty'
    assert api.get('/boot', params={'mac': MAC, 'uuid': 'other'}, auth=False).status_code == 200
    assert api.double.node_by_mac(MAC)['system_uuid'] == 'planted-uuid', 'never overwritten'


def test_advance_walks_the_state_machine(pureboot_server):
    node = pureboot_server.add_node(MAC, state='pending', workflow_id='debian-12')
    advanced = pureboot_server.advance(node['id'], 'active')
    assert advanced['state'] == 'active' and advanced['install_attempts'] == 0
    assert pureboot_server.advance(MAC, 'active')['state'] == 'active'
    retired = pureboot_server.advance(MAC, 'retired')
    assert retired['state'] == 'retired'
    with pytest.raises(ValueError):
        pureboot_server.advance(MAC, 'active')


# ---------------------------------------------------------------- hypervisor registry, groups, workflows


def test_hypervisor_registry_crud(api):
    response = api.post(
        '/hypervisors', json={'name': 'pve-lab', 'type': 'proxmox', 'api_url': 'https://pve:8006', 'username': 'root@pam', 'password': 's3cret'}
    )
    assert response.status_code == 201
    record = response.json()['data']
    assert 'password' not in response.text and 's3cret' not in response.text
    assert set(record) == {
        'id',
        'name',
        'type',
        'api_url',
        'username',
        'verify_ssl',
        'status',
        'last_error',
        'last_sync_at',
        'vm_count',
        'host_count',
        'created_at',
        'updated_at',
    }
    assert (record['verify_ssl'], record['status']) == (True, 'unknown')
    assert api.double.stored_password('pve-lab') == base64.b64encode(b's3cret').decode()
    assert api.post('/hypervisors', json={'name': 'pve-lab', 'type': 'ovirt', 'api_url': 'x'}).status_code == 409
    bad = api.post('/hypervisors', json={'name': 'p', 'type': 'vmware'})
    assert bad.status_code == 422
    assert [(error['type'], error['loc'][-1]) for error in _detail(bad)] == [('string_too_short', 'name'), ('missing', 'api_url')], (
        'the type is checked only once the fields pass'
    )
    path = '/hypervisors/' + record['id']
    patched = api.patch(path, json={'type': 'ovirt', 'verify_ssl': False, 'password': 'n3w', 'api_url': 'https://pve2:8006'})
    assert patched.status_code == 200
    assert (patched.json()['data']['type'], patched.json()['data']['verify_ssl']) == ('proxmox', False)
    assert api.double.stored_password(record['id']) == base64.b64encode(b'n3w').decode()
    listing = api.get('/hypervisors').json()
    assert listing['total'] == 1 and listing['data'][0]['api_url'] == 'https://pve2:8006'
    deleted = api.delete(path)
    assert deleted.status_code == 200 and deleted.json()['success'] is True
    assert api.get(path).status_code == 404 and api.get('/hypervisors').json()['total'] == 0


def test_a_bad_hypervisor_type_echoes_the_whole_body_password_included(api):
    body = {'name': 'esx-lab', 'type': 'vmware', 'api_url': 'https://esx', 'password': 'Echoed-Secret-1'}
    response = api.post('/hypervisors', json=body)
    assert response.status_code == 422
    assert _detail(response) == [
        {'type': 'value_error', 'loc': ['body'], 'msg': "Value error, Type must be 'ovirt' or 'proxmox'", 'input': body, 'ctx': {'error': {}}}
    ]
    assert 'Echoed-Secret-1' in response.text, 'the real server echoes it: clients must never show input'
    assert 'Echoed-Secret-1' not in repr(api.double.requests), 'the request log still masks it'
    assert api.double.hypervisors == []


def test_hypervisor_placeholders_are_fixed(api):
    record = api.double.add_hypervisor('engine', type='ovirt', api_url='https://engine/ovirt-engine/api')
    tested = api.post('/hypervisors/{0}/test'.format(record['id'])).json()['data']
    assert tested['success'] is True and tested['vm_count'] == 12
    assert api.get('/hypervisors/{0}/vms'.format(record['id'])).json()['data'][0]['name'] == 'web-server-01'
    assert api.get('/hypervisors/{0}/templates'.format(record['id'])).json()['total'] == 2
    assert api.get('/hypervisors/nope/vms').status_code == 404


def test_groups_and_workflows(api):
    response = api.post('/groups', json={'name': 'web', 'description': 'front ends', 'default_workflow_id': 'debian-12'})
    assert response.status_code == 201
    group = response.json()['data']
    assert (group['path'], group['depth'], group['parent_id'], group['auto_provision'], group['node_count']) == ('/web', 0, None, None, 0)
    assert (group['effective_workflow_id'], group['effective_auto_provision']) == ('debian-12', False)
    child = api.post('/groups', json={'name': 'web-eu', 'parent_id': group['id']}).json()['data']
    assert (child['path'], child['depth']) == ('/web/web-eu', 1)
    assert (child['default_workflow_id'], child['effective_workflow_id']) == (None, 'debian-12'), 'inherited'
    own = api.post('/groups', json={'name': 'web-us', 'parent_id': group['id'], 'default_workflow_id': 'rhel-9', 'auto_provision': True}).json()['data']
    assert (own['effective_workflow_id'], own['effective_auto_provision']) == ('rhel-9', True)
    duplicate = api.post('/groups', json={'name': 'web'})
    assert duplicate.status_code == 409 and _detail(duplicate) == "Group 'web' already exists"
    unnamed = api.post('/groups', json={'name': ''})
    assert _detail(unnamed)[0]['msg'] == 'Value error, Name must be 1-100 characters'
    assert api.get('/groups').json()['total'] == 3
    workflows = api.get('/workflows')
    assert (workflows.status_code, workflows.text) == (500, 'Internal Server Error')


def test_an_unknown_api_path_answers_200_with_an_error(api):
    for path in ('/nothing-here', '/nodes/{0}/state'.format('some-id'), '/ipxe/no-such-file'):
        response = api.get(path)
        assert (response.status_code, response.json()) == (200, {'error': 'Not found'}), path
    assert api.get('/nothing-here', auth=False).status_code == 401, 'auth is checked before routing'
    assert api.call('PUT', '/nodes').json() == {'detail': 'Method Not Allowed'}
    assert api.post('/nothing-here').status_code == 405, 'the catch-all takes GET only: no 404 either way'


def test_a_path_outside_the_api_reaches_the_web_uis_catch_all(api):
    url = api.double.url + '/wrong/api/v1/nodes'
    headers = {'Authorization': 'Bearer ' + api.double.api_key}
    response = api.session.get(url, headers=headers, verify=api.double.cafile, timeout=10)
    assert response.status_code == 200
    assert response.json() == {'error': "Frontend not built. Run 'npm run build' in frontend directory."}
    assert api.session.get(url, verify=api.double.cafile, timeout=10).status_code == 401, 'the UI is behind auth too'
    root = api.session.get(api.double.url + '/', verify=api.double.cafile, timeout=10)
    assert root.status_code == 200 and root.json()['error'].startswith('Frontend not built'), '/ is public'
    login = api.session.post(api.double.url + '/wrong/api/v1/auth/login', json={'username': 'admin', 'password': 'x'}, verify=api.double.cafile, timeout=10)
    assert (login.status_code, login.json()) == (401, {'detail': 'Not authenticated'}), 'a wrong prefix is not public'


def test_tags_come_back_sorted(api):
    node_id = api.create_node()['id']
    for tag in ('web', 'Alpha', 'db'):
        tags = api.post('/nodes/{0}/tags'.format(node_id), json={'tag': tag}).json()['data']['tags']
    assert tags == ['alpha', 'db', 'web']
    assert api.get('/nodes').json()['data'][0]['tags'] == ['alpha', 'db', 'web']


# ---------------------------------------------------------------- endpoints that need no login


def test_report_needs_no_login_and_creates_or_updates_by_mac(api):
    response = api.post(
        '/report', auth=False, json={'mac_address': '52-54-00-AB-CD-EF', 'ip_address': '198.51.100.7', 'hostname': 'planted', 'system_uuid': 'u-1'}
    )
    assert response.status_code == 200
    body = response.json()
    assert body['success'] is True and body['message'] == 'Status reported successfully'
    node = api.double.node_by_mac(MAC)
    assert body['data']['id'] == node['id'] and node['state'] == 'discovered'
    assert (node['ip_address'], node['hostname'], node['system_uuid']) == ('198.51.100.7', 'planted', 'u-1')
    assert node['last_seen_at']
    again = api.post('/report', auth=False, json={'mac_address': MAC, 'ip_address': '198.51.100.8', 'vendor': 'QEMU', 'hostname': ''}).json()['data']
    assert (again['id'], again['ip_address'], again['vendor'], again['hostname']) == (node['id'], '198.51.100.8', 'QEMU', 'planted')
    bad = api.post('/report', auth=False, json={'mac_address': 'nope'})
    assert bad.status_code == 422 and _detail(bad)[0]['msg'] == 'Value error, Invalid MAC address format: nope'
    assert len(api.double.nodes) == 1


def test_ipxe_files_need_no_login(api):
    response = api.get('/ipxe/boot.ipxe', auth=False)
    assert response.status_code == 200 and response.headers['Content-Type'].startswith('text/plain')
    advertised = 'http://127.0.0.1:{0}/api/v1'.format(api.double.port)
    assert response.text.startswith('#!ipxe') and advertised + '/boot?mac=${net0/mac}' in response.text


def test_refresh_needs_no_bearer_token_but_the_login_cookie(api):
    refused = api.post('/auth/refresh', auth=False)
    assert (refused.status_code, _detail(refused)) == (401, 'No refresh token'), 'reached the endpoint, not the middleware'
    assert api.login().status_code == 200
    assert 'refresh_token' in api.session.cookies
    refreshed = api.post('/auth/refresh', auth=False)
    assert refreshed.status_code == 200 and refreshed.json()['message'] == 'Token refreshed'
    api.token = refreshed.json()['data']['access_token']
    assert api.get('/nodes').status_code == 200
    api.session.cookies.set('refresh_token', 'forged')
    assert _detail(api.post('/auth/refresh', auth=False)) == 'Invalid refresh token'


# ---------------------------------------------------------------- faults and request log


def test_fail_injection(api):
    api.double.fail('POST', '/nodes', status=503, detail='maintenance')
    response = api.post('/nodes', json={'mac_address': MAC})
    assert (response.status_code, response.json()) == (503, {'detail': 'maintenance'})
    assert api.double.nodes == []
    assert api.post('/nodes', json={'mac_address': MAC}).status_code == 201
    api.double.fail('*', '/nodes', status=502, times=2, text='<html>Bad Gateway</html>')
    for _attempt in range(2):
        proxied = api.get('/nodes')
        assert proxied.status_code == 502 and proxied.headers['Content-Type'].startswith('text/plain')
    assert api.get('/nodes').status_code == 200
    api.double.fail('GET', '/health', times=None)
    answers = [api.get('/health') for _attempt in range(3)]
    assert [(answer.status_code, answer.text) for answer in answers] == [(500, 'Internal Server Error')] * 3
    assert answers[0].headers['Content-Type'].startswith('text/plain'), 'a 500 is never JSON'
    api.double.clear_faults()
    api.double.fail('GET', '/health', 500, text='Traceback ...')
    assert api.get('/health').text == 'Traceback ...'
    api.double.clear_faults()
    assert api.get('/health').status_code == 200


def test_slow_delays_requests(api):
    api.double.slow(0.3)
    started = time.monotonic()
    assert api.get('/health').status_code == 200
    assert time.monotonic() - started >= 0.3
    api.double.slow(0)


def test_request_log_masks_passwords(api):
    api.login()
    api.create_node(hostname='vm1')
    api.get('/nodes', params={'state': 'discovered'})
    api.post('/hypervisors', json={'name': 'pve', 'type': 'proxmox', 'api_url': 'https://pve:8006', 'password': 'hunter2'})
    log = api.double.requests
    assert [(entry['method'], entry['path']) for entry in log] == [
        ('POST', '/api/v1/auth/login'),
        ('POST', '/api/v1/nodes'),
        ('GET', '/api/v1/nodes'),
        ('POST', '/api/v1/hypervisors'),
    ]
    assert log[0]['body'] == {'username': 'admin', 'password': '***'}
    assert log[1]['body'] == {'hostname': 'vm1', 'mac_address': MAC} and log[1]['status'] == 201
    assert log[2]['query'] == {'state': 'discovered'} and log[2]['body'] is None
    assert log[3]['body']['password'] == '***' and 'hunter2' not in repr(log)
    assert [entry['path'] for entry in api.double.writes()] == ['/api/v1/auth/login', '/api/v1/nodes', '/api/v1/hypervisors']
    api.double.clear_requests()
    assert api.double.requests == []


@pytest.mark.pureboot(tls=False, password='other')
def test_plain_http_option(pureboot_server):
    assert pureboot_server.url.startswith('http://') and pureboot_server.cafile is None
    response = requests.post(pureboot_server.api_url + '/auth/login', json={'username': 'admin', 'password': 'other'}, timeout=10)
    assert response.status_code == 200


def test_command_line_serves_until_sigterm(tmp_path):
    cafile = str(tmp_path / 'ca.pem')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.environ.get('PYTHONPATH')] + sys.path)))
    process = subprocess.Popen(
        [
            sys.executable,
            '-m',
            'ansible_collections.pureboot.hypervisors.tests.simulators.pureboot',
            '--host',
            '127.0.0.1',
            '--port',
            '0',
            '--password',
            'demo',
            '--cafile-out',
            cafile,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith('pureboot-double listening on https://127.0.0.1:'), process.stderr.read()
        url, key = line.split(' ')[3], line.split('api_key=')[1]
        response = requests.get(url + '/api/v1/nodes', headers={'Authorization': 'Bearer ' + key}, verify=cafile, timeout=10)
        assert response.json() == {'success': True, 'data': [], 'total': 0}
        assert requests.get(url + '/api/v1/boot', params={'mac': MAC}, verify=cafile, timeout=10).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


# ---------------------------------------------------------------- the install flow
# Each test below states one rule of the PureBoot server contract (docs/pureboot-server.md, sections "Nodes",
# "Endpoints that need no login" and "The install flow") in the page's own terms, written out here rather than
# read from the double, and checks the double against it over HTTP.

# "Transitions:" of section "Nodes", as the page lists them; every state but retired may also go to retired.
PAGE_TRANSITIONS = {
    'discovered': {'pending', 'cloning_target'},
    'pending': {'installing'},
    'installing': {'installed', 'install_failed'},
    'install_failed': {'pending'},
    'installed': {'active', 'reprovision'},
    'active': {'reprovision', 'deprovisioning', 'migrating', 'serving_source', 'cloning_target'},
    'reprovision': {'pending'},
    'deprovisioning': {'retired'},
    'migrating': {'active'},
    'serving_source': {'active'},
    'cloning_target': {'installed'},
    'retired': set(),
}
PAGE_STATES = sorted(PAGE_TRANSITIONS)


def _allowed_by_page(from_state, to_state):
    return to_state in PAGE_TRANSITIONS[from_state] or (to_state == 'retired' and from_state != 'retired')


def _report(api, event, mac=MAC, **fields):
    return api.post('/report', auth=False, json=dict(fields, mac_address=mac, event=event))


def _boot(api, mac=MAC):
    return api.get('/boot', params={'mac': mac}, auth=False)


def test_every_transition_is_allowed_or_refused_as_the_page_lists(api):
    mismatches = []
    for from_state in PAGE_STATES:
        for to_state in PAGE_STATES:
            mac = '52:54:00:00:{0:02x}:{1:02x}'.format(PAGE_STATES.index(from_state), PAGE_STATES.index(to_state))
            node = api.double.add_node(mac, state=from_state)
            response = api.set_state(node['id'], to_state)
            expected = 200 if _allowed_by_page(from_state, to_state) else 400
            if response.status_code != expected:
                mismatches.append((from_state, to_state, response.status_code))
            elif expected == 400:
                # The 400 names the states the node could go to, in a list.
                valid = _detail(response).split('Valid transitions: ')[1]
                listed = set(ast.literal_eval(valid))  # a Python list literal, as the server prints it
                if listed != PAGE_TRANSITIONS[from_state] | ({'retired'} if from_state != 'retired' else set()):
                    mismatches.append((from_state, to_state, valid))
    assert mismatches == []


def test_force_skips_the_checks_and_resets_the_attempts(api):
    node = api.double.add_node(MAC, state='install_failed', install_attempts=3, last_install_error='disk')
    forced = api.set_state(node['id'], 'active', force=True)
    assert forced.status_code == 200
    assert (forced.json()['data']['state'], forced.json()['data']['install_attempts']) == ('active', 0)


@pytest.mark.parametrize('attempts, expected', [(2, 200), (3, 400)])
def test_install_failed_to_pending_is_refused_after_three_attempts_unless_forced(api, attempts, expected):
    node = api.double.add_node(MAC, state='install_failed', install_attempts=attempts)
    response = api.set_state(node['id'], 'pending')
    assert response.status_code == expected
    if expected == 400:
        assert 'force=true' in _detail(response)
        assert api.set_state(node['id'], 'pending', force=True).json()['data']['state'] == 'pending'


# (state before, event, state after, answer's message) - section "The install flow", step 4.
EVENT_RULES = [
    ('pending', 'install_started', 'installing', 'Installation started'),
    ('installing', 'install_complete', 'installed', 'Installation completed'),
    ('installed', 'first_boot', 'active', 'First boot - node now active'),
    # An event in the wrong state: 200 "Event logged", nothing changes.
    ('discovered', 'install_started', 'discovered', 'Event logged'),
    ('installing', 'install_started', 'installing', 'Event logged'),
    ('pending', 'install_complete', 'pending', 'Event logged'),
    ('active', 'install_complete', 'active', 'Event logged'),
    ('installing', 'first_boot', 'installing', 'Event logged'),
    ('pending', 'install_failed', 'pending', 'Event logged'),
    # The events that only log, in any state.
    ('pending', 'boot_started', 'pending', 'Event logged'),
    ('installing', 'install_progress', 'installing', 'Event logged'),
    ('active', 'heartbeat', 'active', 'Event logged'),
    ('installed', 'heartbeat', 'installed', 'Event logged'),
]


@pytest.mark.parametrize('before, event, after, message', EVENT_RULES)
def test_report_event_moves_the_node_as_the_page_says(api, before, event, after, message):
    api.double.add_node(MAC, state=before, install_attempts=2)
    response = _report(api, event)
    assert response.status_code == 200, response.text
    assert response.json()['message'] == message
    assert response.json()['data']['state'] == after
    assert api.double.events[-1] == {'mac': MAC, 'event': event, 'from_state': before, 'to_state': after, 'message': None}


def test_install_started_resets_the_attempts(api):
    api.double.add_node(MAC, state='pending', install_attempts=2)
    assert _report(api, 'install_started').json()['data']['install_attempts'] == 0


def test_install_failed_counts_an_attempt_and_the_third_fails_the_install(api):
    api.double.add_node(MAC, state='pending')
    _report(api, 'install_started')
    seen = []
    for attempt in (1, 2, 3):
        data = _report(api, 'install_failed', message='no disk {0}'.format(attempt)).json()['data']
        seen.append((data['state'], data['install_attempts']))
    assert seen == [('installing', 1), ('installing', 2), ('install_failed', 3)]
    node = api.double.node_by_mac(MAC)
    assert node['last_install_error'] == 'no disk 3'
    # And the 3-attempt rule then holds for the admin's retry.
    assert api.set_state(node['id'], 'pending').status_code == 400


def test_an_event_for_an_unknown_mac_is_404_and_registers_nothing(api):
    response = _report(api, 'install_started')
    assert response.status_code == 404 and _detail(response) == 'Node with MAC {0} not found'.format(MAC)
    assert api.double.nodes == [] and api.double.events == []


def test_report_needs_no_login_and_sets_what_it_says_with_an_event_too(api):
    api.double.add_node(MAC, state='pending')
    data = _report(api, 'install_started', ip_address='198.51.100.9', hostname='inst').json()['data']
    assert (data['state'], data['ip_address'], data['hostname']) == ('installing', '198.51.100.9', 'inst')


# What GET /boot answers a known node per state (section "Endpoints that need no login"): a local boot (exit), or
# for pending its workflow's script or, without a workflow, a "no workflow" script. installing: see the quirk below.
@pytest.mark.parametrize('state', ['discovered', 'installed', 'active', 'retired'])
def test_boot_answers_a_local_boot(api, state):
    api.double.add_node(MAC, state=state)
    response = _boot(api)
    assert response.status_code == 200 and response.headers['Content-Type'].startswith('text/plain')
    assert response.text.startswith('#!ipxe') and response.text.rstrip().endswith('exit')
    assert 'kernel' not in response.text and 'chain' not in response.text


def test_boot_of_a_pending_node_without_workflow_answers_the_no_workflow_script(api):
    api.double.add_node(MAC, state='pending')
    text = _boot(api).text
    assert text.startswith('#!ipxe') and 'no workflow' in text and 'kernel' not in text
    assert api.double.node_by_mac(MAC)['state'] == 'pending', '/boot never changes the state'


def test_boot_of_an_installing_node_answers_500_unless_the_install_timeout_is_0(api):
    api.double.add_node(MAC, state='installing')
    crashed = _boot(api)
    assert (crashed.status_code, crashed.headers['Content-Type'].split(';')[0], crashed.text) == (500, 'text/plain', 'Internal Server Error')
    api.double.install_timeout = 0
    answered = _boot(api)
    assert answered.status_code == 200 and answered.text.rstrip().endswith('exit')


@pytest.fixture
def workflows(api, tmp_path):
    """The double's workflows directory (tmp_path/workflows), as an administrator fills it."""
    api.double.workflows_dir = str(tmp_path / 'workflows')
    os.makedirs(api.double.workflows_dir)
    return api.double.workflows_dir


def _pending_node(api, workflow_id):
    return api.double.add_node(MAC, state='pending', workflow_id=workflow_id, ip_address='192.0.2.50')


def test_boot_of_a_pending_node_answers_its_workflows_kernel_script_with_the_variables_filled(api, workflows):
    api.double.write_workflow(
        'debian-12',
        install_method='kernel',
        kernel_path='/debian/vmlinuz',
        initrd_path='/debian/initrd.gz',
        cmdline='pureboot=${server} node=${node_id} mac=${mac} ip=${ip} keep=${other}',
    )
    node = _pending_node(api, 'debian-12')
    text = _boot(api).text
    server = 'http://127.0.0.1:{0}'.format(api.double.port)
    assert text.startswith('#!ipxe')
    # The caller's address: /boot sets ip_address before it writes the script.
    assert 'kernel {0}/api/v1/files/debian/vmlinuz pureboot={0} node={1} mac={2} ip=127.0.0.1 keep=${{other}}'.format(server, node['id'], MAC) in text
    assert 'initrd {0}/api/v1/files/debian/initrd.gz'.format(server) in text
    assert api.double.node_by_mac(MAC)['state'] == 'pending'


@pytest.mark.parametrize('method', ['chain', 'sanboot'])
def test_chain_and_sanboot_workflows_go_to_their_boot_url(api, workflows, method):
    api.double.write_workflow('lab', install_method=method, boot_url='http://192.0.2.1/install.ipxe?mac=${mac}')
    _pending_node(api, 'lab')
    text = _boot(api).text
    assert '{0} http://192.0.2.1/install.ipxe?mac={1}'.format(method, MAC) in text and 'kernel' not in text


@pytest.mark.parametrize('method', ['image', 'clone'])
def test_image_and_clone_workflows_are_accepted(api, workflows, method):
    api.double.write_workflow('lab', install_method=method)
    _pending_node(api, 'lab')
    text = _boot(api).text
    assert 'ERROR' not in text and 'kernel ' in text and '/api/v1/files/' in text


def test_workflows_are_looked_up_by_file_name_in_yaml_or_json(api, workflows):
    with open(os.path.join(workflows, 'by-file.json'), 'w') as handle:
        json.dump({'id': 'other-id', 'install_method': 'chain', 'boot_url': 'http://192.0.2.1/json'}, handle)
    with open(os.path.join(workflows, 'by-yml.yml'), 'w') as handle:
        handle.write('id: x\ninstall_method: chain\nboot_url: http://192.0.2.1/yml\n')
    node = _pending_node(api, 'by-file')
    assert 'chain http://192.0.2.1/json' in _boot(api).text
    api.patch('/nodes/' + node['id'], json={'workflow_id': 'by-yml'})
    assert 'chain http://192.0.2.1/yml' in _boot(api).text
    api.patch('/nodes/' + node['id'], json={'workflow_id': 'other-id'})
    assert "Workflow 'other-id' not found" in _boot(api).text, 'the id inside a file is not its name'


@pytest.mark.parametrize('workflow_id', ['missing', '../workflows/x', '.hidden'])
def test_a_missing_workflow_shows_only_at_boot_time_as_an_error_script(api, workflows, workflow_id):
    with open(os.path.join(workflows, '.hidden.yaml'), 'w') as handle:
        handle.write('install_method: chain\nboot_url: http://192.0.2.1/x\n')
    node = api.double.add_node(MAC, state='pending')
    patched = api.patch('/nodes/' + node['id'], json={'workflow_id': workflow_id})
    assert patched.status_code == 200, 'PATCH accepts any workflow_id'
    text = _boot(api).text
    assert text.startswith('#!ipxe') and "Workflow '{0}' not found".format(workflow_id) in text
    assert text.rstrip().endswith('exit') and 'chain' not in text


def test_a_chain_workflow_without_boot_url_is_an_error_script(api, workflows):
    api.double.write_workflow('lab', install_method='chain')
    _pending_node(api, 'lab')
    assert 'chain method requires boot_url' in _boot(api).text


def test_the_files_endpoint_needs_a_login_ipxe_cannot_send(api):
    response = api.get('/files/debian/vmlinuz', auth=False)
    assert response.status_code == 401 and _detail(response) == 'Not authenticated'


def test_installed_callback_from_pending_is_500(api):
    node = api.double.add_node(MAC, state='pending')
    response = api.post('/nodes/{0}/installed'.format(node['id']), json={'success': True})
    assert (response.status_code, response.text) == (500, 'Internal Server Error')
    assert api.double.node_by_mac(MAC)['state'] == 'pending'
    assert api.post('/nodes/{0}/installed'.format(node['id']), auth=False).status_code == 401


def test_get_workflows_is_500(api):
    response = api.get('/workflows')
    assert (response.status_code, response.headers['Content-Type'].split(';')[0]) == (500, 'text/plain')


@pytest.mark.pureboot(advertise_host='192.0.2.10', advertise_port=8080, tls=False)
def test_the_scripts_advertise_the_configured_address(api, workflows):
    api.double.write_workflow('lab', install_method='kernel', kernel_path='/k', initrd_path='/i', cmdline='s=${server}')
    _pending_node(api, 'lab')
    text = _boot(api).text
    assert 'kernel http://192.0.2.10:8080/api/v1/files/k s=http://192.0.2.10:8080' in text
    assert 'chain http://192.0.2.10:8080/api/v1/boot?mac=' in api.get('/ipxe/boot.ipxe', auth=False).text


def test_the_whole_install_flow_as_a_real_vm_went_through_it(api, workflows):
    """Section "The install flow", steps 1 to 5, in order."""
    api.double.write_workflow('tiny', install_method='chain', boot_url='http://192.0.2.1/install.ipxe')
    answers = [_boot(api).text]  # 1. unknown MAC: discovered, exit
    node = api.double.node_by_mac(MAC)
    assert node['state'] == 'discovered'
    api.patch('/nodes/' + node['id'], json={'workflow_id': 'tiny'})  # 2. the admin queues the install
    assert api.set_state(node['id'], 'pending').status_code == 200
    answers += [_boot(api).text, _boot(api).text]  # 3. the install script, every boot
    assert _report(api, 'install_started').json()['data']['state'] == 'installing'  # 4. the installer reports
    assert _report(api, 'install_complete').json()['data']['state'] == 'installed'
    answers.append(_boot(api).text)  # 5. local disk
    assert _report(api, 'first_boot').json()['data']['state'] == 'active'
    answers.append(_boot(api).text)
    kinds = ['chain' if 'chain http://192.0.2.1/install.ipxe' in text else 'exit' if text.rstrip().endswith('exit') else text for text in answers]
    assert kinds == ['exit', 'chain', 'chain', 'exit', 'exit']
