# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The `pureboot` and `pureboot_node` options: their argument specs and defaults, and the client a module's
`pureboot` option asks for.

Apart from the PureBoot code: every module builds its argument spec from here on every task, with or without
PureBoot, and a module's module_utils are compiled anew on each task (Python compiles the AnsiballZ zip's sources
every time). So a task that does not use PureBoot loads neither the client (client.py, and requests) nor the node
link (link.py, install.py); client_from_module imports the client only when PureBoot is configured.
"""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._env import pureboot_with_env_fallbacks

# ------------------------------------------------------------------------- the `pureboot` option

DEFAULT_TIMEOUT = 30
# The `pureboot` option (docs/connections.md); its environment variables are in _env.py.
PUREBOOT_KEYS = ('url', 'api_key', 'username', 'password', 'verify_ssl', 'ca_file', 'timeout', 'allow_insecure_http')


def pureboot_suboptions():
    """The suboptions of `pureboot`, as AnsibleModule takes them.

    No env_fallback: the environment's credentials go only to the server PUREBOOT_URL names, which needs the whole
    dict (client_from_module applies _env.pureboot_with_env_fallbacks), not one suboption at a time.
    """
    return {
        'url': dict(type='str'),
        'api_key': dict(type='str', no_log=True),
        'username': dict(type='str'),
        'password': dict(type='str', no_log=True),
        'verify_ssl': dict(type='bool', default=True),
        'ca_file': dict(type='path'),
        'timeout': dict(type='int', default=DEFAULT_TIMEOUT),
        'allow_insecure_http': dict(type='bool', default=False),
    }


def pureboot_argument_spec():
    """{'pureboot': ...} to merge into a module's argument spec.

    apply_defaults gives a task with no `pureboot` at all a dict that the environment then fills (AWX credentials,
    client_from_module); pureboot_requested() then tells whether PureBoot is configured.
    """
    return {'pureboot': dict(type='dict', apply_defaults=True, options=pureboot_suboptions())}


def client_from_module(module):
    """The PureBoot client for a module's `pureboot` option, or None when PureBoot is not configured.

    What the client warns about (plain http, no TLS verification) is said once, through module.warn.
    """
    given = module.params.get('pureboot') or {}
    options = pureboot_with_env_fallbacks(given)
    for key in ('api_key', 'password'):
        if options.get(key) and not given.get(key):
            module.no_log_values.add(options[key])
    if not pureboot_requested(options):
        return None
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient

    client = PureBootClient.from_options(options)
    for warning in client.warnings:
        module.warn(warning)
    return client


def pureboot_requested(options):
    """True when the `pureboot` dict says to use PureBoot: a URL or a credential is set (defaults alone are not)."""
    return any((options or {}).get(key) for key in ('url', 'api_key', 'username', 'password'))


# ------------------------------------------------------------------------- pureboot_vm's `pureboot_node` option

NODE_ARCHES = ('x86_64', 'arm64', 'aarch64')
# The install suboptions of `pureboot_node` (_pureboot/install.py), and their defaults.
INSTALL_OPTION_DEFAULTS = {'install': False, 'reinstall': False, 'wait_for': None, 'wait_timeout': 3600, 'force_install': False}
WAIT_STATES = ('installed', 'active')
# The other suboptions of `pureboot_node` (_pureboot/link.py) and their defaults.
NODE_OPTION_DEFAULTS = dict(
    {
        'register': True,
        'hostname': None,
        'group': None,
        'group_id': None,
        'workflow_id': None,
        'tags': None,
        'arch': 'x86_64',
        'on_absent': 'retire',
        'adopt': 'matching',
    },
    **INSTALL_OPTION_DEFAULTS,
)
ON_ABSENT = ('retire', 'keep')
# adopt: matching = a node of another machine on the VM's MAC is a conflict; always = it is taken over.
ADOPT = ('matching', 'always')


def install_suboptions():
    """The install suboptions of pureboot_node, as AnsibleModule takes them."""
    return {
        'install': dict(type='bool', default=False),
        'reinstall': dict(type='bool', default=False),
        'force_install': dict(type='bool', default=False),
        'wait_for': dict(type='str', choices=list(WAIT_STATES)),
        'wait_timeout': dict(type='int', default=3600),
    }


def pureboot_node_suboptions():
    """The suboptions of pureboot_vm's `pureboot_node`, as AnsibleModule takes them."""
    return dict(
        {
            'register': dict(type='bool', default=True),
            'hostname': dict(type='str'),
            'group': dict(type='str'),
            'group_id': dict(type='str'),
            'workflow_id': dict(type='str'),
            'tags': dict(type='list', elements='str'),
            'arch': dict(type='str', default='x86_64', choices=list(NODE_ARCHES)),
            'on_absent': dict(type='str', default='retire', choices=list(ON_ABSENT)),
            'adopt': dict(type='str', default='matching', choices=list(ADOPT)),
        },
        **install_suboptions(),
    )
