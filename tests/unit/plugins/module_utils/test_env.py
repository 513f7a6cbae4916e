"""The environment's connections (PUREBOOT_HV_*, PUREBOOT_*) fill only a connection to the system they were given
for: one rule (completed_for_its_system) for the hypervisors and PureBoot."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._env import pureboot_with_env_fallbacks, with_env_fallbacks

PVE_ENV = {
    'PUREBOOT_HV_TYPE': 'proxmox',
    'PUREBOOT_HV_URL': 'https://pve1.example.com:8006',
    'PUREBOOT_HV_USERNAME': 'root@pam',
    'PUREBOOT_HV_PASSWORD': 'pve-secret',
    'PUREBOOT_HV_CA_FILE': '/etc/pki/pve-ca.pem',
}


def test_an_empty_connection_is_the_environments_connection():
    completed = with_env_fallbacks({}, PVE_ENV)
    assert completed == {
        'type': 'proxmox',
        'api_url': 'https://pve1.example.com:8006',
        'username': 'root@pam',
        'password': 'pve-secret',
        'ca_file': '/etc/pki/pve-ca.pem',
    }


def test_unset_values_given_as_none_or_empty_are_filled():
    completed = with_env_fallbacks({'name': 'pve', 'type': None, 'api_url': '', 'username': None}, PVE_ENV)
    assert (completed['type'], completed['username'], completed['password']) == ('proxmox', 'root@pam', 'pve-secret')


@pytest.mark.parametrize(
    'connection',
    [
        {'type': 'ovirt', 'api_url': 'https://engine.example.com/ovirt-engine/api', 'token': 'engine-token'},
        {'type': 'ovirt', 'api_url': 'https://engine.example.com/ovirt-engine/api'},
        {'type': 'proxmox', 'api_url': 'https://pve2.example.com:8006'},
    ],
    ids=['other-type-with-token', 'other-type-without-credentials', 'same-type-other-url'],
)
def test_another_system_gets_none_of_the_environments_values(connection):
    completed = with_env_fallbacks(connection, PVE_ENV)
    assert completed == connection


def test_a_connection_with_credentials_of_its_own_keeps_them_and_takes_only_the_ca_file():
    connection = {'type': 'proxmox', 'api_url': 'https://pve1.example.com:8006/', 'api_token_id': 'ci@pve!t', 'api_token_secret': 'token-secret'}
    completed = with_env_fallbacks(connection, PVE_ENV)
    assert 'password' not in completed and 'username' not in completed
    assert completed['ca_file'] == '/etc/pki/pve-ca.pem'


def test_without_type_or_url_in_the_environment_its_credentials_fill_any_connection_without_its_own():
    env = {k: v for k, v in PVE_ENV.items() if k not in ('PUREBOOT_HV_TYPE', 'PUREBOOT_HV_URL')}
    completed = with_env_fallbacks({'type': 'ovirt', 'api_url': 'https://engine.example.com'}, env)
    assert (completed['username'], completed['password']) == ('root@pam', 'pve-secret')


def test_the_url_comparison_ignores_a_trailing_slash_and_case():
    completed = with_env_fallbacks({'type': 'proxmox', 'api_url': 'https://PVE1.example.com:8006/'}, PVE_ENV)
    assert completed['password'] == 'pve-secret'


# PureBoot: the same rule, PUREBOOT_URL saying where.

PUREBOOT_ENV = {'PUREBOOT_URL': 'https://pureboot.example.com', 'PUREBOOT_API_KEY': 'pb_live_from_awx', 'PUREBOOT_CA_FILE': '/etc/pki/pureboot-ca.pem'}


def test_an_empty_pureboot_option_is_the_environments_server():
    assert pureboot_with_env_fallbacks({'url': None, 'api_key': None, 'timeout': 30}, PUREBOOT_ENV) == {
        'url': 'https://pureboot.example.com',
        'api_key': 'pb_live_from_awx',
        'ca_file': '/etc/pki/pureboot-ca.pem',
        'timeout': 30,
    }


def test_the_same_server_in_another_spelling_takes_the_environments_key():
    completed = pureboot_with_env_fallbacks({'url': 'https://PureBoot.example.com/'}, PUREBOOT_ENV)
    assert completed['api_key'] == 'pb_live_from_awx'


@pytest.mark.parametrize(
    'options',
    [
        {'url': 'https://evil.example.com'},
        {'url': 'https://evil.example.com', 'api_key': None, 'ca_file': ''},
        {'url': 'https://pureboot.example.com.evil.example.com'},
    ],
    ids=['other-server', 'other-server-unset-values', 'other-server-same-prefix'],
)
def test_another_pureboot_server_gets_none_of_the_environments_values(options):
    completed = pureboot_with_env_fallbacks(options, PUREBOOT_ENV)
    assert 'pb_live_from_awx' not in completed.values() and '/etc/pki/pureboot-ca.pem' not in completed.values()


def test_a_pureboot_option_with_a_login_of_its_own_keeps_it_and_takes_only_the_ca_file():
    completed = pureboot_with_env_fallbacks({'username': 'ops', 'password': 'ops-secret'}, PUREBOOT_ENV)
    assert 'api_key' not in completed
    assert completed['ca_file'] == '/etc/pki/pureboot-ca.pem'


def test_without_pureboot_url_in_the_environment_its_key_fills_any_server_without_one():
    env = {k: v for k, v in PUREBOOT_ENV.items() if k != 'PUREBOOT_URL'}
    assert pureboot_with_env_fallbacks({'url': 'https://pb2.example.com'}, env)['api_key'] == 'pb_live_from_awx'
