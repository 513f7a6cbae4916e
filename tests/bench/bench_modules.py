"""make bench, module section: the five-task VM lifecycle with our modules and with the anchors', on the same servers.

One playbook per collection and hypervisor type: clone a VM from a template, start it, read it with the info
module, stop it (gracefully), remove it; every task is run twice in a row, and the second run of each is the
"no-op re-run" (nothing left to do). Each playbook runs as a real `ansible-playbook` process against fakepve or
the oVirt simulator, every request answered after the same latency. We count the requests each task sent (the
server's own log, split at the task starts a small callback writes down), the writes among them (logins and
logouts excluded), the requests of the lifecycle by kind (method and path, ids left out) and the wall time.

Each collection runs in every scene of SCENES: tasks that end at once, and tasks that take half a second (a clone
and a start on Ceph-backed storage), where what a module does while it waits shows. Each lifecycle runs --repeat
times (default 3), the two collections taking turns, each run on a fresh server; a table row is the run of median
wall time, and the comparison table lists every run's.

    python tests/bench/bench_modules.py --anchors .venv/anchor-collections --latency 0.01
"""

import argparse
import asyncio
import json
import os
import pathlib
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time

import yaml
from fakepve.certs import make_cert

from ansible_collections.pureboot.hypervisors.tests.bench.bench_inventory import anchor_versions
from ansible_collections.pureboot.hypervisors.tests.contract.backends import OvirtBackend, ProxmoxBackend
from ansible_collections.pureboot.hypervisors.tests.simulators.fakepve_net.suite import SuitePve
from ansible_collections.pureboot.hypervisors.tests.simulators.ovirt.server import OvirtEngineSimulator

HERE = pathlib.Path(__file__).resolve()
COLLECTION = HERE.parents[2]
COLLECTIONS_PATH = COLLECTION.parents[2]
BIN = pathlib.Path(sys.executable).parent
START, END = '<!-- bench-modules:start -->', '<!-- bench-modules:end -->'
PARALLEL_START, PARALLEL_END = '<!-- bench-parallel:start -->', '<!-- bench-parallel:end -->'
STEPS = ('create', 'start', 'info', 'stop', 'remove')
VM_NAME = 'bench-vm'
PASSWORD = 'bench-secret'
# Requests that open or close a session: never counted as writes.
SESSION_PATHS = ('/access/ticket', '/sso/oauth/token', '/sso-logout')
# The scenes, each with the seconds a clone and a start take on the server: at once (fakepve and the simulator as
# the test suites run them), and half a second, as on Ceph-backed storage where both copy or map RBD images.
SCENES = {'instant': 0.0, 'slow-tasks': 0.5}

# Writes the task start times next to the playbook, so requests can be split per task.
CALLBACK = """
import json, os, time
from ansible.plugins.callback import CallbackBase

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_marks'
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_task_start(self, task, is_conditional):
        with open(os.environ['BENCH_MARKS'], 'a') as marks:
            marks.write(json.dumps({'task': task.get_name(), 'time': time.time()}) + '\\n')
"""


class TimedLog(list):
    """A server's request log that also notes when each request arrived (wall clock, as the callback's)."""

    def __init__(self):
        super().__init__()
        self.times = []

    def append(self, item):
        self.times.append(time.time())
        super().append(item)


class ServedPve:
    """fakepve, as the test suites extend it, on its own event loop, with the contract scene (two nodes, two
    templates); task_seconds: how long a clone and a start of a VM on the first template's disk take."""

    def __init__(self, latency, workdir, task_seconds=0.0):
        workdir.mkdir(parents=True, exist_ok=True)
        self.certfile, keyfile, _der = make_cert(str(workdir), name='fakepve', hosts=('127.0.0.1',))
        self.pve = SuitePve(user='root@pam', password=PASSWORD, host='127.0.0.1', port=0)
        self.pve.max_requests = 10**8
        self.pve.requests = TimedLog()
        self.backend = ProxmoxBackend(self.pve, self.certfile)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.pve.start(self.certfile, keyfile), self.loop).result(30)
        # Latency is in PVE seconds, scaled by time_scale: at 1 tasks also take their PVE time (a start, a shutdown).
        self.pve.time_scale = 1.0
        self.pve.slow_network(latency)
        if task_seconds:
            # The first template's disk is on ceph-vm, an RBD storage (backends.py): fakepve's Ceph scenario makes
            # every task working on an RBD-backed disk (the clone copying it, the start mapping it) take that long,
            # and above time scale 0 fakepve runs a task as PVE does, after answering: the POST returns the task's
            # UPID at once and GET /nodes/{node}/tasks/{upid}/status says "running" until it ends (pve-docs
            # apidata.js). health stays HEALTH_OK: the storage is slow as storage is, not degraded.
            self.pve.ceph_slow(task_seconds, health='HEALTH_OK')

    def log(self):
        """[(time, method, path)] of every request."""
        return [(t, method, path) for t, (method, path, _body) in zip(self.pve.requests.times, self.pve.requests)]

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.pve.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


