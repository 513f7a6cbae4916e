"""What the reliability tests share: the stress switch, the results recorder, two ways of running modules, and
the checks every failure must pass (one line, no traceback, naming where it happened, no secret).
"""

import json
import os
import pathlib
import queue
import re
import subprocess
import sys
import time

import yaml

from ansible_collections.pureboot.hypervisors.tests.integration.runner import BIN, COLLECTION, COLLECTIONS_PATH, ansible_env

# `make stress` sets PUREBOOT_STRESS=1: more requests, more VMs, a bigger inventory.
STRESS = os.environ.get('PUREBOOT_STRESS', '') not in ('', '0')
REPORT_ENV = 'PUREBOOT_RELIABILITY_REPORT'
# Ansible lists some choices from sets: with one hash seed, two runs word a message the same way.
STABLE_HASHES = {'PYTHONHASHSEED': '0'}
DOC = COLLECTION / 'docs' / 'reliability.md'
ZYGOTE = 'ansible_collections.pureboot.hypervisors.tests.reliability.zygote'
CALLBACKS = COLLECTION / 'tests' / 'reliability' / 'callback_plugins'
# run_module's catch-all for exceptions nobody expected: a bug, never a clear line.
UNEXPECTED = re.compile(r': unexpected [A-Za-z_.]+(Error|Exception|Exit|Interrupt)?\b')


def scaled(default, stress):
    """default in `make test`, stress under PUREBOOT_STRESS=1."""
    return stress if STRESS else default


# ------------------------------------------------------------------ results


class Recorder:
    """Every case the suite measured, written as JSON at the end of the session when REPORT_ENV names a file."""

    def __init__(self):
        self.cases = []
        self.started = time.time()
        self.outcomes = {}

    def add(self, nodeid, case_id, section, **fields):
        entry = dict(fields, id=case_id, section=section, test=nodeid)
        self.cases.append(entry)
        return entry

    def set_outcome(self, nodeid, passed):
        self.outcomes[nodeid] = passed

    def write(self, path, command):
        for entry in self.cases:
            entry['test_passed'] = self.outcomes.get(entry['test'])
        report = {
            'command': command,
            'stress': STRESS,
            'started': time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(self.started)),
            'duration_s': round(time.time() - self.started, 1),
            'machine': '{0} CPU(s), Python {1}.{2}'.format(os.cpu_count(), *sys.version_info[:2]),
            'ansible_core': _ansible_version(),
            'cases': self.cases,
        }
        pathlib.Path(path).write_text(json.dumps(report, indent=1, sort_keys=True, default=str) + '\n')


def _ansible_version():
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel

    return __version__


RECORDER = Recorder()


# ------------------------------------------------------------------ running modules


