"""Bugs of the collection the reliability suite shows, and the cases that show them.

A case listed here must still show its bug: the day it is fixed, its test fails saying so, and the entry is
taken out (then docs/reliability.md is rendered again). Every other case must pass outright. (The first
bugs the suite found, a missing ca_file on Proxmox, unbounded timeouts, a negative wait_timeout and the
ignored cluster filter of Proxmox templates, were fixed in e73cac9 and left this list; so did the oVirt
writes libcurl sent a second time on a dead reused connection, fixed by giving every oVirt request its own
connection; and the bridge of a Proxmox NIC that was not checked before the clone, fixed for issue 14.)
"""

KNOWN_BUGS = {}
