"""Bad input: every option of every module, given a wrong type, an out-of-range value or an unknown name.

The cases come from the modules' own argument specs (bad_input.py), so a new option is tried without
anyone adding it here. Each case is the module's valid base task with one mistake in it, run against live
servers (a hypervisor and the PureBoot double) so mistakes that only the driver layer or the server can see
get there. Every answer must be one clear line: no traceback, not the catch-all of an unexpected exception,
naming the hypervisor or PureBoot when it comes from the driver layer, no secret; each case must answer
what expectation() says; and every case a module accepts converges: the same task run again reports
changed: false. What was tried and the exact message go into docs/reliability.md.
"""

import concurrent.futures
import time
from urllib.parse import urlsplit

import pytest
import yaml

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS, BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.runner import assert_ok, run_playbook
from ansible_collections.pureboot.hypervisors.tests.reliability.bad_input import MODULES, expectation, module_cases, module_spec
from ansible_collections.pureboot.hypervisors.tests.reliability.harness import STABLE_HASHES, ModuleRunner, clear_line_problems, one_line
from ansible_collections.pureboot.hypervisors.tests.reliability.known_bugs import KNOWN_BUGS

# Modules run as separate processes; a few at a time keeps both cores busy while the servers answer.
WORKERS = 3
INFO_LISTS = {'pureboot_vm_info': 'vms', 'pureboot_vm_template_info': 'templates'}


def base_args(module, backend, double, vm_name):
    """The valid task each case puts one mistake into: reaches the hypervisor and PureBoot (password login)."""
    hypervisor = backend.connection()
    pureboot = {'url': double.url, 'username': double.username, 'password': double.password, 'ca_file': double.cafile}
    if module == 'pureboot_vm_template_info':
        return {'hypervisor': hypervisor}
    if module in ('pureboot_hypervisor', 'pureboot_vm_info'):
        return {'hypervisor': hypervisor, 'pureboot': pureboot}
    return dict(
        backend.placement,
        hypervisor=hypervisor,
        pureboot=pureboot,
        name=vm_name,
        template=backend.template,
        networks=[{'network': backend.network}],
        pureboot_node={'register': True},
    )


def labels_for(args):
    """The names a driver-layer message may start with, for these arguments."""
    hypervisor = args.get('hypervisor') if isinstance(args.get('hypervisor'), dict) else {}
    labels = {'hypervisor', 'pureboot', 'inventory'}
    for value in (hypervisor.get('name'), hypervisor.get('api_url')):
        if value is not None:
            labels.add(str(value))
    try:
        labels.add(urlsplit(str(hypervisor.get('api_url') or '')).hostname or '')
    except ValueError:
        pass
    pureboot = args.get('pureboot') if isinstance(args.get('pureboot'), dict) else {}
    try:
        labels.add('pureboot ({0})'.format(urlsplit(str(pureboot.get('url') or '')).hostname))
    except ValueError:
        pass
    return labels


def classify(case, result):
    """failed, converted (Ansible took the text of a list given to a str option), empty, ok, or crashed."""
    if result is None:
        return 'crashed'
    if result.get('failed'):
        return 'failed'
    if case.kind == 'wrong_type' and case.type in ('str', 'path'):
        return 'converted'
    if case.module in INFO_LISTS and result.get(INFO_LISTS[case.module]) == []:
        return 'empty'
    return 'ok'


def meets(expected, outcome, category):
    return {
        'fail': outcome == 'failed',
        'fail_or_converted': outcome in ('failed', 'converted'),
        'ok': outcome in ('ok', 'converted'),
        # A filter that matches nothing; or one refused: it names nothing that exists, or does not apply here.
        'empty': outcome == 'empty' or (outcome == 'failed' and category in ('invalid_input', 'not_found')),
        'any': outcome != 'crashed',
    }[expected]


def answer_text(case, result, outcome):
    """The line the user reads: the failure message; else what happened to the value, and any warning."""
    if result is None:
        return ''
    if outcome == 'failed':
        return str(result.get('msg'))
    said = {'converted': 'accepted as the text {0!r}'.format(str(case.value)), 'empty': 'no match (empty list)', 'ok': 'accepted'}[outcome]
    warnings = [one_line(w) for w in result.get('warnings') or ()]
    return '; '.join([said] + warnings)