class ServedOvirt:
    """The oVirt simulator with its default seed; task_seconds: how long a clone from a template and a start take."""

    def __init__(self, latency, task_seconds=0.0):
        self.engine = OvirtEngineSimulator(password=PASSWORD, seed='default', latency=latency)
        self.engine.requests = TimedLog()
        # The engine keeps a VM made from a template image_locked while its disks are copied, and a started VM goes
        # through wait_for_launch and powering_up before up (VMStatus of the oVirt API model).
        self.engine.set_delays(image_locked=task_seconds, wait_for_launch=task_seconds / 2, powering_up=task_seconds / 2)
        self.engine.start()
        self.backend = OvirtBackend(self.engine)

    def log(self):
        return [(t, entry['method'], entry['path']) for t, entry in zip(self.engine.requests.times, self.engine.requests)]

    def stop(self):
        self.engine.stop()


# ----------------------------------------------------------------------------------------------- playbooks
def twice(tasks):
    """Each task, then the same task again (its no-op re-run)."""
    doubled = []
    for step, task in zip(STEPS, tasks):
        doubled.append(dict(task, name='{0} 1'.format(step)))
        doubled.append(dict(task, name='{0} 2'.format(step)))
    return doubled


def ours(backend):
    hv = backend.connection(password=PASSWORD)
    vm = {'hypervisor': hv, 'name': VM_NAME}
    module = 'pureboot.hypervisors.pureboot_vm'
    return twice(
        [
            {module: dict(vm, template=backend.template, state='present', **backend.placement)},
            {module: dict(vm, state='running')},
            {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': hv, 'name': VM_NAME}},
            {module: dict(vm, state='stopped')},
            {module: dict(vm, state='absent')},
        ]
    )


def community_proxmox(served):
    pve = served.pve
    auth = {'api_host': '127.0.0.1', 'api_port': pve.port, 'api_user': 'root@pam', 'api_password': PASSWORD, 'validate_certs': True}
    module = 'community.proxmox.proxmox_kvm'
    # Its clone is idempotent only with an explicit newid: without one its re-run clones a second VM of the name.
    return twice(
        [
            {module: dict(auth, name=VM_NAME, clone=served.backend.template, newid=100, node='pve1', full=True, timeout=120)},
            {module: dict(auth, name=VM_NAME, state='started', timeout=120)},
            {'community.proxmox.proxmox_vm_info': dict(auth, name=VM_NAME)},
            {module: dict(auth, name=VM_NAME, state='stopped', timeout=120)},
            {module: dict(auth, name=VM_NAME, state='absent', timeout=120)},
        ]
    )


def ovirt_ovirt(served):
    engine = served.engine
    auth = '{{ ovirt_auth }}'
    module = 'ovirt.ovirt.ovirt_vm'
    login = {
        'name': 'log in',
        'ovirt.ovirt.ovirt_auth': {'url': engine.url, 'username': engine.username, 'password': PASSWORD, 'ca_file': engine.cafile, 'insecure': False},
    }
    logout = {'name': 'log out', 'ovirt.ovirt.ovirt_auth': {'state': 'absent', 'ovirt_auth': auth}}
    return (
        [login]
        + twice(
            [
                {module: {'auth': auth, 'name': VM_NAME, 'template': served.backend.template, 'cluster': 'Default', 'state': 'present', 'poll_interval': 1}},
                {module: {'auth': auth, 'name': VM_NAME, 'state': 'running', 'poll_interval': 1}},
                {'ovirt.ovirt.ovirt_vm_info': {'auth': auth, 'pattern': 'name={0}'.format(VM_NAME)}},
                {module: {'auth': auth, 'name': VM_NAME, 'state': 'stopped', 'poll_interval': 1}},
                {module: {'auth': auth, 'name': VM_NAME, 'state': 'absent', 'poll_interval': 1}},
            ]
        )
        + [logout]
    )


# ----------------------------------------------------------------------------------------------- running
def run_play(folder, label, tasks, env=None):
    """Run tasks as one play in folder; returns (seconds, [(task name, start time)], end time)."""
    (folder / 'callbacks').mkdir(parents=True)
    (folder / 'callbacks' / 'task_marks.py').write_text(CALLBACK)
    playbook = folder / 'play.yml'
    playbook.write_text(yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]))
    marks = folder / 'marks.jsonl'
    environment = {k: v for k, v in os.environ.items() if not k.startswith('ANSIBLE_')}
    environment.update(
        {
            'ANSIBLE_COLLECTIONS_PATH': os.pathsep.join([str(COLLECTIONS_PATH)] + ANCHORS),
            'ANSIBLE_HOME': str(folder / 'ansible-home'),
            'ANSIBLE_CONFIG': str(folder / 'none.cfg'),
            'ANSIBLE_CALLBACK_PLUGINS': str(folder / 'callbacks'),
            'ANSIBLE_CALLBACKS_ENABLED': 'task_marks',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
            'ANSIBLE_DEPRECATION_WARNINGS': '0',
            'ANSIBLE_LOCALHOST_WARNING': '0',
            'BENCH_MARKS': str(marks),
        }
    )
    environment.update(env or {})
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', str(playbook)],
        env=environment,
        cwd=str(folder),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    seconds = time.monotonic() - started
    ended = time.time()
    if result.returncode != 0:
        raise RuntimeError('{0} failed:\n{1}'.format(label, (result.stdout + result.stderr)[-4000:]))
    starts = [json.loads(line) for line in marks.read_text().splitlines()]
    return seconds, [(mark['task'], mark['time']) for mark in starts], ended


