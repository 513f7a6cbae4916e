"""What the integration targets share: their variables, and the report of the security cases.

The `backend` fixture (one per hypervisor type) and `unused_tcp_port` come from tests/conftest.py.
"""

import json
import os
import sys

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.installer.build import InstallerBuildError, build_installer, default_cache_dir, why_unbuildable


def target_vars(backend, tmp_path, **extra):
    """What every target gets: the connection, the scene's names, and where to write results."""
    variables = {
        'hv': backend.connection(),
        'hv_type': backend.kind,
        'template': backend.template,
        'other_template': backend.other_template,
        'network': backend.network,
        'second_network': backend.second_network,
        'placement': backend.placement,
        'scene_hosts': backend.scene_hosts,
        'results_file': str(tmp_path / 'results.json'),
    }
    # What a backend's scene needs the targets to do differently (LibvirtBackend.target_vars says why).
    variables.update(getattr(backend, 'target_vars', {}))
    variables.update(extra)
    return variables


# ------------------------------------------------------------------ the install tests
@pytest.fixture(scope='session')
def tiny_installer():
    """The tiny installer (tests/simulators/installer), built once and kept in its cache; skipped (failed on CI)
    with one line where it cannot be built."""
    problem = why_unbuildable()
    if problem:
        if os.environ.get('CI') == 'true':
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    try:
        return build_installer(default_cache_dir())
    except InstallerBuildError as exc:
        pytest.fail('the tiny installer could not be built: {0}'.format(exc), pytrace=False)


# ------------------------------------------------------------------ the security cases (test_security.py)
# Outcome per case of test_security.CASES; written to $PUREBOOT_SECURITY_REPORT at the end for
# security_report.py, which renders docs/security.md. Only items marked security_case are looked at.
SECURITY_OUTCOMES = {}


def pytest_configure(config):
    config.addinivalue_line('markers', 'security_case(id): the case of test_security.CASES this test shows')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    report = yield
    marker = item.get_closest_marker('security_case')
    if marker is None:
        return
    outcome = report.get_result()
    if outcome.when == 'call' or outcome.failed:
        runs = SECURITY_OUTCOMES.setdefault(marker.args[0], {})
        runs[item.nodeid] = outcome.passed and runs.get(item.nodeid, True)


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    path = os.environ.get('PUREBOOT_SECURITY_REPORT')
    if not path or not SECURITY_OUTCOMES:
        return
    import ansible.release

    from ansible_collections.pureboot.hypervisors.tests.integration.test_security import ACTORS, CASES

    cases = []
    for case_id, (attack, answer) in CASES.items():
        runs = SECURITY_OUTCOMES.get(case_id, {})
        cases.append({'id': case_id, 'attack': attack, 'answer': answer, 'tests': sorted(runs), 'passed': bool(runs) and all(runs.values())})
    with open(path, 'w') as out:
        json.dump({'ansible_core': ansible.release.__version__, 'python': sys.version.split()[0], 'cases': cases, 'actors': ACTORS}, out, indent=1)
