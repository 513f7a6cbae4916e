"""Fixtures shared by every test: the servers the suites talk to over HTTPS on 127.0.0.1, and the backends.

fakepve's own pytest plugin (fakepve, fakepve_url, fakepve_cafile) is loaded by its entry point; its `fakepve`
is replaced by the one of tests/simulators/fakepve_net (per-node bridges, SDN vnets). The oVirt engine simulator and
the PureBoot double register theirs here.

The test tiers (pytest.ini's markers, docs/testing.md) are given here by where a test lives and what it uses,
not by a decorator on each test: `libvirt` (a private libvirtd: root, bindep.txt's libvirt profile), `e2e` (real
ansible-playbook, ansible-inventory, molecule or ansible-runner runs) and `slow` (over about 10 s here).
"""

import os
import signal
import socket

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKEND_CLASSES, DEFAULT_BACKEND_PARAMS

pytest_plugins = [
    'ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.fixtures',
    'ansible_collections.pureboot.hypervisors.tests.simulators.ovirt.fixtures',
    'ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.fixtures',
    'ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.fixtures',
]


@pytest.fixture(params=DEFAULT_BACKEND_PARAMS)
def backend(request):
    """The adapter of one hypervisor type (tests/contract/backends.py): a test using it runs once per type.

    A test that wants some types only parametrizes it itself: @pytest.mark.parametrize('backend', [...], indirect=True).
    """
    return BACKEND_CLASSES[request.param].from_fixtures(request.getfixturevalue)


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """Leave the process's SIGINT and SIGTERM handlers as the test found them: ansible_runner.run (test_awx.py) installs
    handlers that only set a flag, after which neither Ctrl-C nor a SIGTERM stops the pytest run (or its worker)."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        if signal.getsignal(signum) is not handler:
            signal.signal(signum, handler)


@pytest.fixture
def unused_tcp_port():
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------ test tiers
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
# Suites whose every test runs Ansible's own command-line tools (ansible-playbook, ansible-inventory,
# ansible-runner, molecule) as subprocesses.
E2E_DIRS = ('integration', 'fidelity', 'reliability')
# The fixtures of tests/simulators/libvirtd/fixtures.py: a test using one needs the private libvirtd.
LIBVIRT_FIXTURES = {'libvirt_host', 'libvirt_uri', 'libvirt_remote_host', 'libvirt_backend'}
LIBVIRT_DIRS = (os.path.join('simulators', 'libvirtd'),)
# Tests (files, or file::test name without parameters) over about 10 s on the 2-core machine (docs/testing.md,
# "Where the time goes"; measured under load, so refine it from make test's --durations on a quiet machine).
SLOW = {
    'integration/test_libvirt_pxe.py',  # two PXE boots under TCG: 49 s
    'integration/test_module_pxe_install.py',  # a PXE install and a reboot under TCG, and a second run
    'integration/test_molecule_and_demo.py',  # molecule's five stages per scenario; the demo (65 s)
    'integration/test_security.py::test_pureboot_node_values_are_never_templated',
    'integration/test_security.py::test_hypervisor_values_are_never_templated',
    'integration/test_module_pureboot_vm.py::test_lifecycle_every_task_twice',
    'integration/test_same_results.py::test_only_the_hypervisor_differs',  # 88 s at load 7
    'reliability/test_load.py',  # 20 VMs at once; an inventory of 1000
    'reliability/test_bad_input.py::test_every_option_answers_bad_input_with_one_clear_line',
}


try:
    import libvirt  # noqa: F401  pylint: disable=unused-import

    HAS_LIBVIRT_PYTHON = True
except ImportError:
    HAS_LIBVIRT_PYTHON = False


def _relative(item):
    return os.path.relpath(str(item.path), TESTS_DIR)


def _uses_libvirtd(item):
    callspec = getattr(item, 'callspec', None)
    if callspec is not None and callspec.params.get('backend') == 'libvirt':
        return True
    return bool(LIBVIRT_FIXTURES.intersection(getattr(item, 'fixturenames', ()))) or _relative(item).startswith(tuple(d + os.sep for d in LIBVIRT_DIRS))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):  # pylint: disable=unused-argument
    """Mark every collected test with its tiers (libvirt, e2e, slow).

    Under pytest-xdist each worker that runs a libvirt test starts its own private daemons (they are session
    fixtures). Keeping those tests on one worker (xdist_group and --dist loadgroup) does not work with pytest 9.2:
    xdist 3.8 renames the items through Item._nodeid, which pytest 9.2's nodeid no longer reads (pytest-xdist#1386)."""
    for item in items:
        relative = _relative(item)
        if _uses_libvirtd(item):
            item.add_marker(pytest.mark.libvirt)
        elif not HAS_LIBVIRT_PYTHON and 'libvirt' in getattr(getattr(item, 'callspec', None), 'params', {}).values():
            # a unit test's libvirt instance builds the driver, which needs the SDK (the quick tier has none)
            item.add_marker(pytest.mark.skip(reason='libvirt-python is not installed here (make quick has none)'))
        if relative.split(os.sep, 1)[0] in E2E_DIRS:
            item.add_marker(pytest.mark.e2e)
        test_id = '{0}::{1}'.format(relative.replace(os.sep, '/'), item.originalname)
        if test_id in SLOW or relative.replace(os.sep, '/') in SLOW:
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    """The reports that tests/integration and tests/reliability write at the end of a session are gathered in one
    process: refuse to write them from parallel workers, which would each write a part."""
    reports = [name for name in ('PUREBOOT_SECURITY_REPORT', 'PUREBOOT_RELIABILITY_REPORT') if os.environ.get(name)]
    if reports and getattr(config.option, 'numprocesses', None):
        raise pytest.UsageError('{0}: run without -n (pytest-xdist), the report is gathered in one process'.format(', '.join(reports)))
