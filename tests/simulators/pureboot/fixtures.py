"""pytest fixtures for the PureBoot double: pureboot_server and pureboot_cafile.

Each test gets its own started double (HTTPS on 127.0.0.1, a free port, a fresh API key and the user
admin / pureboot-admin), stopped afterwards. Constructor options can be set per test with the marker
@pytest.mark.pureboot(password=..., token_ttl=..., max_failed_logins=..., tls=...).
"""

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.server import PureBootDouble


def pytest_configure(config):
    """Register the pureboot marker."""
    config.addinivalue_line('markers', 'pureboot(**options): constructor options for the pureboot_server fixture')


@pytest.fixture
def pureboot_server(request):
    """A started PureBootDouble for one test; seed it, inject faults, read its request log."""
    marker = request.node.get_closest_marker('pureboot')
    options = dict(marker.kwargs) if marker else {}
    double = PureBootDouble(**options).start()
    try:
        yield double
    finally:
        double.stop()


@pytest.fixture
def pureboot_cafile(pureboot_server):
    """Path of the certificate pureboot_server serves (self-signed: use it as the CA to verify)."""
    return pureboot_server.cafile
