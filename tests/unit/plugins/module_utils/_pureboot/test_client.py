"""The PureBoot REST client, against the PureBoot double over HTTPS (verify on, its certificate as ca_file)."""

import json
import os
import socket
import subprocess
import sys
import threading
import warnings

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    ConflictError,
    InvalidInputError,
    MissingLibraryError,
    NotFoundError,
    TimeoutError_,
    TLSError,
    UnreachableError,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import READS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot import client as _pureboot
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient, validation_text
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.nodes import NodeIndex, match_node

MAC = '52:54:00:ab:cd:ef'
UUID = '4c4c4544-0042-3510-8053-b4c04f4d3332'


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """Retries keep their shape but not their wait: the suite stays fast."""
    monkeypatch.setattr(READS, 'base_delay', 0.01)


def key_client(double, **kwargs):
    kwargs.setdefault('ca_file', double.cafile)
    return PureBootClient(double.url, api_key=double.api_key, **kwargs)


def login_client(double, password=None, **kwargs):
    kwargs.setdefault('ca_file', double.cafile)
    return PureBootClient(double.url, username=double.username, password=password or double.password, **kwargs)


def calls(double, method, path):
    return [entry for entry in double.requests if entry['method'] == method and entry['path'] == path]


def logins(double):
    return calls(double, 'POST', '/api/v1/auth/login')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------------- auth


def test_api_key_is_sent_as_bearer_token(pureboot_server):
    client = key_client(pureboot_server)
    assert client.health()['status'] == 'healthy'
    assert client.list_nodes() == []
    assert logins(pureboot_server) == []
    assert client.label == 'pureboot (127.0.0.1)'


def test_login_then_an_expired_token_is_renewed_with_exactly_one_login(pureboot_server):
    client = login_client(pureboot_server)
    client.create_node(mac_address=MAC)
    assert len(logins(pureboot_server)) == 1
    pureboot_server.expire_tokens()
    assert [node['mac_address'] for node in client.list_nodes()] == [MAC]
    assert len(logins(pureboot_server)) == 2
    assert [entry['status'] for entry in calls(pureboot_server, 'GET', '/api/v1/nodes')] == [401, 200]


def test_a_write_refused_for_an_expired_token_is_sent_once_more_and_carried_out_once(pureboot_server):
    client = login_client(pureboot_server)
    client.list_nodes()
    pureboot_server.expire_tokens()
    client.create_node(mac_address=MAC, hostname='web1')
    assert [entry['status'] for entry in calls(pureboot_server, 'POST', '/api/v1/nodes')] == [401, 201]
    assert len(pureboot_server.nodes) == 1
    assert len(logins(pureboot_server)) == 2


def test_the_token_is_renewed_before_it_expires(pureboot_server):
    client = login_client(pureboot_server)
    client.list_nodes()
    later = client._clock() + 900
    client._clock = lambda: later
    client.list_nodes()
    assert len(logins(pureboot_server)) == 2
    assert all(entry['status'] != 401 for entry in pureboot_server.requests)


