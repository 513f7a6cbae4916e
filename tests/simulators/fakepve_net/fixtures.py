"""The `fakepve` fixture, served as fakepve's own plugin serves it, but with NetworkedPve (networks.py), PVE's rules
beyond its schema (rules.py), the hotplug of a running VM's changes (hotplug.py) and every request checked against
PVE's published API schema (tests/simulators/pve_schema).

Registered from tests/conftest.py after fakepve's entry-point plugin, so this definition is the one tests get;
the marker, the CA (fakepve_cafile) and fakepve_url stay fakepve's.

A request PVE's schema refuses is answered as PVE answers it (400, "Parameter verification failed.") and fails
the test that sent it when the test ends, listing each refused request, unless the test failed (or xfailed)
already. A test that sends such requests on purpose says which parameters PVE refuses then:
@pytest.mark.pve_schema_violations_expected('name') (no argument: any).
"""

import pytest
from fakepve import pytest_plugin

from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.suite import SuitePve

EXPECTED_MARKER = 'pve_schema_violations_expected'


def pytest_configure(config):
    config.addinivalue_line(
        'markers',
        EXPECTED_MARKER + "(*parameters): the test sends requests PVE's API schema "
        'refuses for these parameters (any, without arguments) on '
        'purpose; the fakepve fixture does not fail it for them',
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the fixture's finalizer knows whether the test already failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, '_pve_report_' + report.when, report)


def schema_violation_summary(violations):
    lines = ["{0} request(s) PVE's API schema refuses (tests/simulators/pve_schema):".format(len(violations))]
    for violation in violations[:20]:
        lines.append(
            '  {0} {1}: {2}'.format(violation['method'], violation['path'], '; '.join('{0}: {1}'.format(k, v) for k, v in sorted(violation['errors'].items())))
        )
    return '\n'.join(lines)


@pytest.fixture
def fakepve(request, _fakepve_pki):
    """A started SuitePve for one test, with time_scale 0 unless the fakepve marker says otherwise."""
    options = pytest_plugin._options(request)  # pylint: disable=protected-access
    pve = SuitePve(user=options['user'], password=options['password'], host=pytest_plugin.HOST, port=0)
    pve.time_scale = options['time_scale']
    serving = pytest_plugin._Serving(pve, *_fakepve_pki)  # pylint: disable=protected-access
    try:
        yield pve
    finally:
        serving.stop()
    call = getattr(request.node, '_pve_report_call', None)
    violations = unexpected_violations(pve.schema_violations, request.node.get_closest_marker(EXPECTED_MARKER))
    if violations and not (call is not None and (call.failed or hasattr(call, 'wasxfail'))):
        pytest.fail(schema_violation_summary(violations), pytrace=False)


def unexpected_violations(violations, marker):
    """The refused requests the test's pve_schema_violations_expected marker does not name."""
    if marker is None:
        return violations
    if not marker.args:
        return []
    return [v for v in violations if not set(v['errors']) <= set(marker.args)]
