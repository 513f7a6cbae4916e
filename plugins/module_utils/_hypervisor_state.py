# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""What pureboot_hypervisor does: test a connection live and report its facts, never a secret."""

from __future__ import annotations

import datetime
import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection, connection_label
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_class, driver_classes, driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import INVALID_INPUT, MISSING_LIBRARY, HypervisorError, InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import require_where
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.registry import ensure_registry, registry_desired

# Errors in the task itself, not in the hypervisor: they fail even with fail_on_error false.
CONFIGURATION_ERRORS = (INVALID_INPUT, MISSING_LIBRARY)


def registry_types():
    """The types PureBoot's hypervisor registry takes (each driver's PUREBOOT_REGISTRY), in order."""
    return tuple(kind for kind, driver in driver_classes().items() if driver.PUREBOOT_REGISTRY)


def _now():
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat().replace('+00:00', 'Z')


def _unmeasured(name, hypervisor_type, api_url):
    return {
        'name': name,
        'type': hypervisor_type,
        'api_url': api_url,
        'status': None,
        'error': None,
        'error_category': None,
        'version': None,
        'host_count': None,
        'vm_count': None,
        'template_count': None,
        'hosts': [],
        'latency_ms': None,
        'last_sync_at': None,
    }


def empty_report(connection):
    """The `hypervisor` result before any test: where it is, nothing measured."""
    return _unmeasured(connection.name, connection.type, connection.api_url)


def absent_report(options):
    """The `hypervisor` result of state absent: the connection as given, nothing measured.

    Removal goes by name only (the registry entry's), so neither type nor api_url is needed, nor a credential;
    a name is, or an api_url to take it from, as everywhere else.
    """
    if not options.get('name') and not options.get('api_url'):
        raise InvalidInputError('state absent removes the connection by name: give hypervisor.name', hypervisor=connection_label(options))
    return _unmeasured(connection_label(options), options.get('type') or None, (options.get('api_url') or '').rstrip('/') or None)


def test_connection(connection):
    """Log in, measure the first round trip and gather the facts; raises HypervisorError."""
    with driver_for(connection) as driver:
        started = time.monotonic()
        driver.connect()
        latency_ms = int(round((time.monotonic() - started) * 1000))
        facts = driver.facts()
    report = empty_report(connection)
    report.update(facts)
    report.update(status='online', latency_ms=latency_ms, last_sync_at=_now())
    return report


def ensure_hypervisor(params, check_mode, client=None):
    """The module result: the live test (state present), or only the connection's description (absent).

    With a PureBoot client the connection is also kept in PureBoot's hypervisor registry: created or
    updated by name, deleted on absent; the password only with register_credentials.
    """
    options = params.get('hypervisor') or {}
    if params['state'] == 'absent':
        report = absent_report(options)
        desired = {'name': report['name']}
    else:
        require_where(options)
        connection = Connection(options)
        desired = registry_desired(connection, params.get('register_credentials'))
        try:
            report = test_connection(connection)
        except HypervisorError as exc:
            if params['fail_on_error'] or exc.category in CONFIGURATION_ERRORS:
                raise
            report = empty_report(connection)
            report.update(status='error', error=str(exc), error_category=exc.category, last_sync_at=_now())
    result = {'changed': False, 'hypervisor': report}
    if client is not None and params['state'] == 'present' and not driver_class(connection.type).PUREBOOT_REGISTRY:
        # Nothing to keep in line: PureBoot would refuse the entry, and the connection works without it.
        result.update(
            pureboot_registry=None,
            warnings=[
                "{0}: PureBoot's hypervisor registry takes {1} connections only; this {2} connection is not registered there".format(
                    connection.name, ' and '.join(registry_types()), connection.type
                )
            ],
        )
    elif client is not None:
        registry = ensure_registry(client, desired, state=params['state'], password_update=params.get('password_update') or 'on_create', check_mode=check_mode)
        result.update(changed=registry['changed'], pureboot_registry=registry['registry'], diff=registry['diff'], warnings=registry['warnings'])
    return result
