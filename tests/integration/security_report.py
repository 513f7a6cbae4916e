"""Render docs/security.md from the outcomes of tests/integration/test_security.py, on one or more ansible-cores.

    PUREBOOT_SECURITY_REPORT=$PWD/security-2.19.json make pytest PYTEST_ARGS=tests/integration/test_security.py
    (the same on other cores, e.g. through the matrix's smoke sessions)
    .venv/bin/python tests/integration/security_report.py security-*.json --doc docs/security.md

Standard library only. Each case of test_security.CASES becomes one row, with the result it had on every run given.
"""

import argparse
import json
import pathlib

HEADER = '''# Security: untrusted data, connection targets, credentials

<!-- Rendered by tests/integration/security_report.py from the outcomes of tests/integration/test_security.py:
do not edit by hand. -->

What an attacker on the provisioning network, a hostile hypervisor user or a mistake can do to the collection,
and what it answers, case by case, as measured by `tests/integration/test_security.py` through real
`ansible-inventory` and `ansible-playbook` runs against fakepve (Proxmox VE), the oVirt engine simulator and the
PureBoot double (which, like the real server, lets anyone call `/api/v1/boot` and `/api/v1/report` without a
login). A case passes only when every test of it passed on that run.

To measure again and re-render this page (`test_security.py` fails when a case is missing here):

```
PUREBOOT_SECURITY_REPORT=$PWD/security.json make pytest PYTEST_ARGS=tests/integration/test_security.py
.venv/bin/python tests/integration/security_report.py security.json [more runs' .json ...] --doc docs/security.md
```

The rules behind the answers: every value from a hypervisor or PureBoot is marked unsafe where it enters the
inventory (`plugins/plugin_utils/_unsafe.py`); `ansible_host` comes from the hypervisor, PureBoot's address only
with `trust_pureboot_ip: true` ([inventory](inventory.md)); a node is a VM's only by the MAC of one of its NICs;
the environment's credentials fill only a connection to the system they name ([connections](connections.md));
hypervisor APIs over https only, PureBoot over plain http only on loopback or with `allow_insecure_http: true`.
'''


def cell(text):
    return ' '.join(str(text).split()).replace('|', '\\|')


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
        lines.append('| ' + ' | '.join(['`{0}`'.format(case_id), cell(case['attack']), cell(case['answer'])] + results)
                     + ' |')
    return HEADER + '\n' + '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('reports', nargs='+', type=pathlib.Path)
    parser.add_argument('--doc', type=pathlib.Path, required=True)
    args = parser.parse_args()
    reports = [json.loads(path.read_text()) for path in args.reports]
    args.doc.write_text(render(reports))


if __name__ == '__main__':
    main()
