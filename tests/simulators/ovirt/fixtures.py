"""pytest fixtures of the oVirt engine simulator.

``ovirt_engine``: a started simulator (default seed, no transition delays), one per test, stopped after it.
Options come from a marker, e.g. ``@pytest.mark.ovirt_engine(delay=0.2, latency=0.01, seed=None)`` (keyword
arguments of ``OvirtEngineSimulator``).  ``ovirt_cafile``: the CA file that verifies its certificate.
"""

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.ovirt.server import OvirtEngineSimulator


def pytest_configure(config):
    config.addinivalue_line('markers', 'ovirt_engine(**options): options of the ovirt_engine fixture (delay, latency, seed, token_ttl, password)')


@pytest.fixture
def ovirt_engine(request, tmp_path_factory):
    marker = request.node.get_closest_marker('ovirt_engine')
    options = dict(marker.kwargs) if marker else {}
    simulator = OvirtEngineSimulator(cert_dir=str(tmp_path_factory.mktemp('ovirt-sim')), **options)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def ovirt_cafile(ovirt_engine):  # pylint: disable=redefined-outer-name
    return ovirt_engine.cafile
