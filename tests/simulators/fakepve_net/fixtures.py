"""The `fakepve` fixture, served as fakepve's own plugin serves it, but with NetworkedPve (networks.py).

Registered from tests/conftest.py after fakepve's entry-point plugin, so this definition is the one tests get;
the marker, the CA (fakepve_cafile) and fakepve_url stay fakepve's.
"""

import pytest
from fakepve import pytest_plugin

from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.networks import NetworkedPve


@pytest.fixture
def fakepve(request, _fakepve_pki):
    """A started NetworkedPve for one test, with time_scale 0 unless the fakepve marker says otherwise."""
    options = pytest_plugin._options(request)  # pylint: disable=protected-access
    pve = NetworkedPve(user=options['user'], password=options['password'], host=pytest_plugin.HOST, port=0)
    pve.time_scale = options['time_scale']
    serving = pytest_plugin._Serving(pve, *_fakepve_pki)  # pylint: disable=protected-access
    try:
        yield pve
    finally:
        serving.stop()
