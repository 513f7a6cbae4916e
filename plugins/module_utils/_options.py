# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The `hypervisor` option, written once: its argument spec for modules, its completion from the environment
(the rule is in _env.py).

Documented in plugins/doc_fragments/hypervisor.py; keep the two in step.
"""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import HYPERVISOR_TYPES, SECRET_KEYS, connection_label
from ansible_collections.pureboot.hypervisors.plugins.module_utils._env import HYPERVISOR_ENV, WHERE_KEYS, with_env_fallbacks
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import VM_STATUSES


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


def require_where(options):
    """Fail with one line when a completed `hypervisor` dict does not say where the hypervisor is (type, api_url).

    Both can come from the task or from the environment (an AWX credential, an ad-hoc run), so the message names
    the environment variable too: a user who set neither learns both ways at once.
    """
    for key in WHERE_KEYS:
        if not (options or {}).get(key):
            choices = ' ({0})'.format(' or '.join(HYPERVISOR_TYPES)) if key == 'type' else ''
            raise InvalidInputError(
                "option '{0}' is required{1}: set it in the connection or in the {2} environment variable".format(key, choices, HYPERVISOR_ENV[key]),
                hypervisor=connection_label(options or {}),
            )


def vm_filter_suboptions():
    """The VM filters, as AnsibleModule takes them: pureboot_vm_info's options, and the inventory's `filters`
    (_inventory.validate_filters checks those with this same spec), so a value one refuses the other refuses too."""
    return {
        'name': dict(type='str'),
        'status': dict(type='list', elements='str', choices=list(VM_STATUSES)),
        'node': dict(type='str'),
        'cluster': dict(type='str'),
        'tags': dict(type='list', elements='str'),
    }
