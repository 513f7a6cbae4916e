"""The waiting helper and the typed errors."""

import pytest
import requests

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    CATEGORIES, REDACTED, ConflictError, HypervisorError, TaskFailedError, TimeoutError_, redact, transport_reason)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._wait import wait_for


class FakeClock(object):
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_for_returns_the_first_truthy_answer_with_growing_intervals():
    clock = FakeClock()
    answers = iter([None, False, None, None, {'done': True}])
    assert wait_for(lambda: next(answers), 60, 'x', interval=0.25, max_interval=1, clock=clock, sleep=clock.sleep) == {
        'done': True}
    assert clock.sleeps == [0.25, 0.5, 1, 1]


def test_wait_for_times_out_saying_what_it_waited_for():
    clock = FakeClock()
    with pytest.raises(TimeoutError_) as caught:
        wait_for(lambda: None, 5, 'VM to stop', hypervisor='hv', subject="VM 'a'", clock=clock, sleep=clock.sleep)
    assert str(caught.value) == "hv: VM 'a': timed out after 5s waiting for VM to stop"
    assert clock.now == 5


def test_wait_for_lets_a_check_stop_early():
    def check():
        raise TaskFailedError('task failed')
    with pytest.raises(TaskFailedError):
        wait_for(check, 60, 'task')


def test_error_text_and_result():
    error = ConflictError('VM is locked (backup)', hypervisor='pve-lab', subject="VM 'db' (id 101)")
    assert str(error) == "pve-lab: VM 'db' (id 101): VM is locked (backup)"
    assert error.to_result()['error_category'] == 'conflict'
    assert set(CATEGORIES) >= {'auth', 'tls', 'unreachable', 'timeout', 'not_found', 'conflict', 'invalid_input',
                               'task_failed', 'api'}
    located = HypervisorError('boom').located('hv', 'thing')
    assert str(located) == 'hv: thing: boom'


def test_secrets_are_redacted():
    error = HypervisorError('login with hunter22 failed', subject='user hunter22').scrubbed(['hunter22', 'ab'])
    assert 'hunter22' not in str(error) and REDACTED in str(error)
    assert redact('ab cd', ['ab']) == 'ab cd', 'secrets this short would blank out ordinary words'


@pytest.mark.parametrize('error, reason', [
    # Texts as requests 2.32 / urllib3 2 word them.
    (requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection "
                                         "without response'))"), 'the connection was closed before an answer came'),
    (requests.exceptions.ConnectionError("HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: "
                                         "/api/v1/nodes (Caused by NewConnectionError('<urllib3.connection."
                                         "HTTPSConnection object at 0x7f>: Failed to establish a new connection: "
                                         "[Errno 111] Connection refused'))"), 'Connection refused'),
    (requests.exceptions.SSLError("HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded (Caused by "
                                  "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
                                  "verify failed: self-signed certificate (_ssl.c:1006)')))"),
     'certificate verify failed: self-signed certificate'),
    (requests.exceptions.ConnectionError('x' * 300), 'x' * 200 + '...'),
])
def test_transport_reason_is_what_the_wrapped_error_comes_down_to(error, reason):
    assert transport_reason(error) == reason
