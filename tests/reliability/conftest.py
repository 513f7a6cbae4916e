"""Fixtures and hooks of the reliability suite.

The `backend` fixture is every suite's (tests/conftest.py, one per hypervisor type in BACKENDS of
tests/contract/backends.py), so every test here runs against each hypervisor type as soon as its adapter is
added. Tests record what they measured with `record`; the hooks below add whether the test passed, and write
everything to the JSON file named by PUREBOOT_RELIABILITY_REPORT at the end (tests/reliability/report.py
renders docs/reliability.md from it).
"""

import os
import sys

import pytest

from ansible_collections.pureboot.hypervisors.tests.reliability.harness import RECORDER, REPORT_ENV

# Passwords no message could contain by chance (fakepve's default 'secret' is a word of many messages), so a
# secret found in an output is a leak, and Ansible's own masking of no_log values does not blank out text.
HV_PASSWORD = 'Hv-Reliab1lity-9f3k'
PUREBOOT_PASSWORD = 'Pb-Reliab1lity-4q7z'
DEFAULT_SECRETS = {'fakepve': ('password', HV_PASSWORD), 'ovirt_engine': ('password', HV_PASSWORD), 'pureboot': ('password', PUREBOOT_PASSWORD)}


SUITE_DIR = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(items):
    """Give every test of this suite the passwords above, keeping the other options its own markers set."""
    # pytest calls this hook with every collected item, not only this directory's: leave the others alone.
    for item in items:
        if not str(item.path).startswith(SUITE_DIR + os.sep):
            continue
        for name, (option, value) in DEFAULT_SECRETS.items():
            marker = item.get_closest_marker(name)
            options = dict(marker.kwargs) if marker else {}
            options.setdefault(option, value)
            # Prepended, so the fixtures (which read the closest marker) see these merged options.
            item.add_marker(getattr(pytest.mark, name)(**options), append=False)


@pytest.fixture
def record(request):
    """record(case_id, section, **measured): one case of the report, tied to this test's outcome."""

    def add(case_id, section, **fields):
        return RECORDER.add(request.node.nodeid, case_id, section, **fields)

    return add


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    report = yield
    if report.when == 'call' or report.failed:
        # A failure in setup or teardown fails the case too; a later pass never overrides a failure.
        RECORDER.set_outcome(item.nodeid, report.passed and RECORDER.outcomes.get(item.nodeid, True))
    return report


def pytest_sessionfinish(session, exitstatus):  # pylint: disable=unused-argument
    path = os.environ.get(REPORT_ENV)
    if path and RECORDER.cases:
        command = 'PUREBOOT_STRESS={0} pytest {1}'.format(os.environ.get('PUREBOOT_STRESS', '0'), ' '.join(sys.argv[1:]) or 'tests/reliability')
        RECORDER.write(path, command)
