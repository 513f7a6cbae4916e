"""Print the ansible-core x Python x suite table of a matrix run, and exit 1 unless every cell passed every suite.

Usage: python tests/matrix/table.py RESULTS_DIR SUITE...

RESULTS_DIR/cells.json lists the cells that were run (`nox --list --json` with the same selection); each cell's
session wrote RESULTS_DIR/<core>-py<python>.json. A cell with no results (its virtualenv could not be made, say)
or a suite it did not reach counts as failed.
"""

import argparse
import json
import os
import pathlib
import sys


def selected_cells(results):
    """(core, python) of every cell nox selected, in the noxfile's order."""
    sessions = json.loads((results / 'cells.json').read_text())
    return [(session['call_spec']['core'], session['python']) for session in sessions if session['name'] == 'cell']


def paint(text, ok):
    if not sys.stdout.isatty() or os.environ.get('NO_COLOR'):
        return text
    return '\033[{0}m{1}\033[0m'.format('32' if ok else '31', text)


def suite_text(result):
    if result is None:
        return False, 'FAIL (not run)'
    ok = result['status'] == 'passed'
    text = ('pass' if ok else 'FAIL') + (' ' + result['detail'] if result['detail'] else '')
    return ok, '{0} ({1}s)'.format(text, result['seconds'])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results', type=pathlib.Path)
    parser.add_argument('suites', nargs='+')
    args = parser.parse_args()
    suites = args.suites

    rows, all_ok = [], True
    for core, python in selected_cells(args.results):
        path = args.results / '{0}-py{1}.json'.format(core, python)
        outcome = json.loads(path.read_text()) if path.exists() else {'ansible_core': core + ' (not installed)', 'suites': {}}
        cells = [suite_text(outcome['suites'].get(suite)) for suite in suites]
        all_ok = all_ok and all(ok for ok, _text in cells)
        rows.append((outcome['ansible_core'], python, cells))

    if not rows:
        print('no matrix cell was selected')
        return 1
    header = ['ansible-core', 'Python'] + suites
    widths = [max([len(header[0])] + [len(row[0]) for row in rows]), len(header[1])]
    widths += [max([len(suite)] + [len(row[2][n][1]) for row in rows]) for n, suite in enumerate(suites)]
    print('  '.join(title.ljust(width) for title, width in zip(header, widths)))
    print('  '.join('-' * width for width in widths))
    for core, python, cells in rows:
        texts = [paint(text.ljust(width), ok) for (ok, text), width in zip(cells, widths[2:])]
        print('  '.join([core.ljust(widths[0]), python.ljust(widths[1])] + texts))
    passed = sum(1 for _core, _python, cells in rows for ok, _text in cells if ok)
    print('suites: {0} passed, {1} failed'.format(passed, len(rows) * len(suites) - passed))
    return 0 if all_ok else 1


if __name__ == '__main__':
    sys.exit(main())
