"""Test runs only: the bytecode Python compiles for the modules' AnsiballZ zips, compiled once and kept.

An AnsiballZ module imports ansible-core's module_utils and this collection's from a zip, and Python keeps no
bytecode for what it imports from a zip: its zipimport compiles every .py anew, in every module task. That compile
is 0.1 to 0.2 s of CPU per task (0.65 s to 0.46 s, median of 10 runs of a pureboot_vm_info task's module process),
and the suite runs well over a thousand module tasks on 2 cores.

This file is the `sitecustomize` of the ansible-* commands the tests run: runner.zip_bytecode_env() puts its folder
on PYTHONPATH and names a cache folder in PBH_TEST_ZIP_BYTECODE. When that variable is set, an importer of zips
goes in front of Python's own; for a module in a zip it reads the source, and takes the code object kept under the
SHA-256 of Python's bytecode magic number, the module's path inside the zip and its source, or compiles the source
as zipimport does and keeps the result. The code is what compile() makes of the same source; its file names are
set to the zip this task unpacked (tracebacks name the file as they would). An edited source has another key, so
it is compiled anew. Without the variable nothing is changed: make bench, demo and lab, and every user's run,
compile as Python and Ansible do.
"""

import os
import sys

FOLDER = os.environ.get('PBH_TEST_ZIP_BYTECODE')


def _install(folder):
    import hashlib
    import importlib.util
    import marshal
    import types
    import zipimport

    magic = importlib.util.MAGIC_NUMBER

    def with_filename(code, filename):
        consts = tuple(with_filename(const, filename) if isinstance(const, types.CodeType) else const for const in code.co_consts)
        return code.replace(co_filename=filename, co_consts=consts)

    class KeptBytecodeZipImporter(zipimport.zipimporter):
        def get_code(self, fullname):
            leaf = fullname.rpartition('.')[2]
            try:
                inner = os.path.join(self.prefix, leaf, '__init__.py') if self.is_package(fullname) else os.path.join(self.prefix, leaf + '.py')
                source = self.get_data(inner)
            except (OSError, zipimport.ZipImportError):
                return super().get_code(fullname)  # no source in the zip (bytecode only, or not there): Python's way
            filename = os.path.join(self.archive, inner)
            kept = os.path.join(folder, hashlib.sha256(b'\0'.join((magic, inner.encode(), source))).hexdigest())
            try:
                with open(kept, 'rb') as stream:
                    return with_filename(marshal.loads(stream.read()), filename)
            except (OSError, EOFError, ValueError, TypeError):
                pass
            code = compile(source, filename, 'exec', dont_inherit=True)
            try:
                os.makedirs(folder, exist_ok=True)
                partial = '{0}.{1}'.format(kept, os.getpid())
                with open(partial, 'wb') as stream:
                    stream.write(marshal.dumps(code))
                os.replace(partial, kept)  # whole or not at all: other tasks read the folder at the same time
            except OSError:
                pass
            return code

    sys.path_hooks.insert(0, KeptBytecodeZipImporter)
    sys.path_importer_cache.clear()


if FOLDER:
    _install(FOLDER)
