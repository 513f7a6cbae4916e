"""pureboot_vm's pureboot_node.install / wait_for through real ansible-playbook runs against the PureBoot double.

The installer's part (POST /api/v1/report, no login) is played by a thread of the test (StandInInstaller): the
simulated hypervisors' VMs boot nothing. The real PXE install on libvirt is test_module_pxe_install.py's.
"""

import pytest

from ansible_collections.pureboot.hypervisors.tests.contract.backends import ALL_BACKENDS
from ansible_collections.pureboot.hypervisors.tests.integration.runner import assert_ok, read_results, run_playbook
from ansible_collections.pureboot.hypervisors.tests.integration.test_module_pureboot_vm_pureboot import api_key_login, vm_play
from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.standin import StandInInstaller

INSTALL = {'workflow_id': 'tiny-installer', 'install': True, 'wait_for': 'installed', 'wait_timeout': 120}


def install_play(backend, double, name='itest-install', check=False, **node_options):
    plays = vm_play(backend, double, api_key_login(double), name=name, pxe_boot=True, state='running', pureboot_node=dict(INSTALL, **node_options))
    if check:
        plays[0]['tasks'][0]['check_mode'] = True  # the module only: the results are still written
    return plays


def seen_installing(double):
    """ready() for the stand-in: hold install_complete until the module has polled the node since it became
    installing, so the wait is seen going through every state."""

    def ready(node):
        requests = double.requests
        started = max(i for i, e in enumerate(requests) if e['path'] == '/api/v1/report' and (e['body'] or {}).get('event') == 'install_started')
        return any(e['method'] == 'GET' and e['path'] == '/api/v1/nodes/' + node['id'] for e in requests[started:])

    return ready


def state_changes(double):
    return [(e['body']['state'], e['body']['force']) for e in double.writes() if e['path'].endswith('/state')]


@pytest.mark.parametrize('backend', ALL_BACKENDS, indirect=True)
def test_install_is_queued_and_awaited_then_a_rerun_does_nothing(backend, pureboot_server, tmp_path):
    with StandInInstaller(
        pureboot_server.url, pureboot_server.api_key, cafile=pureboot_server.cafile, pause=0.2, ready=seen_installing(pureboot_server)
    ) as installer:
        assert_ok(run_playbook(tmp_path, install_play(backend, pureboot_server)))
    out = read_results(tmp_path)
    assert not out.get('failed'), out.get('msg')
    mac = out['vm']['nics'][0]['mac']
    assert out['changed'] and out['vm']['status'] == 'running'
    assert out['pureboot_node']['state'] == 'installed' and out['pureboot_node']['workflow_id'] == 'tiny-installer'
    assert out['pureboot_install'] == {'queued': True, 'from_state': 'discovered', 'transitions': ['pending'], 'forced': False, 'why': 'queued from discovered'}
    assert out['pureboot_wait']['state'] == 'installed'
    assert out['pureboot_wait']['states_seen'] == ['pending', 'installing', 'installed']
    assert installer.reported == [(mac, 'install_started'), (mac, 'install_complete')]
    assert state_changes(pureboot_server) == [('pending', False)]

    pureboot_server.clear_requests()
    assert_ok(run_playbook(tmp_path, install_play(backend, pureboot_server)))
    again = read_results(tmp_path)
    assert not again.get('failed') and not again['changed'], again
    assert again['pureboot_install']['queued'] is False and again['pureboot_install']['why'] == 'already installed: installed'
    assert again['pureboot_wait'] == {'state': 'installed', 'states_seen': ['installed'], 'seconds': 0}
    assert pureboot_server.writes() == []
    # Not waited: the node it had read was there already, and it was not read again.
    assert not [e for e in pureboot_server.requests if e['path'] == '/api/v1/nodes/' + again['pureboot_node']['id']]


