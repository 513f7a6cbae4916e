"""make bench: the pureboot inventory plugin against community.proxmox's and ovirt.ovirt's, on the same data.

For each N, fakepve and the oVirt simulator are filled with N VMs over several nodes / clusters and answer
every request after a fixed latency standing for a real network. Each inventory plugin then runs as a real
`ansible-inventory --list` process; we record its wall time, its peak memory (the child's own maxrss, from
wait4) and the requests the server saw. The table goes to stdout and into docs/performance.md, the plot to
docs/performance.png.

    python tests/bench/bench_inventory.py --sizes 100,1000,5000 --latency 0.01
"""

import argparse
import asyncio
import json
import math
import os
import pathlib
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time

import yaml
from fakepve import FakePve
from fakepve.certs import make_cert

from ansible_collections.pureboot.hypervisors.tests.simulators.ovirt.server import OvirtEngineSimulator

HERE = pathlib.Path(__file__).resolve()
COLLECTION = HERE.parents[2]
COLLECTIONS_PATH = COLLECTION.parents[2]
BIN = pathlib.Path(sys.executable).parent
PVE_NODES = ('pve1', 'pve2', 'pve3', 'pve4')
OVIRT_CLUSTERS = ('Default', 'Cluster2', 'Cluster3')
START, END = '<!-- bench:start -->', '<!-- bench:end -->'


class ServedPve:
    """A FakePve on its own event loop thread, with N running VMs spread over PVE_NODES."""

    def __init__(self, count, latency, workdir, prefix='pve-vm', offset=0):
        self.certfile, self.keyfile, _der = make_cert(str(workdir), name='fakepve', hosts=('127.0.0.1',))
        self.pve = FakePve(user='root@pam', password='bench-secret', host='127.0.0.1', port=0)
        self.pve.max_requests = 10**8
        for node in PVE_NODES:
            self.pve.add_node(node)
        for index in range(offset, offset + count):
            vmid = 1000 + index
            vm = self.pve.add_vm(
                vmid,
                '{0}{1:05d}'.format(prefix, index),
                node=PVE_NODES[index % len(PVE_NODES)],
                status='running',
                config={
                    'cores': 2,
                    'memory': 2048,
                    'ostype': 'l26',
                    'agent': '1',
                    'net0': 'virtio=BC:24:11:{0:02X}:{1:02X}:{2:02X},bridge=vmbr0'.format(index >> 16 & 255, index >> 8 & 255, index & 255),
                    'scsi0': 'local-lvm:vm-{0}-disk-0,size=8G'.format(vmid),
                    'smbios1': 'uuid=00000000-0000-4000-8000-{0:012d}'.format(vmid),
                },
            )
            vm.agent = {}
        # Every client address (host, port) a request came from: one per connection.
        self.peers = set()
        record = self.pve._record

        def recorded(request, body):
            self.peers.add(request.transport.get_extra_info('peername') if request.transport else None)
            return record(request, body)

        self.pve._record = recorded
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.pve.start(self.certfile, self.keyfile), self.loop).result(30)
        # Latency is in PVE seconds, scaled by time_scale; reads start no task, so scale 1 is safe.
        self.pve.time_scale = 1.0
        self.pve.slow_network(latency)

    def request_count(self):
        return len(self.pve.requests)

    def connection_count(self):
        """The TCP (and so TLS) connections clients opened so far."""
        return len(self.peers)

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.pve.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


def served_ovirt(count, latency):
    sim = OvirtEngineSimulator(password='bench-secret', seed='default', latency=0.0)
    for cluster in OVIRT_CLUSTERS[1:]:
        sim.state.add_cluster(cluster, 'Default')
        sim.state.add_host('{0}-host1'.format(cluster.lower()), cluster)
    sim.state.add_vms(count, list(OVIRT_CLUSTERS), template='rhel9-tpl', prefix='ovirt-vm', status='down', running_every=1)
    sim.start()
    sim.latency = latency
    return sim


