"""The environment's connection (PUREBOOT_HV_*) fills only a connection to the system it was given for."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._env import with_env_fallbacks

PVE_ENV = {
    'PUREBOOT_HV_TYPE': 'proxmox',
    'PUREBOOT_HV_URL': 'https://pve1.example.com:8006',
    'PUREBOOT_HV_USERNAME': 'root@pam',
    'PUREBOOT_HV_PASSWORD': 'pve-secret',
    'PUREBOOT_HV_CA_FILE': '/etc/pki/pve-ca.pem',
}


def test_an_empty_connection_is_the_environments_connection():
    completed = with_env_fallbacks({}, PVE_ENV)
    assert completed == {'type': 'proxmox', 'api_url': 'https://pve1.example.com:8006', 'username': 'root@pam',
                         'password': 'pve-secret', 'ca_file': '/etc/pki/pve-ca.pem'}


def test_unset_values_given_as_none_or_empty_are_filled():
    completed = with_env_fallbacks({'name': 'pve', 'type': None, 'api_url': '', 'username': None}, PVE_ENV)
    assert (completed['type'], completed['username'], completed['password']) == ('proxmox', 'root@pam', 'pve-secret')


@pytest.mark.parametrize('connection', [
    {'type': 'ovirt', 'api_url': 'https://engine.example.com/ovirt-engine/api', 'token': 'engine-token'},
    {'type': 'ovirt', 'api_url': 'https://engine.example.com/ovirt-engine/api'},
    {'type': 'proxmox', 'api_url': 'https://pve2.example.com:8006'},
], ids=['other-type-with-token', 'other-type-without-credentials', 'same-type-other-url'])
def test_another_system_gets_none_of_the_environments_values(connection):
    completed = with_env_fallbacks(connection, PVE_ENV)
    assert completed == connection


def test_a_connection_with_credentials_of_its_own_keeps_them_and_takes_only_the_ca_file():
    connection = {'type': 'proxmox', 'api_url': 'https://pve1.example.com:8006/', 'api_token_id': 'ci@pve!t',
                  'api_token_secret': 'token-secret'}
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
