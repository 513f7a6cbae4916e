"""The ansible-core x Python matrix: every ansible-core the collection supports, on each controller Python.

Each cell is a nox session with its own virtualenv holding one ansible-core release and this collection's test
requirements, pinned per core in tests/matrix/requirements-<core>.txt. A cell runs three suites:

  sanity  ansible-test sanity --local from that ansible-core, no ignore entries
  units   the unit tests and the driver contract suite (tests/unit, tests/contract), with 3 pytest-xdist workers
  smoke   the integration tests marked `smoke`: real ansible-playbook / ansible-inventory runs, with 3 workers

`make matrix` runs every cell and prints the table (core x Python x suite); `make test` runs the units and smoke
suites on the oldest and the newest core (tag `edges`). This file runs from the built collection tree
(.../ansible_collections/pureboot/hypervisors, made by `make build`): ansible-test and the tests' imports need it.

Plain nox rather than antsibull-nox: see docs/testing.md.
"""

import json
import os
import pathlib
import re
import shutil
import time
import xml.etree.ElementTree

import nox

COLLECTION = pathlib.Path(__file__).resolve().parent
COLLECTIONS_ROOT = COLLECTION.parent.parent.parent  # the folder holding ansible_collections/ (built tree)
MATRIX = COLLECTION / 'tests' / 'matrix'
GET_PIP = COLLECTION / 'tests' / 'sanity' / 'get_pip.py'

# The controller Pythons each ansible-core supports, among those this project's machines have (3.11-3.13).
# ansible-core 2.20 and later need Python 3.12 or newer.
CORES = {
    '2.16': ('3.11', '3.12'),
    '2.17': ('3.11', '3.12'),
    '2.18': ('3.11', '3.12', '3.13'),
    '2.19': ('3.11', '3.12', '3.13'),
    '2.20': ('3.12', '3.13'),
    '2.21': ('3.12', '3.13'),
}
# make test runs the oldest core and the newest; on Pythons the default pair (2.19, 3.11) does not already cover.
EDGES = {('2.16', '3.12'), ('2.21', '3.13')}
SUITES = ('sanity', 'units', 'smoke')

nox.options.sessions = ['cell']


def cell_params():
    for core, pythons in CORES.items():
        for python in pythons:
            tags = ['core-' + core, 'py' + python] + (['edges'] if (core, python) in EDGES else [])
            yield nox.param(python, core, id='{0}-py{1}'.format(core, python), tags=tags)


def results_dir():
    """Where each cell writes what its suites did, for tests/matrix/table.py (default: beside the collection)."""
    path = pathlib.Path(os.environ.get('PUREBOOT_MATRIX_RESULTS') or COLLECTIONS_ROOT / 'matrix-results')
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_environment():
    """The tests import this collection as ansible_collections.pureboot.hypervisors (as `make pytest` does)."""
    return {'PYTHONPATH': str(COLLECTIONS_ROOT)}


def ansible_test_home(session):
    """A HOME for ansible-test beside the cells' virtualenvs: its sanity virtualenvs are kept there between runs.

    ansible-test bootstraps pip in those virtualenvs with a script it downloads from a host these machines cannot
    reach: its cache is seeded with tests/sanity/get_pip.py (ensurepip, then pip install), under the file name the
    installed ansible-test looks for.
    """
    home = pathlib.Path(session.virtualenv.location).parent.parent / 'ansible-test-home'
    cache = home / '.ansible' / 'test' / 'cache'
    cache.mkdir(parents=True, exist_ok=True)
    source = session.run('python', '-c', 'import ansible_test, pathlib; print(pathlib.Path(ansible_test.__file__)'
                         '.parent.joinpath("_internal", "python_requirements.py").read_text())', silent=True)
    for pip_version in sorted(set(re.findall(r"pip='([0-9.]+)'", source))):
        shutil.copyfile(GET_PIP, cache / 'get_pip_{0}.py'.format(pip_version.replace('.', '_')))
    return home


def pytest_counts(junit_file):
    """'N passed, N failed' from a junit XML report, or '' when there is none."""
    try:
        root = xml.etree.ElementTree.parse(str(junit_file)).getroot()
    except (OSError, xml.etree.ElementTree.ParseError):
        return ''
    suite = root if root.tag == 'testsuite' else root.find('testsuite')
    total, failed, errors, skipped = (int(suite.get(key, 0)) for key in ('tests', 'failures', 'errors', 'skipped'))
    counts = ['{0} passed'.format(total - failed - errors - skipped)]
    counts += ['{0} {1}'.format(n, word) for n, word in ((failed, 'failed'), (errors, 'errors'), (skipped, 'skipped'))
               if n]
    return ', '.join(counts)


