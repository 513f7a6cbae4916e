"""A fork server for running modules: import Ansible, the collection's module_utils (and the SDKs) once, then
run each module in a fresh forked child, exactly as `python -m <module> <args file>` would (its own process,
its own stdout and stderr, its exit code), without paying for the interpreter and the imports every time.

Protocol: one JSON object per line on stdin ({"module", "args", "stdout", "stderr"}: the args file and the
files the child's output goes to); one JSON line back per job ({"rc": exit code}).
"""

import importlib
import json
import os
import pkgutil
import runpy
import sys
import traceback

MODULE_PACKAGE = 'ansible_collections.pureboot.hypervisors.plugins.modules.'
MODULE_UTILS = 'ansible_collections.pureboot.hypervisors.plugins.module_utils'
# What the modules import (not the modules themselves: run_module would warn that they are already loaded):
# ansible-core's module_utils, then every module_util of the collection, each type's driver among them.
PRELOAD = ('ansible.module_utils.basic',)
# With --sdks, also the SDKs the drivers import when they first connect (module_utils/_sdk.py), which every child
# would otherwise import anew: worth it for a server that runs many modules (about 1.5 CPU-s for all of them).
SDKS = ('requests', 'proxmoxer.core', 'proxmoxer.backends.https', 'ovirtsdk4', 'ovirtsdk4.types', 'libvirt')


def child(job):
    """In the forked child: point stdout/stderr at the job's files, run the module as __main__, exit."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    # stdin is the job pipe of the server: the child must never read it.
    os.dup2(devnull, 0)
    os.close(devnull)
    for path, fd in ((job['stdout'], 1), (job['stderr'], 2)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    sys.argv = [job['module'], job['args']]
    code = 0
    try:
        runpy.run_module(MODULE_PACKAGE + job['module'], run_name='__main__', alter_sys=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # pylint: disable=broad-exception-caught
        # What the interpreter would do with an uncaught exception: the traceback on stderr, exit code 1.
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # pylint: disable=protected-access


def preloaded(sdks=False):
    """PRELOAD, every module under module_utils, and with sdks the SDKs."""
    package = importlib.import_module(MODULE_UTILS)
    ours = [info.name for info in pkgutil.walk_packages(package.__path__, MODULE_UTILS + '.')]
    return list(PRELOAD) + ours + (list(SDKS) if sdks else [])


def main():
    for name in preloaded(sdks='--sdks' in sys.argv[1:]):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # the module will say so itself, as it would without the preload
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(job)
        _pid, status = os.waitpid(pid, 0)
        sys.stdout.write(json.dumps({'rc': os.waitstatus_to_exitcode(status)}) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