def test_threads_sharing_a_client_log_in_once_and_renew_once(pureboot_server):
    client = login_client(pureboot_server)
    errors = []

    def work():
        try:
            client.list_nodes()
        except Exception as exc:  # pylint: disable=broad-exception-caught
            errors.append(exc)

    for _round in range(2):
        threads = [threading.Thread(target=work) for _index in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pureboot_server.expire_tokens()
    assert errors == []
    assert len(logins(pureboot_server)) == 2


def test_wrong_password_is_an_auth_error_without_the_password(pureboot_server):
    client = login_client(pureboot_server, password='Wr0ng-Secret-Pass')
    with pytest.raises(AuthError) as caught:
        client.list_nodes()
    text = str(caught.value)
    assert 'Wr0ng-Secret-Pass' not in text
    # The login's subject names the user; the message does not say it again.
    assert text == "pureboot (127.0.0.1): user 'admin': authentication failed: invalid credentials"
    assert caught.value.category == 'auth'


def test_repeated_failed_logins_do_not_lock_the_account(pureboot_server):
    for _attempt in range(7):
        with pytest.raises(AuthError):
            login_client(pureboot_server, password='not-the-password').list_nodes()
    assert login_client(pureboot_server).list_nodes() == []


@pytest.mark.pureboot(max_failed_logins=2)
def test_a_locked_account_says_so_should_a_server_lock_it(pureboot_server):
    client = login_client(pureboot_server, password='not-the-password')
    for _attempt in range(2):
        with pytest.raises(AuthError):
            client.list_nodes()
    with pytest.raises(AuthError) as caught:
        client.list_nodes()
    assert 'is locked' in str(caught.value) and 'not-the-password' not in str(caught.value)
    assert len(logins(pureboot_server)) == 3, 'a failed login is never repeated: a lock-out would count it'


def test_disabled_and_unknown_api_keys_say_which(pureboot_server):
    pureboot_server.disable_api_key()
    with pytest.raises(AuthError) as caught:
        key_client(pureboot_server).list_nodes()
    assert str(caught.value).endswith('authentication with the API key failed: the API key is disabled')
    assert pureboot_server.api_key not in str(caught.value)
    unknown = 'pb_live_00000000_' + '0' * 48
    with pytest.raises(AuthError) as caught:
        PureBootClient(pureboot_server.url, api_key=unknown, ca_file=pureboot_server.cafile).list_nodes()
    assert 'not known to the server' in str(caught.value) and unknown not in str(caught.value)
    assert len(calls(pureboot_server, 'GET', '/api/v1/nodes')) == 2, 'an API key refused is not retried'


# ------------------------------------------------------------------------- errors


def test_422_is_rendered_readably(pureboot_server):
    with pytest.raises(InvalidInputError) as caught:
        key_client(pureboot_server).create_node(mac_address='52:54:00:ab:cd', arch='sparc')
    assert caught.value.message == (
        'the server refused the values: mac_address: Value error, Invalid MAC address format: 52:54:00:ab:cd; '
        "arch: Value error, Invalid architecture: sparc. Must be one of {'x86_64', 'arm64', 'aarch64'}"
    )


def test_a_422_that_echoes_the_whole_body_never_shows_it(pureboot_server):
    client = key_client(pureboot_server)
    with pytest.raises(InvalidInputError) as caught:
        client.create_hypervisor(name='esx-lab', type='vmware', api_url='https://esx', username='root', password='Hv-Secret-Echoed')
    assert caught.value.message == "the server refused the values: body: Value error, Type must be 'ovirt' or 'proxmox'"
    answered = [e for e in pureboot_server.requests if e['path'] == '/api/v1/hypervisors']
    assert answered[0]['status'] == 422, 'the double did echo it; the client left it out'
    assert 'Hv-Secret-Echoed' not in str(caught.value) and 'esx-lab' not in caught.value.message


def test_validation_text_leaves_inputs_out_and_shows_list_positions():
    detail = [
        {'type': 'string_type', 'loc': ['body', 'node_ids', 1], 'msg': 'Input should be a valid string', 'input': 'hunter22'},
        {'type': 'missing', 'loc': ['body'], 'msg': 'Field required', 'input': None},
    ]
    assert validation_text(detail) == 'node_ids[1]: Input should be a valid string; body: Field required'


def test_duplicate_mac_is_a_conflict(pureboot_server):
    client = key_client(pureboot_server)
    client.create_node(mac_address=MAC)
    with pytest.raises(ConflictError) as caught:
        client.create_node(mac_address=MAC.upper().replace(':', '-'))
    assert str(caught.value) == ('pureboot (127.0.0.1): node 52:54:00:ab:cd:ef: Node with MAC 52:54:00:ab:cd:ef already exists')


def test_unknown_node_and_forbidden_transition(pureboot_server):
    client = key_client(pureboot_server)
    with pytest.raises(NotFoundError) as caught:
        client.get_node('no-such-id')
    assert str(caught.value).endswith('node no-such-id: Node not found')
    node = client.create_node(mac_address=MAC)
    with pytest.raises(InvalidInputError) as caught:
        client.set_node_state(node['id'], 'active')
    assert "Invalid state transition from 'discovered' to 'active'" in str(caught.value)
    assert client.set_node_state(node['id'], 'active', force=True)['state'] == 'active'


def test_patch_refuses_fields_the_server_would_silently_ignore(pureboot_server):
    client = key_client(pureboot_server)
    node = client.create_node(mac_address=MAC)
    pureboot_server.clear_requests()
    with pytest.raises(InvalidInputError) as caught:
        client.update_node(node['id'], boot_mode='uefi', hostname='web1')
    assert 'boot_mode cannot be changed through the API' in str(caught.value)
    assert pureboot_server.requests == []
    assert client.update_node(node['id'], hostname='web1', group_id=None)['hostname'] == 'web1'
    patch = calls(pureboot_server, 'PATCH', '/api/v1/nodes/' + node['id'])[0]
    assert patch['body'] == {'hostname': 'web1', 'group_id': None}


def test_a_transient_5xx_on_a_read_is_retried(pureboot_server):
    client = key_client(pureboot_server)
    pureboot_server.fail('GET', '/api/v1/nodes', 503, times=1)
    assert client.list_nodes() == []
    assert [entry['status'] for entry in calls(pureboot_server, 'GET', '/api/v1/nodes')] == [503, 200]


def test_reads_give_up_after_three_attempts(pureboot_server):
    pureboot_server.fail('GET', '/api/v1/nodes', 502, times=None, text='<html><body><h1>502 Bad Gateway</h1></body></html>')
    with pytest.raises(ApiError) as caught:
        key_client(pureboot_server).list_nodes()
    assert caught.value.message == 'server error 502 on GET /api/v1/nodes: 502 Bad Gateway'
    assert len(calls(pureboot_server, 'GET', '/api/v1/nodes')) == 3


def test_a_plain_text_500_keeps_its_text(pureboot_server):
    node = key_client(pureboot_server).create_node(mac_address=MAC)
    pureboot_server.fail('GET', '/api/v1/nodes/' + node['id'], 500, times=None)
    with pytest.raises(ApiError) as caught:
        key_client(pureboot_server).get_node(node['id'])
    assert caught.value.message == 'server error 500 on GET /api/v1/nodes/{0}: Internal Server Error'.format(node['id'])
    assert caught.value.details == {'status': 500}


def test_a_5xx_on_a_write_is_not_retried(pureboot_server):
    pureboot_server.fail('POST', '/api/v1/nodes', 503, times=1)
    with pytest.raises(ApiError) as caught:
        key_client(pureboot_server).create_node(mac_address=MAC)
    assert caught.value.message == 'server error 503 on POST /api/v1/nodes: Service Unavailable'
    assert caught.value.category == 'api'
    assert len(calls(pureboot_server, 'POST', '/api/v1/nodes')) == 1
    assert pureboot_server.nodes == []


def test_tls_without_the_ca_file_fails_verification(pureboot_server):
    with pytest.raises(TLSError) as caught:
        PureBootClient(pureboot_server.url, api_key=pureboot_server.api_key).list_nodes()
    assert 'certificate verify failed' in str(caught.value)
    assert pureboot_server.api_key not in str(caught.value)


def test_verify_ssl_false_warns_once_in_its_own_words_and_leaves_the_process_warnings_alone(pureboot_server):
    filters_before = list(warnings.filters)
    client = PureBootClient(pureboot_server.url, api_key=pureboot_server.api_key, verify_ssl=False)
    assert client.warnings == [
        'pureboot (127.0.0.1): the TLS certificate of {0} is not verified (verify_ssl: false): '
        'anyone on the way can read and change the traffic, credentials included; give ca_file '
        'instead'.format(pureboot_server.url)
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert client.list_nodes() == [] and client.list_hypervisors() == []
    assert [str(w.message) for w in caught] == [], "urllib3's InsecureRequestWarning is not repeated per request"
    assert warnings.filters == filters_before, 'no process-wide filter was added (urllib3.disable_warnings adds one)'
    # Another client of the same process, without this one's adapter, still gets urllib3's warning: nothing global.
    import requests

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        requests.get(pureboot_server.url + '/health', verify=False, timeout=10)
    assert any('Unverified HTTPS request' in str(w.message) for w in caught)


def test_verify_ssl_false_still_fails_on_a_dead_port():
    client = PureBootClient('https://127.0.0.1:{0}'.format(free_port()), api_key='pb_live_x', verify_ssl=False, timeout=5)
    with pytest.raises(UnreachableError):
        client.list_nodes()


@pytest.mark.pureboot(tls=False)
def test_plain_http_to_this_machine_is_accepted_without_a_warning(pureboot_server):
    client = PureBootClient(pureboot_server.url, api_key=pureboot_server.api_key)
    assert client.url.startswith('http://127.0.0.1:') and client.warnings == []
    assert client.list_nodes() == []


def test_plain_http_to_another_machine_is_refused_without_the_opt_in():
    with pytest.raises(InvalidInputError) as caught:
        PureBootClient.from_options({'url': 'http://pureboot.example.com', 'api_key': 'pb_live_secret'})
    assert str(caught.value) == (
        "pureboot (pureboot.example.com): url 'http://pureboot.example.com' is plain http to another machine: the API "
        'key or password and every answer would cross the network unencrypted; use https, or set allow_insecure_http: '
        'true to accept that'
    )
    assert caught.value.category == 'invalid_input'
    with pytest.raises(InvalidInputError):
        PureBootClient('http://[2001:db8::1]:8080', api_key='k', allow_insecure_http=False)
    with pytest.raises(InvalidInputError) as caught:
        PureBootClient.from_options({'url': 'http://pureboot.example.com', 'api_key': 'k', 'allow_insecure_http': 'no'})
    with pytest.raises(InvalidInputError) as caught:
        PureBootClient.from_options({'url': 'http://pureboot.example.com', 'api_key': 'k', 'allow_insecure_http': 'maybe'})
    assert str(caught.value) == "pureboot: option 'allow_insecure_http' must be true or false, got 'maybe'"


def test_plain_http_to_another_machine_with_the_opt_in_warns():
    client = PureBootClient.from_options({'url': 'http://pureboot.example.com:8080', 'api_key': 'pb_live_secret', 'allow_insecure_http': 'yes'})
    assert client.warnings == [
        'pureboot (pureboot.example.com): http://pureboot.example.com:8080 is plain http '
        '(allow_insecure_http): the API key or password and every answer cross the network '
        'unencrypted'
    ]


def test_an_unreachable_port_is_unreachable():
    client = PureBootClient('https://127.0.0.1:{0}'.format(free_port()), api_key='pb_live_x', timeout=5)
    with pytest.raises(UnreachableError) as caught:
        client.list_nodes()
    assert caught.value.category == 'unreachable'
    assert 'cannot reach https://127.0.0.1:' in str(caught.value)


def test_a_slow_server_times_out(pureboot_server):
    pureboot_server.slow(1.0)
    client = key_client(pureboot_server, timeout=0.2)
    with pytest.raises(TimeoutError_) as caught:
        client.list_nodes()
    assert str(caught.value).endswith('no answer from {0} within 0.2s'.format(pureboot_server.url))
    pureboot_server.clear_faults()


# ------------------------------------------------------------------------- nodes, tags, groups, registry


def test_find_node_by_mac_in_any_notation_never_by_uuid_alone(pureboot_server):
    client = key_client(pureboot_server)
    client.create_node(mac_address='52:54:00:00:00:01')
    node = client.create_node(mac_address=MAC, system_uuid=UUID)
    assert client.find_node(mac='52-54-00-AB-CD-EF')['id'] == node['id']
    assert client.find_node(mac=['52:54:00:99:99:99', MAC.upper()], system_uuid=UUID)['id'] == node['id']
    assert client.find_node(mac='52:54:00:99:99:99', system_uuid=UUID.upper()) is None, 'the UUID alone finds nothing'
    with pytest.raises(InvalidInputError):
        client.find_node(mac='not-a-mac')
    with pytest.raises(InvalidInputError):
        client.find_node(mac=None, system_uuid=UUID)


VM_UUID = '5f1c2d3e-0000-4000-8000-000000000101'


def vm_with(*macs, uuid=VM_UUID):
    return {'name': 'web1', 'uuid': uuid, 'nics': [{'name': 'net{0}'.format(i), 'mac': mac} for i, mac in enumerate(macs)]}


def test_a_node_with_the_vms_uuid_but_a_mac_on_none_of_its_nics_is_never_its_node():
    planted = {'id': 'planted', 'mac_address': '52:54:00:66:66:66', 'system_uuid': VM_UUID, 'state': 'discovered'}
    assert NodeIndex([planted]).for_vm(vm_with('52:54:00:00:00:01')) is None
    assert NodeIndex([planted]).for_vm(vm_with()) is None, 'a VM without a NIC has no node, whatever its UUID'
    assert match_node([planted], system_uuid=VM_UUID.upper()) is None
    own = {'id': 'own', 'mac_address': '52:54:00:00:00:01', 'system_uuid': None, 'state': 'active'}
    assert NodeIndex([planted, own]).for_vm(vm_with('52-54-00-00-00-01'))['id'] == 'own'


def test_the_uuid_only_confirms_one_of_the_vms_nics():
    first = {'id': 'first', 'mac_address': '52:54:00:00:00:01', 'system_uuid': 'other-uuid'}
    second = {'id': 'second', 'mac_address': '52:54:00:00:00:02', 'system_uuid': VM_UUID.upper()}
    index = NodeIndex([first, second])
    assert index.for_vm(vm_with('52:54:00:00:00:01', '52:54:00:00:00:02'))['id'] == 'second', 'confirmed by UUID'
    assert index.for_vm(vm_with('52:54:00:00:00:01', '52:54:00:00:00:02', uuid=None))['id'] == 'first', 'NIC order'
    assert index.for_vm(vm_with('52:54:00:00:00:01', '52:54:00:00:00:09')) is None, "another machine's node"
    unclaimed = dict(first, system_uuid=None)
    assert NodeIndex([unclaimed, second]).for_vm(vm_with('52:54:00:00:00:01', '52:54:00:00:00:09'))['id'] == 'first', (
        'a node that names no machine: still a MAC'
    )


def test_a_node_of_another_machine_on_the_vms_mac_is_never_its_node():
    other = {'id': 'other', 'mac_address': MAC, 'system_uuid': 'another-machine', 'state': 'active'}
    index = NodeIndex([other])
    assert index.for_vm(vm_with(MAC)) is None
    assert [node['id'] for node in index.of_other_machines(vm_with(MAC))] == ['other']
    assert index.for_vm(vm_with(MAC, uuid=None))['id'] == 'other', 'a VM whose UUID is unknown: nothing to compare'
    assert index.of_other_machines(vm_with(MAC, uuid=None)) == []


def test_a_retired_node_is_still_matched_by_its_mac():
    retired = {'id': 'old', 'mac_address': MAC, 'system_uuid': VM_UUID, 'state': 'retired'}
    assert NodeIndex([retired]).for_vm(vm_with(MAC))['id'] == 'old', 'so a re-created VM can bring it back'


def test_tags_list_filters_and_groups(pureboot_server):
    client = key_client(pureboot_server)
    group = pureboot_server.add_group('web')
    node = client.create_node(mac_address=MAC, group_id=group['id'])
    assert client.add_node_tag(node['id'], 'Prod')['tags'] == ['prod']
    with pytest.raises(ConflictError):
        client.add_node_tag(node['id'], 'prod')
    assert [n['id'] for n in client.list_nodes(tag='PROD', group_id=group['id'], state='discovered')] == [node['id']]
    assert client.list_nodes(state='active') == []
    assert client.remove_node_tag(node['id'], 'prod')['tags'] == []
    with pytest.raises(NotFoundError):
        client.remove_node_tag(node['id'], 'prod')
    assert client.find_group('web')['id'] == group['id']
    assert client.find_group('/web')['id'] == group['id']
    assert client.find_group(group['id'])['name'] == 'web'
    assert client.find_group('db') is None


def test_registry_methods(pureboot_server):
    client = key_client(pureboot_server)
    record = client.create_hypervisor(name='pve1', type='proxmox', api_url='https://pve1:8006', username='root@pam', password='pve-secret', verify_ssl=None)
    assert record['verify_ssl'] is True and 'password' not in record
    assert client.find_hypervisor('pve1')['id'] == record['id']
    assert client.find_hypervisor('pve') is None
    with pytest.raises(ConflictError):
        client.create_hypervisor(name='pve1', type='proxmox', api_url='https://other')
    assert client.update_hypervisor(record['id'], verify_ssl=False)['verify_ssl'] is False
    with pytest.raises(InvalidInputError):
        client.update_hypervisor(record['id'], type='ovirt')
    client.delete_hypervisor(record['id'])
    assert client.list_hypervisors() == []


# ------------------------------------------------------------------------- options

# ------------------------------------------------------------------------- a URL that is not PureBoot's API


def wrong_url_error(client, call):
    with pytest.raises(ApiError) as caught:
        call(client)
    error = caught.value
    assert error.category == 'api' and '\n' not in str(error)
    return str(error)


@pytest.mark.parametrize(
    'call, request_line',
    [
        (lambda client: client.list_nodes(), 'GET /api/v1/nodes'),
        (lambda client: client.find_node(MAC), 'GET /api/v1/nodes'),
        (lambda client: client.list_hypervisors(), 'GET /api/v1/hypervisors'),
        (lambda client: client.find_hypervisor('pve'), 'GET /api/v1/hypervisors'),
        (lambda client: client.list_groups(), 'GET /api/v1/groups'),
        (lambda client: client.get_node('some-id'), 'GET /api/v1/nodes/some-id'),
    ],
)
def test_a_wrong_url_prefix_fails_with_one_line_naming_the_server(pureboot_server, call, request_line):
    client = PureBootClient(pureboot_server.url + '/wrong', api_key=pureboot_server.api_key, ca_file=pureboot_server.cafile)
    text = wrong_url_error(client, call)
    assert text == (
        'pureboot (127.0.0.1): {0}/wrong does not answer as a PureBoot API ({1}: answered with an error: '
        "Frontend not built. Run 'npm run build' in frontend directory.)".format(pureboot_server.url, request_line)
    )
    assert pureboot_server.writes() == []


def test_an_unknown_api_path_answering_200_is_not_taken_for_data(pureboot_server):
    client = PureBootClient(pureboot_server.url + '/api', api_key=pureboot_server.api_key, ca_file=pureboot_server.cafile)
    text = wrong_url_error(client, lambda c: c.list_nodes())
    assert text.endswith('/api does not answer as a PureBoot API (GET /api/v1/nodes: answered with an error: Not found)')


def test_a_wrong_url_with_a_login_says_so_not_bad_credentials(pureboot_server):
    client = PureBootClient(pureboot_server.url + '/wrong', username='admin', password=pureboot_server.password, ca_file=pureboot_server.cafile)
    text = wrong_url_error(client, lambda c: c.list_nodes())
    assert text == (
        'pureboot (127.0.0.1): {0}/wrong does not answer as a PureBoot API (POST /api/v1/auth/login: '
        'HTTP 401 Not authenticated, where PureBoot needs no login)'.format(pureboot_server.url)
    )
    assert pureboot_server.password not in text


@pytest.mark.parametrize(
    'status, body, said',
    [
        (200, '<html><body><h1>Welcome to nginx!</h1></body></html>', 'HTTP 200, not JSON: Welcome to nginx!'),
        (200, '', 'HTTP 200, not JSON: an empty body'),
        (302, '', 'HTTP 302, redirected to nowhere; set url to where the API answers'),
        (404, '<h1>Not Found</h1>', 'HTTP 404 Not Found'),
        (405, 'Method Not Allowed', 'HTTP 405 Method Not Allowed'),
    ],
)
def test_another_web_server_is_not_taken_for_pureboot(pureboot_server, status, body, said):
    pureboot_server.fail('GET', '/api/v1/nodes', status=status, text=body, times=None)
    text = wrong_url_error(key_client(pureboot_server), lambda c: c.list_nodes())
    assert text == 'pureboot (127.0.0.1): {0} does not answer as a PureBoot API (GET /api/v1/nodes: {1})'.format(pureboot_server.url, said)
    assert len(calls(pureboot_server, 'GET', '/api/v1/nodes')) == 1, 'not retried'


@pytest.mark.parametrize(
    'data, said',
    [
        ({'success': True, 'data': {'id': 'x'}, 'total': 1}, 'data is not a list: {"id": "x"}'),
        ({'success': True, 'data': ['52:54:00:ab:cd:ef'], 'total': 1}, 'item 0 is not an object: "52:54:00:ab:cd:ef"'),
        ({'success': True, 'data': [{'id': 'n1'}], 'total': 1}, 'item 0 has no mac_address'),
        ({'success': True, 'data': [{'id': 'n1', 'mac_address': MAC, 'tags': 'web'}], 'total': 1}, 'item 0 has a tags that is not a list'),
        ({'data': [], 'total': 0}, "answered JSON without PureBoot's envelope (keys: data, total)"),
        ([], "answered a JSON list, not PureBoot's envelope"),
    ],
)
def test_answers_without_the_fields_used_are_refused(pureboot_server, data, said):
    # What a server on the way could answer with a 200: served as text/plain by the double, it is still JSON.
    pureboot_server.fail('GET', '/api/v1/nodes', status=200, text=json.dumps(data), times=None)
    text = wrong_url_error(key_client(pureboot_server), lambda c: c.list_nodes())
    assert text.endswith('(GET /api/v1/nodes: {0})'.format(said))


def test_a_health_check_of_another_server_fails(pureboot_server):
    pureboot_server.fail('GET', '/health', status=200, text='{"ok": true}')
    assert wrong_url_error(key_client(pureboot_server), lambda c: c.health()).endswith('(GET /health: the answer has no status)')


def test_option_validation_names_pureboot():
    with pytest.raises(InvalidInputError) as caught:
        PureBootClient.from_options({'api_key': 'pb_live_x'})
    assert str(caught.value) == "pureboot: option 'url' is required"
    with pytest.raises(InvalidInputError) as caught:
        PureBootClient.from_options({'url': 'ftp://pb.example.com', 'api_key': 'pb_live_x'})
    assert str(caught.value).startswith("pureboot: url 'ftp://pb.example.com' is not an http(s) URL")
    with pytest.raises(InvalidInputError) as caught:
        PureBootClient.from_options({'url': 'https://pb.example.com', 'username': 'admin'})
    assert str(caught.value) == 'pureboot (pb.example.com): missing credentials: give api_key, or username + password'
    with pytest.raises(InvalidInputError) as caught:
        PureBootClient.from_options({'url': 'https://pb.example.com', 'api_key': 'k', 'token': 'x'})
    assert 'unknown option(s) token' in str(caught.value)
    with pytest.raises(InvalidInputError):
        PureBootClient.from_options({'url': 'https://pb.example.com', 'api_key': 'k', 'ca_file': '/nonexistent/ca.pem'})


def test_from_options_takes_the_module_dict(pureboot_server):
    options = {
        'url': pureboot_server.url + '/api/v1/',
        'api_key': pureboot_server.api_key,
        'username': None,
        'password': None,
        'verify_ssl': True,
        'ca_file': pureboot_server.cafile,
        'timeout': 10,
    }
    client = PureBootClient.from_options(options, label='pb-lab')
    assert client.url == pureboot_server.url
    assert client.label == 'pb-lab (127.0.0.1)'
    assert client.verify == pureboot_server.cafile and client.timeout == 10
    assert client.list_nodes() == []


def test_a_missing_requests_library_fails_at_construction(monkeypatch):
    monkeypatch.setattr(_pureboot, 'HAS_REQUESTS', False)
    with pytest.raises(MissingLibraryError) as caught:
        PureBootClient('https://pb.example.com', api_key='pb_live_x')
    assert 'requests' in str(caught.value)


def test_module_utils_import_without_requests():
    code = (
        "import sys; sys.modules['requests'] = None\n"
        'from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot import client, link\n'
        'assert client.HAS_REQUESTS is False\n'
    )
    subprocess.run([sys.executable, '-c', code], check=True, env=dict(os.environ))


# ------------------------------------------------------------------------- through a real module run


def run_module(module, args, tmp_path):
    """The module's JSON answer and its stderr, run as Ansible runs it (`python <module> <args file>`)."""
    args_file = tmp_path / 'args.json'
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [os.environ.get('PYTHONPATH')] + sys.path)), PYTHONWARNINGS='always')
    done = subprocess.run(
        [sys.executable, '-m', 'ansible_collections.pureboot.hypervisors.plugins.modules.' + module, str(args_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return json.loads(done.stdout), done.stderr


HYPERVISOR = {'type': 'proxmox', 'api_url': 'https://pve.example.invalid:8006', 'username': 'root@pam', 'password': 'pve-pass'}


def test_a_module_warns_once_about_verify_ssl_false_and_urllib3_stays_quiet(pureboot_server, tmp_path):
    pureboot_server.add_hypervisor('pve.example.invalid')
    # state absent does not contact the hypervisor: only PureBoot, several requests.
    result, stderr = run_module(
        'pureboot_hypervisor',
        {'hypervisor': HYPERVISOR, 'state': 'absent', 'pureboot': {'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'verify_ssl': False}},
        tmp_path,
    )
    assert result.get('failed') is not True, result
    assert result['changed'] and pureboot_server.hypervisors == []
    said = (
        'pureboot (127.0.0.1): the TLS certificate of {0} is not verified (verify_ssl: false): anyone on the way can '
        'read and change the traffic, credentials included; give ca_file instead'.format(pureboot_server.url)
    )
    # ansible-core 2.19 returns each warning as a structured summary: count the text, not the shape.
    assert json.dumps(result['warnings']).count(json.dumps(said)[1:-1]) == 1
    assert len(result['warnings']) == 1
    assert 'InsecureRequestWarning' not in stderr and 'Unverified HTTPS request' not in stderr, stderr


def test_a_module_given_a_wrong_pureboot_url_fails_with_one_line_about_pureboot(pureboot_server, tmp_path):
    result, _stderr = run_module(
        'pureboot_hypervisor',
        {
            'hypervisor': HYPERVISOR,
            'state': 'absent',
            'pureboot': {'url': pureboot_server.url + '/wrong', 'api_key': pureboot_server.api_key, 'ca_file': pureboot_server.cafile},
        },
        tmp_path,
    )
    assert result['failed'] and result['error_category'] == 'api'
    assert result['msg'] == (
        'pureboot (127.0.0.1): {0}/wrong does not answer as a PureBoot API (GET '
        "/api/v1/hypervisors: answered with an error: Frontend not built. Run 'npm run build' "
        'in frontend directory.)'.format(pureboot_server.url)
    )
    assert pureboot_server.api_key not in json.dumps(result)


def test_a_module_refuses_plain_http_to_another_machine(tmp_path):
    result, _stderr = run_module(
        'pureboot_hypervisor',
        {'hypervisor': HYPERVISOR, 'state': 'absent', 'pureboot': {'url': 'http://pureboot.example.invalid', 'api_key': 'pb_live_00000000_' + '0' * 48}},
        tmp_path,
    )
    assert result['failed'] and result['error_category'] == 'invalid_input'
    assert 'is plain http to another machine' in result['msg'] and '\n' not in result['msg']
