# -*- coding: utf-8 -*-
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The `hypervisor` option, written once: its argument spec for modules, the environment fallbacks
that AWX credential types inject, and one adapter from a module or a plugin to a driver.

Documented in plugins/doc_fragments/hypervisor.py; keep the two in step.
"""

from __future__ import annotations

import os

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import CREDENTIAL_KEYS, SECRET_KEYS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import HYPERVISOR_TYPES, driver_for

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
# Where the environment's connection is; everything else in it belongs to that one system.
WHERE_KEYS = ('type', 'api_url')


def hypervisor_suboptions():
    """The suboptions of `hypervisor`, as AnsibleModule takes them.

    No env_fallback here: the environment's credentials may only fill a connection to the system they were
    given for, which needs the whole dict (with_env_fallbacks), not one suboption at a time.
    """
    return {
        'name': dict(type='str'),
        'type': dict(type='str', choices=list(HYPERVISOR_TYPES)),
        'api_url': dict(type='str'),
        'username': dict(type='str'),
        'password': dict(type='str', no_log=True),
        'api_token_id': dict(type='str', no_log=False),
        'api_token_secret': dict(type='str', no_log=True),
        'token': dict(type='str', no_log=True),
        'verify_ssl': dict(type='bool', default=True),
        'ca_file': dict(type='path'),
        'timeout': dict(type='int', default=30),
    }


def hypervisor_argument_spec():
    """{'hypervisor': ...} to merge into a module's argument spec.

    apply_defaults gives a task with no `hypervisor` at all a dict that the environment then fills (AWX).
    """
    return {'hypervisor': dict(type='dict', apply_defaults=True, options=hypervisor_suboptions())}


def completed_from_env(options, variables, environ=None):
    """options with each key of variables ({option: VARIABLE}) that is unset taken from the environment.

    Plugins get no env_fallback from Ansible for options inside a list or dict; this gives them the modules' one.
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


def hypervisor_options(module):
    """The module's `hypervisor` option completed from the environment (with_env_fallbacks).

    Secrets taken from the environment join module.no_log_values, as env_fallback's would, so Ansible masks them.
    """
    given = module.params.get('hypervisor') or {}
    completed = with_env_fallbacks(given)
    for key in SECRET_KEYS:
        if completed.get(key) and not given.get(key):
            module.no_log_values.add(completed[key])
    module.params['hypervisor'] = completed
    return completed


def driver_from_module(module):
    """The driver for a module's `hypervisor` option (run_module has completed it from the environment)."""
    return driver_for(module.params.get('hypervisor') or {})