def request_kind(method, path):
    """A request as its kind: method and path without the query, the API prefix, and ids (numbers, UUIDs, UPIDs,
    node names), so that every task-status poll, every VM configuration read... counts as one kind."""
    path = path.split('?', 1)[0]
    for prefix in ('/api2/json', '/ovirt-engine/api', '/ovirt-engine'):
        if path.startswith(prefix + '/'):
            path = path[len(prefix) :]
            break
    parts = path.strip('/').split('/')
    for index, part in enumerate(parts):
        if index and parts[index - 1] == 'nodes':
            parts[index] = '{node}'
        elif part.startswith('UPID:'):
            parts[index] = '{upid}'
        elif part.isdigit() or re.fullmatch(r'[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}', part):
            parts[index] = '{id}'
    return '{0} /{1}'.format(method, '/'.join(parts))


def per_task(log, starts, ended):
    """{task name: (requests, writes, [request kinds], seconds)}: the requests that arrived between a task's start
    and the next one's, and the time between the two."""
    bounds = [t for _name, t in starts[1:]] + [ended]
    counts = {}
    for (name, begin), end in zip(starts, bounds):
        hits = [(method, path) for t, method, path in log if begin <= t < end]
        writes = [1 for method, path in hits if method != 'GET' and not path.split('?', 1)[0].endswith(SESSION_PATHS)]
        counts[name] = (len(hits), len(writes), [request_kind(m, p) for m, p in hits], end - begin)
        if SHOW_REQUESTS:
            print('    {0} ({1:.2f} s): {2}'.format(name, end - begin, ', '.join('{0} {1}'.format(m, p) for m, p in hits)))
    return counts


