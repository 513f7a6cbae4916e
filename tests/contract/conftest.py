"""The `backend` fixture: the contract suite runs once per hypervisor type."""

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend


@pytest.fixture(params=['proxmox', 'ovirt'])
def backend(request):
    if request.param == 'proxmox':
        return ProxmoxBackend(request.getfixturevalue('fakepve'), request.getfixturevalue('fakepve_cafile'))
    if request.param == 'ovirt':
        return OvirtBackend(request.getfixturevalue('ovirt_engine'))
    raise ValueError(request.param)


@pytest.fixture
def driver(backend):
    driver = backend.driver()
    yield driver
    driver.close()


@pytest.fixture
def unused_tcp_port():
    """A loopback port nothing listens on."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
