"""Queueing a node's install and waiting for it: the pure planning for every state, then the writes and the wait
against the PureBoot double (its state machine is the server's, docs/provisioning.md)."""

import itertools

import pytest
import requests

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError, TaskFailedError, TimeoutError_
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.client import PureBootClient
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.install import (
    apply_install_plan,
    await_node_state,
    check_install_options,
    plan_install,
    predicted_node,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.link import await_vm_node, ensure_vm_node, node_options_with_defaults
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import nic_record, vm_record
from ansible_collections.pureboot.hypervisors.tests.simulators.pureboot.server import STATES, can_transition

MAC = '52:54:00:ab:cd:ef'
REFUSED = 'refused'
INSTALL = {'install': True, 'workflow_id': 'wf'}
REINSTALL = {'reinstall': True, 'workflow_id': 'wf'}

# Every state PureBoot has, with what install and reinstall do there: the states to move the node through, or
# REFUSED (one line, nothing written). install_failed twice: with attempts left, and with its three used.
EXPECTED = {
    ('discovered', 0): (('pending',), ('pending',)),
    ('pending', 0): ((), ()),
    ('installing', 0): ((), ()),
    ('install_failed', 1): (('pending',), ('pending',)),
    ('install_failed', 3): (REFUSED, REFUSED),
    ('installed', 0): ((), ('reprovision', 'pending')),
    ('active', 0): ((), ('reprovision', 'pending')),
    ('reprovision', 0): (('pending',), ('pending',)),
    ('deprovisioning', 0): (REFUSED, REFUSED),
    ('migrating', 0): ((), REFUSED),
    ('serving_source', 0): ((), REFUSED),
    ('cloning_target', 0): ((), ()),
    ('retired', 0): (REFUSED, REFUSED),
}


def make_node(state, attempts=0, error=None):
    return {'id': 'n1', 'mac_address': MAC, 'state': state, 'install_attempts': attempts, 'last_install_error': error}


def test_the_table_covers_every_state():
    assert sorted({state for state, _attempts in EXPECTED}) == sorted(STATES)


@pytest.mark.parametrize('state,attempts', sorted(EXPECTED))
@pytest.mark.parametrize('which', ['install', 'reinstall'])
def test_plan_for_every_state(state, attempts, which):
    expected = EXPECTED[(state, attempts)][0 if which == 'install' else 1]
    options = INSTALL if which == 'install' else REINSTALL
    node = make_node(state, attempts, error='disk not found')
    if expected == REFUSED:
        with pytest.raises(InvalidInputError) as caught:
            plan_install(node, options)
        assert '\n' not in str(caught.value) and str(caught.value).startswith('node {0}: '.format(MAC))
        return
    plan = plan_install(node, options)
    assert plan.transitions == expected and plan.changed == bool(expected) and plan.force is False
    assert plan.from_state == state and plan.to_state == (expected[-1] if expected else state)
    # Each step is one the server's state machine allows (the double holds the server's table).
    path = (state,) + expected
    assert all(can_transition(a, b) for a, b in itertools.pairwise(path)), path
    assert predicted_node(node, plan)['state'] == plan.to_state


def test_no_plan_without_install_or_reinstall():
    assert plan_install(make_node('discovered'), {'workflow_id': 'wf'}) is None


def test_three_failed_attempts_are_said_in_one_line_with_the_last_error():
    node = make_node('install_failed', 3, error='mkfs: /dev/vda:\n no such device')
    with pytest.raises(InvalidInputError) as caught:
        plan_install(node, INSTALL)
    assert str(caught.value) == (
        "node 52:54:00:ab:cd:ef: install_failed (3 of 3 install attempts used, last error: 'mkfs: /dev/vda: no such "
        "device'); PureBoot refuses to queue it again after 3 attempts unless forced: fix the cause, then set "
        'pureboot_node.force_install: true to reset its attempts and retry'
    )
    forced = plan_install(node, dict(INSTALL, force_install=True))
    assert forced.transitions == ('pending',) and forced.force is True and 'forced' in forced.why


@pytest.mark.parametrize(
    'options,state,message',
    [
        ({'install': True}, 'running', 'pureboot_node.install needs pureboot_node.workflow_id'),
        ({'reinstall': True, 'workflow_id': ''}, 'running', 'pureboot_node.reinstall needs pureboot_node.workflow_id'),
        ({'install': True, 'workflow_id': 'wf', 'register': False}, 'running', 'needs pureboot_node.register: true'),
        ({'force_install': True}, 'running', 'force_install only applies with'),
        ({'wait_for': 'installed'}, 'present', 'wait_for needs state: running (or restarted): a VM left stopped'),
        ({'wait_for': 'active'}, 'stopped', 'its node would never become active'),
        ({'wait_for': 'installed', 'wait_timeout': 0}, 'running', 'wait_timeout must be between 1 and'),
    ],
)
def test_install_options_checked_before_any_request(options, state, message):
    with pytest.raises(InvalidInputError) as caught:
        check_install_options(node_options_with_defaults(options), state, "VM 'web1'")
    assert message in str(caught.value) and str(caught.value).startswith("VM 'web1': ")


def test_good_install_options_pass():
    for state in ('running', 'restarted'):
        check_install_options(node_options_with_defaults(dict(INSTALL, wait_for='installed')), state, "VM 'web1'")
    check_install_options(node_options_with_defaults(dict(INSTALL)), 'present', "VM 'web1'")
    check_install_options(node_options_with_defaults({'register': False, 'wait_for': 'active'}), 'running', 'vm')


# ------------------------------------------------------------------------- against the double


@pytest.fixture
def client(pureboot_server):
    return PureBootClient(pureboot_server.url, api_key=pureboot_server.api_key, ca_file=pureboot_server.cafile)


def make_vm(status='running'):
    return vm_record(
        id='101',
        name='web1',
        hypervisor='pve-lab',
        hypervisor_type='proxmox',
        status=status,
        nics=[nic_record('net0', mac=MAC, network='vmbr0', model='virtio')],
        uuid=None,
        firmware='bios',
    )


def report(double, event, message=None):
    """What an installer sends (no login)."""
    body = {'mac_address': MAC, 'event': event}
    if message:
        body['message'] = message
    answer = requests.post(double.url + '/api/v1/report', json=body, verify=double.cafile, timeout=10)
    assert answer.status_code == 200, answer.text


def state_writes(double):
    return [w['body'] for w in double.writes() if w['path'].endswith('/state')]


def test_install_is_queued_once(pureboot_server, client):
    result = ensure_vm_node(client, make_vm(), INSTALL)
    assert result['changed'] and result['pureboot_node']['state'] == 'pending'
    assert result['pureboot_install'] == {
        'queued': True,
        'from_state': 'discovered',
        'transitions': ['pending'],
        'forced': False,
        'why': 'queued from discovered',
    }
    assert result['diff']['before'] == {} and result['diff']['after']['state'] == 'pending'
    assert [b['state'] for b in state_writes(pureboot_server)] == ['pending']
    pureboot_server.clear_requests()
    again = ensure_vm_node(client, make_vm(), INSTALL)
    assert not again['changed'] and again['pureboot_install']['queued'] is False
    assert pureboot_server.writes() == []


def test_check_mode_predicts_the_queue_and_writes_nothing(pureboot_server, client):
    pureboot_server.add_node(MAC, hostname='web1', workflow_id='wf')
    pureboot_server.clear_requests()
    result = ensure_vm_node(client, make_vm(), INSTALL, check_mode=True)
    assert result['changed'] and result['pureboot_node']['state'] == 'pending'
    assert result['diff']['before']['state'] == 'discovered' and result['diff']['after']['state'] == 'pending'
    assert pureboot_server.writes() == [] and pureboot_server.node_by_mac(MAC)['state'] == 'discovered'


def test_reinstall_goes_through_reprovision_on_every_run(pureboot_server, client):
    node = pureboot_server.add_node(MAC, hostname='web1', workflow_id='wf')
    pureboot_server.advance(node['id'], 'active')
    pureboot_server.clear_requests()
    result = ensure_vm_node(client, make_vm(), REINSTALL)
    assert result['changed'] and result['pureboot_install']['transitions'] == ['reprovision', 'pending']
    assert [b['state'] for b in state_writes(pureboot_server)] == ['reprovision', 'pending']
    assert pureboot_server.node_by_mac(MAC)['state'] == 'pending'
    # install alone leaves an installed node as it is.
    pureboot_server.advance(node['id'], 'installed')
    pureboot_server.clear_requests()
    assert not ensure_vm_node(client, make_vm(), INSTALL)['changed'] and pureboot_server.writes() == []


def test_the_refusal_comes_before_any_write(pureboot_server, client):
    node = pureboot_server.add_node(MAC, hostname='web1', workflow_id='old')
    pureboot_server.update_node(node['id'], state='install_failed', install_attempts=3, last_install_error='no disk')
    pureboot_server.clear_requests()
    with pytest.raises(InvalidInputError) as caught:
        ensure_vm_node(client, make_vm(), INSTALL)
    assert "3 of 3 install attempts used, last error: 'no disk'" in str(caught.value)
    assert pureboot_server.writes() == [], 'not even the workflow_id'
    forced = ensure_vm_node(client, make_vm(), dict(INSTALL, force_install=True))
    assert forced['pureboot_node']['state'] == 'pending' and forced['pureboot_node']['workflow_id'] == 'wf'
    assert state_writes(pureboot_server)[-1] == {'state': 'pending', 'force': True, 'comment': 'install queued by pureboot.hypervisors'}


class Installer:
    """The wait's sleep: each pause, the next event an installer would report (a clock that only moves there)."""

    def __init__(self, double, events):
        self.double = double
        self.events = list(events)
        self.now = 0.0
        self.pauses = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.pauses.append(seconds)
        self.now += seconds
        if self.events:
            report(self.double, *self.events.pop(0))


def pending_node(double):
    node = double.add_node(MAC, hostname='web1', workflow_id='wf')
    double.advance(node['id'], 'pending')
    return double.node_by_mac(MAC)


def test_the_wait_follows_the_node_to_installed(pureboot_server, client):
    installer = Installer(pureboot_server, [('install_started',), ('install_progress',), ('install_complete',)])
    node, waited = await_node_state(client, pending_node(pureboot_server), 'installed', 3600, clock=installer.clock, sleep=installer.sleep)
    assert node['state'] == 'installed'
    assert waited == {'state': 'installed', 'states_seen': ['pending', 'installing', 'installed'], 'seconds': 7}
    assert installer.pauses == [1.0, 2.0, 4.0], 'a growing interval'


def test_a_node_that_has_got_there_is_not_awaited(pureboot_server, client):
    node = pending_node(pureboot_server)
    pureboot_server.advance(node['id'], 'active')
    pureboot_server.clear_requests()
    installer = Installer(pureboot_server, [])
    found, waited = await_node_state(client, pureboot_server.node_by_mac(MAC), 'installed', 60, clock=installer.clock, sleep=installer.sleep)
    assert waited == {'state': 'installed', 'states_seen': ['active'], 'seconds': 0} and found['state'] == 'active'
    assert installer.pauses == [] and pureboot_server.requests == []


def test_install_failed_on_the_way_is_one_line_with_the_attempts(pureboot_server, client):
    events = [('install_started',)] + [('install_failed', 'grub-install: error: disk vda not found')] * 3
    installer = Installer(pureboot_server, events)
    with pytest.raises(TaskFailedError) as caught:
        await_node_state(client, pending_node(pureboot_server), 'installed', 3600, clock=installer.clock, sleep=installer.sleep)
    message = str(caught.value)
    assert message.endswith(
        'node 52:54:00:ab:cd:ef: the install failed while waiting for installed (3 of 3 install '
        "attempts used, last error: 'grub-install: error: disk vda not found'); states seen: "
        'pending, installing, install_failed'
    )
    assert caught.value.details['pureboot_wait']['states_seen'] == ['pending', 'installing', 'install_failed']


def test_the_timeout_lists_the_states_seen(pureboot_server, client):
    installer = Installer(pureboot_server, [('install_started',)])
    with pytest.raises(TimeoutError_) as caught:
        await_node_state(client, pending_node(pureboot_server), 'active', 20, clock=installer.clock, sleep=installer.sleep)
    assert str(caught.value).endswith('node 52:54:00:ab:cd:ef: not active after 20s; states seen: pending, installing')
    assert installer.now == 20, 'the last pause ends at the deadline'


def test_await_vm_node_needs_a_node(pureboot_server, client):
    result = ensure_vm_node(client, make_vm(), {'register': False})
    assert result['pureboot_node'] is None
    with pytest.raises(InvalidInputError) as caught:
        await_vm_node(client, result, {'register': False, 'wait_for': 'installed'}, False, "VM 'web1'")
    assert 'nothing to wait for' in str(caught.value)
    assert await_vm_node(client, result, {'register': False, 'wait_for': 'installed'}, True, "VM 'web1'") is result


def test_apply_sends_the_transitions_in_order(pureboot_server, client):
    node = pending_node(pureboot_server)
    pureboot_server.advance(node['id'], 'installed')
    plan = plan_install(pureboot_server.node_by_mac(MAC), REINSTALL)
    after = apply_install_plan(client, plan, node['id'])
    assert after['state'] == 'pending'
    assert [b['comment'] for b in state_writes(pureboot_server)] == ['reinstall queued by pureboot.hypervisors'] * 2
