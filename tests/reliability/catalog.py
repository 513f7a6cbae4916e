"""Every case of the reliability suite by id, computed the way the tests make them, so test_report.py can check
that docs/reliability.md lists each one (and nothing that is gone).

Ids: fault/<hypervisor type>/<fault>, fault/pureboot-<type>/<fault> (PureBoot faults, run with the first
backend), load/<type>/<case>, input/<type>/<module>/<option>/<mistake>[/<variant>], secrets/<type>/<target>.
"""

from ansible_collections.pureboot.hypervisors.tests.reliability.bad_input import MODULES, module_cases, module_spec
from ansible_collections.pureboot.hypervisors.tests.reliability.faults import FAULTS

DROP_CASES = ('drops_5pct', 'drops_reads')
NATIVE_DROPS = {'proxmox': 'drops_native'}
LOAD_CASES = ('forks', 'inventory')
SECRET_TARGETS = MODULES + ('inventory',)
SECTIONS = ('fault', 'load', 'input', 'secrets')


def fault_kinds(fault, backends):
    """The backends a fault runs with: its own type, every type, or the first backend for PureBoot's."""
    if fault.kind == 'pureboot':
        return list(backends[:1])
    if fault.kind == 'hypervisor':
        return list(backends)
    return [kind for kind in backends if kind == fault.kind]


def case_id(section, kind, name):
    return '{0}/{1}/{2}'.format(section, kind, name)


def all_case_ids(backends, input_backends=None):
    """Every case id the suite makes with these backends; the bad-input cases with input_backends (by default the
    same), as they need no fault proxy and run on libvirt too."""
    ids = []
    for fault in FAULTS:
        ids += [fault.case_id(kind) for kind in fault_kinds(fault, backends)]
    for kind in backends:
        ids += [case_id('fault', kind, name) for name in DROP_CASES]
        if kind in NATIVE_DROPS:
            ids.append(case_id('fault', kind, NATIVE_DROPS[kind]))
        ids += [case_id('load', kind, name) for name in LOAD_CASES]
        ids += [case_id('secrets', kind, target) for target in SECRET_TARGETS]
    specs = {module: module_spec(module)['argument_spec'] for module in MODULES}
    for kind in input_backends or backends:
        for module in MODULES:
            ids += [case.case_id(kind) for case in module_cases(module, specs[module])]
    return ids
