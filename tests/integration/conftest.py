"""Backends for the integration targets: the same adapters the driver contract suite uses."""

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend

BACKENDS = ['proxmox', 'ovirt']


@pytest.fixture(params=BACKENDS)
def backend(request):
    if request.param == 'proxmox':
        return ProxmoxBackend(request.getfixturevalue('fakepve'), request.getfixturevalue('fakepve_cafile'))
    if request.param == 'ovirt':
        return OvirtBackend(request.getfixturevalue('ovirt_engine'))
    raise ValueError(request.param)


def target_vars(backend, tmp_path, **extra):
    """What every target gets: the connection, the scene's names, and where to write results."""
    variables = {'hv': backend.connection(), 'hv_type': backend.kind, 'template': backend.template,
                 'other_template': backend.other_template, 'network': backend.network,
                 'second_network': backend.second_network, 'placement': backend.placement,
                 'results_file': str(tmp_path / 'results.json')}
    variables.update(extra)
    return variables


@pytest.fixture
def unused_tcp_port():
    """A loopback port nothing listens on."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
