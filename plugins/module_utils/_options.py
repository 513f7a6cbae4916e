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

from ansible.module_utils.basic import env_fallback

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


def _with_env(option, spec):
    if option in HYPERVISOR_ENV:
        spec['fallback'] = (env_fallback, [HYPERVISOR_ENV[option]])
    return spec


def hypervisor_suboptions():
    """The suboptions of `hypervisor`, as AnsibleModule takes them."""
    return dict((option, _with_env(option, spec)) for option, spec in (
        ('name', dict(type='str')),
        ('type', dict(type='str', choices=list(HYPERVISOR_TYPES))),
        ('api_url', dict(type='str')),
        ('username', dict(type='str')),
        ('password', dict(type='str', no_log=True)),
        ('api_token_id', dict(type='str', no_log=False)),
        ('api_token_secret', dict(type='str', no_log=True)),
        ('token', dict(type='str', no_log=True)),
        ('verify_ssl', dict(type='bool', default=True)),
        ('ca_file', dict(type='path')),
        ('timeout', dict(type='int', default=30)),
    ))


def hypervisor_argument_spec():
    """{'hypervisor': ...} to merge into a module's argument spec.

    apply_defaults makes the environment fallbacks work when the task gives no `hypervisor` at all.
    """
    return {'hypervisor': dict(type='dict', apply_defaults=True, options=hypervisor_suboptions())}


def completed_from_env(options, variables, environ=None):
    """options with each key of variables ({option: VARIABLE}) that is unset taken from the environment.

    Plugins get no env_fallback from Ansible for options inside a list or dict; this gives them the modules' one.
    """
    environ = os.environ if environ is None else environ
    completed = dict(options or {})
    for option, variable in variables.items():
        if completed.get(option) is None and environ.get(variable):
            completed[option] = environ[variable]
    return completed


def with_env_fallbacks(options, environ=None):
    """A `hypervisor` dict from a plugin's configuration, completed from the environment like a module's."""
    return completed_from_env(options, HYPERVISOR_ENV, environ)


def driver_from_module(module):
    """The driver for a module's `hypervisor` option."""
    return driver_for(module.params.get('hypervisor') or {})


def driver_from_plugin(options, environ=None):
    """The driver for one `hypervisor` entry of a plugin's configuration."""
    return driver_for(with_env_fallbacks(options, environ))
