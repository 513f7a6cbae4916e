"""Bugs of the collection the reliability suite shows, and the cases that show them.

A case listed here must still show its bug: the day it is fixed, its test fails saying so, and the entry is
taken out (then docs/reliability.md is rendered again). Every other case must pass outright. (The first
bugs the suite found, a missing ca_file on Proxmox, unbounded timeouts, a negative wait_timeout and the
ignored cluster filter of Proxmox templates, were fixed in e73cac9 and left this list; so did the oVirt
writes libcurl sent a second time on a dead reused connection, fixed by giving every oVirt request its own
connection.)
"""

BRIDGE = ('ProxmoxDriver does not check that a NIC\'s bridge (networks[].network) exists on the node: the VM is made '
          'with it and fails at its first start (OvirtDriver checks its vNIC profiles before creating anything)')


KNOWN_BUGS = {
    'input/proxmox/pureboot_vm/networks[0].network/unknown_name': BRIDGE,
}
