"""Bugs of the collection the reliability suite shows, and the cases that show them.

A case listed here must still show its bug: the day it is fixed, its test fails saying so, and the entry is
taken out (then docs/reliability.md is rendered again). Every other case must pass outright. (The first
bugs the suite found, a missing ca_file on Proxmox, unbounded timeouts, a negative wait_timeout and the
ignored cluster filter of Proxmox templates, were fixed in e73cac9 and left this list; so did the oVirt
writes libcurl sent a second time on a dead reused connection, fixed by giving every oVirt request its own
connection; the bridge of a Proxmox NIC that was not checked before the clone, fixed for issue 14; and the oVirt
os_type the engine would have kept as 'other', now checked against its OS list before the write; and the libvirt
CPU model a domain was defined with although it could never start, now checked against libvirt's CPU models. The
libvirt os_type that was no libosinfo id is refused by its form now; a well-formed id libosinfo does not have is still
stored, for libvirt keeps the metadata unread and has no OS list: docs/drivers.md says so.)
"""

# The oVirt engine stores any custom CPU model (AddVmCommand and UpdateVmCommand check none), which fails only at
# the VM's start on its host, and its API lists no custom models to check one against (/clusterlevels names the
# cluster CPU types, not the models): the simulator stores it as the engine does, and the collection passes it on.
_OVIRT_CPU = 'oVirt cpu_type: the engine stores any custom CPU model and its API lists none to check it against'

KNOWN_BUGS = {'input/ovirt/pureboot_vm/cpu_type/unknown_name': _OVIRT_CPU}
