"""The PureBoot REST client, against the PureBoot double over HTTPS (verify on, its certificate as ca_file)."""

import os
import socket
import subprocess
import sys
import threading

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils import _pureboot
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ApiError, AuthError, ConflictError, InvalidInputError, MissingLibraryError, NotFoundError, TimeoutError_, TLSError,
    UnreachableError)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot import (
    PureBootClient, match_node, pureboot_argument_spec, pureboot_requested, pureboot_with_env_fallbacks,
    validation_text)

MAC = '52:54:00:ab:cd:ef'
UUID = '4c4c4544-0042-3510-8053-b4c04f4d3332'


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    """Retries keep their shape but not their wait: the suite stays fast."""
    monkeypatch.setattr(_pureboot, 'BACKOFF_SECONDS', 0.01)


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
    assert text == "pureboot (127.0.0.1): user 'admin': authentication failed for user 'admin': invalid credentials"
    assert caught.value.category == 'auth'


@pytest.mark.pureboot(max_failed_logins=2)
def test_a_locked_account_says_so(pureboot_server):
    client = login_client(pureboot_server, password='not-the-password')
    for _attempt in range(2):
        with pytest.raises(AuthError):
            client.list_nodes()
    with pytest.raises(AuthError) as caught:
        client.list_nodes()
    assert 'is locked' in str(caught.value) and 'not-the-password' not in str(caught.value)
    assert len(logins(pureboot_server)) == 3, 'a failed login is never repeated: failures count towards the lock'


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
        "the server refused the values: mac_address: Value error, Invalid MAC address format: 52:54:00:ab:cd; "
        "arch: Value error, Invalid architecture: sparc. Must be one of {'x86_64', 'arm64', 'aarch64'}")


def test_validation_text_leaves_inputs_out_and_shows_list_positions():
    detail = [{'type': 'string_type', 'loc': ['body', 'node_ids', 1], 'msg': 'Input should be a valid string',
               'input': 'hunter22'},
              {'type': 'missing', 'loc': ['body'], 'msg': 'Field required', 'input': None}]
    assert validation_text(detail) == 'node_ids[1]: Input should be a valid string; body: Field required'


def test_duplicate_mac_is_a_conflict(pureboot_server):
    client = key_client(pureboot_server)
    client.create_node(mac_address=MAC)
    with pytest.raises(ConflictError) as caught:
        client.create_node(mac_address=MAC.upper().replace(':', '-'))
    assert str(caught.value) == ('pureboot (127.0.0.1): node 52:54:00:ab:cd:ef: Node with MAC 52:54:00:ab:cd:ef '
                                 'already exists')


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


def test_verify_ssl_false_talks_to_a_self_signed_server(pureboot_server):
    client = PureBootClient(pureboot_server.url, api_key=pureboot_server.api_key, verify_ssl=False)
    assert client.list_nodes() == []


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

def test_find_node_by_mac_in_any_notation_then_by_uuid(pureboot_server):
    client = key_client(pureboot_server)
    client.create_node(mac_address='52:54:00:00:00:01')
    node = client.create_node(mac_address=MAC, system_uuid=UUID)
    assert client.find_node(mac='52-54-00-AB-CD-EF')['id'] == node['id']
    assert client.find_node(mac='52:54:00:99:99:99', system_uuid=UUID.upper())['id'] == node['id']
    assert client.find_node(mac='52:54:00:99:99:99') is None
    with pytest.raises(InvalidInputError):
        client.find_node(mac='not-a-mac')


def test_match_node_prefers_a_live_node_among_those_sharing_a_uuid():
    nodes = [{'id': 'a', 'mac_address': '52:54:00:00:00:01', 'system_uuid': 'U', 'state': 'retired'},
             {'id': 'b', 'mac_address': '52:54:00:00:00:02', 'system_uuid': 'u', 'state': 'active'}]
    assert match_node(nodes, system_uuid='u')['id'] == 'b'
    assert match_node(nodes, mac=['52:54:00:00:00:09', '52-54-00-00-00-01'])['id'] == 'a'


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
    record = client.create_hypervisor(name='pve1', type='proxmox', api_url='https://pve1:8006', username='root@pam',
                                      password='pve-secret', verify_ssl=None)
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
    options = {'url': pureboot_server.url + '/api/v1/', 'api_key': pureboot_server.api_key, 'username': None,
               'password': None, 'verify_ssl': True, 'ca_file': pureboot_server.cafile, 'timeout': 10}
    client = PureBootClient.from_options(options, label='pb-lab')
    assert client.url == pureboot_server.url
    assert client.label == 'pb-lab (127.0.0.1)'
    assert client.verify == pureboot_server.cafile and client.timeout == 10
    assert client.list_nodes() == []


def test_argument_spec_and_environment_fallbacks():
    spec = pureboot_argument_spec()['pureboot']
    assert spec['type'] == 'dict'
    suboptions = spec['options']
    assert suboptions['api_key']['no_log'] is True and suboptions['password']['no_log'] is True
    assert suboptions['url']['fallback'][1] == ['PUREBOOT_URL']
    assert suboptions['api_key']['fallback'][1] == ['PUREBOOT_API_KEY']
    environ = {'PUREBOOT_URL': 'https://pb', 'PUREBOOT_USERNAME': 'admin', 'PUREBOOT_PASSWORD': 'secret'}
    completed = pureboot_with_env_fallbacks({'url': 'https://mine', 'timeout': 5}, environ)
    assert completed == {'url': 'https://mine', 'timeout': 5, 'username': 'admin', 'password': 'secret'}
    assert not pureboot_requested({'verify_ssl': True, 'timeout': 30, 'url': None})
    assert pureboot_requested(completed)


def test_a_missing_requests_library_fails_at_construction(monkeypatch):
    monkeypatch.setattr(_pureboot, 'HAS_REQUESTS', False)
    with pytest.raises(MissingLibraryError) as caught:
        PureBootClient('https://pb.example.com', api_key='pb_live_x')
    assert 'requests' in str(caught.value)


def test_module_utils_import_without_requests():
    code = ("import sys; sys.modules['requests'] = None\n"
            "from ansible_collections.pureboot.hypervisors.plugins.module_utils import _pureboot, _pureboot_link\n"
            "assert _pureboot.HAS_REQUESTS is False\n")
    subprocess.run([sys.executable, '-c', code], check=True, env=dict(os.environ))
