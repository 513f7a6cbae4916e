"""Dropped connections: 5% of the requests lost, on each hypervisor type and on PureBoot.

- drops_5pct: a DropProxy in front of the hypervisor and another in front of PureBoot lose 5% of every
  request: reads half before the server sees them and half after it answered, writes always after the server
  carried them out (a write lost before the server is harmless; fakepve's own drops below cover it). VMs are
  created and started under that. A write whose answer was lost is read back (the VM by name and id, the task
  by its UPID, the node by MAC), so at most one task in 40 may fail, and only as `unreachable`; the re-run
  converges (each VM once, running, its node once); and no write ever reached a server twice: the proxies saw
  every request in plain text.
- drops_reads: 5% of the reads lost (never the same read more than twice in a row, as the collection
  retries a read three times): every info module and the connection test must succeed.
- drops_native (Proxmox): fakepve's own flaky_network, which drops requests before reading them, seeded.
"""

import json
from urllib.parse import parse_qs

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKENDS
from ansible_collections.pureboot.hypervisors.tests.reliability.catalog import NATIVE_DROPS, case_id
from ansible_collections.pureboot.hypervisors.tests.reliability.chaos import LOST_ANSWER, LOST_REQUEST, PASSED
from ansible_collections.pureboot.hypervisors.tests.reliability.harness import one_line, run_phases, scaled, task_results
from ansible_collections.pureboot.hypervisors.tests.reliability.scene import Scene

DROP_RATE = 0.05
# Seeded so the default run (a few hundred requests) loses some on both sides; the stress run loses dozens.
SEED = 20284
VMS = scaled(5, 40)
# Tasks of drops_5pct that may fail on their first run: one in 40 (none in the default run's 5).
MAX_FAILED = VMS // 40
READ_ROUNDS = scaled(3, 40)
READ_VMS = 10
# Requests that are logins: sent again after a refused or lost one by design (they change nothing).
LOGINS = ('/access/ticket', '/sso/oauth/token', '/sso-logout', '/auth/login')


def vm_names(prefix, count):
    return ['{0}-{1:02d}'.format(prefix, index) for index in range(1, count + 1)]


def created_name(entry):
    """The VM name a create request asks for (Proxmox form body, oVirt XML), or None for other requests."""
    path = entry['path'].split('?', 1)[0]
    if entry['method'] != 'POST':
        return None
    if path.endswith('/clone'):
        return parse_qs(entry['body']).get('name', [None])[0]
    if path == '/ovirt-engine/api/vms':
        found = entry['body'].split('<name>', 1)
        return found[1].split('</name>', 1)[0] if len(found) > 1 else None
    return None


def repeated_writes(proxy):
    """Writes (logins aside) that reached the server more than once, identical: (method, path, body) -> count."""
    seen = {}
    for entry in proxy.reached_server():
        if entry['method'] in ('GET', 'HEAD') or entry['path'].endswith(LOGINS):
            continue
        key = (entry['method'], entry['path'], entry['body'])
        seen[key] = seen.get(key, 0) + 1
    return {key: count for key, count in seen.items() if count > 1}


def losses(proxy):
    """What the proxy lost, for the report: requests seen, lost before/after the server, lost writes and logins,
    and lost reads that were asked again and then answered."""
    entries = proxy.entries()
    lost = [e for e in entries if e['fate'] in (LOST_REQUEST, LOST_ANSWER)]
    reads = [(i, e) for i, e in enumerate(entries) if e in lost and e['method'] == 'GET']
    retried = sum(
        1
        for i, e in reads
        if any(later['fate'] == PASSED and (later['path'], later['body']) == (e['path'], e['body']) and later['method'] == 'GET' for later in entries[i + 1 :])
    )
    return {
        'requests': len(entries),
        'lost_request': sum(1 for e in lost if e['fate'] == LOST_REQUEST),
        'lost_answer': sum(1 for e in lost if e['fate'] == LOST_ANSWER),
        'lost_writes': sum(1 for e in lost if e['method'] not in ('GET', 'HEAD')),
        'lost_logins': sum(1 for e in lost if e['path'].split('?', 1)[0].endswith(LOGINS)),
        'lost_reads': len(reads),
        'lost_reads_retried': retried,
    }


def converge_problems(scene, names, results):
    problems = []
    for name, result in zip(names, results):
        if result.get('failed'):
            problems.append('{0}: the re-run failed: {1}'.format(name, one_line(result.get('msg'), 300)))
            continue
        vms = scene.vms(name)
        if len(vms) != 1 or vms[0]['status'] != 'running':
            problems.append('{0}: {1}'.format(name, [(v['id'], v['status']) for v in vms]))
            continue
        nodes = scene.nodes(mac=vms[0]['nics'][0]['mac'])
        if len(nodes) != 1 or nodes[0]['state'] == 'retired':
            problems.append('{0}: nodes {1}'.format(name, [(n['id'], n['state']) for n in nodes]))
    return problems


