"""The one HTTP policy: what a read is asked again after, how often, and what a transport failure is called."""

import pytest
import requests

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import TimeoutError_, TLSError, UnreachableError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import (
    DROPPED,
    TIMEOUT,
    TLS,
    RetryPolicy,
    is_loopback,
    requests_failure,
    transport_error,
)


@pytest.mark.parametrize(
    'status, failure, transient',
    [
        (502, None, True),
        (503, None, True),
        (504, None, True),
        (500, None, False),
        (404, None, False),
        (None, DROPPED, True),
        (None, TIMEOUT, False),
        (None, TLS, False),
    ],
)
def test_what_is_worth_asking_again(status, failure, transient):
    assert RetryPolicy().transient(status=status, failure=failure) is transient


def test_attempts_are_bounded_and_pauses_double_with_jitter():
    pauses = []
    policy = RetryPolicy(attempts=3, base_delay=1.0, sleep=pauses.append)
    assert [policy.again(attempt, status=503) for attempt in (1, 2, 3)] == [True, True, False]
    assert 0.5 <= pauses[0] < 1.5 and 1.0 <= pauses[1] < 3.0


def test_a_permanent_fault_is_not_paused_for():
    pauses = []
    assert RetryPolicy(sleep=pauses.append).again(1, failure=TLS) is False
    assert pauses == []


@pytest.mark.parametrize(
    'exc, failure',
    [
        (requests.exceptions.SSLError('certificate verify failed'), TLS),
        (requests.exceptions.ReadTimeout('read timed out'), TIMEOUT),
        (requests.exceptions.ConnectTimeout('connect timed out'), TIMEOUT),
        (requests.exceptions.ConnectionError('Connection refused'), DROPPED),
        (requests.exceptions.ChunkedEncodingError('connection closed mid-answer'), DROPPED),
    ],
)
def test_requests_failures_are_named(exc, failure):
    assert requests_failure(exc) == failure


@pytest.mark.parametrize(
    'failure, cls, message',
    [
        (TLS, TLSError, 'pve: TLS verification failed for https://pve:8006: certificate verify failed'),
        (TIMEOUT, TimeoutError_, 'pve: no answer from https://pve:8006 within 2.5s'),
        (DROPPED, UnreachableError, 'pve: cannot reach https://pve:8006: certificate verify failed'),
    ],
)
def test_transport_errors_are_one_line_naming_the_url(failure, cls, message):
    error = transport_error(failure, 'certificate verify failed', 'https://pve:8006', 2.5, hypervisor='pve')
    assert isinstance(error, cls) and str(error) == message


@pytest.mark.parametrize(
    'host, loopback',
    [
        ('localhost', True),
        ('LOCALHOST', True),
        ('127.0.0.1', True),
        ('127.8.9.10', True),
        ('::1', True),
        ('10.0.0.1', False),
        ('pureboot.example.com', False),
        ('localhost.example.com', False),
        ('::ffff:10.0.0.1', False),
    ],
)
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback
