"""The tests' bytecode keeping for modules' zips (zip_bytecode/sitecustomize.py): the same code, compiled once."""

import os
import subprocess
import sys
import zipfile

from ansible_collections.pureboot.hypervisors.tests.integration.runner import ZIP_BYTECODE_HOOK

PROGRAM = """
import sys, traceback
sys.path.insert(0, sys.argv[1])
import pkg.mod
print(pkg.mod.VALUE)
try:
    pkg.mod.fail()
except ValueError:
    print(traceback.extract_tb(sys.exc_info()[2])[-1].filename)
"""


def make_zip(path, value):
    with zipfile.ZipFile(path, 'w') as archive:
        archive.writestr('pkg/__init__.py', '')
        archive.writestr('pkg/mod.py', 'VALUE = {0!r}\n\n\ndef fail():\n    raise ValueError(VALUE)\n'.format(value))
    return path


def run(archive, folder):
    env = {key: value for key, value in os.environ.items() if key != 'PBH_TEST_ZIP_BYTECODE'}
    env['PYTHONPATH'] = str(ZIP_BYTECODE_HOOK)
    if folder:
        env['PBH_TEST_ZIP_BYTECODE'] = str(folder)
    result = subprocess.run([sys.executable, '-c', PROGRAM, str(archive)], env=env, capture_output=True, text=True, check=True)
    return result.stdout.split()


def test_a_module_of_a_zip_is_compiled_once_and_runs_as_compiled_from_its_source(tmp_path):
    kept = tmp_path / 'kept'
    first = make_zip(tmp_path / 'first.zip', 'one')
    assert run(first, kept) == ['one', str(first / 'pkg' / 'mod.py')]
    assert len(os.listdir(kept)) == 2  # pkg/__init__.py and pkg/mod.py

    # Another task unpacks the same sources elsewhere: the kept code runs, and names the new file.
    second = make_zip(tmp_path / 'second.zip', 'one')
    before = {name: (kept / name).stat().st_mtime_ns for name in os.listdir(kept)}
    assert run(second, kept) == ['one', str(second / 'pkg' / 'mod.py')]
    assert {name: (kept / name).stat().st_mtime_ns for name in os.listdir(kept)} == before

    # An edited source is compiled anew, never taken for the old one.
    edited = make_zip(tmp_path / 'edited.zip', 'two')
    assert run(edited, kept) == ['two', str(edited / 'pkg' / 'mod.py')]
    assert len(os.listdir(kept)) == 3


def test_without_the_variable_python_imports_as_it_does(tmp_path):
    archive = make_zip(tmp_path / 'plain.zip', 'one')
    assert run(archive, None) == ['one', str(archive / 'pkg' / 'mod.py')]
    assert not (tmp_path / 'kept').exists()
