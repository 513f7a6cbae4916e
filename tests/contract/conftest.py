"""The contract suite runs on every hypervisor type: its `backend` fixture takes ALL_BACKENDS (libvirt too), where the
other suites' (tests/conftest.py) take BACKENDS. The `driver` fixture: a driver of the backend's server, closed after
the test."""

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS, BACKEND_CLASSES


@pytest.fixture(params=ALL_BACKENDS)
def backend(request):
    """The adapter of one hypervisor type, every type: a contract test runs once per type."""
    return BACKEND_CLASSES[request.param].from_fixtures(request.getfixturevalue)


@pytest.fixture
def driver(backend):
    with backend.driver() as opened:
        yield opened