@pytest.mark.parametrize('module', MODULES)
# No fault proxy here: every type, libvirt included, answers bad input and converges on what it accepts.
@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
# Every option's bad values and every accepted one again: pureboot_vm has ~180 cases, on libvirt each a real
# domain; the suite's 300 s per test is too short for that one under load.
@pytest.mark.timeout(1200)
def test_every_option_answers_bad_input_with_one_clear_line(backend, module, pureboot_server, tmp_path, record):
    cases = module_cases(module, module_spec(module)['argument_spec'])
    pureboot_server.add_group('lab-web')
    secrets = list(backend.secrets) + [pureboot_server.password, pureboot_server.api_key]

    # Every case is a module run of this type: import its SDK once, not in every child.
    with ModuleRunner(tmp_path, WORKERS, sdks=True) as runner:

        def run(numbered):
            index, case = numbered
            args = case.apply(base_args(module, backend, pureboot_server, 'bad-{0:03d}'.format(index)))
            started = time.monotonic()
            result, stdout, stderr, _code = runner.run(module, args, 'case{0:03d}'.format(index))
            return case, args, result, stdout + stderr, time.monotonic() - started

        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            answers = list(pool.map(run, enumerate(cases)))

        # Every input a module accepts converges: the same task again changes nothing.
        def run_again(answer):
            case, args, _result, _output, _seconds = answer
            again, _stdout, _stderr, _code = runner.run(module, args, 'again-' + case.case_id(backend.kind).replace('/', '_'))
            return case, again

        accepted = [a for a in answers if a[2] is not None and not a[2].get('failed')]
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            second_runs = {case.case_id(backend.kind): again for case, again in pool.map(run_again, accepted)}

    problems = []
    for case, args, result, output, seconds in answers:
        case_id = case.case_id(backend.kind)
        outcome = classify(case, result)
        expected = expectation(case, backend.kind)
        issues = clear_line_problems(result, labels_for(args), output, secrets)
        if not meets(expected, outcome, (result or {}).get('error_category')):
            issues.append('expected {0}, answered {1}'.format(expected, outcome))
        again = second_runs.get(case_id)
        if again is not None and (again.get('failed') or again.get('changed')):
            issues.append(
                'accepted, but the same task again answered {0}'.format(
                    'failed: ' + one_line(again.get('msg'), 200) if again.get('failed') else 'changed: true'
                )
            )
        known = KNOWN_BUGS.get(case_id)
        record(
            case_id,
            'input',
            module=module,
            option=case.option,
            kind=case.kind,
            value=case.shown_value(),
            expected=expected,
            outcome=outcome,
            category=(result or {}).get('error_category'),
            message=answer_text(case, result, outcome),
            problems=issues,
            known_bug=known,
            seconds=round(seconds, 2),
        )
        if known and not issues:
            problems.append('{0}: fixed ({1}); take it out of KNOWN_BUGS'.format(case_id, known))
        elif issues and not known:
            answered = one_line(answer_text(case, result, outcome), 300)
            problems.append('{0} = {1}: {2} -> {3}'.format(case_id, case.shown_value(), '; '.join(issues), answered))
    assert not problems, '{0} of {1} cases:\n{2}'.format(len(problems), len(cases), '\n'.join(problems))


@pytest.mark.parametrize('backend', BACKENDS[:1], indirect=True)
def test_a_playbook_shows_the_same_message(backend, pureboot_server, tmp_path):
    """The cases run modules directly; a sample of them through ansible-playbook answers word for word the same."""
    # One case of each kind of mistake (pureboot_vm has them all), and each other module's unknown option
    # (Ansible's message names the module).
    vm_cases = module_cases('pureboot_vm', module_spec('pureboot_vm')['argument_spec'])
    sample = [('pureboot_vm', next(c for c in vm_cases if c.kind == kind)) for kind in ('wrong_type', 'wrong_element', 'out_of_range', 'unknown_name')]
    for module in MODULES:
        if module != 'pureboot_vm':
            sample.append((module, module_cases(module, module_spec(module)['argument_spec'])[-1]))
    tasks, direct = [], []
    with ModuleRunner(tmp_path, 1) as runner:
        for index, (module, case) in enumerate(sample):
            args = case.apply(base_args(module, backend, pureboot_server, 'same-{0:02d}'.format(index)))
            direct.append(runner.run(module, args, 'direct{0:02d}'.format(index))[0])
    for index, (module, case) in enumerate(sample):
        args = case.apply(base_args(module, backend, pureboot_server, 'same-{0:02d}'.format(index)))
        tasks.append({'name': case.case_id(backend.kind), 'pureboot.hypervisors.' + module: args, 'register': 'case_{0}'.format(index), 'ignore_errors': True})
    dump = '{{ [' + ', '.join('case_{0}'.format(i) for i in range(len(sample))) + '] | to_json }}'
    tasks.append({'write_file': {'content': dump, 'dest': str(tmp_path / 'played.json')}})
    result = run_playbook(tmp_path, yaml.safe_dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}]), env=STABLE_HASHES)
    assert_ok(result)
    played = yaml.safe_load((tmp_path / 'played.json').read_text())
    for (module, case), alone, in_play in zip(sample, direct, played):
        assert bool(in_play.get('failed')) == bool(alone.get('failed')), case.case_id(backend.kind)
        if alone.get('failed'):
            assert in_play['msg'] == alone['msg'], (module, case.option, case.kind)