def measure(label, kind, scene, served, folder, tasks, env=None):
    seconds, starts, ended = run_play(folder, label, tasks, env)
    counts = per_task(served.log(), starts, ended)
    row = {'collection': label, 'type': kind, 'scene': scene, 'seconds': round(seconds, 2), 'steps': {}}
    for step in STEPS:
        row['steps'][step] = {'first': counts['{0} 1'.format(step)][:2], 'again': counts['{0} 2'.format(step)][:2]}
    # The anchor's own log-in and log-out tasks (ovirt_auth) belong to its lifecycle.
    session = [counts[name] for name in ('log in', 'log out') if name in counts]
    lifecycle = [counts['{0} 1'.format(step)] for step in STEPS] + session
    row['session_requests'] = sum(c[0] for c in session)
    row['lifecycle_requests'] = sum(c[0] for c in lifecycle)
    row['lifecycle_writes'] = sum(row['steps'][s]['first'][1] for s in STEPS)
    # Task starts to the next task's start: the module's run and ansible-playbook's own work around it.
    row['lifecycle_seconds'] = round(sum(c[3] for c in lifecycle), 2)
    row['noop_requests'] = sum(row['steps'][s]['again'][0] for s in STEPS)
    row['noop_writes'] = sum(row['steps'][s]['again'][1] for s in STEPS)
    kinds = {}
    for count in lifecycle:
        for request in count[2]:
            kinds[request] = kinds.get(request, 0) + 1
    row['lifecycle_kinds'] = kinds
    print(
        '  {scene:<10} {collection:<26} {type:<8} lifecycle {lifecycle_requests:>4} requests ({lifecycle_writes} writes) '
        '{lifecycle_seconds:>6.2f} s, no-op re-run {noop_requests:>4} requests ({noop_writes} writes), both {seconds:>6.2f} s'.format(**row),
        flush=True,
    )
    return row


def bench(latency, workdir, backends, scenes, repeat=1):
    """Every scene on every type, each collection's lifecycle `repeat` times, the two taking turns (ours first, then
    the anchor first, ...) so that a change of the machine's load falls on both alike; returns one row per
    collection, scene and type: its run of median wall time (a single run's wall time moves by about 0.05 of the
    ratio from one run to the next on a shared 2-CPU machine, more than the targets' margins)."""
    rows = []
    for scene in scenes:
        task_seconds = SCENES[scene]
        # Per type: how a fresh server is started in a run's folder, the environment the play needs for it, and
        # the two collections' tasks.
        contenders = []
        if 'proxmox' in backends:
            contenders.append(
                (
                    'proxmox',
                    lambda folder, seconds=task_seconds: ServedPve(latency, folder / 'pve', seconds),
                    lambda served: {'REQUESTS_CA_BUNDLE': served.certfile},
                    [('pureboot.hypervisors', lambda s: ours(s.backend)), ('community.proxmox', community_proxmox)],
                )
            )
        if 'ovirt' in backends:
            contenders.append(
                (
                    'ovirt',
                    lambda _folder, seconds=task_seconds: ServedOvirt(latency, seconds),
                    lambda _served: None,
                    [('pureboot.hypervisors', lambda s: ours(s.backend)), ('ovirt.ovirt', ovirt_ovirt)],
                )
            )
        for kind, serve, play_env, collections in contenders:
            runs = {label: [] for label, _make in collections}
            for index in range(repeat):
                for label, make in collections if index % 2 == 0 else list(reversed(collections)):
                    folder = workdir / '{0}-{1}-{2}-{3}'.format(scene, kind, label, index)
                    served = serve(folder)
                    try:
                        runs[label].append(measure(label, kind, scene, served, folder, make(served), env=play_env(served)))
                    finally:
                        served.stop()
            for label, _make in collections:
                rows.append(median_run(runs[label]))
    return rows


