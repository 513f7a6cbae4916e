"""Run the PureBoot double from the command line until SIGTERM or SIGINT.

python -m ansible_collections.pureboot.hypervisors.tests.simulators.pureboot --host 127.0.0.1 --port 0
prints one line, "pureboot-double listening on https://127.0.0.1:PORT api_key=...", then serves.
"""

import argparse
import shutil
import signal
import sys
import threading

from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.server import PureBootDouble


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(prog='pureboot-double', description='In-memory PureBoot server for tests and demos.')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0, help='0 picks a free port (printed on start)')
    parser.add_argument('--api-key', help='API key to accept (pb_live_<8 hex>_<48 hex>); default: a new one')
    parser.add_argument('--username', default='admin')
    parser.add_argument('--password', default='pureboot-admin')
    parser.add_argument('--token-ttl', type=int, default=900, help='JWT lifetime in seconds')
    parser.add_argument('--cafile-out', help='copy the self-signed certificate (the CA to trust) to this path')
    parser.add_argument('--http', action='store_true', help='plain HTTP instead of HTTPS')
    parser.add_argument('--verbose', action='store_true', help='log each request to stderr')
    parser.add_argument('--workflows-dir', help='directory of workflow files (<workflow_id>.yaml|.yml|.json)')
    parser.add_argument('--advertise-host', help='the address its iPXE scripts give (PUREBOOT_HOST); default: --host')
    parser.add_argument('--advertise-port', type=int, help='the port its iPXE scripts give (PORT); default: its own')
    parser.add_argument(
        '--install-timeout', type=int, default=60, help='minutes; any value but 0 makes /boot of an installing node answer 500, as the real server'
    )
    return parser.parse_args(argv)


def main(argv=None):
    """Start the double, announce it, serve until a signal arrives."""
    args = parse_args(argv)
    double = PureBootDouble(
        host=args.host,
        port=args.port,
        username=args.username,
        password=args.password,
        api_key=args.api_key,
        tls=not args.http,
        token_ttl=args.token_ttl,
        verbose=args.verbose,
        workflows_dir=args.workflows_dir,
        advertise_host=args.advertise_host,
        advertise_port=args.advertise_port,
        install_timeout=args.install_timeout,
    )
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    double.start()
    try:
        if args.cafile_out and double.cafile:
            shutil.copyfile(double.cafile, args.cafile_out)
        print('pureboot-double listening on {0} api_key={1}'.format(double.url, double.api_key), flush=True)
        # Wake up now and then: Event.wait without a timeout would delay signal handling.
        while not stop.wait(0.5):
            pass
    finally:
        double.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
