"""The Galaxy artifact: what `ansible-galaxy collection build` puts in the tarball; the tarball installed and run.

A working tree collects much besides the collection: virtualenvs, build and test output, caches, bench data.
build_ignore in galaxy.yml keeps them out. The test plants each kind in a copy of the collection, builds the
tarball from it, and checks every file in it against the files the repository holds; then installs the tarball
with ansible-galaxy into a fresh collections path and runs a module from there against the simulators.
"""

import json
import os
import shutil
import subprocess
import tarfile

import pytest

from ansible_collections.pureboot.hypervisors.tests.integration.runner import BIN, COLLECTION

# What a working tree collects besides the collection, each a file planted at this path of the copy.
LEFTOVERS = [
    '.venv/pyvenv.cfg',
    '.venv/docs/bin/sphinx-build',  # make's virtualenvs
    '.venv-py312/pyvenv.cfg',
    '.nox/cell/pyvenv.cfg',  # other virtualenvs, nox's
    '.build/ansible_collections/pureboot/hypervisors/galaxy.yml',  # make build's copy (the default BUILD_ROOT)
    '.ansible/collections/ansible_collections/README',  # ansible-lint's and ansible-core's cache
    '.pytest_cache/v/cache/lastfailed',
    'tests/unit/.pytest_cache/README.md',
    '.mypy_cache/3.11/cache.db',
    '.ruff_cache/CACHEDIR.TAG',
    '.coverage',
    'htmlcov/index.html',
    'plugins/modules/__pycache__/pureboot_vm.cpython-311.pyc',
    'plugins/module_utils/_driver.pyc',
    'tests/output/junit/python3.11-sanity.xml',  # ansible-test's output
    'changelogs/.plugin-cache.yaml',  # antsibull-changelog's cache
    'pureboot-hypervisors-0.0.1.tar.gz',  # an earlier build
]
# Files the repository holds that are not the collection: how it is built, tested and benched.
NOT_SHIPPED = [
    'Makefile',
    'noxfile.py',
    '.ci/run',
    'docs/performance.json',
    # PVE's API schema, AGPL-3.0: test data only (tests/simulators/pve_schema/README.md).
    'tests/simulators/pve_schema/pve-api-trimmed.json',
]


def repository_files():
    """The files of the collection's tree, as `make build` copied them (it is a git repository of exactly those)."""
    listed = subprocess.run(['git', 'ls-files', '-z'], cwd=str(COLLECTION), capture_output=True, check=True).stdout
    return {name for name in listed.decode().split('\0') if name}


def galaxy_env(tmp_path, collections_path):
    """ansible-* with no Ansible setting or PYTHONPATH of the test run's: only collections_path holds collections."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(('ANSIBLE_', 'PUREBOOT_')) and key != 'PYTHONPATH'}
    env.update(
        {'HOME': str(tmp_path / 'home'), 'ANSIBLE_COLLECTIONS_PATH': str(collections_path), 'PATH': '{0}{1}{2}'.format(BIN, os.pathsep, env.get('PATH', ''))}
    )
    return env


@pytest.fixture(scope='module')
def artifact(tmp_path_factory):
    """The tarball built from a copy of the collection with every leftover planted in it; its member names."""
    work = tmp_path_factory.mktemp('artifact')
    tree = work / 'tree'
    shutil.copytree(str(COLLECTION), str(tree), ignore=shutil.ignore_patterns('.git'))
    for leftover in LEFTOVERS:
        (tree / leftover).parent.mkdir(parents=True, exist_ok=True)
        (tree / leftover).write_text('left over\n')
    subprocess.run(
        [str(BIN / 'ansible-galaxy'), 'collection', 'build', str(tree), '--output-path', str(work)],
        env=galaxy_env(work, work / 'none'),
        capture_output=True,
        text=True,
        check=True,
    )
    tarball = next(work.glob('pureboot-hypervisors-*.tar.gz'))
    with tarfile.open(str(tarball)) as archive:
        members = {member.name for member in archive.getmembers() if member.isfile()}
    return tarball, members


def test_artifact_holds_the_collection_and_nothing_else(artifact):
    _tarball, members = artifact
    repository = repository_files()
    # Everything shipped is a file of the repository (or Galaxy's own manifests): no leftover got in.
    assert sorted(members - repository - {'MANIFEST.json', 'FILES.json'}) == []
    assert sorted(members & set(NOT_SHIPPED)) == []
    # And the collection is whole: every plugin, role, playbook, meta and extension file, the docs and the README.
    collection_parts = ('plugins/', 'roles/', 'playbooks/', 'meta/', 'extensions/', 'changelogs/', 'docs/')
    wanted = {name for name in repository if name.startswith(collection_parts)} - set(NOT_SHIPPED)
    wanted = {name for name in wanted if not name.startswith('docs/site/')}
    assert sorted(wanted - members) == []
    assert {'README.md', 'LICENSE', 'requirements.txt', 'bindep.txt', 'meta/runtime.yml'} <= members


def test_installed_artifact_runs_a_module(artifact, backend, tmp_path):
    tarball, _members = artifact
    fresh = tmp_path / 'collections'
    env = galaxy_env(tmp_path, fresh)
    subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'install', str(tarball), '-p', str(fresh)], env=env, capture_output=True, text=True, check=True)
    listed = subprocess.run(
        [str(BIN / 'ansible-galaxy'), 'collection', 'list', 'pureboot.hypervisors', '--format', 'json'], env=env, capture_output=True, text=True, check=True
    )
    assert list(json.loads(listed.stdout)) == [str(fresh / 'ansible_collections')]
    # The installed files are the ones its manifest names, unchanged.
    verified = subprocess.run(
        [str(BIN / 'ansible-galaxy'), 'collection', 'verify', '--offline', '-p', str(fresh), 'pureboot.hypervisors'],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr

    env.update({'ANSIBLE_PYTHON_INTERPRETER': str(BIN / 'python'), 'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp')})
    # -o: one line per host, `localhost | SUCCESS => {the module's result as JSON}`.
    ran = subprocess.run(
        [
            str(BIN / 'ansible'),
            'localhost',
            '-c',
            'local',
            '-i',
            'localhost,',
            '-o',
            '-m',
            'pureboot.hypervisors.pureboot_vm_template_info',
            '-a',
            json.dumps({'hypervisor': backend.connection()}),
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout[-6000:] + ran.stderr[-3000:]
    result = json.loads(ran.stdout.split(' => ', 1)[1])
    names = sorted(template['name'] for template in result['templates'])
    assert backend.template in names and backend.other_template in names
