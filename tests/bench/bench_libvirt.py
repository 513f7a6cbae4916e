"""make bench-libvirt: pureboot.hypervisors against community.libvirt on the same real libvirtd.

One private libvirtd (tests/simulators/libvirtd: its own namespace, config and state; QEMU under TCG) serves
both collections, one after the other, with a dir pool, a bare bridge network and a template (a shut-off
domain with the collection's marker and a 64 MiB qcow2 disk). Two scenarios, each a real ansible-playbook or
ansible-inventory process, repeated with the two collections taking turns (median reported):

- lifecycle: a VM from the template with a linked (qcow2 overlay) disk, started, hard-stopped, removed with
  its disk. Ours: three pureboot_vm tasks (state running, stopped, absent). community.libvirt: what it takes
  there: virt_volume (the overlay), virt define (the domain XML), virt running, virt destroyed, virt undefine
  with delete_volumes.
- inventory: N shut-off domains (default 50) listed by ansible-inventory --list: our plugin against
  community.libvirt.libvirt, through the daemon's own socket (no network at all), and again through a relay that
  delays every byte by half of --round-trip-ms (default 1 ms) each way, as the network to a remote libvirtd does.

Requests are the libvirt API calls the daemon served (one per RPC a client made; counted from libvirtd's own
log: PrivateLibvirtd.rpc_calls, a connection's open and close included), wall time is the whole process, CPU its
user and system time with its children's. Each run is checked: the lifecycle leaves no
domain and no volume behind, the inventory lists every domain. Prints a table and, with --docs, writes it
into docs/performance.md between <!-- bench-libvirt:start --> and <!-- bench-libvirt:end -->.
"""

import argparse
import collections
import importlib.metadata
import json
import os
import pathlib
import platform
import queue
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date

import yaml

from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.host import PrivateLibvirtd, short_base_dir, why_unusable

COLLECTIONS_PATH = pathlib.Path(__file__).resolve().parents[5]
BIN = pathlib.Path(sys.executable).parent
POOL = 'bench'
NETWORK = 'bench-net'
TEMPLATE = 'bench-tpl'
VM = 'bench-vm'
INVENTORY_PREFIX = 'bench-inv-'
START_MARK = '<!-- bench-libvirt:start -->'
END_MARK = '<!-- bench-libvirt:end -->'


def environment(workdir, anchors):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'PUREBOOT_'))}
    env.update(
        {
            'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([str(COLLECTIONS_PATH), str(anchors)]),
            'ANSIBLE_HOME': str(workdir / 'ansible-home'),
            'ANSIBLE_CONFIG': str(workdir / 'none.cfg'),
            'ANSIBLE_LOCAL_TEMP': str(workdir / 'ansible-tmp'),
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true',
            'PATH': '{0}{1}{2}'.format(BIN, os.pathsep, env.get('PATH', '')),
        }
    )
    return env


def ours_lifecycle(uri):
    hypervisor = {'type': 'libvirt', 'name': 'bench-kvm', 'api_url': uri}
    return [
        {
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                {'pureboot.hypervisors.pureboot_vm': {'hypervisor': hypervisor, 'name': VM, 'template': TEMPLATE, 'clone_mode': 'linked', 'state': 'running'}},
                {'pureboot.hypervisors.pureboot_vm': {'hypervisor': hypervisor, 'name': VM, 'state': 'stopped', 'force': True}},
                {'pureboot.hypervisors.pureboot_vm': {'hypervisor': hypervisor, 'name': VM, 'state': 'absent', 'force': True}},
            ],
        }
    ]


def anchor_lifecycle(uri, host, template_disk):
    disk = os.path.join(host.pool_path(POOL), VM + '.qcow2')
    volume = (
        "<volume><name>{0}.qcow2</name><capacity unit='M'>64</capacity><target><format type='qcow2'/></target>"
        "<backingStore><path>{1}</path><format type='qcow2'/></backingStore></volume>"
    ).format(VM, template_disk)
    return [
        {
            'hosts': 'localhost',
            'gather_facts': False,
            'tasks': [
                {'community.libvirt.virt_volume': {'uri': uri, 'pool': POOL, 'state': 'present', 'xml': volume}},
                {
                    'community.libvirt.virt': {
                        'uri': uri,
                        'command': 'define',
                        'xml': host.domain_xml(VM, disks=[disk], networks=[NETWORK], boot=('hd', 'network')),
                    }
                },
                {'community.libvirt.virt': {'uri': uri, 'name': VM, 'state': 'running'}},
                {'community.libvirt.virt': {'uri': uri, 'name': VM, 'state': 'destroyed'}},
                {'community.libvirt.virt': {'uri': uri, 'name': VM, 'command': 'undefine', 'flags': ['delete_volumes']}},
            ],
        }
    ]


