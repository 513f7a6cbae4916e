# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The environment variables that fill the `hypervisor` and `pureboot` options (AWX credential types inject
them), and the rule that keeps a credential with the system it was given for. A leaf: it imports nothing of
the collection, so the PureBoot client and the drivers can both use it.
"""

from __future__ import annotations

import os

# option -> environment variable (docs/contract.md, "Connection options").
HYPERVISOR_ENV = {
    'type': 'PUREBOOT_HV_TYPE',
    'api_url': 'PUREBOOT_HV_URL',
    'username': 'PUREBOOT_HV_USERNAME',
    'password': 'PUREBOOT_HV_PASSWORD',
    'api_token_id': 'PUREBOOT_HV_TOKEN_ID',
    'api_token_secret': 'PUREBOOT_HV_TOKEN_SECRET',
    'token': 'PUREBOOT_HV_TOKEN',
    'ca_file': 'PUREBOOT_HV_CA_FILE',
}
PUREBOOT_ENV = {
    'url': 'PUREBOOT_URL',
    'api_key': 'PUREBOOT_API_KEY',
    'username': 'PUREBOOT_USERNAME',
    'password': 'PUREBOOT_PASSWORD',
    # Not in the contract's list; the counterpart of PUREBOOT_HV_CA_FILE, so AWX can inject a CA for PureBoot too.
    'ca_file': 'PUREBOOT_CA_FILE',
}

# The keys of a `hypervisor` connection that log in.
CREDENTIAL_KEYS = ('username', 'password', 'api_token_id', 'api_token_secret', 'token')
# Where the environment's connection is; everything else in it belongs to that one system.
WHERE_KEYS = ('type', 'api_url')
# The same for the `pureboot` option: its URL says where; the credentials and the CA belong to that server.
PUREBOOT_CREDENTIAL_KEYS = ('api_key', 'username', 'password')
PUREBOOT_WHERE_KEYS = ('url',)
# Options compared as URLs (trailing slash and case aside) when the environment's system is matched.
URL_KEYS = ('api_url', 'url')


def completed_from_env(options, variables, environ=None):
    """options with each key of variables ({option: VARIABLE}) that is unset (None or '') taken from the environment.

    Plugins get no env_fallback from Ansible for options inside a list or dict, and the credentials must not get
    it one suboption at a time either (completed_for_its_system).
    """
    environ = os.environ if environ is None else environ
    completed = dict(options or {})
    for option, variable in variables.items():
        if completed.get(option) in (None, '') and environ.get(variable):
            completed[option] = environ[variable]
    return completed


def _same_url(one, other):
    return (one or '').strip().rstrip('/').lower() == (other or '').strip().rstrip('/').lower()


def _same(option, one, other):
    return _same_url(one, other) if option in URL_KEYS else one == other


def completed_for_its_system(options, variables, where, credentials, environ=None):
    """options completed from the environment's connection, whose credentials go only to the system it names.

    variables: {option: VARIABLE} of that connection. The `where` options fill in where unset. The rest belongs
    to the system the environment names, so it fills the options only when each `where` variable is unset or
    equals the options' value (URLs compared as _same_url does); the `credentials` only when the options give none
    of their own either (a login is one pair, never half the task's and half the environment's).
    """
    environ = os.environ if environ is None else environ
    where_variables = {key: variables[key] for key in where}
    completed = completed_from_env(options, where_variables, environ)
    for option, variable in where_variables.items():
        if environ.get(variable) and not _same(option, environ[variable], completed.get(option)):
            return completed
    belonging = {key: variable for key, variable in variables.items() if key not in where and key not in credentials}
    completed = completed_from_env(completed, belonging, environ)
    if any(completed.get(key) not in (None, '') for key in credentials):
        return completed
    return completed_from_env(completed, {key: variables[key] for key in credentials}, environ)


def with_env_fallbacks(options, environ=None):
    """A `hypervisor` dict completed from the PUREBOOT_HV_* environment, for modules and plugins alike.

    type and api_url fill in where unset; the CA file and the credentials only a connection of PUREBOOT_HV_TYPE at
    PUREBOOT_HV_URL (completed_for_its_system). An AWX credential for a Proxmox host must never reach an oVirt
    engine listed beside it.
    """
    return completed_for_its_system(options, HYPERVISOR_ENV, WHERE_KEYS, CREDENTIAL_KEYS, environ)


def pureboot_with_env_fallbacks(options, environ=None):
    """A `pureboot` dict completed from the PUREBOOT_* environment, for modules and plugins alike.

    url fills in where unset; the API key, login and CA file only a `pureboot` whose url is PUREBOOT_URL (or any,
    when PUREBOOT_URL is unset), by the hypervisors' rule (completed_for_its_system): a task or source naming
    another PureBoot server never sends it the environment's key.
    """
    return completed_for_its_system(options, PUREBOOT_ENV, PUREBOOT_WHERE_KEYS, PUREBOOT_CREDENTIAL_KEYS, environ)
