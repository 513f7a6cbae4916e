"""Serve SuitePve as a process, with fakepve's own command line (python -m fakepve --help):

    python -m ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net GUESTS.json --host 127.0.0.1 ...

make demo, make lab and the molecule scenarios start it (tests/simulators/launch.py), so that they meet the same
Proxmox VE rules as the suite: fakepve's command line alone serves fakepve without them.
"""

from fakepve import __main__ as fakepve_command

from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.suite import SuitePve

if __name__ == '__main__':
    # fakepve's serve() makes the server from its module's FakePve: the suite's class in its place is the only change.
    fakepve_command.FakePve = SuitePve
    fakepve_command.main()
