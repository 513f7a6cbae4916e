"""Fixtures shared by every test: the servers the suites talk to over HTTPS on 127.0.0.1, and the backends.

fakepve's own pytest plugin (fakepve, fakepve_url, fakepve_cafile) is loaded by its entry point; its `fakepve`
is replaced by the one of tests/simulators/fakepve_net (per-node bridges, SDN vnets). The oVirt engine simulator and
the PureBoot double register theirs here.
"""

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


@pytest.fixture
def unused_tcp_port():
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
