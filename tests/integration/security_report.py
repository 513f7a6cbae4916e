"""Render docs/security.md from the outcomes of the security cases' tests, on one or more ansible-cores.

    PUREBOOT_SECURITY_REPORT=$PWD/security-2.19.json make pytest PYTEST_ARGS='tests/integration/test_security*.py tests/integration/test_module_cloud_init.py'
    (the same on other cores, e.g. through the matrix's smoke sessions)
    .venv/bin/python tests/integration/security_report.py security-*.json --doc docs/security.md

Standard library only. The threat model (test_security.ACTORS, as the runs recorded it) becomes one section per
actor, each rule with the tests that play it; each case of test_security.CASES becomes one row of the table, with the
result it had on every run given.
"""

import argparse
import json
import pathlib

HEADER = """# Security: threat model, untrusted data, connection targets, credentials

<!-- Rendered by tests/integration/security_report.py from the outcomes of tests/integration/test_security*.py
and test_module_cloud_init.py:
do not edit by hand. -->

Who can reach what (the threat model), and what an attacker on the provisioning network, a hostile hypervisor
user or a mistake can do to the collection and what it answers, case by case, as measured by
`tests/integration/test_security*.py` and `test_module_cloud_init.py` through real
`ansible-inventory` and `ansible-playbook` runs against fakepve (Proxmox VE), the oVirt engine simulator and the
PureBoot double (which, like the real server, lets anyone call `/api/v1/boot` and `/api/v1/report` without a
login). A case passes only when every test of it passed on that run.

To measure again and re-render this page (`test_security.py` fails when a case is missing here):

```
PUREBOOT_SECURITY_REPORT=$PWD/security.json make pytest PYTEST_ARGS='tests/integration/test_security*.py tests/integration/test_module_cloud_init.py'
.venv/bin/python tests/integration/security_report.py security.json [more runs' .json ...] --doc docs/security.md
```

The rules behind the answers: every value from a hypervisor or PureBoot is marked unsafe where it enters the
inventory (`plugins/plugin_utils/_unsafe.py`); `ansible_host` comes from the hypervisor, PureBoot's address only
with `trust_pureboot_ip: true` ([inventory](inventory.md)); a node is a VM's only by the MAC of one of its NICs;
the environment's credentials fill only a connection to the system they name ([connections](connections.md));
hypervisor APIs over https only, PureBoot over plain http only on loopback or with `allow_insecure_http: true`.
"""


def cell(text):
    return ' '.join(str(text).split()).replace('|', '\\|')


def test_names(reports, case_id):
    """The test functions that played a case on any run (their names, without the parameters)."""
    names = set()
    for report in reports:
        for case in report['cases']:
            if case['id'] == case_id:
                names.update(nodeid.split('::')[-1].split('[')[0] for nodeid in case['tests'])
    return sorted(names)


def case_result(reports, runs, case_id):
    """'passed on every run' or the runs it failed or did not run on."""
    missed = []
    for run, report in zip(runs, reports):
        mine = [c for c in report['cases'] if c['id'] == case_id]
        if not mine or not mine[0]['tests']:
            missed.append('not run on ' + run)
        elif not mine[0]['passed']:
            missed.append('**FAILED** on ' + run)
    return '; '.join(missed) if missed else 'passed on every run'


def threat_model(reports, runs):
    actors = next((report['actors'] for report in reports if report.get('actors')), None)
    if not actors:
        return ''
    lines = [
        '',
        '## Threat model',
        '',
        'Each actor, what they can reach, and the rules the collection keeps against them; each rule names the '
        'case below and the tests that play that actor (with their result on the runs of the table), or says '
        'what is still pending.',
        '',
    ]
    for actor in actors:
        lines.append('### {0} ({1})'.format(actor['actor'], 'trusted' if actor['trusted'] else 'untrusted'))
        lines.extend(['', 'Can reach: ' + actor['reaches'], ''])
        for rule in actor['rules']:
            if 'case' in rule:
                tests = ', '.join('`{0}`'.format(name) for name in test_names(reports, rule['case'])) or 'none ran'
                lines.append('- {0} (case `{1}`; test: {2}; {3})'.format(rule['rule'], rule['case'], tests, case_result(reports, runs, rule['case'])))
            else:
                lines.append('- {0} (pending: {1}; test: {2})'.format(rule['rule'], rule['pending'], rule.get('test') or 'not written yet'))
        lines.append('')
    return '\n'.join(lines)


def render(reports):
    runs = ['ansible-core {0} (Python {1})'.format(r['ansible_core'], r['python']) for r in reports]
    cases = {}
    for report in reports:
        for case in report['cases']:
            cases.setdefault(case['id'], case)
    header = ['case', 'what an attacker or a mistake does', 'what the collection answers'] + runs
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '|'.join('---' for _h in header) + '|']
    for case_id, case in cases.items():
        results = []
        for report in reports:
            mine = [c for c in report['cases'] if c['id'] == case_id]
            if not mine or not mine[0]['tests']:
                results.append('not run')
            else:
                results.append('passed' if mine[0]['passed'] else '**FAILED**')
        lines.append('| ' + ' | '.join(['`{0}`'.format(case_id), cell(case['attack']), cell(case['answer'])] + results) + ' |')
    return HEADER + threat_model(reports, runs) + '\n## Cases\n\n' + '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('reports', nargs='+', type=pathlib.Path)
    parser.add_argument('--doc', type=pathlib.Path, required=True)
    args = parser.parse_args()
    reports = [json.loads(path.read_text()) for path in args.reports]
    args.doc.write_text(render(reports))


if __name__ == '__main__':
    main()
