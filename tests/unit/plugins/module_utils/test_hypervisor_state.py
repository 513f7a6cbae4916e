"""What pureboot_hypervisor does (_hypervisor_state.py): the report before any test, the live test against fakepve,
how a failed test becomes a report with fail_on_error false while a mistake in the task itself still fails, and
the registry step against the PureBoot double."""

import re

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import AUTH, UNREACHABLE, HypervisorError, InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._hypervisor_state import empty_report, ensure_hypervisor
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.registry import PASSWORD_WARNING

ISO_UTC = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
NOTHING_MEASURED = {
    'status': None,
    'error': None,
    'error_category': None,
    'version': None,
    'host_count': None,
    'vm_count': None,
    'template_count': None,
    'hosts': [],
    'latency_ms': None,
    'last_sync_at': None,
}


def pve_options(fakepve, fakepve_cafile, **overrides):
    options = {'type': 'proxmox', 'name': 'pve-lab', 'api_url': fakepve.url, 'username': 'root@pam', 'password': fakepve.password, 'ca_file': fakepve_cafile}
    options.update(overrides)
    return options


def params(hypervisor, **overrides):
    """The module's parameters as AnsibleModule hands them over (defaults filled in)."""
    result = {'hypervisor': hypervisor, 'state': 'present', 'fail_on_error': True, 'register_credentials': False, 'password_update': 'on_create'}
    result.update(overrides)
    return result


@pytest.fixture
def client(pureboot_server):
    return PureBootClient(pureboot_server.url, api_key=pureboot_server.api_key, ca_file=pureboot_server.cafile)


# ------------------------------------------------------------------------- empty_report (pure)


def test_the_empty_report_says_where_the_hypervisor_is_and_measures_nothing():
    connection = Connection({'type': 'ovirt', 'api_url': 'https://engine.lab/ovirt-engine/api/', 'username': 'admin@internal', 'password': 'engine-Pa55'})
    report = empty_report(connection)
    assert report == dict(NOTHING_MEASURED, name='engine.lab', type='ovirt', api_url='https://engine.lab/ovirt-engine/api')
    assert 'engine-Pa55' not in repr(report)
    again = empty_report(connection)
    again['hosts'].append('x')
    assert empty_report(connection)['hosts'] == [], 'each report is a new value'


# ------------------------------------------------------------------------- the live test against fakepve


def test_a_successful_test_reports_the_facts_and_never_the_password(fakepve, fakepve_cafile):
    result = ensure_hypervisor(params(pve_options(fakepve, fakepve_cafile)), check_mode=False)
    assert result['changed'] is False and 'pureboot_registry' not in result
    report = result['hypervisor']
    assert (report['name'], report['type'], report['api_url'], report['status']) == ('pve-lab', 'proxmox', fakepve.url, 'online')
    assert report['error'] is None and report['error_category'] is None
    assert report['host_count'] == len(report['hosts']) >= 1 and all(host['name'] for host in report['hosts'])
    assert isinstance(report['version'], str) and report['version']
    assert isinstance(report['latency_ms'], int) and report['latency_ms'] >= 0
    assert ISO_UTC.match(report['last_sync_at'])
    assert fakepve.password not in repr(result)


def test_a_failed_test_is_a_report_with_fail_on_error_false(fakepve, fakepve_cafile):
    wrong = pve_options(fakepve, fakepve_cafile, password='wrong-Pa55-91')
    result = ensure_hypervisor(params(wrong, fail_on_error=False), check_mode=False)
    report = result['hypervisor']
    assert (report['status'], report['error_category']) == ('error', AUTH)
    assert report['error'] and ISO_UTC.match(report['last_sync_at'])
    measured = ('version', 'host_count', 'vm_count', 'template_count', 'hosts', 'latency_ms')
    assert {key: report[key] for key in measured} == {key: NOTHING_MEASURED[key] for key in measured}, 'nothing is reported as measured'
    assert 'wrong-Pa55-91' not in repr(result)
    with pytest.raises(HypervisorError) as caught:
        ensure_hypervisor(params(wrong, fail_on_error=True), check_mode=False)
    assert caught.value.category == AUTH and str(caught.value) == report['error']


def test_an_unreachable_hypervisor_is_a_report_with_fail_on_error_false(fakepve_cafile, unused_tcp_port):
    options = {
        'type': 'proxmox',
        'api_url': 'https://127.0.0.1:{0}'.format(unused_tcp_port),
        'username': 'root@pam',
        'password': 'pve-Pa55',
        'ca_file': fakepve_cafile,
        'timeout': 2,
    }
    report = ensure_hypervisor(params(options, fail_on_error=False), check_mode=False)['hypervisor']
    assert (report['status'], report['error_category'], report['name']) == ('error', UNREACHABLE, '127.0.0.1')


@pytest.mark.parametrize(
    'options, message',
    [
        ({'type': 'vmware', 'api_url': 'https://127.0.0.1:1'}, "unknown hypervisor type 'vmware'"),
        ({'type': 'proxmox', 'api_url': 'http://127.0.0.1:1'}, 'uses plain http'),
        ({'type': 'proxmox', 'api_url': 'https://127.0.0.1:1', 'colour': 'blue'}, 'unknown hypervisor option(s): colour'),
    ],
    ids=['unknown-type', 'plain-http', 'unknown-option'],
)
def test_a_mistake_in_the_task_fails_even_with_fail_on_error_false(options, message):
    # An unknown type passes Connection() and is refused by the driver registry inside the live test, where the
    # hypervisor's own errors become a report: this one is the task's, so it still fails.
    with pytest.raises(InvalidInputError) as caught:
        ensure_hypervisor(params(options, fail_on_error=False), check_mode=False)
    assert message in str(caught.value)