def median_run(runs):
    """The run of median lifecycle wall time (of an even count, the lower middle one), with every run's wall time."""
    ordered = sorted(runs, key=lambda row: row['lifecycle_seconds'])
    row = dict(ordered[(len(ordered) - 1) // 2])
    row['runs'] = len(runs)
    row['all_lifecycle_seconds'] = [r['lifecycle_seconds'] for r in runs]
    return row


# ----------------------------------------------------------------------------------------------- parallel creates
def parallel_play(served, hosts):
    """One play creating a VM per host of hosts, all at once (as many forks as hosts)."""
    backend = served.backend
    task = {
        'pureboot.hypervisors.pureboot_vm': dict(
            backend.placement, hypervisor=backend.connection(password=PASSWORD), name='{{ inventory_hostname }}', template=backend.template, state='present'
        )
    }
    return [{'hosts': 'all', 'gather_facts': False, 'tasks': [task]}]


def run_parallel(folder, plays):
    """Run each (hosts, play) as its own ansible-playbook process, all at the same time (one controller each)."""
    processes = []
    for index, (hosts, play) in enumerate(plays):
        inventory = folder / 'hosts-{0}.yml'.format(index)
        inventory.write_text(
            yaml.safe_dump({'all': {'hosts': {h: {} for h in hosts}, 'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}}})
        )
        playbook = folder / 'play-{0}.yml'.format(index)
        playbook.write_text(yaml.safe_dump(play))
        environment = {k: v for k, v in os.environ.items() if not k.startswith('ANSIBLE_')}
        environment.update(
            {
                'ANSIBLE_COLLECTIONS_PATH': str(COLLECTIONS_PATH),
                'ANSIBLE_CONFIG': str(folder / 'none.cfg'),
                'ANSIBLE_HOME': str(folder / 'ansible-home-{0}'.format(index)),
                'ANSIBLE_NOCOLOR': '1',
                'ANSIBLE_HOST_KEY_CHECKING': '0',
            }
        )
        log = open(folder / 'run-{0}.log'.format(index), 'w')
        processes.append(
            (
                subprocess.Popen(
                    [str(BIN / 'ansible-playbook'), '-i', str(inventory), '--forks', str(len(hosts)), str(playbook)],
                    env=environment,
                    cwd=str(folder),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )
    failed = []
    for index, (process, log) in enumerate(processes):
        if process.wait(timeout=1800) != 0:
            failed.append(index)
        log.close()
    return failed


def bench_parallel(latency, workdir, sizes, controllers):
    """N VMs created at once on one Proxmox cluster: clone requests per VM and wall time, by one controller
    (one play, N forks) or several (the hosts split over that many ansible-playbook processes)."""
    rows = []
    for count in sizes:
        for parts in controllers:
            folder = workdir / 'parallel-{0}-{1}'.format(count, parts)
            served = ServedPve(latency, folder)
            try:
                names = ['par-{0:03d}'.format(i) for i in range(1, count + 1)]
                groups = [names[i::parts] for i in range(parts)]
                started = time.monotonic()
                failed = run_parallel(folder, [(hosts, parallel_play(served, hosts)) for hosts in groups])
                seconds = time.monotonic() - started
                clones = sum(1 for _t, method, path in served.log() if method == 'POST' and path.endswith('/clone'))
                made = [vm for vm in served.pve.vms if vm.name in names]
                row = {
                    'n': count,
                    'controllers': parts,
                    'seconds': round(seconds, 1),
                    'clones': clones,
                    'clones_per_vm': round(clones / float(count), 2),
                    'vms': len(made),
                    'distinct_ids': len({vm.vmid for vm in made}),
                    'failed_controllers': len(failed),
                    'load': round(os.getloadavg()[0], 2),
                }
            finally:
                served.stop()
            print(
                '  N = {n:>3}, {controllers} controller(s): {clones} clone requests ({clones_per_vm} per VM), '
                '{vms} VMs, {distinct_ids} ids, {seconds} s'.format(**row),
                flush=True,
            )
            rows.append(row)
    return rows


def parallel_table(rows, latency):
    lines = [
        'Latency per request: {0:.0f} ms. Measured by `make bench` on {1}: N VMs cloned from one template on one '
        'fakepve cluster at the same moment, by one `ansible-playbook` with N forks, or by two at once each '
        'with half of them.'.format(latency * 1000, time.strftime('%Y-%m-%d')),
        '',
        '| N | controllers | clone requests | per VM | VMs made | distinct ids | failed runs | wall time (s) | load average |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append(
            '| {n} | {controllers} | {clones} | {clones_per_vm:.2f} | {vms} | {distinct_ids} | {failed_controllers} | {seconds:.1f} | {load:.2f} |'.format(
                **row
            )
        )
    return '\n'.join(lines)


# ----------------------------------------------------------------------------------------------- report
def command_line():
    """The command that produced the figures, as make runs it (the anchors' and docs' folders are make's own)."""
    args, skip = [], False
    for arg in sys.argv[1:]:
        if skip:
            skip = False
        elif arg in ('--anchors', '--docs'):
            skip = True
        elif not arg.startswith(('--anchors=', '--docs=')):
            args.append(arg)
    return 'make bench-modules MODULE_BENCH_ARGS="{0}"'.format(shlex.join(args)) if args else 'make bench-modules'


def every_run(row):
    return row.get('all_lifecycle_seconds', [row['lifecycle_seconds']])


def anchor_of(rows, row):
    """The anchor's row measured in the same scene on the same type as row (ours), or None."""
    return next((r for r in rows if r['scene'] == row['scene'] and r['type'] == row['type'] and r['collection'] != row['collection']), None)


def table(rows, latency, load):
    from ansible.release import __version__ as ansible_core

    lines = [
        'Latency per request: {0:.0f} ms. Measured by `{1}` (part of `make bench`) on {2}, against {3}, on ansible-core {4} '
        'and Python {5} ({6} CPUs); load average (1 minute) {7:.2f} at the start and {8:.2f} at the end. Scenes: '
        '{9}.'.format(
            latency * 1000,
            command_line(),
            time.strftime('%Y-%m-%d'),
            anchor_versions(ANCHORS),
            ansible_core,
            platform.python_version(),
            os.cpu_count(),
            load[0],
            load[1],
            ', '.join(
                '`{0}` (a clone and a start take {1:g} s)'.format(name, SCENES[name]) for name in sorted({r['scene'] for r in rows}, key=list(SCENES).index)
            ),
        ),
        '',
        '| scene | type | collection | lifecycle requests | lifecycle writes | lifecycle wall time (s) '
        '| no-op re-run requests | no-op re-run writes | wall time, both runs (s) |',
        '|---|---|---|---:|---:|---:|---:|---:|---:|',
    ]
    for row in rows:
        lines.append(
            '| {scene} | {type} | {collection} | {lifecycle_requests} | {lifecycle_writes} | {lifecycle_seconds:.2f} '
            '| {noop_requests} | {noop_writes} | {seconds:.2f} |'.format(**row)
        )
    ours = [r for r in rows if r['collection'] == 'pureboot.hypervisors' and anchor_of(rows, r)]
    if ours:
        lines += [
            '',
            'Ours against the anchor, lifecycle (first runs; the median of {0} runs each, the collections taking turns):'.format(ours[0].get('runs', 1)),
            '',
            '| scene | type | requests, ours / anchor | wall time, ours / anchor | every run, ours / anchor (s) |',
            '|---|---|---:|---:|---|',
        ]
        for row in ours:
            anchor = anchor_of(rows, row)
            lines.append(
                '| {0} | {1} | {2} / {3} = {4:.2f} | {5:.2f} s / {6:.2f} s = {7:.2f} | {8} |'.format(
                    row['scene'],
                    row['type'],
                    row['lifecycle_requests'],
                    anchor['lifecycle_requests'],
                    row['lifecycle_requests'] / float(anchor['lifecycle_requests']),
                    row['lifecycle_seconds'],
                    anchor['lifecycle_seconds'],
                    row['lifecycle_seconds'] / anchor['lifecycle_seconds'],
                    ', '.join('{0:.2f} / {1:.2f}'.format(mine, theirs) for mine, theirs in zip(every_run(row), every_run(anchor))),
                )
            )
    lines += [
        '',
        'Requests per task, first run / no-op re-run (writes in brackets):',
        '',
        '| scene | type | collection | ' + ' | '.join(STEPS) + ' | log in + out |',
        '|---|---|---|' + '---:|' * (len(STEPS) + 1),
    ]
    for row in rows:
        cells = [
            '{0} ({1}) / {2} ({3})'.format(row['steps'][s]['first'][0], row['steps'][s]['first'][1], row['steps'][s]['again'][0], row['steps'][s]['again'][1])
            for s in STEPS
        ]
        lines.append('| {0} | {1} | {2} | {3} | {4} |'.format(row['scene'], row['type'], row['collection'], ' | '.join(cells), row['session_requests'] or '–'))
    lines += kinds_tables(rows)
    return '\n'.join(lines)


def kinds_tables(rows):
    """The lifecycle's requests by kind, ours and the anchor's side by side, one table per scene and type."""
    lines = []
    for scene in SCENES:
        for kind in ('proxmox', 'ovirt'):
            measured = [r for r in rows if r['scene'] == scene and r['type'] == kind]
            if not measured:
                continue
            names = sorted({k for r in measured for k in r['lifecycle_kinds']}, key=lambda k: (-max(r['lifecycle_kinds'].get(k, 0) for r in measured), k))
            lines += [
                '',
                'Lifecycle requests by kind, scene `{0}`, {1} (ids left out of the paths):'.format(scene, kind),
                '',
                '| request | ' + ' | '.join(r['collection'] for r in measured) + ' |',
                '|---|' + '---:|' * len(measured),
            ]
            for name in names:
                lines.append('| `{0}` | {1} |'.format(name, ' | '.join(str(r['lifecycle_kinds'].get(name, 0)) for r in measured)))
    return lines


def plot(rows, path):
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4 + len(rows), 4.5))
    labels = ['{0}\n{1}\n{2}'.format(r['scene'], r['type'], r['collection']) for r in rows]
    positions = range(len(rows))
    axes.bar([p - 0.2 for p in positions], [r['lifecycle_requests'] for r in rows], width=0.4, label='lifecycle')
    axes.bar([p + 0.2 for p in positions], [r['noop_requests'] for r in rows], width=0.4, label='no-op re-run')
    axes.set_xticks(list(positions))
    axes.set_xticklabels(labels, fontsize=8)
    axes.set_ylabel('requests (5 tasks)')
    axes.set_title('Five-task VM lifecycle: requests per collection')
    axes.grid(True, axis='y', alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(str(path), dpi=100)


def write_doc(path, text, start_mark=START, end_mark=END):
    doc = path.read_text()
    start, end = doc.index(start_mark) + len(start_mark), doc.index(end_mark)
    path.write_text(doc[:start] + '\n' + text + '\n' + doc[end:])


ANCHORS = []
SHOW_REQUESTS = []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--latency', type=float, default=0.01)
    parser.add_argument('--anchors', required=True, help='folder holding ansible_collections/{community,ovirt}')
    parser.add_argument('--backends', default='proxmox,ovirt')
    parser.add_argument('--scenes', default=','.join(SCENES), help='scenes of the lifecycle runs, of: ' + ', '.join(SCENES))
    parser.add_argument('--docs', help='docs folder to write performance.md and performance-modules.png into')
    parser.add_argument('--show-requests', action='store_true', help='print every request of every task')
    parser.add_argument('--parallel', default='10,20,50,100', help='N of the parallel-create runs (empty: none)')
    parser.add_argument('--controllers', default='1,2', help='how many ansible-playbook processes share each N')
    parser.add_argument('--no-lifecycle', action='store_true', help='only the parallel creates')
    parser.add_argument('--repeat', type=int, default=3, help='lifecycle runs per collection, scene and type (the median run is reported)')
    args = parser.parse_args()
    ANCHORS.append(args.anchors)
    if args.show_requests:
        SHOW_REQUESTS.append(True)
    load = [os.getloadavg()[0]]
    sizes = [int(n) for n in args.parallel.split(',') if n]
    with tempfile.TemporaryDirectory(prefix='pureboot-bench-modules-') as tmp:
        rows = [] if args.no_lifecycle else bench(args.latency, pathlib.Path(tmp), args.backends.split(','), args.scenes.split(','), args.repeat)
        load.append(os.getloadavg()[0])
        parallel = bench_parallel(args.latency, pathlib.Path(tmp), sizes, [int(n) for n in args.controllers.split(',')]) if sizes else []
    docs = pathlib.Path(args.docs) if args.docs else None
    if rows:
        text = table(rows, args.latency, load)
        print(text)
        if docs:
            (docs / 'performance-modules.json').write_text(json.dumps(rows, indent=1) + '\n')
            plot(rows, docs / 'performance-modules.png')
            write_doc(docs / 'performance.md', text)
    if parallel:
        text = parallel_table(parallel, args.latency)
        print(text)
        if docs:
            (docs / 'performance-parallel.json').write_text(json.dumps(parallel, indent=1) + '\n')
            write_doc(docs / 'performance.md', text, PARALLEL_START, PARALLEL_END)


if __name__ == '__main__':
    main()