def inventory_environment(workdir):
    """The environment of every ansible-inventory run: this collection and the anchors, no user configuration."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith('ANSIBLE_')}
    environment.update(
        {
            'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([str(COLLECTIONS_PATH)] + ANCHORS),
            'ANSIBLE_HOME': str(workdir / 'ansible-home'),
            'ANSIBLE_CONFIG': str(workdir / 'none.cfg'),
            'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
        }
    )
    return environment


def run_inventory(workdir, name, config, env=None, verbose=False):
    """One ansible-inventory --list; returns (seconds, peak RSS in MiB, host count, the plugin's own seconds or None)."""
    source = workdir / name
    source.write_text(json.dumps(config) if name.endswith('.json') else yaml.safe_dump(config))
    environment = inventory_environment(workdir)
    environment.update(env or {})
    output = workdir / (name + '.json')
    started = time.monotonic()
    with open(output, 'w') as stdout, open(workdir / (name + '.err'), 'w') as stderr:
        process = subprocess.Popen(
            [str(BIN / 'ansible-inventory'), '-i', str(source), '--list'] + (['-vvv'] if verbose else []),
            stdout=stdout,
            stderr=stderr,
            env=environment,
            cwd=str(workdir),
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    if status != 0:
        raise RuntimeError('{0} failed: {1}'.format(name, (workdir / (name + '.err')).read_text()[-2000:]))
    text = output.read_text()
    found = re.search(r'pureboot inventory: \d+ hosts in ([0-9.]+)s', text + (workdir / (name + '.err')).read_text())
    hosts = len(json.loads(text[text.index('{') :])['_meta']['hostvars'])
    return seconds, usage.ru_maxrss / 1024.0, hosts, float(found.group(1)) if found else None


def measure(label, server, workdir, name, config, env=None, verbose=False, repeat=None):
    """Run the source `repeat` times (--repeat; 1 for a run that changes what the next one sees): the median wall
    time (and its run's plugin time), the highest peak memory, the requests of one run."""
    runs = []
    for _run in range(REPEAT if repeat is None else repeat):
        before = server.request_count()
        seconds, memory, hosts, plugin_seconds = run_inventory(workdir, name, config, env, verbose)
        runs.append((seconds, memory, hosts, plugin_seconds, server.request_count() - before))
    seconds, _memory, hosts, plugin_seconds, requests = sorted(runs)[len(runs) // 2]
    row = {
        'plugin': label,
        'seconds': round(seconds, 2),
        'peak_mib': round(max(run[1] for run in runs), 1),
        'hosts': hosts,
        'requests': requests,
        'plugin_seconds': round(plugin_seconds, 3) if plugin_seconds is not None else None,
        'runs': [round(run[0], 2) for run in runs],
    }
    print(
        '  {plugin:<38} {seconds:>8.2f} s {peak_mib:>8.1f} MiB {requests:>7} requests {hosts:>6} hosts'.format(**row)
        + ('   (plugin: {0:.3f} s)'.format(plugin_seconds) if plugin_seconds is not None else '')
        + ('   (runs: {0})'.format(', '.join('{0:.2f}'.format(r) for r in row['runs'])) if len(runs) > 1 else ''),
        flush=True,
    )
    return row


class OvirtCounter:
    def __init__(self, sim):
        self.sim = sim

    def request_count(self):
        return len(self.sim.requests)


def bench_size(count, latency, workdir, backends, breakdown=False):
    rows = []
    LOAD[count] = [os.getloadavg()[0]]
    pve = ServedPve(count, latency, workdir)
    ovirt = served_ovirt(count, latency)
    try:
        pve_connection = {
            'name': 'pve-bench',
            'type': 'proxmox',
            'api_url': pve.pve.url,
            'username': 'root@pam',
            'password': 'bench-secret',
            'ca_file': pve.certfile,
        }
        ovirt_connection = {
            'name': 'ovirt-bench',
            'type': 'ovirt',
            'api_url': ovirt.url,
            'username': ovirt.username,
            'password': 'bench-secret',
            'ca_file': ovirt.cafile,
        }
        ours = {'plugin': 'pureboot.hypervisors.pureboot'}
        if 'proxmox' in backends:
            rows.extend(bench_proxmox(count, pve, pve_connection, ours, workdir, breakdown))
        if 'ovirt' in backends:
            rows.extend(bench_ovirt(count, OvirtCounter(ovirt), ovirt, ovirt_connection, ours, workdir))
        connections = [c for c, b in ((pve_connection, 'proxmox'), (ovirt_connection, 'ovirt')) if b in backends]
        cached = dict(
            ours, hypervisors=connections, cache=True, cache_plugin='ansible.builtin.jsonfile', cache_connection=str(workdir / 'cache'), cache_timeout=3600
        )
        both = _Both(pve, OvirtCounter(ovirt))
        measure('pureboot (all, filling the cache)', both, workdir, 'cached.pureboot.yml', cached, repeat=1)
        rows.append(dict(measure('pureboot (all, cached)', both, workdir, 'cached.pureboot.yml', cached, verbose=True), n=count, backend='all'))
        # A point of comparison: ansible-core loading the same hosts, groups and hostvars from a static file.
        rows.append(
            dict(
                measure('static JSON file, same hosts (reference)', both, workdir, 'static.json', static_inventory(workdir / 'cached.pureboot.yml.json')),
                n=count,
                backend='all',
            )
        )
    finally:
        pve.stop()
        ovirt.stop()
        LOAD[count].append(os.getloadavg()[0])
    return rows


def bench_many(total, hypervisors, latency, workdir):
    """total VMs spread over `hypervisors` Proxmox clusters (a fakepve each), listed by one source: the wall time
    and the peak memory of the ansible-inventory process."""
    LOAD['many'] = [os.getloadavg()[0]]
    each = total // hypervisors
    servers = []
    try:
        for index in range(hypervisors):
            folder = workdir / 'pve{0}'.format(index)
            folder.mkdir()
            servers.append(ServedPve(each, latency, folder, prefix='pve{0}-vm'.format(index), offset=index * each))
        connections = [
            {
                'name': 'pve{0}'.format(index),
                'type': 'proxmox',
                'api_url': server.pve.url,
                'username': 'root@pam',
                'password': 'bench-secret',
                'ca_file': server.certfile,
            }
            for index, server in enumerate(servers)
        ]
        source = {'plugin': 'pureboot.hypervisors.pureboot', 'hypervisors': connections}
        row = measure('pureboot ({0} Proxmox clusters)'.format(hypervisors), _Both(*servers), workdir, 'many.pureboot.yml', source, verbose=True, repeat=1)
    finally:
        for server in servers:
            server.stop()
        LOAD['many'].append(os.getloadavg()[0])
    return dict(row, n=total, hypervisors=hypervisors)


def many_table(row, latency):
    return '\n'.join(
        [
            'Latency per request: {0:.0f} ms. Measured by `make bench` (`--many {1}:{2}`) on {3}; load average (1 minute) {4:.2f} at '
            'the start and {5:.2f} at the end.'.format(latency * 1000, row['n'], row['hypervisors'], time.strftime('%Y-%m-%d'), *LOAD['many']),
            '',
            '| VMs | hypervisors | wall time (s) | plugin (s) | peak memory (MiB) | requests | hosts |',
            '|---:|---:|---:|---:|---:|---:|---:|',
            '| {n} | {hypervisors} | {seconds:.2f} | {0} | {peak_mib:.1f} | {requests} | {hosts} |'.format(
                '{0:.2f}'.format(row['plugin_seconds']) if row.get('plugin_seconds') else '–', **row
            ),
        ]
    )


def static_inventory(listing_path):
    """The hosts, groups and hostvars of an `ansible-inventory --list` output, as a static inventory file."""
    text = listing_path.read_text()
    listing = json.loads(text[text.index('{') :])
    hostvars = listing.pop('_meta')['hostvars']
    groups = {name: {'hosts': dict.fromkeys(group.get('hosts', []))} for name, group in listing.items() if name not in ('all', 'ungrouped')}
    return {'all': {'hosts': hostvars, 'children': groups}}


def bench_proxmox(count, pve, connection, ours, workdir, breakdown=False):
    source = dict(ours, hypervisors=[connection])
    rows = [dict(measure('pureboot (proxmox)', pve, workdir, 'ours.pureboot.yml', source), n=count, backend='proxmox')]
    # The floor's first part: ansible-core loading the same hosts, groups and hostvars from a static file.
    static = static_inventory(workdir / 'ours.pureboot.yml.json')
    rows.append(dict(measure(STATIC_PROXMOX, pve, workdir, 'static-proxmox.json', static), n=count, backend='proxmox'))
    if breakdown:
        BREAKDOWN[count] = {'plugin': run_breakdown(workdir, 'ours.pureboot.yml', pve), 'static': run_breakdown(workdir, 'static-proxmox.json', pve)}
    return rows + [
        # want_facts makes community.proxmox read each VM's config (MACs) and its guest agent (IPs).
        dict(
            measure(
                'community.proxmox.proxmox (want_facts)',
                pve,
                workdir,
                'anchor.proxmox.yml',
                {
                    'plugin': 'community.proxmox.proxmox',
                    'url': pve.pve.url,
                    'user': 'root@pam',
                    'password': 'bench-secret',
                    'validate_certs': True,
                    'want_facts': True,
                },
                env={'REQUESTS_CA_BUNDLE': pve.certfile},
            ),
            n=count,
            backend='proxmox',
        )
    ]


def run_breakdown(workdir, name, server):
    """The source already written as `name` once more, under inventory_breakdown.py: its phases (a dict)."""
    report = workdir / (name + '.breakdown.json')
    before, peers_before = server.request_count(), server.connection_count()
    environment = inventory_environment(workdir)
    LOAD.setdefault('breakdown', []).append(os.getloadavg()[0])
    started = time.monotonic()
    with open(workdir / (name + '.breakdown.out'), 'w') as stdout, open(workdir / (name + '.breakdown.err'), 'w') as stderr:
        subprocess.run(
            [sys.executable, str(HERE.parent / 'inventory_breakdown.py'), str(report), '-i', str(workdir / name), '--list'],
            stdout=stdout,
            stderr=stderr,
            env=environment,
            cwd=str(workdir),
            check=True,
        )
    phases = json.loads(report.read_text())
    phases['wall'] = time.monotonic() - started
    phases['requests'] = server.request_count() - before
    phases['connections'] = server.connection_count() - peers_before
    print('  breakdown of {0}: {1}'.format(name, json.dumps(phases)), flush=True)
    return phases


def bench_ovirt(count, counter, ovirt, connection, ours, workdir):
    return [
        dict(measure('pureboot (ovirt)', counter, workdir, 'ours-ovirt.pureboot.yml', dict(ours, hypervisors=[connection])), n=count, backend='ovirt'),
        dict(
            measure(
                'ovirt.ovirt.ovirt',
                counter,
                workdir,
                'anchor.ovirt.yml',
                {
                    'plugin': 'ovirt.ovirt.ovirt',
                    'ovirt_url': ovirt.url,
                    'ovirt_username': ovirt.username,
                    'ovirt_password': 'bench-secret',
                    'ovirt_cafile': ovirt.cafile,
                },
            ),
            n=count,
            backend='ovirt',
        ),
    ]


class _Both:
    def __init__(self, *servers):
        self.servers = servers

    def request_count(self):
        return sum(s.request_count() for s in self.servers)


def anchor_versions(roots=None):
    """'community.proxmox 2.0.0, ovirt.ovirt 3.2.2': the compared collections, as found in the anchors folders
    (roots; by default this bench's)."""
    found = []
    for root in ANCHORS if roots is None else roots:
        for manifest in sorted(pathlib.Path(root).glob('ansible_collections/*/*/MANIFEST.json')):
            info = json.loads(manifest.read_text())['collection_info']
            found.append('{namespace}.{name} {version}'.format(**info))
    return ', '.join(found)


def table(rows, latency):
    from ansible.release import __version__ as ansible_core

    load = '; '.join('N = {0}: {1:.2f} to {2:.2f}'.format(count, *LOAD[count]) for count in sorted(k for k in LOAD if isinstance(k, int)))
    lines = [
        'Latency per request: {0:.0f} ms. Measured by `make bench` on {1}{2}. Wall time is the whole'.format(
            latency * 1000, time.strftime('%Y-%m-%d'), ', the median of {0} runs each (the cache filled once)'.format(REPEAT) if REPEAT > 1 else ''
        ),
        '`ansible-inventory --list` process; for the cached run, "plugin" is the time the plugin itself took (its `-vvv`',
        'line), the rest being ansible-inventory starting and writing its JSON.',
        '',
        'Compared with {0}, on ansible-core {1} and Python {2} ({3} CPUs).'.format(anchor_versions(), ansible_core, platform.python_version(), os.cpu_count()),
        'Load average (1 minute) of the machine, shared with other work, as each N started and ended: {0}.'.format(load),
        '',
        '| N | plugin | wall time (s) | peak memory (MiB) | requests | hosts |',
        '|---:|---|---:|---:|---:|---:|',
    ]
    for row in rows:
        plugin = row['plugin'] + (' (plugin: {0:.2f} s)'.format(row['plugin_seconds']) if row.get('plugin_seconds') else '')
        lines.append('| {n} | {0} | {seconds:.2f} | {peak_mib:.1f} | {requests} | {hosts} |'.format(plugin, **row))
    speed = []
    for count in sorted({r['n'] for r in rows}):
        by = {r['plugin']: r for r in rows if r['n'] == count}
        for ours, anchor in (('pureboot (proxmox)', 'community.proxmox.proxmox (want_facts)'), ('pureboot (ovirt)', 'ovirt.ovirt.ovirt')):
            if ours in by and anchor in by:
                speed.append('| {0} | {1} | {2:.1f}x |'.format(count, anchor, by[anchor]['seconds'] / by[ours]['seconds']))
    lines += ['', '| N | compared with | pureboot is faster by |', '|---:|---|---:|'] + speed
    floors = floor_rows(rows, latency)
    if floors:
        lines += [
            '',
            'The floor of the Proxmox inventory: ansible-core loading the same hosts from a static file (its run in the',
            'table above) plus the requests the plugin sent, {0} at a time (max_workers), each waiting {1:.0f} ms:'.format(WORKERS, latency * 1000),
            '',
            '| N | pureboot (proxmox) (s) | static file, same hosts (s) | requests | floor (s) | pureboot / floor |',
            '|---:|---:|---:|---:|---:|---:|',
        ] + floors
    return '\n'.join(lines)


def floor_rows(rows, latency):
    """The floor of each N's Proxmox run and the plugin's distance to it, as table lines."""
    lines = []
    for count in sorted({r['n'] for r in rows}):
        by = {r['plugin']: r for r in rows if r['n'] == count}
        ours, static = by.get('pureboot (proxmox)'), by.get(STATIC_PROXMOX)
        if ours and static:
            floor = static['seconds'] + math.ceil(ours['requests'] / WORKERS) * latency
            lines.append(
                '| {0} | {1:.2f} | {2:.2f} | {3} | {4:.2f} | {5:.2f}x |'.format(
                    count, ours['seconds'], static['seconds'], ours['requests'], floor, ours['seconds'] / floor
                )
            )
    return lines


def breakdown_table(latency):
    """Where the time of one Proxmox inventory goes, phase by phase, against the static file of the same hosts."""
    lines = [
        'Latency per request: {0:.0f} ms. Measured by `make bench` ({1}) on {2}; one run of each under'.format(
            latency * 1000, '--breakdown', time.strftime('%Y-%m-%d')
        ),
        "`tests/bench/inventory_breakdown.py`, after the table's runs; load average (1 minute) {0}.".format(
            ', '.join('{0:.2f}'.format(v) for v in LOAD.get('breakdown', [])) or 'not recorded'
        ),
        '',
    ]
    phases = [
        ('interpreter start', lambda r: r['started']),
        ('ansible-core start (imports, config, plugin loaders)', lambda r: r['to_parse']),
        ('parsing the source: finding and importing the plugin, reading its options', lambda r: r['parse'] - r.get('fetch', 0) - r.get('populate', 0)),
        ('requests, in parallel (fetch)', lambda r: r.get('fetch', 0)),
        ('hosts and variables into the inventory (populate)', lambda r: r.get('populate', 0)),
        ('of which marking values unsafe', lambda r: r.get('unsafe', 0)),
        ("--list: gathering every host's variables", lambda r: r['inventory_json']),
        ('--list: encoding the JSON', lambda r: r['dump']),
        ('exiting', lambda r: r['wall'] - r['total']),
    ]
    for count in sorted(BREAKDOWN):
        plugin, static = BREAKDOWN[count]['plugin'], BREAKDOWN[count]['static']
        lines += ['N = {0}:'.format(count), '', '| phase | pureboot (proxmox) (s) | static file, same hosts (s) |', '|---|---:|---:|']
        for label, value in phases:
            lines.append('| {0} | {1:.2f} | {2:.2f} |'.format(label, value(plugin), value(static)))
        lines.append('| **wall time** | **{0:.2f}** | **{1:.2f}** |'.format(plugin['wall'], static['wall']))
        cpu = plugin['worker_cpu_in']
        requests = plugin['requests']
        lines += [
            '',
            'CPU of the same run: the whole process {0:.2f} s (the static file {1:.2f} s); the request threads {2:.2f} s, '.format(
                plugin['cpu'], static['cpu'], plugin['worker_cpu']
            )
            + '{0:.2f} ms per request over its {1} requests (TLS records {2:.2f} s, TLS handshakes {3:.3f} s for {4} new '.format(
                plugin['worker_cpu'] / max(requests, 1) * 1000, requests, cpu['tls_io'], cpu['tls_handshake'], plugin['connections']
            )
            + "connections, JSON decoding {0:.2f} s, requests' look-up of proxy and CA settings in the environment {1:.3f} s).".format(
                cpu['json_decode'], cpu['environment_lookup']
            ),
            '',
        ]
    return '\n'.join(lines)


def plot(rows, path):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5))
    for plugin in sorted({r['plugin'] for r in rows}):
        points = sorted((r['n'], r['seconds']) for r in rows if r['plugin'] == plugin)
        axes.plot([p[0] for p in points], [p[1] for p in points], marker='o', label=plugin)
    axes.set_xscale('log')
    axes.set_yscale('log')
    axes.set_xlabel('VMs (N)')
    axes.set_ylabel('ansible-inventory --list wall time (s)')
    axes.set_title('Inventory time against N (10 ms per request)')
    axes.grid(True, which='both', alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(str(path), dpi=100)


def write_doc(path, text, start=START, end=END):
    """Replace what lies between the markers start and end in the file at path by text."""
    doc = path.read_text()
    first, last = doc.index(start) + len(start), doc.index(end)
    path.write_text(doc[:first] + '\n' + text + '\n' + doc[last:])


ANCHORS = []
REPEAT = 1  # --repeat: runs of each measurement, the median reported
BREAKDOWN = {}  # N -> {'plugin': phases, 'static': phases} of inventory_breakdown.py
# The plugin's default max_workers (its documentation): the concurrency of the floor's requests.
WORKERS = 16
STATIC_PROXMOX = 'static JSON file, Proxmox hosts (floor)'
LOAD = {}  # N -> [load average when its measurements started, when they ended]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='100,1000,5000')
    parser.add_argument('--latency', type=float, default=0.01)
    parser.add_argument('--anchors', required=True, help='folder holding ansible_collections/{community,ovirt}')
    parser.add_argument('--backends', default='proxmox,ovirt')
    parser.add_argument('--docs', help='docs folder to write performance.md and performance.png into')
    parser.add_argument('--breakdown', action='store_true', help='also time the phases of one Proxmox run and of its static file')
    parser.add_argument('--many', metavar='VMS:HYPERVISORS', help='also list VMS VMs spread over HYPERVISORS Proxmox clusters (e.g. 10000:10)')
    parser.add_argument('--only-many', action='store_true', help='run the --many scene alone (no --sizes)')
    parser.add_argument('--repeat', type=int, default=1, help='runs of each measurement; the median is reported')
    args = parser.parse_args()
    ANCHORS.append(args.anchors)
    global REPEAT
    REPEAT = args.repeat
    rows, many = [], None
    with tempfile.TemporaryDirectory(prefix='pureboot-bench-') as tmp:
        for count in [] if args.only_many else [int(n) for n in args.sizes.split(',')]:
            print('N = {0}'.format(count), flush=True)
            workdir = pathlib.Path(tmp) / str(count)
            workdir.mkdir()
            rows.extend(bench_size(count, args.latency, workdir, args.backends.split(','), args.breakdown))
        if args.many:
            total, hypervisors = (int(n) for n in args.many.split(':'))
            print('{0} VMs over {1} Proxmox clusters'.format(total, hypervisors), flush=True)
            workdir = pathlib.Path(tmp) / 'many'
            workdir.mkdir()
            many = bench_many(total, hypervisors, args.latency, workdir)
    docs = pathlib.Path(args.docs) if args.docs else None
    if rows:
        text = table(rows, args.latency)
        print(text)
        if docs:
            (docs / 'performance.json').write_text(json.dumps(rows, indent=1) + '\n')
            plot(rows, docs / 'performance.png')
            write_doc(docs / 'performance.md', text)
    if BREAKDOWN:
        text = breakdown_table(args.latency)
        print(text)
        if docs:
            write_doc(docs / 'performance.md', text, '<!-- bench-breakdown:start -->', '<!-- bench-breakdown:end -->')
    if many:
        text = many_table(many, args.latency)
        print(text)
        if docs:
            write_doc(docs / 'performance.md', text, '<!-- bench-many:start -->', '<!-- bench-many:end -->')


if __name__ == '__main__':
    main()