def test_absent_tests_nothing(fakepve, fakepve_cafile):
    fakepve.requests.clear()
    result = ensure_hypervisor(params(pve_options(fakepve, fakepve_cafile), state='absent'), check_mode=False)
    assert result == {'changed': False, 'hypervisor': dict(NOTHING_MEASURED, name='pve-lab', type='proxmox', api_url=fakepve.url)}
    assert list(fakepve.requests) == []


# ------------------------------------------------------------------------- with PureBoot's registry


def test_the_connection_is_kept_in_the_registry_without_its_password_unless_asked(fakepve, fakepve_cafile, pureboot_server, client):
    options = pve_options(fakepve, fakepve_cafile)
    checked = ensure_hypervisor(params(options), check_mode=True, client=client)
    assert checked['changed'] and checked['diff']['before'] == {} and pureboot_server.writes() == []
    result = ensure_hypervisor(params(options), check_mode=False, client=client)
    assert result['changed'] and result['hypervisor']['status'] == 'online' and result['warnings'] == []
    assert result['pureboot_registry']['name'] == 'pve-lab' and result['diff']['after']['api_url'] == fakepve.url
    assert pureboot_server.stored_password('pve-lab') is None
    assert not ensure_hypervisor(params(options), check_mode=False, client=client)['changed']
    sent = ensure_hypervisor(params(options, register_credentials=True, password_update='always'), check_mode=False, client=client)
    assert sent['changed'] and sent['warnings'] == [PASSWORD_WARNING]
    assert pureboot_server.stored_password('pve-lab') is not None
    assert fakepve.password not in repr(sent)
    removed = ensure_hypervisor(params(options, state='absent'), check_mode=False, client=client)
    assert removed['changed'] and removed['pureboot_registry'] is None and pureboot_server.hypervisors == []


def test_a_failed_test_with_fail_on_error_false_still_keeps_the_registry(fakepve, fakepve_cafile, pureboot_server, client):
    result = ensure_hypervisor(params(pve_options(fakepve, fakepve_cafile, password='wrong-Pa55-91'), fail_on_error=False), check_mode=False, client=client)
    assert result['hypervisor']['status'] == 'error' and result['changed']
    assert [entry['name'] for entry in pureboot_server.hypervisors] == ['pve-lab']


def test_absent_removes_by_name_without_type_url_or_credentials(fakepve, fakepve_cafile, pureboot_server, client):
    ensure_hypervisor(params(pve_options(fakepve, fakepve_cafile)), check_mode=False, client=client)
    assert [entry['name'] for entry in pureboot_server.hypervisors] == ['pve-lab']
    fakepve.requests.clear()
    by_name = params({'name': 'pve-lab'}, state='absent')
    checked = ensure_hypervisor(by_name, check_mode=True, client=client)
    assert checked['changed'] and checked['diff']['after'] == {} and len(pureboot_server.hypervisors) == 1
    removed = ensure_hypervisor(by_name, check_mode=False, client=client)
    assert removed['changed'] and removed['pureboot_registry'] is None and pureboot_server.hypervisors == []
    assert removed['hypervisor'] == dict(NOTHING_MEASURED, name='pve-lab', type=None, api_url=None)
    assert not ensure_hypervisor(by_name, check_mode=False, client=client)['changed']
    assert list(fakepve.requests) == [], 'removal never contacts the hypervisor'


def test_absent_needs_a_name_or_an_address_to_take_it_from():
    with pytest.raises(InvalidInputError) as caught:
        ensure_hypervisor(params({'type': 'proxmox'}, state='absent'), check_mode=False)
    assert str(caught.value) == 'hypervisor: state absent removes the connection by name: give hypervisor.name'


def test_present_without_type_names_its_environment_variable():
    with pytest.raises(InvalidInputError) as caught:
        ensure_hypervisor(params({'name': 'pve-lab', 'api_url': 'https://127.0.0.1:1'}), check_mode=False)
    assert 'PUREBOOT_HV_TYPE' in str(caught.value)


def test_the_diff_of_a_new_registry_entry_shows_no_id_it_does_not_have_yet(fakepve, fakepve_cafile, client):
    options = pve_options(fakepve, fakepve_cafile)
    for check_mode in (True, False):
        result = ensure_hypervisor(params(options), check_mode=check_mode, client=client)
        assert result['diff']['before'] == {}
        assert 'id' not in result['diff']['after'] and result['diff']['after']['name'] == 'pve-lab'
    assert result['pureboot_registry']['id'], 'the real entry has its id'


def test_a_type_the_registry_does_not_take_is_tested_and_not_registered(pureboot_server, client):
    pytest.importorskip('libvirt')
    options = {'type': 'libvirt', 'name': 'kvm1', 'api_url': 'test:///default'}
    for check_mode in (True, False):
        result = ensure_hypervisor(params(options), check_mode=check_mode, client=client)
        assert result['hypervisor']['status'] == 'online' and not result['changed']
        assert result['pureboot_registry'] is None
        assert result['warnings'] == [
            "kvm1: PureBoot's hypervisor registry takes ovirt and proxmox connections only; this libvirt connection is not registered there"
        ]
    assert pureboot_server.writes() == [] and pureboot_server.hypervisors == []