def start_proxies(scene, **options):
    return scene.through_proxy(seed=SEED, **options), scene.pureboot_through_proxy(seed=SEED + 1, **options)


@pytest.mark.parametrize('backend', BACKENDS, indirect=True)
def test_drops_never_duplicate_a_write(backend, pureboot_server, request, tmp_path, record):
    scene = Scene(request, backend, pureboot_server, tmp_path, 'drop')
    names = vm_names('drop', VMS)
    hypervisor, pureboot = start_proxies(scene, drop_rate=DROP_RATE, write_answer_share=1.0)
    try:
        # Tags and a workflow: a few more writes to PureBoot per VM, so losses reach it too.
        task = dict(scene.vm_task('running', name='{{ item }}', pureboot_node={'tags': ['reliability', 'drops'], 'workflow_id': 'wf-drops'}), loop=names)
        during = {}

        def between(first):
            during.update(hypervisor=losses(hypervisor), pureboot=losses(pureboot))
            hypervisor.drop_rate = pureboot.drop_rate = 0.0

        first, second, _run, phase1_seconds, phase2_seconds = run_phases(tmp_path, [task], [task], between)
        failed = [r for r in task_results(first['p1_0']) if r.get('failed')]
        categories = sorted({r.get('error_category') for r in failed})
        problems = [
            '{0}: {1}'.format(r.get('item'), one_line(r.get('msg'), 300))
            for r in failed
            if r.get('error_category') != 'unreachable' or '\n' in str(r.get('msg'))
        ]
        if len(failed) > MAX_FAILED:
            problems.append('{0} of {1} tasks failed on their first run, more than {2}'.format(len(failed), len(names), MAX_FAILED))
        not_converged = converge_problems(scene, names, task_results(second['p2_0']))
        problems += not_converged
        creates = {}
        for entry in hypervisor.reached_server():
            name = created_name(entry)
            if name:
                creates[name] = creates.get(name, 0) + 1
        problems += ['{0} was created {1} times'.format(n, c) for n, c in sorted(creates.items()) if c != 1]
        registered = {}
        for entry in pureboot.reached_server():
            if entry['method'] == 'POST' and entry['path'].split('?', 1)[0] == '/api/v1/nodes':
                mac = json.loads(entry['body'] or '{}').get('mac_address')
                registered[mac] = registered.get(mac, 0) + 1
        problems += ['node {0} was registered {1} times'.format(m, c) for m, c in sorted(registered.items()) if c != 1]
        repeats = dict(repeated_writes(hypervisor), **repeated_writes(pureboot))
        problems += ['{0} {1} reached the server {2} times'.format(k[0], k[1], c) for k, c in repeats.items()]
    finally:
        hypervisor.stop()
        pureboot.stop()
    record(
        case_id('fault', backend.kind, 'drops_5pct'),
        'fault',
        hypervisor=backend.kind,
        fault='{0:.0%} of all requests lost on the hypervisor and PureBoot (reads before or after the server, writes '
        'after the server acted), creating and starting {1} VMs'.format(DROP_RATE, VMS),
        expected='ridden out ({0} of {1} may fail, as unreachable)'.format(MAX_FAILED, VMS),
        category=', '.join(c or '' for c in categories) or None,
        message='{0} of {1} tasks failed'.format(len(failed), len(names)) + (': ' + one_line(failed[0].get('msg'), 200) if failed else ''),
        converged=not not_converged,
        phase1_s=round(phase1_seconds, 1),
        phase2_s=round(phase2_seconds, 1),
        extra={
            'hypervisor': during['hypervisor'],
            'pureboot': during['pureboot'],
            'creates_per_vm': sorted(set(creates.values())),
            'nodes_per_mac': sorted(set(registered.values())),
        },
        problems=problems,
    )
    for side in ('hypervisor', 'pureboot'):
        assert during[side]['lost_request'] + during[side]['lost_answer'] > 0, 'nothing was dropped on ' + side
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('backend', BACKENDS, indirect=True)
def test_drops_of_reads_are_retried(backend, pureboot_server, request, tmp_path, record):
    scene = Scene(request, backend, pureboot_server, tmp_path, 'read')
    # Enough VMs that one listing is a few dozen reads (one configuration per VM on Proxmox).
    for name in vm_names('read', READ_VMS):
        scene.create_vm(name)
    hypervisor, pureboot = start_proxies(scene, drop_rate=DROP_RATE, methods=['GET'], max_consecutive=2)
    try:
        tasks = [
            {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': scene.hv, 'pureboot': scene.pb}, 'loop': list(range(READ_ROUNDS))},
            {'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': scene.hv}, 'loop': list(range(READ_ROUNDS))},
            {'pureboot.hypervisors.pureboot_hypervisor': {'hypervisor': scene.hv}, 'loop': list(range(READ_ROUNDS))},
        ]
        during = {}

        def between(_first):
            during.update(hypervisor=losses(hypervisor), pureboot=losses(pureboot))

        first, _second, _run, phase1_seconds, _phase2_seconds = run_phases(tmp_path, tasks, [], between)
    finally:
        hypervisor.stop()
        pureboot.stop()
    answers = [r for index in range(len(tasks)) for r in task_results(first['p1_{0}'.format(index)])]
    failed = [r for r in answers if r.get('failed')]
    listed = [sorted(vm['name'] for vm in r['vms']) for r in task_results(first['p1_0']) if not r.get('failed')]
    problems = ['{0}'.format(one_line(r.get('msg'), 300)) for r in failed]
    problems += ['a listing missed VMs: {0}'.format(names) for names in listed if names != vm_names('read', READ_VMS)]
    lost = during['hypervisor']['lost_request'] + during['hypervisor']['lost_answer'] + during['pureboot']['lost_request'] + during['pureboot']['lost_answer']
    record(
        case_id('fault', backend.kind, 'drops_reads'),
        'fault',
        hypervisor=backend.kind,
        fault='{0:.0%} of reads lost on the hypervisor and PureBoot, over {1} runs of each info module and the connection test'.format(DROP_RATE, READ_ROUNDS),
        expected='ridden out',
        category=None,
        message='{0} of {1} tasks failed'.format(len(failed), len(answers)),
        converged=not problems,
        phase1_s=round(phase1_seconds, 1),
        phase2_s=None,
        extra={'hypervisor': during['hypervisor'], 'pureboot': during['pureboot']},
        problems=problems,
    )
    assert lost > 0, 'no read was dropped'
    assert during['hypervisor']['lost_reads_retried'] == during['hypervisor']['lost_reads'], 'a lost read was not asked again'
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('backend', [k for k in BACKENDS if k == 'proxmox'], indirect=True)
def test_drops_native_fakepve_flaky_network(backend, pureboot_server, request, tmp_path, record):
    scene = Scene(request, backend, pureboot_server, tmp_path, 'flaky')
    names = vm_names('flaky', VMS)
    pve = scene.pve
    pve.max_requests = 10**6
    pve.flaky_network(drop_rate=DROP_RATE)
    # fakepve seeds its dice only when it starts: seed them now so the run is the same every time.
    pve._random.seed(SEED)  # pylint: disable=protected-access
    task = dict(scene.vm_task('running', name='{{ item }}'), loop=names)

    def between(_first):
        pve.flaky_network(drop_rate=0.0)

    first, second, _run, phase1_seconds, phase2_seconds = run_phases(tmp_path, [task], [task], between)
    failed = [r for r in task_results(first['p1_0']) if r.get('failed')]
    problems = ['{0}: {1}'.format(r.get('item'), one_line(r.get('msg'), 300)) for r in failed if r.get('error_category') != 'unreachable']
    problems += converge_problems(scene, names, task_results(second['p2_0']))
    creates = {}
    for name, _status in scene.create_requests():
        creates[name] = creates.get(name, 0) + 1
    problems += ['{0} was created {1} times'.format(n, c) for n, c in sorted(creates.items()) if c != 1]
    record(
        case_id('fault', 'proxmox', NATIVE_DROPS['proxmox']),
        'fault',
        hypervisor='proxmox',
        fault="fakepve's flaky_network: {0:.0%} of requests dropped before fakepve reads them, creating and starting {1} VMs".format(DROP_RATE, VMS),
        expected='unreachable, or ridden out',
        category=', '.join(sorted({r.get('error_category') or '' for r in failed})) or None,
        message='{0} of {1} tasks failed'.format(len(failed), len(names)) + (': ' + one_line(failed[0].get('msg'), 200) if failed else ''),
        converged=not problems,
        phase1_s=round(phase1_seconds, 1),
        phase2_s=round(phase2_seconds, 1),
        extra={'creates_per_vm': sorted(set(creates.values()))},
        problems=problems,
    )
    assert not problems, '\n'.join(problems)