def sanity_summary():
    """'N tests' or 'failed: <test>, ...' from ansible-test's junit files, and whether there is an ignore file."""
    names, failed = [], []
    for report in sorted(COLLECTION.glob('tests/output/junit/ansible-test-sanity-*.xml')):
        for case in xml.etree.ElementTree.parse(str(report)).getroot().iter('testcase'):
            names.append(case.get('name'))
            if case.find('failure') is not None or case.find('error') is not None:
                failed.append(case.get('name'))
    ignore_files = sorted(path.name for path in COLLECTION.glob('tests/sanity/ignore-*.txt'))
    ignores = 'ignore files: ' + ', '.join(ignore_files) if ignore_files else 'no ignore file'
    if failed:
        return 'failed: {0}; {1}'.format(', '.join(failed), ignores)
    return '{0} tests, {1}'.format(len(names), ignores)


def run_sanity(session, python):
    env = {'HOME': str(ansible_test_home(session)),
           # downloads stay in the user's pip cache, shared with every other virtualenv
           'PIP_CACHE_DIR': os.environ.get('PIP_CACHE_DIR') or str(pathlib.Path.home() / '.cache' / 'pip')}
    shutil.rmtree(str(COLLECTION / 'tests' / 'output' / 'junit'), ignore_errors=True)
    try:
        session.run('ansible-test', 'sanity', '--local', '--python', python, '--color', 'no', '--junit', env=env)
    finally:
        session.log('sanity on Python {0}: {1}'.format(python, sanity_summary()))
    return sanity_summary()


def run_pytest(session, label, suite, *args):
    junit = results_dir() / '{0}-{1}.xml'.format(label, suite)
    if junit.exists():
        junit.unlink()
    try:
        session.run('python', '-m', 'pytest', '-q', '--junitxml', str(junit), *args, env=pytest_environment())
    finally:
        session.log('{0} {1}: {2}'.format(label, suite, pytest_counts(junit)))
    return pytest_counts(junit)


@nox.session
@nox.parametrize(('python', 'core'), list(cell_params()))
def cell(session, core):
    """One ansible-core on one Python: sanity, units and smoke (or the suites given after --)."""
    label = '{0}-py{1}'.format(core, session.python)
    if COLLECTION.parts[-3:] != ('ansible_collections', 'pureboot', 'hypervisors'):
        session.error('run the cells from the built collection tree: make matrix (see the top of noxfile.py)')
    suites = session.posargs or list(SUITES)
    unknown = sorted(set(suites) - set(SUITES))
    if unknown:
        session.error('unknown suite(s) {0}; choose among {1}'.format(', '.join(unknown), ', '.join(SUITES)))
    session.chdir(str(COLLECTION))
    session.install('-r', str(MATRIX / 'requirements-{0}.txt'.format(core)))
    installed = session.run('python', '-c', 'import ansible; print(ansible.__version__)', silent=True).strip()
    if not installed.startswith(core + '.'):
        session.error('ansible-core {0} installed, {1} expected'.format(installed, core))

    outcome = {'core': core, 'python': session.python, 'ansible_core': installed, 'suites': {}}
    for suite in suites:
        started = time.monotonic()
        try:
            if suite == 'sanity':
                detail = run_sanity(session, session.python)
            elif suite == 'units':
                # parallel workers: these tests mostly wait on the simulators (docs/testing.md)
                detail = run_pytest(session, label, suite, '-n', '3', '--dist', 'worksteal', 'tests/unit', 'tests/contract')
            else:
                detail = run_pytest(session, label, suite, '-n', '3', '--dist', 'worksteal', '-m', 'smoke', 'tests/integration')
            status = 'passed'
        except nox.command.CommandFailed:
            status = 'failed'
            detail = sanity_summary() if suite == 'sanity' else pytest_counts(
                results_dir() / '{0}-{1}.xml'.format(label, suite))
        outcome['suites'][suite] = {'status': status, 'detail': detail, 'seconds': round(time.monotonic() - started)}
        (results_dir() / '{0}.json'.format(label)).write_text(json.dumps(outcome, indent=2))

    failed = [name for name, result in outcome['suites'].items() if result['status'] != 'passed']
    if failed:
        session.error('{0}: {1} failed'.format(label, ', '.join(failed)))


def lock_params():
    for core, pythons in CORES.items():
        oldest = min(pythons, key=lambda version: tuple(int(part) for part in version.split('.')))
        yield nox.param(oldest, core, id=core)


@nox.session
@nox.parametrize(('python', 'core'), list(lock_params()))
def lock(session, core):
    """Rebuild tests/matrix/requirements-<core>.txt from requirements.in, with that core's newest patch release.

    Locked on the core's oldest Python in the matrix, so that no pin needs a newer one. Run it from the source
    tree (`make matrix-lock`), in a new virtualenv (nox's default), so that only what requirements.in asks for
    is frozen.
    """
    session.install('-r', str(MATRIX / 'requirements.in'), 'ansible-core~={0}.0'.format(core))
    frozen = session.run('python', '-m', 'pip', 'freeze', '--exclude', 'pip', silent=True)
    frozen = frozen.replace('fakepve==', 'fakepve[pytest]==')
    header = ('# Matrix cell requirements for ansible-core {0} (generated from requirements.in by '
              '`make matrix-lock`; Python {1}).\n'.format(core, session.python))
    (MATRIX / 'requirements-{0}.txt'.format(core)).write_text(header + frozen)