def children_cpu():
    """CPU seconds (user and system) of this process's children that have ended and been waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(argv, workdir, env, name):
    """One ansible-* process; returns its wall time in seconds and its output. Fails with its output when it fails."""
    started = time.monotonic()
    result = subprocess.run([str(arg) for arg in argv], env=env, cwd=str(workdir), capture_output=True, text=True, check=False, timeout=900)
    seconds = time.monotonic() - started
    (workdir / (name + '.out')).write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise SystemExit('{0} failed ({1}): {2}'.format(name, result.returncode, (result.stdout + result.stderr)[-3000:]))
    return seconds, result.stdout


def measure(host, scenario, repeat, contenders):
    """Run each contender's once() `repeat` times, interleaved (A B, B A, A B, ...) so that a change of the machine's
    load falls on both collections alike; returns one row per contender: median seconds and CPU, the API calls the
    daemon served. contenders: (label, once, check) tuples."""
    runs = {label: [] for label, _once, _check in contenders}
    for index in range(repeat):
        order = contenders if index % 2 == 0 else list(reversed(contenders))
        for label, once, check in order:
            mark = host.log_mark()
            cpu = children_cpu()
            seconds, output = once(index)
            cpu = children_cpu() - cpu
            calls = host.rpc_calls(mark)
            check(output)
            runs[label].append({'seconds': seconds, 'cpu': cpu, 'calls': calls})
    rows = []
    for label, _once, _check in contenders:
        row = {
            'scenario': scenario,
            'collection': label,
            'seconds': round(statistics.median(r['seconds'] for r in runs[label]), 2),
            'cpu': round(statistics.median(r['cpu'] for r in runs[label]), 2),
            'requests': int(statistics.median(len(r['calls']) for r in runs[label])),
            'runs': repeat,
            'top_calls': collections.Counter(runs[label][-1]['calls']).most_common(5),
        }
        print(
            '  {scenario:<10} {collection:<38} {seconds:>7.2f} s {cpu:>6.2f} s CPU {requests:>6} RPCs   top: {0}'.format(
                ', '.join('{0} x{1}'.format(name, count) for name, count in row['top_calls']), **row
            ),
            flush=True,
        )
        rows.append(row)
    return rows


def lifecycle_rows(host, workdir, env, anchors_label, template_disk, repeat):
    conn = host.connect()

    def clean(_output):
        left = [dom.name() for dom in conn.listAllDomains() if dom.name() != TEMPLATE]
        pool = conn.storagePoolLookupByName(POOL)
        pool.refresh()
        volumes = [name for name in pool.listVolumes() if name != TEMPLATE + '.qcow2']
        if left or volumes:
            raise SystemExit('lifecycle left domains {0} and volumes {1} behind'.format(left, volumes))

    def playbook(plays, name):
        path = workdir / (name + '.yml')
        path.write_text(yaml.safe_dump(plays, sort_keys=False))
        return lambda index: run([BIN / 'ansible-playbook', '-i', 'localhost,', '-c', 'local', path], workdir, env, '{0}-{1}'.format(name, index))

    return measure(
        host,
        'lifecycle',
        repeat,
        [
            ('pureboot.hypervisors.pureboot_vm', playbook(ours_lifecycle(host.uri), 'ours-lifecycle'), clean),
            (anchors_label + ' virt, virt_volume', playbook(anchor_lifecycle(host.uri, host, template_disk), 'anchor-lifecycle'), clean),
        ],
    )


def define_inventory_domains(host, count):
    conn = host.connect()
    for index in range(count):
        conn.defineXML(host.domain_xml('{0}{1:03d}'.format(INVENTORY_PREFIX, index), networks=[NETWORK], boot=('network',)))


def inventory_rows(host, uri, scenario, workdir, env, anchors_label, count, repeat):
    """Both inventory plugins listing the count domains through uri (the daemon's socket, or a relay to it)."""

    def inventory(config, name):
        path = workdir / name
        path.write_text(yaml.safe_dump(config))
        return lambda index: run([BIN / 'ansible-inventory', '-i', path, '--list'], workdir, env, '{0}-{1}'.format(name, index))

    def lists_all(output):
        hosts = [name for name in json.loads(output[output.index('{') :])['_meta']['hostvars'] if name.startswith(INVENTORY_PREFIX)]
        if len(hosts) != count:
            raise SystemExit('the inventory listed {0} of the {1} domains'.format(len(hosts), count))

    ours = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': [{'type': 'libvirt', 'name': 'bench-kvm', 'api_url': uri}]}
    anchor = {'plugin': 'community.libvirt.libvirt', 'uri': uri}
    return measure(
        host,
        scenario,
        repeat,
        [
            ('pureboot.hypervisors.pureboot', inventory(ours, '{0}.pureboot.yml'.format(scenario)), lists_all),
            (anchors_label + ' libvirt (inventory)', inventory(anchor, '{0}.libvirt.yml'.format(scenario)), lists_all),
        ],
    )


class DelayingRelay:
    """A unix socket whose every connection is relayed to the daemon's socket, each chunk of bytes passed on
    round_trip / 2 seconds after it arrived, in both directions: a network between the controller and a remote
    libvirtd (qemu+ssh, qemu+tls) with that round-trip time and no bandwidth limit. An RPC then costs one round
    trip, and RPCs in flight at once (libvirt's client multiplexes the calls of several threads over one
    connection) share it, as on a network."""

    def __init__(self, target, path, round_trip):
        self.target, self.delay = target, round_trip / 2.0
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(str(path))
        self.listener.listen(64)
        threading.Thread(target=self._accept, name='delaying-relay', daemon=True).start()

    def close(self):
        self.listener.close()

    def _accept(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pass_on, args=(source, sink), daemon=True).start()

    def _pass_on(self, source, sink):
        chunks = queue.Queue()

        def send():
            while True:
                due, data = chunks.get()
                time.sleep(max(0.0, due - time.monotonic()))
                try:
                    if not data:
                        sink.shutdown(socket.SHUT_WR)
                        return
                    sink.sendall(data)
                except OSError:
                    return

        threading.Thread(target=send, daemon=True).start()
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b''
            chunks.put((time.monotonic() + self.delay, data))
            if not data:
                return


def collection_version(anchors, namespace, name):
    manifest = pathlib.Path(anchors) / 'ansible_collections' / namespace / name / 'MANIFEST.json'
    return json.loads(manifest.read_text())['collection_info']['version']


def table(rows, count, repeat, versions, loads, round_trip_ms):
    import ansible.release  # pylint: disable=import-outside-toplevel
    import libvirt  # pylint: disable=import-outside-toplevel

    lines = [
        'Measured by `make bench-libvirt` on {0}: {1}, libvirtd {2} (libvirt-python {3}), ansible-core {4}, '
        'Python {5}, {6} CPUs; median of {7} runs each, the collections taking turns. CPU: user and system time of the ansible-* process and its '
        "children (forks, modules), which the machine's load moves far less than the wall time; load average "
        '(1 minute) {8} at the start and {9} at the end. QEMU runs guests under TCG.'.format(
            date.today().isoformat(),
            versions,
            _version(libvirt.getVersion()),
            importlib.metadata.version('libvirt-python'),
            ansible.release.__version__,
            platform.python_version(),
            os.cpu_count(),
            repeat,
            loads[0],
            loads[1],
        ),
        '',
        '| scenario | collection | wall time (s) | CPU (s) | RPCs to libvirtd | most frequent RPCs |',
        '|---|---|---:|---:|---:|---|',
    ]
    for row in rows:
        scenario = {
            'lifecycle': 'lifecycle',
            'inventory': 'inventory of {0} domains'.format(count),
            'inventory-delayed': 'inventory of {0} domains, {1:g} ms round trip'.format(count, round_trip_ms),
        }[row['scenario']]
        lines.append(
            '| {0} | {1} | {2:.2f} | {3:.2f} | {4} | {5} |'.format(
                scenario,
                row['collection'],
                row['seconds'],
                row['cpu'],
                row['requests'],
                ', '.join('`{0}` x{1}'.format(name, calls) for name, calls in row['top_calls']),
            )
        )
    return '\n'.join(lines)


def _version(number):
    return '{0}.{1}.{2}'.format(number // 1000000, number // 1000 % 1000, number % 1000)


def write_doc(path, text):
    doc = path.read_text()
    start, end = doc.index(START_MARK) + len(START_MARK), doc.index(END_MARK)
    path.write_text(doc[:start] + '\n' + text + '\n' + doc[end:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--anchors', required=True, help='folder holding ansible_collections/community/libvirt')
    parser.add_argument('--docs', help='docs folder: write the table into performance.md')
    parser.add_argument('--domains', type=int, default=50, help='domains in the inventory scenario')
    parser.add_argument(
        '--round-trip-ms', type=float, default=1.0, help='also list the domains through a relay adding this round-trip time to every RPC (0: not)'
    )
    parser.add_argument('--repeat', type=int, default=3, help='runs per scenario and collection (median reported)')
    parser.add_argument('--keep', action='store_true', help='keep the work folder (playbooks, outputs, daemon logs)')
    parser.add_argument('--breakdown', action='store_true', help='also time the phases of one inventory run of each collection (inventory_breakdown.py)')
    args = parser.parse_args()
    problem = why_unusable()
    if problem:
        raise SystemExit(problem)
    versions = 'community.libvirt {0}'.format(collection_version(args.anchors, 'community', 'libvirt'))
    workdir = pathlib.Path(tempfile.mkdtemp(prefix='pbh-bench-libvirt-'))
    env = environment(workdir, args.anchors)
    loads = [os.getloadavg()[0]]
    try:
        rows = bench(workdir, env, args)
        loads.append(os.getloadavg()[0])
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    text = table(rows, args.domains, args.repeat, versions, ['{0:.2f}'.format(load) for load in loads], args.round_trip_ms)
    print('\n' + text)
    if args.docs:
        write_doc(pathlib.Path(args.docs) / 'performance.md', text)


def bench(workdir, env, args):
    """Both scenarios, both collections, on one private libvirtd; returns the table's rows."""
    with PrivateLibvirtd(short_base_dir(workdir / 'libvirtd')) as host:
        host.define_pool(POOL)
        host.define_network(NETWORK)
        host.seed_template(TEMPLATE, POOL, NETWORK)
        template_disk = os.path.join(host.pool_path(POOL), TEMPLATE + '.qcow2')
        print('private libvirtd {0} (namespace {1}); work in {2}'.format(host.uri, host.netns, workdir), flush=True)
        rows = lifecycle_rows(host, workdir, env, 'community.libvirt', template_disk, args.repeat)
        define_inventory_domains(host, args.domains)
        rows += inventory_rows(host, host.uri, 'inventory', workdir, env, 'community.libvirt', args.domains, args.repeat)
        if args.round_trip_ms:
            relay_path = workdir / 'delayed-sock'
            relay = DelayingRelay(host.socket_path, relay_path, args.round_trip_ms / 1000.0)
            try:
                uri = 'qemu+unix:///system?socket={0}'.format(relay_path)
                rows += inventory_rows(host, uri, 'inventory-delayed', workdir, env, 'community.libvirt', args.domains, args.repeat)
            finally:
                relay.close()
        if args.breakdown:
            for name in ('inventory.pureboot.yml', 'inventory.libvirt.yml'):
                report = workdir / (name + '.breakdown.json')
                breakdown = pathlib.Path(__file__).resolve().parent / 'inventory_breakdown.py'
                run([sys.executable, breakdown, report, '-i', workdir / name, '--list'], workdir, env, name + '-breakdown')
                print('breakdown of {0}: {1}'.format(name, report.read_text().replace('\n', '')), flush=True)
    return rows


if __name__ == '__main__':
    main()
