# -*- coding: utf-8 -*-
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The edge between Ansible modules and the driver layer: one place that turns errors into one line."""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import HypervisorError, redact
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import hypervisor_options


def hypervisor_label(module):
    """The hypervisor's name for messages, as the driver would call it."""
    options = module.params.get('hypervisor') or {}
    return options.get('name') or (options.get('api_url') or '').split('//')[-1].split('/')[0].split(':')[0] or 'hypervisor'


def run_module(module, work):
    """exit_json with work()'s result, or fail_json with one clear line; never a traceback, never a secret.

    The module's `hypervisor` option is completed from the environment first, so work() sees the connection
    it will use.
    """
    try:
        hypervisor_options(module)
        result = work()
    except HypervisorError as exc:
        error = exc.located(hypervisor=hypervisor_label(module)).scrubbed(module.no_log_values)
        module.fail_json(**dict(error.to_result(), **getattr(exc, 'result', {})))
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # A bug of ours or an SDK surprise: still one line, naming where it happened, and no traceback.
        message = redact('{0}: unexpected {1}: {2}'.format(hypervisor_label(module), type(exc).__name__, exc),
                         module.no_log_values)
        module.fail_json(msg=message.splitlines()[0] if message else message, error_category='api')
    for warning in result.pop('warnings', []):
        module.warn(warning)
    module.exit_json(**result)
