"""Fixtures shared by every test: the three backends the suite talks to over HTTPS on 127.0.0.1.

fakepve's own pytest plugin (fakepve, fakepve_url, fakepve_cafile) is loaded by its entry point; the
oVirt engine simulator and the PureBoot double register theirs here.
"""

pytest_plugins = [
    'ansible_collections.pureboot.hypervisors.tests.simulators.ovirt.fixtures',
    'ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.fixtures',
]