class ModuleRunner:
    """Runs modules the way Ansible does on the target (one process each, `<module> <args file>`), through a few
    fork servers (zygote.py) that paid for the imports once. Thread-safe: run() from as many threads as there
    are servers. test_bad_input checks on a sample that a playbook shows exactly the same messages.
    """

    def __init__(self, tmp_path, servers=3, env=None, sdks=False):
        """servers fork servers; with sdks they import the hypervisor SDKs up front too (zygote.py --sdks)."""
        self.tmp_path = tmp_path
        environment = ansible_env(tmp_path, dict(STABLE_HASHES, **(env or {})))
        environment['PYTHONPATH'] = str(COLLECTIONS_PATH)
        self._idle = queue.Queue()
        self._processes = []
        for _index in range(servers):
            command = [sys.executable, '-m', ZYGOTE] + (['--sdks'] if sdks else [])
            process = subprocess.Popen(command, env=environment, cwd=str(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
            self._processes.append(process)
            self._idle.put(process)

    def run(self, module, args, name):
        """(result dict or None when the output is not a module's JSON answer, stdout, stderr, exit code)."""
        args_file = self.tmp_path / (name + '.args.json')
        # What Ansible adds to every module's arguments; messages name the module by it.
        internal = {'_ansible_module_name': 'pureboot.hypervisors.' + module}
        args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': dict(internal, **args)}))
        out, err = self.tmp_path / (name + '.stdout'), self.tmp_path / (name + '.stderr')
        process = self._idle.get()
        try:
            process.stdin.write(json.dumps({'module': module, 'args': str(args_file), 'stdout': str(out), 'stderr': str(err)}) + '\n')
            reply = process.stdout.readline()
        finally:
            self._idle.put(process)
        if not reply:
            raise AssertionError('the module fork server died')
        stdout, stderr = out.read_text(), err.read_text()
        return module_answer(stdout), stdout, stderr, json.loads(reply)['rc']

    def close(self):
        for process in self._processes:
            process.stdin.close()
        for process in self._processes:
            process.wait(30)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def module_answer(stdout):
    """The JSON object a module printed last, or None."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith('{'):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def run_phases(tmp_path, phase1, phase2, between, env=None, args=(), inventory='localhost,', play_options=None, timeout=600, per_host=False):
    """One ansible-playbook run: the tasks of phase1 under a fault, then phase2 (the re-run) after between().

    The callback plugin reliability_phases writes phase1.json (every result) when phase 1 is over and holds the
    play until a file called `cleared` exists; meanwhile this side reads phase1.json, calls between(phase1
    results) to lift the fault and look at what was left, then creates `cleared`. One playbook instead of two
    saves a controller start per case. Tasks may fail (ignore_errors): what they answered is the point.
    Returns (phase1 results, phase2 results, CompletedProcess-like object, seconds of phase 1, of phase 2);
    the results are {'p1_0': result of the first task, ...}, with per_host {'p1_0': {host: result}, ...}.
    """
    for stale in ('phase1.json', 'phase2.json', 'cleared'):
        (tmp_path / stale).unlink(missing_ok=True)

    def named(tasks, prefix):
        out = []
        for index, task in enumerate(tasks):
            key = '{0}_{1}'.format(prefix, index)
            out.append(dict(task, name=' '.join([key] + ([task['name']] if task.get('name') else [])), register=key, ignore_errors=True))
        return out

    play = dict({'hosts': 'all', 'gather_facts': False, 'tasks': named(phase1, 'p1') + named(phase2, 'p2')}, **(play_options or {}))
    playbook = tmp_path / 'phases.yml'
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    command = [str(BIN / 'ansible-playbook'), '-i', inventory, '-c', 'local', str(playbook)] + list(args)
    environment = ansible_env(
        tmp_path,
        dict(
            env or {},
            ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
            ANSIBLE_CALLBACKS_ENABLED='reliability_phases',
            RELIABILITY_PHASES_DIR=str(tmp_path),
            RELIABILITY_PHASES_TIMEOUT=str(timeout),
        ),
    )
    stdout, stderr = tmp_path / 'phases.out', tmp_path / 'phases.err'
    started = time.monotonic()
    with open(stdout, 'w') as out, open(stderr, 'w') as err:
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=err, cwd=str(tmp_path))
        try:
            first = _await_file(tmp_path / 'phase1.json', process, timeout)
            phase1_seconds = time.monotonic() - started
            between(_unwrap(first, per_host))
            (tmp_path / 'cleared').write_text('')
            resumed = time.monotonic()
            process.wait(timeout)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    run = subprocess.CompletedProcess(command, process.returncode, stdout.read_text(), stderr.read_text())
    assert (tmp_path / 'phase2.json').exists(), 'the play did not finish:\n{0}\n{1}'.format(run.stdout[-6000:], run.stderr[-3000:])
    second = json.loads((tmp_path / 'phase2.json').read_text())
    return _unwrap(first, per_host), _unwrap(second, per_host), run, phase1_seconds, time.monotonic() - resumed


def _unwrap(results, per_host):
    """{'p1_0 <name>': {host: result}} -> {'p1_0': {host: result}}, or {'p1_0': result} for one host."""
    keyed = {name.split(' ', 1)[0]: hosts for name, hosts in results.items()}
    if per_host:
        return keyed
    return {key: next(iter(hosts.values())) for key, hosts in keyed.items()}


def _await_file(path, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass  # still being written
        if process.poll() is not None and not path.exists():
            raise AssertionError('ansible-playbook ended before phase 1 was written (rc {0})'.format(process.returncode))
        time.sleep(0.02)
    raise AssertionError('phase 1 did not end within {0}s'.format(timeout))


def task_results(registered):
    """The per-item results of a registered task (a loop's results, or the task itself)."""
    if isinstance(registered, dict) and 'results' in registered:
        return registered['results']
    return [registered]


# ------------------------------------------------------------------ checks


def clear_line_problems(result, labels, output='', secrets=()):
    """What is wrong with a failure's message (an empty list when nothing is).

    One line, not empty, no traceback, not the catch-all 'unexpected <Exception>' of a bug; when the error
    came from the driver layer (it has an error_category) it starts with the hypervisor's or PureBoot's name;
    and no secret anywhere in the output.
    """
    problems = []
    if result is None:
        return ['no JSON answer (the module crashed)']
    msg = result.get('msg')
    if result.get('failed'):
        if not isinstance(msg, str) or not msg.strip():
            problems.append('no message')
        elif '\n' in msg.strip():
            problems.append('more than one line')
        elif UNEXPECTED.search(msg):
            problems.append('an unexpected exception, not a clear message')
        if isinstance(msg, str) and result.get('error_category') and not any(msg.startswith(label + ': ') for label in labels if label):
            problems.append('does not start with the hypervisor or PureBoot name ({0})'.format(', '.join(sorted({label for label in labels if label}))))
    text = output + json.dumps(result)
    if 'Traceback (most recent call last)' in text:
        problems.append('a traceback')
    for secret in secrets:
        if secret and secret in text:
            problems.append('a secret shows')
    return problems


def one_line(text, limit=None):
    text = ' '.join(str(text or '').split())
    return text if limit is None or len(text) <= limit else text[: limit - 3] + '...'
