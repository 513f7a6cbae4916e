"""Faults on each hypervisor type and on PureBoot, through real playbooks: the first run ends in the fault's
error category with one clear line (or rides the fault out, for expired logins and refused reads), never
leaves a duplicate behind, and the re-run after the fault is lifted converges: exactly one VM of the name, in
the state asked for, and its node registered once in PureBoot.
"""

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import BACKENDS
from ansible_collections.pureboot.hypervisors.tests.reliability.catalog import fault_kinds
from ansible_collections.pureboot.hypervisors.tests.reliability.faults import FAULTS
from ansible_collections.pureboot.hypervisors.tests.reliability.harness import clear_line_problems, one_line, run_phases
from ansible_collections.pureboot.hypervisors.tests.reliability.known_bugs import KNOWN_BUGS
from ansible_collections.pureboot.hypervisors.tests.reliability.scene import Scene


def fault_params():
    """(fault, backend) pairs: hypervisor faults on their own type, PureBoot faults with the first backend."""
    params = []
    for fault in FAULTS:
        for kind in fault_kinds(fault, BACKENDS):
            marks = [getattr(pytest.mark, name)(**options) for name, options in fault.marks]
            params.append(pytest.param(fault, kind, marks=marks, id=fault.case_id(kind)))
    return params


def converged_problems(scene, play, result):
    """Why the re-run did not converge (an empty list when it did)."""
    problems = []
    if result.get('failed'):
        return ['the re-run failed: {0}'.format(one_line(result.get('msg'), 300))]
    vms = scene.vms()
    nodes = scene.nodes()
    if play.state is None:
        if vms:
            problems.append('{0} VM(s) left'.format(len(vms)))
        if len(nodes) != 1 or nodes[0]['state'] != 'retired':
            problems.append('nodes {0}, expected one retired'.format([(n['mac_address'], n['state']) for n in nodes]))
        return problems
    if len(vms) != 1:
        return ['{0} VMs called {1}'.format(len(vms), scene.name)]
    if vms[0]['status'] != play.state:
        problems.append('the VM is {0}, not {1}'.format(vms[0]['status'], play.state))
    mac = vms[0]['nics'][0]['mac']
    by_mac = scene.nodes(mac=mac)
    if len(by_mac) != 1 or by_mac[0]['state'] == 'retired':
        problems.append('nodes for {0}: {1}'.format(mac, [(n['id'], n['state']) for n in by_mac]))
    return problems


@pytest.mark.parametrize(('fault', 'backend'), fault_params(), indirect=['backend'])
def test_fault_ends_in_its_category_and_the_rerun_converges(fault, backend, pureboot_server, request, tmp_path, record):
    scene = Scene(request, backend, pureboot_server, tmp_path, 'rel-' + fault.name.replace('_', '-'))
    play = fault.function(scene)
    left = {}

    def between(first):
        try:
            if play.after_phase1:
                play.after_phase1(first)
        except AssertionError as exc:
            left['check'] = str(exc)
        # Lifting the fault changes no VM and no node, and looking is quicker without it (a slow network).
        play.lift()
        # What the failed run left: never a second VM, never a second node.
        left.update(vms=len(scene.vms()), nodes=len(scene.nodes()))

    first, second, run, phase1_seconds, phase2_seconds = run_phases(tmp_path, play.phase1, play.phase2, between)
    answer, rerun = first['p1_0'], second['p2_0']
    labels = {scene.label, 'pureboot (127.0.0.1)'}
    problems = clear_line_problems(answer, labels, run.stdout + run.stderr, scene.backend.secrets)
    if fault.category is None:
        if answer.get('failed'):
            problems.append('the collection should have ridden this out: {0}'.format(one_line(answer.get('msg'), 300)))
    else:
        if not answer.get('failed'):
            problems.append('the first run did not fail')
        elif answer.get('error_category') != fault.category:
            problems.append('category {0}, expected {1}'.format(answer.get('error_category'), fault.category))
        if play.text and play.text not in str(answer.get('msg')):
            problems.append('the message does not say {0!r}'.format(play.text))
    if left.get('vms', 0) > 1 or left.get('nodes', 0) > 1:
        problems.append('the failed run left {vms} VMs and {nodes} nodes'.format(**left))
    if left.get('check'):
        problems.append(left['check'])
    not_converged = converged_problems(scene, play, rerun)
    # What the whole case sent (a write that reached the hypervisor twice) is a problem, not a convergence one.
    problems += play.verify() if play.verify else []
    case_id = fault.case_id(backend.kind)
    known = KNOWN_BUGS.get(case_id)
    record(
        case_id,
        'fault',
        hypervisor=backend.kind,
        fault=fault.summary,
        expected=fault.category or 'ridden out',
        category=answer.get('error_category') if answer.get('failed') else None,
        message=one_line(answer.get('msg')) if answer.get('failed') else 'ok (changed: {0})'.format(answer.get('changed')),
        left_vms=left.get('vms'),
        left_nodes=left.get('nodes'),
        converged=not not_converged,
        rerun_changed=rerun.get('changed'),
        phase1_s=round(phase1_seconds, 1),
        phase2_s=round(phase2_seconds, 1),
        extra=play.measure() if play.measure else {},
        problems=problems + not_converged,
        known_bug=known,
    )
    if known:
        assert problems or not_converged, 'fixed ({0}): take {1} out of known_bugs.KNOWN_BUGS'.format(known, case_id)
    else:
        assert not problems and not not_converged, '\n'.join(problems + not_converged)
