"""Run the oVirt engine simulator until SIGTERM/SIGINT.

python -m ansible_collections.pureboot.hypervisors.tests.simulators.ovirt --host 127.0.0.1 --port 0 \\
    [--seed default|none|FILE.json] [--delay SECONDS] [--latency SECONDS] [--password PASSWORD] \\
    [--cafile-out PATH] [--ready-file PATH]
"""

import argparse
import json
import os
import shutil
import signal
import sys
import threading

from .server import OvirtEngineSimulator


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog='ovirt-sim', description='Simulated oVirt engine over HTTPS.')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port')
    parser.add_argument('--seed', default='default', help="'default', 'none' or a JSON seed file")
    parser.add_argument('--delay', type=float, default=0.0, help='seconds VMs spend in each transitional state')
    parser.add_argument('--latency', type=float, default=0.0, help='seconds added to every request')
    parser.add_argument('--username', default='admin@internal')
    parser.add_argument('--password', default=os.environ.get('OVIRT_SIM_PASSWORD', 'ovirt-secret'))
    parser.add_argument('--token-ttl', type=float, default=3600.0, help='SSO token lifetime in seconds')
    parser.add_argument('--cafile-out', help='copy the CA certificate (PEM) to this path')
    parser.add_argument('--ready-file', help='write the API URL to this file once listening')
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.seed == 'default':
        seed = 'default'
    elif args.seed == 'none':
        seed = None
    else:
        with open(args.seed, encoding='utf-8') as handle:
            seed = json.load(handle)
    simulator = OvirtEngineSimulator(
        host=args.host,
        port=args.port,
        username=args.username,
        password=args.password,
        seed=seed,
        delay=args.delay,
        latency=args.latency,
        token_ttl=args.token_ttl,
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    simulator.start()
    try:
        if args.cafile_out:
            shutil.copyfile(simulator.cafile, args.cafile_out)
        if args.ready_file:
            # Written whole, then renamed: a watcher never reads a half-written file.
            partial = args.ready_file + '.partial'
            with open(partial, 'w', encoding='utf-8') as handle:
                handle.write(simulator.url + '\n')
            os.replace(partial, args.ready_file)
        print('ovirt-sim listening on %s' % simulator.url, flush=True)
        stop.wait()
    finally:
        simulator.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
