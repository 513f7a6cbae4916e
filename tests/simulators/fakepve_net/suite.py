"""SuitePve: the Proxmox VE double of the suite, the benchmarks, the demo and the lab (fixtures.py serves it to
tests, __main__.py as a process)."""

from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.disks import DiskPve
from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.hotplug import HotplugPve
from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.networks import NetworkedPve
from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.rules import StrictPve
from ansible_collections.pureboot.hypervisors.tests.simulators.pve_schema.checked import SchemaChecked


class SuitePve(SchemaChecked, StrictPve, HotplugPve, DiskPve, NetworkedPve):
    """Requests checked against PVE's schema first (SchemaChecked, answered with PVE's 400 when it refuses them),
    then PVE's rules beyond the schema (StrictPve, rules.py), what a running VM takes at once once a config write is
    stored (HotplugPve, hotplug.py), the disk writes fakepve does not model (DiskPve, disks.py), then fakepve with
    per-node networks (NetworkedPve)."""
