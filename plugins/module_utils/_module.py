# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The edge between Ansible modules and the driver layer: one place that turns errors into one line."""

from __future__ import annotations

import contextlib
import traceback

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import connection_label, open_driver
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import HypervisorError, redact
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import hypervisor_options, require_where
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import client_from_module


def hypervisor_label(module):
    """The hypervisor's name for messages, as the driver calls it."""
    return connection_label(module.params.get('hypervisor') or {})


def run_module(module, work, drivers=None, pureboot=True):
    """exit_json with the result of work(driver, client), or fail_json with one clear line; never a secret.

    drivers: the types the module carries, {type: function importing its driver class}: the registry
    (_drivers.DRIVER_LOADERS) for a module of every type, one entry for a module of one type (not importing the
    registry keeps the other types' code out of its AnsiballZ zip); None for a module that opens no hypervisor.

    The runner owns the connections: it completes the `hypervisor` option from the environment, opens the driver
    (unless drivers is None: work then gets None) and the PureBoot client (None when `pureboot` is not configured,
    or pureboot=False: a module that accepts the option only so group defaults apply never contacts PureBoot),
    and closes both when work() is done or failed, so an oVirt SSO session is always logged out. An unexpected
    exception (a bug of ours, an SDK surprise) is still one line; its traceback goes to Ansible, shown at -vvv.
    """
    try:
        hypervisor_options(module)
        if drivers is not None:
            require_where(module.params['hypervisor'])
        with open_driver(module.params['hypervisor'], drivers) if drivers is not None else contextlib.nullcontext() as opened:
            with (client_from_module(module) if pureboot else None) or contextlib.nullcontext() as client:
                result = work(opened, client)
                # What the driver noticed on the way (a node it could not read, ...): said, not failed on.
                driver_warnings = list(getattr(opened, 'warnings', None) or ())
    except HypervisorError as exc:
        error = exc.located(hypervisor=hypervisor_label(module)).scrubbed(module.no_log_values)
        module.fail_json(**dict(error.to_result(), **error.partial_result))
    except Exception as exc:  # pylint: disable=broad-exception-caught
        message = redact('{0}: unexpected {1}: {2}'.format(hypervisor_label(module), type(exc).__name__, exc), module.no_log_values)
        module.fail_json(
            msg=message.splitlines()[0] if message else message, error_category='api', exception=redact(traceback.format_exc(), module.no_log_values)
        )
    warnings = list(result.pop('warnings', []))
    for warning in warnings + [w for w in driver_warnings if w not in warnings]:
        module.warn(warning)
    module.exit_json(**result)
