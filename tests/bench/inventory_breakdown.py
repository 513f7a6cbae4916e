"""One `ansible-inventory --list` run, timed phase by phase: where each second of an inventory goes.

    python tests/bench/inventory_breakdown.py REPORT.json -i SOURCE --list

Runs ansible-core's own inventory CLI in this process, as the `ansible-inventory` script does, with clocks
hooked onto it; the output is the CLI's own. REPORT.json receives:

- `started`: seconds from the process's start (the kernel's record of it) to this script's first line: the
  interpreter starting (site, the virtualenv's .pth files).
- `to_parse`: from there to the inventory sources' parsing: importing and setting up ansible-core (its CLI, config,
  plugin loaders).
- `parse`: parsing the sources: finding and importing the inventory plugin with what it imports, and its `parse()`;
  within it, for the pureboot plugin: `fetch` (the requests, in parallel), `populate` (the hosts and their
  variables into ansible-core's inventory), `unsafe` (marking values unsafe, inside `populate`).
- `inventory_json`: the CLI gathering every host's variables for `--list`; `dump`: encoding it as JSON.
- `total`: from the process's start to the end of the CLI's work.
- `worker_cpu`: CPU seconds of the threads other than the main one (the plugin's parallel requests), with the
  CPU spent in TLS handshakes, in reading and writing TLS records, in decoding JSON answers and in requests'
  per-request look-up of proxy and CA settings in the environment, each measured with the calling thread's own
  CPU clock; `handshakes`: the TLS handshakes made.
- `main_cpu`, `cpu`: the main thread's and the whole process's CPU seconds.
"""

import json
import os
import ssl
import sys
import threading
import time

FIRST_LINE = time.monotonic()


def process_age():
    """Seconds since the kernel started this process (its start time is kept in clock ticks since boot)."""
    with open('/proc/self/stat') as stat:
        started = int(stat.read().rsplit(')', 1)[1].split()[19]) / os.sysconf('SC_CLK_TCK')
    with open('/proc/uptime') as uptime:
        return float(uptime.read().split()[0]) - started


STARTED = process_age()
REPORT = {'started': STARTED, 'handshakes': 0}
CPU = {'worker': 0.0, 'tls_handshake': 0.0, 'tls_io': 0.0, 'json_decode': 0.0, 'environment_lookup': 0.0}
LOCK = threading.Lock()


def since_start():
    return STARTED + time.monotonic() - FIRST_LINE


def add(key, seconds):
    with LOCK:
        CPU[key] += seconds


def cpu_timed(owner, name, key, count=None):
    """Replace owner.name by a wrapper adding the calling thread's CPU time in it to CPU[key]."""
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        begin = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            add(key, time.thread_time() - begin)
            if count:
                with LOCK:
                    REPORT[count] += 1

    setattr(owner, name, timed)


def wall_timed(owner, name, key):
    """Replace owner.name by a wrapper adding its wall time to REPORT[key] (a static method stays one)."""
    original = getattr(owner, name)
    static = isinstance(vars(owner).get(name), staticmethod)

    def timed(*args, **kwargs):
        begin = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            REPORT[key] = REPORT.get(key, 0.0) + time.monotonic() - begin

    setattr(owner, name, staticmethod(timed) if static else timed)


def hook_threads():
    run = threading.Thread.run

    def counted(self):
        try:
            run(self)
        finally:
            add('worker', time.thread_time())

    threading.Thread.run = counted


def hook_network():
    cpu_timed(ssl.SSLSocket, 'do_handshake', 'tls_handshake', count='handshakes')
    # recv_into reads through read(), sendall writes through send(): one of each, so nothing counts twice.
    for name in ('read', 'sendall'):
        cpu_timed(ssl.SSLSocket, name, 'tls_io')
    import json as json_module

    cpu_timed(json_module, 'loads', 'json_decode')
    try:
        import requests.sessions
    except ImportError:
        return
    cpu_timed(requests.sessions.Session, 'merge_environment_settings', 'environment_lookup')


def hook_plugins():
    """The inventory plugins' parse(); for the pureboot plugin its fetch, populate and unsafe marking."""
    from ansible.plugins.inventory import BaseInventoryPlugin

    parse = BaseInventoryPlugin.parse

    def first_parse(self, *args, **kwargs):
        module = sys.modules.get(type(self).__module__)
        if module is not None and hasattr(module, 'make_unsafe') and not getattr(module, '_breakdown_hooked', False):
            module._breakdown_hooked = True
            wall_timed(type(self), '_fetch', 'fetch')
            wall_timed(type(self), '_populate', 'populate')
            wall_timed(module, 'make_unsafe', 'unsafe')
        return parse(self, *args, **kwargs)

    BaseInventoryPlugin.parse = first_parse


def main():
    report_path, sys.argv = sys.argv[1], ['ansible-inventory'] + sys.argv[2:]
    hook_threads()
    hook_network()
    from ansible.cli.inventory import InventoryCLI
    from ansible.inventory.manager import InventoryManager

    hook_plugins()
    parse_sources = InventoryManager.parse_sources

    def parse_timed(self, *args, **kwargs):
        REPORT.setdefault('to_parse', since_start() - STARTED)
        begin = time.monotonic()
        try:
            return parse_sources(self, *args, **kwargs)
        finally:
            REPORT['parse'] = REPORT.get('parse', 0.0) + time.monotonic() - begin

    InventoryManager.parse_sources = parse_timed
    wall_timed(InventoryCLI, 'json_inventory', 'inventory_json')
    wall_timed(InventoryCLI, 'dump', 'dump')
    status = 0
    try:
        InventoryCLI.cli_executor(sys.argv)
    except SystemExit as exc:
        status = exc.code or 0
    finally:
        REPORT['total'] = since_start()
        times = os.times()
        REPORT['cpu'] = times.user + times.system
        REPORT['main_cpu'] = time.thread_time()
        REPORT['worker_cpu'] = CPU.pop('worker')
        REPORT['worker_cpu_in'] = CPU
        with open(report_path, 'w') as report:
            json.dump(REPORT, report, indent=1)
    sys.exit(status)


if __name__ == '__main__':
    main()
