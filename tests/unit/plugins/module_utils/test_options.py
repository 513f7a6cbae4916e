"""The `hypervisor` option of the modules: its argument spec, and its completion from the environment."""

import os

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import CONNECTION_KEYS, SECRET_KEYS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import HYPERVISOR_TYPES
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import (
    hypervisor_argument_spec,
    hypervisor_options,
    hypervisor_suboptions,
    require_where,
)


class Module:
    """What hypervisor_options uses of AnsibleModule: params and no_log_values."""

    def __init__(self, hypervisor):
        self.params = {'hypervisor': hypervisor}
        self.no_log_values = set()


@pytest.fixture
def clean_env(monkeypatch):
    """No PUREBOOT_* variable from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith('PUREBOOT_'):
            monkeypatch.delenv(name)
    return monkeypatch


def test_the_suboptions_are_the_connections_keys_with_secrets_never_logged():
    suboptions = hypervisor_suboptions()
    assert set(suboptions) == set(CONNECTION_KEYS)
    assert sorted(key for key, spec in suboptions.items() if spec.get('no_log')) == sorted(SECRET_KEYS)
    assert suboptions['type']['choices'] == list(HYPERVISOR_TYPES)


def test_no_hypervisor_at_all_gets_a_dict_with_the_defaults_for_the_environment_to_fill():
    result = ArgumentSpecValidator(hypervisor_argument_spec()).validate({})
    assert not result.error_messages
    hypervisor = result.validated_parameters['hypervisor']
    assert (hypervisor['verify_ssl'], hypervisor['timeout'], hypervisor['password']) == (True, 30, None)


def test_an_unknown_type_is_refused_by_the_spec():
    result = ArgumentSpecValidator(hypervisor_argument_spec()).validate({'hypervisor': {'type': 'vmware'}})
    assert any('vmware' in message and 'proxmox' in message for message in result.error_messages)


def test_secrets_taken_from_the_environment_are_masked_and_given_ones_are_not_added(clean_env):
    clean_env.setenv('PUREBOOT_HV_URL', 'https://pve.example.com:8006')
    clean_env.setenv('PUREBOOT_HV_USERNAME', 'automation@pve')
    clean_env.setenv('PUREBOOT_HV_PASSWORD', 'from-the-env')
    module = Module({'type': 'proxmox', 'password': None})
    completed = hypervisor_options(module)
    assert (completed['api_url'], completed['username'], completed['password']) == ('https://pve.example.com:8006', 'automation@pve', 'from-the-env')
    assert module.params['hypervisor'] is completed
    assert module.no_log_values == {'from-the-env'}

    given = Module({'type': 'proxmox', 'username': 'root@pam', 'password': 'given-here'})
    assert hypervisor_options(given)['password'] == 'given-here'
    assert given.no_log_values == set(), 'a given password is no_log by the spec already'


def test_without_a_hypervisor_option_the_environment_makes_the_whole_connection(clean_env):
    clean_env.setenv('PUREBOOT_HV_TYPE', 'ovirt')
    clean_env.setenv('PUREBOOT_HV_URL', 'https://engine.example.com/ovirt-engine/api')
    clean_env.setenv('PUREBOOT_HV_TOKEN', 'sso-token-from-awx')
    module = Module(None)
    assert hypervisor_options(module) == {'type': 'ovirt', 'api_url': 'https://engine.example.com/ovirt-engine/api', 'token': 'sso-token-from-awx'}
    assert module.no_log_values == {'sso-token-from-awx'}


@pytest.mark.parametrize(
    'options, missing, variable',
    [
        ({}, "option 'type' is required (libvirt or ovirt or proxmox)", 'PUREBOOT_HV_TYPE'),
        ({'type': 'proxmox', 'name': 'pve-lab'}, "option 'api_url' is required", 'PUREBOOT_HV_URL'),
    ],
    ids=['nothing-given', 'no-url'],
)
def test_a_connection_that_does_not_say_where_names_the_environment_variable_too(clean_env, options, missing, variable):
    # An ad-hoc run (ansible localhost -m ...) with no hypervisor option and no PUREBOOT_HV_*: the user must learn
    # that the environment can give it, as an AWX credential does.
    with pytest.raises(InvalidInputError) as caught:
        require_where(hypervisor_options(Module(options)))
    text = str(caught.value)
    assert missing in text and variable in text and '\n' not in text
    assert text.startswith(options.get('name', 'hypervisor') + ': ')


def test_a_connection_with_type_and_url_from_the_environment_says_where(clean_env):
    clean_env.setenv('PUREBOOT_HV_TYPE', 'proxmox')
    clean_env.setenv('PUREBOOT_HV_URL', 'https://pve.example.com:8006')
    assert require_where(hypervisor_options(Module(None))) is None
