# -*- coding: utf-8 -*-
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""What the inventory plugin fetches, kept apart from Ansible so it can be tested and cached as plain data.

The result holds VM records, the PureBoot nodes they map to, and the hypervisors that were skipped;
it never holds a secret, so it can go into the inventory cache as it is.
"""

from __future__ import annotations

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import parallel_map
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    INVALID_INPUT, MISSING_LIBRARY, HypervisorError)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for

FILTER_KEYS = ('name', 'status', 'tags')


def _list_one(options, filters, include_templates, max_workers, strict):
    """(label, records, warnings, error) of one hypervisor; an error is returned, or raised when strict."""
    with driver_for(options) as driver:
        driver.max_workers = max_workers
        try:
            vms = driver.list_vms(name=filters.get('name'), status=filters.get('status'), tags=filters.get('tags'),
                                  include_templates=include_templates)
            return driver.label, vms, list(driver.warnings), None
        except HypervisorError as exc:
            if strict or exc.category in (INVALID_INPUT, MISSING_LIBRARY):
                raise
            return driver.label, [], list(driver.warnings), str(exc)


def collect(hypervisors, filters=None, include_templates=False, max_workers=16, strict=False, pureboot_client=None):
    """Fetch every hypervisor's VMs (hypervisors in parallel, each with max_workers) and the PureBoot nodes.

    hypervisors are complete `hypervisor` dicts: the caller has applied the environment's fallbacks.

    Returns {'vms': [...], 'nodes': [...] or None, 'skipped': [{'hypervisor', 'error'}], 'warnings': [...]}.
    """
    filters = dict((k, v) for k, v in (filters or {}).items() if v is not None)
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise HypervisorError('unknown filter(s) {0}; known: {1}'.format(', '.join(unknown), ', '.join(FILTER_KEYS)),
                              hypervisor='inventory', category=INVALID_INPUT)
    answers = parallel_map(lambda options: _list_one(options, filters, include_templates, max_workers, strict),
                           hypervisors, max(1, min(len(hypervisors), max_workers)))
    data = {'vms': [], 'nodes': None, 'skipped': [], 'warnings': []}
    for label, vms, warnings, error in answers:
        data['vms'].extend(vms)
        data['warnings'].extend(warnings)
        if error:
            data['skipped'].append({'hypervisor': label, 'error': error})
    if pureboot_client is not None:
        data['nodes'] = pureboot_client.list_nodes()
    return data