# The install step is the same code for every type: one type is enough here.
@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_three_failed_attempts_fail_in_one_line_and_block_the_next_queue(backend, pureboot_server, tmp_path):
    with StandInInstaller(pureboot_server.url, pureboot_server.api_key, cafile=pureboot_server.cafile, pause=0.2, fail=True, failure='partman: no disk found'):
        assert_ok(run_playbook(tmp_path, install_play(backend, pureboot_server)))
    failed = read_results(tmp_path)
    assert failed['failed'] and failed['changed'], failed
    message = failed['msg']
    assert '\n' not in message and 'Traceback' not in message
    assert (
        'is running on {0}, but waiting for its PureBoot node failed: the install failed while waiting for '
        "installed (3 of 3 install attempts used, last error: 'partman: no disk found'); states seen: "
        'pending, '.format(backend.connection()['name'])
        in message
    )
    # installing is seen when a poll falls between install_started and the third failure.
    assert message.endswith(('states seen: pending, install_failed', 'states seen: pending, installing, install_failed'))
    assert failed['error_details']['pureboot_wait']['states_seen'][-1] == 'install_failed'
    assert failed['vm']['status'] == 'running'

    # The next run is refused by PureBoot's 3-attempt rule: said before any write.
    pureboot_server.clear_requests()
    assert_ok(run_playbook(tmp_path, install_play(backend, pureboot_server)))
    refused = read_results(tmp_path)
    assert refused['failed'] and '\n' not in refused['msg']
    assert (
        "install_failed (3 of 3 install attempts used, last error: 'partman: no disk found'); PureBoot refuses "
        'to queue it again after 3 attempts unless forced' in refused['msg']
    )
    assert pureboot_server.writes() == []

    # force_install says it: the attempts are reset and the node is queued (and installs this time).
    with StandInInstaller(pureboot_server.url, pureboot_server.api_key, cafile=pureboot_server.cafile, pause=0.2):
        assert_ok(run_playbook(tmp_path, install_play(backend, pureboot_server, force_install=True)))
    forced = read_results(tmp_path)
    assert not forced.get('failed'), forced['msg']
    assert forced['pureboot_install']['forced'] is True and forced['pureboot_node']['state'] == 'installed'
    assert state_changes(pureboot_server) == [('pending', True)]


# The install step is the same code for every type: one type is enough here.
@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_the_timeout_lists_the_states_seen(backend, pureboot_server, tmp_path):
    # No installer: the queued node stays pending.
    assert_ok(run_playbook(tmp_path, install_play(backend, pureboot_server, wait_timeout=3)))
    out = read_results(tmp_path)
    assert out['failed'] and out['changed'] and '\n' not in out['msg']
    assert out['msg'].endswith('but waiting for its PureBoot node failed: not installed after 3s; states seen: pending')
    assert out['error_category'] == 'timeout'
    assert pureboot_server.node_by_mac(out['vm']['nics'][0]['mac'])['state'] == 'pending'


# The install step is the same code for every type: one type is enough here.
@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_check_mode_says_what_it_would_queue_and_writes_nothing(backend, pureboot_server, tmp_path):
    assert_ok(
        run_playbook(
            tmp_path, vm_play(backend, pureboot_server, api_key_login(pureboot_server), name='itest-install', pureboot_node={'workflow_id': 'tiny-installer'})
        )
    )
    registered = read_results(tmp_path)
    pureboot_server.clear_requests()
    assert_ok(run_playbook(tmp_path, install_play(backend, pureboot_server, check=True), args=['--diff']))
    out = read_results(tmp_path)
    assert not out.get('failed'), out.get('msg')
    assert out['changed'] and out['vm']['status'] == 'running'
    assert out['pureboot_node']['state'] == 'pending'
    assert out['pureboot_install'] == {'queued': True, 'from_state': 'discovered', 'transitions': ['pending'], 'forced': False, 'why': 'queued from discovered'}
    assert 'pureboot_wait' not in out, 'nothing is awaited in check mode'
    assert out['diff']['before']['pureboot_node']['state'] == 'discovered'
    assert out['diff']['after']['pureboot_node']['state'] == 'pending'
    assert pureboot_server.writes() == []
    assert pureboot_server.node_by_mac(registered['vm']['nics'][0]['mac'])['state'] == 'discovered'
    assert backend.driver().get_vm(name='itest-install')['status'] == 'stopped'


# The install step is the same code for every type: one type is enough here.
@pytest.mark.parametrize('backend', ['proxmox'], indirect=True)
def test_wait_for_with_a_vm_left_stopped_is_one_line_before_anything(backend, pureboot_server, tmp_path):
    plays = install_play(backend, pureboot_server)
    plays[0]['tasks'][0]['pureboot.hypervisors.pureboot_vm']['state'] = 'present'
    assert_ok(run_playbook(tmp_path, plays))
    out = read_results(tmp_path)
    assert out['failed'] and '\n' not in out['msg']
    assert 'pureboot_node.wait_for needs state: running (or restarted): a VM left stopped never boots into its install' in out['msg']
    assert backend.driver().get_vm(name='itest-install') is None and pureboot_server.writes() == []
