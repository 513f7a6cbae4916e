# -*- coding: utf-8 -*-
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

# option -> environment variable (SPEC.md "Environment fallbacks").
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
    # Not in SPEC.md's list; the counterpart of PUREBOOT_HV_CA_FILE, so AWX can inject a CA for PureBoot too.
    'ca_file': 'PUREBOOT_CA_FILE',
}

# The keys of a `hypervisor` connection that log in.
CREDENTIAL_KEYS = ('username', 'password', 'api_token_id', 'api_token_secret', 'token')
# Where the environment's connection is; everything else in it belongs to that one system.
WHERE_KEYS = ('type', 'api_url')


def completed_from_env(options, variables, environ=None):
    """options with each key of variables ({option: VARIABLE}) that is unset (None or '') taken from the environment.

    Plugins get no env_fallback from Ansible for options inside a list or dict, and the hypervisor's credentials
    must not get it one suboption at a time either (with_env_fallbacks).
    """
    environ = os.environ if environ is None else environ
    completed = dict(options or {})
    for option, variable in variables.items():
        if completed.get(option) in (None, '') and environ.get(variable):
            completed[option] = environ[variable]
    return completed


def _variables(keys):
    return dict((key, HYPERVISOR_ENV[key]) for key in keys)


def _same_url(one, other):
    return (one or '').strip().rstrip('/').lower() == (other or '').strip().rstrip('/').lower()


def with_env_fallbacks(options, environ=None):
    """A `hypervisor` dict completed from the PUREBOOT_HV_* environment, for modules and plugins alike.

    type and api_url fill in where unset. The rest belongs to the system the environment names, so it fills a
    connection only when PUREBOOT_HV_TYPE is unset or equals the connection's type and PUREBOOT_HV_URL is unset
    or equals its api_url; the credentials only when the connection gives none of its own either. An AWX
    credential for a Proxmox host must never reach an oVirt engine listed beside it.
    """
    environ = os.environ if environ is None else environ
    completed = completed_from_env(options, _variables(WHERE_KEYS), environ)
    env_type, env_url = environ.get(HYPERVISOR_ENV['type']), environ.get(HYPERVISOR_ENV['api_url'])
    if (env_type and env_type != completed.get('type')) or (env_url and not _same_url(env_url, completed.get('api_url'))):
        return completed
    completed = completed_from_env(completed, _variables(('ca_file',)), environ)
    if any(completed.get(key) not in (None, '') for key in CREDENTIAL_KEYS):
        return completed
    return completed_from_env(completed, _variables(CREDENTIAL_KEYS), environ)


def pureboot_with_env_fallbacks(options, environ=None):
    """A `pureboot` dict completed from the PUREBOOT_* environment."""
    return completed_from_env(options, PUREBOOT_ENV, environ)
