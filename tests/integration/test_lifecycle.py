"""Whoever opens a connection closes it: every module logs out of the oVirt engine and closes its libvirt connection,
when it succeeds and when it fails."""

from ansible_collections.pureboot.hypervisors.tests.contract.backends import LibvirtBackend, OvirtBackend
from ansible_collections.pureboot.hypervisors.tests.integration.runner import assert_ok, read_results, run_playbook
from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.fixtures import LIBVIRT_SASL_LOGIN
from ansible_collections.pureboot.hypervisors.tests.simulators.ovirt.server import SSO_LOGOUT_PATH, SSO_TOKEN_PATH


def sessions(engine):
    """(logins, logouts) the engine has seen."""
    entries = list(engine.requests)
    logins = sum(1 for e in entries if e['path'] == SSO_TOKEN_PATH and e.get('status') == 200)
    logouts = sum(1 for e in entries if e['path'] == SSO_LOGOUT_PATH)
    return logins, logouts


def outcomes(tmp_path, tasks):
    """Run tasks ((name, task, _expected), each allowed to fail) in one play: {name: 'ok' or 'failed'}."""
    plays = []
    for name, task, _expected in tasks:
        plays.append(dict(task, name=name, register='outcome', ignore_errors=True))
        plays.append(
            {
                'name': 'record ' + name,
                'ansible.builtin.set_fact': {'outcomes': "{{ (outcomes | default({})) | combine({'" + name + "': 'failed' if outcome is failed else 'ok'}) }}"},
            }
        )
    plays.append({'write_file': {'dest': str(tmp_path / 'results.json'), 'content': '{{ outcomes | to_json }}'}})
    assert_ok(run_playbook(tmp_path, [{'hosts': 'localhost', 'gather_facts': False, 'tasks': plays}]))
    return read_results(tmp_path)


def test_every_module_logs_out_on_success_and_on_failure(ovirt_engine, pureboot_server, tmp_path):
    backend = OvirtBackend(ovirt_engine)
    hv = backend.connection()
    pb = {'url': pureboot_server.url, 'api_key': pureboot_server.api_key, 'ca_file': pureboot_server.cafile}
    wrong_pb = dict(pb, url=pureboot_server.url + '/wrong')
    vm = {'hypervisor': hv, 'name': 'lifecycle-1', 'template': backend.template, 'cluster': 'Default'}
    tasks = [
        ('template_info', {'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': hv}}, 'ok'),
        ('template_info unknown cluster', {'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': hv, 'cluster': 'no-such-cluster'}}, 'failed'),
        ('vm present', {'pureboot.hypervisors.pureboot_vm': dict(vm, pureboot=pb)}, 'ok'),
        ('vm unknown template', {'pureboot.hypervisors.pureboot_vm': dict(vm, name='lifecycle-2', template='no-such-template')}, 'failed'),
        ('vm_info with PureBoot', {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': hv, 'pureboot': pb}}, 'ok'),
        ('vm_info wrong PureBoot URL', {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': hv, 'pureboot': wrong_pb}}, 'failed'),
        ('hypervisor test', {'pureboot.hypervisors.pureboot_hypervisor': {'hypervisor': hv}}, 'ok'),
        ('hypervisor wrong PureBoot URL', {'pureboot.hypervisors.pureboot_hypervisor': {'hypervisor': hv, 'pureboot': wrong_pb}}, 'failed'),
        ('vm absent', {'pureboot.hypervisors.pureboot_vm': dict(vm, state='absent', pureboot=pb)}, 'ok'),
    ]
    assert outcomes(tmp_path, tasks) == {name: expected for name, _task, expected in tasks}
    logins, logouts = sessions(ovirt_engine)
    assert logins >= len(tasks) - 1, 'each task logs in (the unknown cluster too)'
    assert logins == logouts, '{0} SSO logins but {1} logouts'.format(logins, logouts)


def test_every_module_closes_its_libvirt_connection_on_success_and_on_failure(libvirt_remote_host, tmp_path):
    """The same on libvirt: a module's process ending would drop its connection anyway, so what is counted is the
    close the driver sends (REMOTE_PROC_CONNECT_CLOSE in libvirtd's own log), one per open."""
    backend = LibvirtBackend(libvirt_remote_host, LIBVIRT_SASL_LOGIN)
    hv = backend.connection()
    vm = {'hypervisor': hv, 'name': 'lifecycle-lv', 'template': backend.template}
    tasks = [
        ('template_info', {'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': hv}}, 'ok'),
        # Issue 14: a node filter naming no node fails (listing the host) instead of answering an empty list.
        ('template_info unknown node', {'pureboot.hypervisors.pureboot_vm_template_info': {'hypervisor': hv, 'node': 'no-such-node'}}, 'failed'),
        ('vm present', {'pureboot.hypervisors.pureboot_vm': vm}, 'ok'),
        ('vm unknown template', {'pureboot.hypervisors.pureboot_vm': dict(vm, name='lifecycle-lv-2', template='no-such-template')}, 'failed'),
        ('vm wrong password', {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': dict(hv, password='Wrong-Pa55word-0042')}}, 'failed'),
        ('vm_info', {'pureboot.hypervisors.pureboot_vm_info': {'hypervisor': hv}}, 'ok'),
        ('hypervisor test', {'pureboot.hypervisors.pureboot_hypervisor': {'hypervisor': hv}}, 'ok'),
        ('vm absent', {'pureboot.hypervisors.pureboot_vm': dict(vm, state='absent')}, 'ok'),
    ]
    mark = libvirt_remote_host.log_mark()
    assert outcomes(tmp_path, tasks) == {name: expected for name, _task, expected in tasks}
    calls = libvirt_remote_host.rpc_calls(mark)
    opens, closes = calls.count('REMOTE_PROC_CONNECT_OPEN'), calls.count('REMOTE_PROC_CONNECT_CLOSE')
    # The wrong password's connection is refused during its login, before it is open.
    assert opens >= len(tasks) - 1, 'each task opens a connection'
    assert opens == closes, '{0} connections opened but {1} closed'.format(opens, closes)
