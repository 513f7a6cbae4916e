"""The module runner: it owns the connections and turns every failure into one line (the traceback only at -vvv)."""

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import DRIVER_LOADERS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import NotFoundError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._module import run_module


class Finished(Exception):
    """exit_json / fail_json end the module: here they end run_module with what they were given."""


class Module:
    """What run_module uses of AnsibleModule: params, no_log_values, warn, exit_json, fail_json."""

    def __init__(self, hypervisor, pureboot=None):
        self.params = {'hypervisor': hypervisor, 'pureboot': pureboot or {}}
        self.no_log_values = {v for v in (hypervisor.get('password'),) if v}
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)

    def exit_json(self, **result):
        raise Finished('exit', result)

    def fail_json(self, **result):
        raise Finished('fail', result)


HYPERVISOR = {'name': 'pve', 'type': 'proxmox', 'api_url': 'https://pve.example.com:8006', 'username': 'root@pam', 'password': 's3cret-pass'}


def run(module, work, **kwargs):
    """run_module with every type's drivers, unless kwargs names others (drivers=...)."""
    with pytest.raises(Finished) as finished:
        run_module(module, work, **dict({'drivers': DRIVER_LOADERS}, **kwargs))
    return finished.value.args


def test_work_gets_an_open_driver_that_is_closed_afterwards():
    seen = []

    def work(driver, client):
        seen.append((driver, client))
        driver.close = lambda: seen.append('closed')
        return {'changed': False, 'warnings': ['mind this']}

    module = Module(dict(HYPERVISOR))
    kind, result = run(module, work)
    assert kind == 'exit' and result == {'changed': False}
    assert seen[0][0].label == 'pve' and seen[0][1] is None and seen[1] == 'closed'
    assert module.warnings == ['mind this']


def test_no_driver_when_the_module_needs_none():
    kind, result = run(Module(dict(HYPERVISOR)), lambda driver, client: {'driver': driver}, drivers=None)
    assert (kind, result) == ('exit', {'driver': None})


def test_a_typed_error_is_one_line_naming_the_hypervisor():
    def work(driver, client):
        raise NotFoundError("template 'ubuntu' not found")

    kind, result = run(Module(dict(HYPERVISOR)), work)
    assert kind == 'fail' and result['msg'] == "pve: template 'ubuntu' not found"
    assert result['error_category'] == 'not_found' and 'exception' not in result


def test_an_unexpected_error_is_one_line_with_its_traceback_for_vvv_and_no_secret():
    def work(driver, client):
        raise KeyError('s3cret-pass')

    kind, result = run(Module(dict(HYPERVISOR)), work)
    assert kind == 'fail' and result['msg'] == "pve: unexpected KeyError: '********'"
    assert 'Traceback (most recent call last)' in result['exception'] and 'in work' in result['exception']
    assert 's3cret-pass' not in result['msg'] + result['exception']


def test_bad_options_fail_before_any_work():
    kind, result = run(Module({'type': 'proxmox', 'api_url': 'http://pve.example.com'}), lambda d, c: {})
    assert kind == 'fail' and 'uses plain http' in result['msg']


def test_a_module_of_one_type_refuses_another_type_in_one_line():
    """pureboot_vm_ovirt run with a Proxmox connection: nothing is opened, and the line names the module for it."""
    opened = []
    kind, result = run(Module(dict(HYPERVISOR)), lambda d, c: opened.append(d), drivers={'ovirt': DRIVER_LOADERS['ovirt']})
    assert kind == 'fail' and not opened
    assert (
        result['msg'] == "pve: hypervisor type 'proxmox' is not in this module, which carries ovirt only: its name without the type is the module of every type"
    )
