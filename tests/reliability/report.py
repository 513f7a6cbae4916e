"""Render docs/reliability.md from the results the reliability suite measured.

    PUREBOOT_RELIABILITY_REPORT=$PWD/reliability.json make pytest PYTEST_ARGS=tests/reliability
    PUREBOOT_STRESS=1 PUREBOOT_RELIABILITY_REPORT=$PWD/stress.json make pytest PYTEST_ARGS=tests/reliability
    .venv/bin/python tests/reliability/report.py reliability.json --stress stress.json --doc docs/reliability.md

Standard library only, so it runs from the checkout without the collection on the path. Every case of the
results becomes one row, with the figures measured; test_report.py checks that no case of the suite is
missing from the page.
"""

import argparse
import json
import pathlib


def cell(value, limit=None):
    """A table cell: one line, pipes escaped, optionally cut."""
    if value is None or value == '':
        return '–'
    if isinstance(value, (list, tuple)):
        value = ', '.join(str(v) for v in value)
    if isinstance(value, dict):
        value = ', '.join('{0}: {1}'.format(k, cell(v)) for k, v in sorted(value.items()))
    text = ' '.join(str(value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + '…'
    return text.replace('|', '\\|')


def table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join('---' for _h in header) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def passed(case):
    """The test that measured the case passed (a known bug still shown counts as passed)."""
    return case.get('test_passed') is True


def by_section(report, section):
    return sorted((c for c in report['cases'] if c['section'] == section), key=lambda c: c['id'])


LOAD_FIGURES = ('vms', 'distinct_ids', 'nodes', 'create_requests', 'phase1_s', 'rerun_s', 'rerun_changed', 'seconds', 'requests')


def pick(case, keys):
    """{key: value} of the keys the case has, None values left out."""
    return {k: case[k] for k in keys if case.get(k) is not None}


def drop_figures(extra):
    """The measured facts of a case as one readable text (the drop counts of a DropProxy spelled out)."""
    parts = []
    for side in ('hypervisor', 'pureboot'):
        counts = extra.get(side)
        if not isinstance(counts, dict):
            continue
        parts.append(
            '{0}: {1} requests, {2} lost before the server and {3} after its answer ({4} of them writes, {5} logins); {6} lost reads, {7} asked again'.format(
                'PureBoot' if side == 'pureboot' else 'hypervisor',
                counts.get('requests'),
                counts.get('lost_request'),
                counts.get('lost_answer'),
                counts.get('lost_writes'),
                counts.get('lost_logins'),
                counts.get('lost_reads'),
                counts.get('lost_reads_retried'),
            )
        )
    if 'creates_per_vm' in extra:
        parts.append('create requests per VM that reached the hypervisor: {0}'.format(cell(extra['creates_per_vm'])))
    if 'nodes_per_mac' in extra:
        parts.append('node registrations per MAC that reached PureBoot: {0}'.format(cell(extra['nodes_per_mac'])))
    rest = {k: v for k, v in extra.items() if k not in ('hypervisor', 'pureboot', 'creates_per_vm', 'nodes_per_mac')}
    if rest:
        parts.append(cell(rest))
    return '; '.join(parts)


# ---------------------------------------------------------------------------- figures


def figures(report):
    faults = by_section(report, 'fault')
    loads = by_section(report, 'load')
    inputs = by_section(report, 'input')
    secrets = by_section(report, 'secrets')
    survived = [c for c in faults if passed(c) and c.get('converged') and not c.get('known_bug')]
    fault_bugs = [c for c in faults if c.get('known_bug')]
    held = [c for c in loads if passed(c)]
    clear = [c for c in inputs if not c.get('problems')]
    known = [c for c in inputs if c.get('known_bug')]
    leaks = sum(c.get('leaks') or 0 for c in secrets)
    load_text = []
    for case in loads:
        if case['id'].endswith('/forks'):
            load_text.append(
                '{0}: {1} VMs at once, {2} distinct ids, {3} nodes registered once each{4}'.format(
                    case['hypervisor'],
                    case.get('vms'),
                    case.get('distinct_ids'),
                    case.get('nodes'),
                    '' if case.get('rerun_changed') is None else ', re-run of all at once changed {0}'.format(case['rerun_changed']),
                )
            )
        else:
            load_text.append(
                '{0}: inventory of {1} VMs in {2} s ({3} requests)'.format(case['hypervisor'], case.get('vms'), case.get('seconds'), case.get('requests'))
            )
    options = {(c['module'], c['option']) for c in inputs if c['option'] != 'no_such_option'}
    rows = [
        [
            'Faults survived',
            '**{0} of {1}**: ended in the error category expected with one clear line (or were ridden out: '
            'expired logins, refused or dropped reads, lost write answers), left no duplicate, and their re-run converged; '
            '{2} with a known bug (below)'.format(len(survived), len(faults), len(fault_bugs)),
        ],
        ['Load held', '**{0} of {1}**: {2}'.format(len(held), len(loads), '; '.join(load_text))],
        [
            'Inputs tried',
            '**{0}** (every option of the {5} modules, {1} in all with the suboptions, each module counted '
            'apart, plus an option none has; on {2} hypervisor type(s)): {3} answered one clear line as '
            'expected; {4} with a known bug (below)'.format(
                len(inputs), len(options), len({c['id'].split('/')[1] for c in inputs}), len(clear), len(known), len({c['module'] for c in inputs})
            ),
        ],
        [
            'Secrets leaked',
            '**{0}** in {1} scans ({2} bytes of -vvvv output, results and cache)'.format(
                leaks, len(secrets), sum(c.get('scanned_bytes') or 0 for c in secrets)
            ),
        ],
    ]
    return table(['', 'measured'], rows)


def run_facts(report, title):
    return '{0}: `{1}`, {2}, {3} s, {4}, ansible-core {5}.'.format(
        title, report['command'], report['started'], report['duration_s'], report['machine'], report['ansible_core']
    )


# ---------------------------------------------------------------------------- sections


def fault_rows(report):
    rows = []
    for case in by_section(report, 'fault'):
        extra = dict(case.get('extra') or {})
        left = '–' if case.get('left_vms') is None else '{0} VM, {1} node'.format(case['left_vms'], case['left_nodes'])
        rows.append(
            [
                '`{0}`'.format(case['id']),
                cell(case.get('fault')),
                cell(case.get('expected')),
                cell(case.get('category') or 'none (ok)'),
                cell(case.get('message'), 400),
                left,
                'yes' if case.get('converged') else '**no**',
                cell(case.get('phase1_s')),
                cell(case.get('phase2_s')),
                cell(drop_figures(extra)),
                verdict(case),
            ]
        )
    return table(['case', 'fault', 'expected', 'answered', 'first run said', 'left by it', 're-run converged', 'run 1 s', 're-run s', 'measured', 'test'], rows)


def load_rows(report):
    rows = []
    for case in by_section(report, 'load'):
        measured = pick(case, LOAD_FIGURES)
        rows.append(
            ['`{0}`'.format(case['id']), cell(case.get('load')), cell(measured), cell(case.get('problems')), 'passed' if passed(case) else '**failed**']
        )
    return table(['case', 'load', 'measured', 'problems', 'test'], rows)


def secret_rows(report):
    rows = []
    for case in by_section(report, 'secrets'):
        rows.append(
            [
                '`{0}`'.format(case['id']),
                cell(case.get('target')),
                cell(case.get('tasks')),
                cell(case.get('failures')),
                cell(case.get('categories')),
                cell(case.get('secrets')),
                cell(case.get('scanned_bytes')),
                '**{0}**'.format(case.get('leaks')),
                'passed' if passed(case) else '**failed**',
            ]
        )
    return table(['case', 'target', 'runs', 'failures induced', 'categories', 'secrets looked for', 'bytes scanned', 'leaks', 'test'], rows)


def verdict(case):
    if not passed(case):
        return '**failed**'
    return 'known bug (below)' if case.get('known_bug') else 'passed'


def known_bug_rows(report):
    bugs = {}
    for case in sorted(report['cases'], key=lambda c: c['id']):
        if case.get('known_bug'):
            bugs.setdefault(case['known_bug'], []).append(case)
    rows = []
    for bug, cases in sorted(bugs.items()):
        # What the user reads: from a case that pins the bug, rather than from one where it happened by chance.
        pinned = sorted(cases, key=lambda c: 'drops' in c['id'])[0]
        rows.append([cell(bug), cell(pinned.get('message'), 300), ', '.join('`{0}`'.format(c['id']) for c in cases)])
    return table(['bug', 'what the user reads', 'cases showing it'], rows) if rows else 'None.'


def input_rows(report, module):
    rows = []
    for case in by_section(report, 'input'):
        if case['module'] != module:
            continue
        verdict = 'ok' if not case.get('problems') else ('known bug' if case.get('known_bug') else '**' + cell(case['problems']) + '**')
        rows.append(
            [
                '`{0}`'.format(case['id']),
                cell(case.get('value'), 120),
                cell(case.get('expected')),
                cell(case.get('outcome')),
                cell(case.get('category')),
                cell(case.get('message'), 500),
                verdict,
            ]
        )
    return table(['case', 'value', 'expected', 'answered', 'category', 'message (exactly as answered)', 'verdict'], rows)


def stress_summary(stress):
    rows = []
    for case in stress['cases']:
        if case['section'] not in ('fault', 'load') or not any(key in case['id'] for key in ('drops', 'forks', 'inventory')):
            continue
        measured = drop_figures(case['extra']) if case.get('extra') else pick(case, LOAD_FIGURES)
        rows.append(
            [
                '`{0}`'.format(case['id']),
                cell(case.get('fault') or case.get('load')),
                cell(case.get('message') or case.get('problems')),
                cell(measured, 500),
                'passed' if passed(case) else '**failed**',
            ]
        )
    return table(['case', 'what', 'answered', 'measured', 'test'], rows)


INTRO = """<!-- Rendered by tests/reliability/report.py from the results the suite measured: do not edit by hand. -->

What the reliability suite (`tests/reliability/`) does to the collection, and what the collection answered, case
by case, as measured in the run named below. `make test` runs it with reduced sizes; `PUREBOOT_STRESS=1` runs the
larger variant (more VMs, more requests under drops, a 5,000-VM inventory). The servers are the suite's test
backends, over HTTPS with verified certificates: fakepve (Proxmox VE), the oVirt engine simulator
(`tests/simulators/ovirt`) and the PureBoot double (`tests/simulators/pureboot`), driven through real
`ansible-playbook`, `ansible-inventory` and module runs (no mock of proxmoxer, ovirtsdk4 or requests).

To measure again and re-render this page (`test_report.py` fails when a case of the suite is missing here):

```
PUREBOOT_RELIABILITY_REPORT=$PWD/reliability.json make pytest PYTEST_ARGS=tests/reliability
PUREBOOT_STRESS=1 PUREBOOT_RELIABILITY_REPORT=$PWD/stress.json make pytest PYTEST_ARGS=tests/reliability
.venv/bin/python tests/reliability/report.py reliability.json --stress stress.json --doc docs/reliability.md
```

How the cases are made:

- **Faults** are caused with the servers' own injectors (fakepve's `lose_quorum`, `set_node_offline`, storage
  `avail`, `start_error`, locks, ticket lifetime, `slow_network`, `flaky_network`; the oVirt simulator's faults,
  host status, locks, token lifetime and latency; the PureBoot double's `fail`, `slow` and token lifetime), and
  with a TLS-terminating proxy (`chaos.py`) that drops a share of the connections, before the server sees the
  request or after it answered. Each case is one playbook: the task under the fault, then (the fault lifted)
  the same task again. The first run must end in the listed category with one clear line (or succeed, where the
  collection must ride the fault out); what it left behind must hold no duplicate; the re-run must converge:
  exactly one VM of the name, in the state asked for, its PureBoot node registered once.
- **Load**: one play with as many forks as VMs (20; 100 in the stress run) creates them all at once, each with its
  PureBoot node: every VM once, with its own id, each node registered once, and on Proxmox at most 1.2 clone
  requests per VM on average (ids are spread over the free ones by VM name, so forks rarely collide); the
  inventory plugin lists a hypervisor filled with thousands of VMs, half of them known to PureBoot.
- **Lost answers**: a write whose answer the proxy lost after the server acted is read back (the VM by name and
  id, the Proxmox task by its UPID, the PureBoot node by MAC), never sent again blindly: under 5% drops at most
  one task in 40 may fail, and no write may reach a server twice.
- **Bad input** cases are generated from the modules' own argument specs (`bad_input.py`): every option,
  suboptions included, gets a value of the wrong type, an out-of-range value and an unknown name where those
  apply, against live servers (on libvirt too: the tests' own libvirtd, `tests/simulators/libvirtd`, over
  qemu+tls with a SASL login), and every input a module accepts is run again and must report no change. Every
  answer must be one line, without traceback, without the catch-all
  "unexpected <Exception>" of a bug, naming the hypervisor or PureBoot when it comes from the driver layer,
  without a secret. "expected" is what the case must answer: `fail`; `fail_or_converted` (Ansible itself turns a
  list given to a string option into its text); `empty` (a filter that matches nothing); `ok`; `any`.
- **Secrets**: every module and the inventory plugin at `-vvvv`, credentials from Ansible Vault, failures induced
  (wrong passwords, tokens and keys, TLS, unreachable PureBoot, PureBoot 5xx); stdout, stderr, the log file, the
  results and the inventory cache are scanned for every secret, including the session tickets and tokens the
  servers issued meanwhile.
"""


def render(report, stress=None):
    parts = ['# Reliability: faults, load, bad input, secrets', '', INTRO, '## Figures', '', figures(report), '', run_facts(report, 'Measured by')]
    if stress:
        parts += ['', '### Stress run', '', figures(stress), '', run_facts(stress, 'Measured by'), '', stress_summary(stress)]
    parts += [
        '',
        '## Faults',
        '',
        fault_rows(report),
        '',
        '## Load',
        '',
        load_rows(report),
        '',
        '## Secrets audit',
        '',
        secret_rows(report),
        '',
        '## Bugs the suite shows',
        '',
        'Cases whose answer is not yet what it should be. Each stays in the suite, which fails the day the bug '
        'is fixed so its entry in `tests/reliability/known_bugs.py` is taken out.',
        '',
        known_bug_rows(report),
        '',
        '## Bad input',
        '',
    ]
    for module in sorted({c['module'] for c in by_section(report, 'input')}):
        parts += ['### {0}'.format(module), '', input_rows(report, module), '']
    return '\n'.join(parts).rstrip() + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results', help='the JSON file the suite wrote (PUREBOOT_RELIABILITY_REPORT)')
    parser.add_argument('--stress', help='the JSON file of a PUREBOOT_STRESS=1 run, for its figures')
    parser.add_argument('--doc', default='docs/reliability.md', help='the page to write')
    parser.add_argument('--command', help='how the results were measured, when it differs from what the file says')
    parser.add_argument('--stress-command', help='the same for the stress results')
    args = parser.parse_args(argv)
    report = json.loads(pathlib.Path(args.results).read_text())
    if args.command:
        report['command'] = args.command
    stress = json.loads(pathlib.Path(args.stress).read_text()) if args.stress else None
    if stress and args.stress_command:
        stress['command'] = args.stress_command
    pathlib.Path(args.doc).write_text(render(report, stress))
    print('{0}: {1} cases{2}'.format(args.doc, len(report['cases']), ', stress: {0}'.format(len(stress['cases'])) if stress else ''))


if __name__ == '__main__':
    main()
