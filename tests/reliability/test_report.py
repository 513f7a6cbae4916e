"""docs/reliability.md cannot drift from the suite: every case of the suite is on the page, nothing else is, and
the page shows a passing run; and report.py counts what it is given."""

import re

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS, BACKENDS
from ansible_collections.pureboot.hypervisors.tests.reliability.catalog import SECTIONS, all_case_ids
from ansible_collections.pureboot.hypervisors.tests.reliability.harness import DOC
from ansible_collections.pureboot.hypervisors.tests.reliability.report import render

CASE = re.compile(r'`((?:{0})/[^`]+)`'.format('|'.join(SECTIONS)))
RERENDER = (
    're-render it: PUREBOOT_RELIABILITY_REPORT=$PWD/reliability.json make pytest PYTEST_ARGS=tests/reliability, '
    'then .venv/bin/python tests/reliability/report.py reliability.json --doc docs/reliability.md'
)


def test_the_page_lists_every_case_of_the_suite_and_no_other():
    listed = set(CASE.findall(DOC.read_text()))
    expected = set(all_case_ids(BACKENDS, input_backends=ALL_BACKENDS))
    missing, stale = sorted(expected - listed), sorted(listed - expected)
    assert not missing and not stale, 'docs/reliability.md is out of date ({0} missing: {1}; {2} gone: {3}); {4}'.format(
        len(missing), ', '.join(missing[:20]), len(stale), ', '.join(stale[:20]), RERENDER
    )


def test_the_page_shows_a_passing_run():
    text = DOC.read_text()
    assert '**failed**' not in text and '| **no** |' not in text, 'the page was rendered from a failing run; ' + RERENDER
    assert re.search(r'\| Secrets leaked \| \*\*0\*\* in [1-9]', text)


def test_render_counts_what_was_measured():
    report = {
        'command': 'pytest tests/reliability',
        'started': 'now',
        'duration_s': 1.0,
        'machine': '2 CPU(s)',
        'ansible_core': '2.19',
        'cases': [
            {'id': 'fault/proxmox/a', 'section': 'fault', 'test_passed': True, 'converged': True, 'fault': 'x'},
            {'id': 'fault/proxmox/b', 'section': 'fault', 'test_passed': False, 'converged': False, 'fault': 'y'},
            {
                'id': 'input/proxmox/m/o/wrong_type',
                'section': 'input',
                'module': 'm',
                'option': 'o',
                'test_passed': True,
                'problems': ['a traceback'],
                'known_bug': 'B',
                'message': 'm|n',
            },
            {'id': 'secrets/proxmox/m', 'section': 'secrets', 'test_passed': True, 'leaks': 0, 'scanned_bytes': 10},
        ],
    }
    page = render(report)
    assert '| Faults survived | **1 of 2**' in page
    assert '**failed**' in page and '| **no** |' in page
    assert '**1** (every option of the 1 modules, 1 in all' in page and 'type(s)): 0 answered' in page
    assert '| Secrets leaked | **0** in 1 scans (10 bytes' in page
    assert all('`{0}`'.format(case['id']) in page for case in report['cases'])
    assert 'm\\|n' in page, 'a pipe in a message must not break the table'
