# -*- coding: utf-8 -*-
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The `hypervisor` option, written once: its argument spec for modules, its completion from the environment
(the rule is in _env.py).

Documented in plugins/doc_fragments/hypervisor.py; keep the two in step.
"""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import SECRET_KEYS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import HYPERVISOR_TYPES
from ansible_collections.pureboot.hypervisors.plugins.module_utils._env import with_env_fallbacks


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
