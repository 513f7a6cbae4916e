"""The typed errors: their one-line text and result, redaction, and what a transport failure comes down to."""

import pytest
import requests

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    CATEGORIES,
    REDACTED,
    ConflictError,
    HypervisorError,
    redact,
    some_names,
    transport_reason,
)


def test_error_text_and_result():
    error = ConflictError('VM is locked (backup)', hypervisor='pve-lab', subject="VM 'db' (id 101)")
    assert str(error) == "pve-lab: VM 'db' (id 101): VM is locked (backup)"
    assert error.to_result()['error_category'] == 'conflict'
    assert set(CATEGORIES) >= {'auth', 'tls', 'unreachable', 'timeout', 'not_found', 'conflict', 'invalid_input', 'task_failed', 'api'}
    located = HypervisorError('boom').located('hv', 'thing')
    assert str(located) == 'hv: thing: boom'


def test_secrets_are_redacted():
    error = HypervisorError('login with hunter22 failed', subject='user hunter22').scrubbed(['hunter22', 'ab'])
    assert 'hunter22' not in str(error) and REDACTED in str(error)
    assert redact('ab cd', ['ab']) == 'ab cd', 'secrets this short would blank out ordinary words'


@pytest.mark.parametrize(
    'error, reason',
    [
        # Texts as requests 2.32 / urllib3 2 word them.
        (
            requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"),
            'the connection was closed before an answer came',
        ),
        (
            requests.exceptions.ConnectionError(
                "HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: "
                "/api/v1/nodes (Caused by NewConnectionError('<urllib3.connection."
                'HTTPSConnection object at 0x7f>: Failed to establish a new connection: '
                "[Errno 111] Connection refused'))"
            ),
            'Connection refused',
        ),
        (
            requests.exceptions.SSLError(
                "HTTPSConnectionPool(host='127.0.0.1', port=9): Max retries exceeded (Caused by "
                "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate "
                "verify failed: self-signed certificate (_ssl.c:1006)')))"
            ),
            'certificate verify failed: self-signed certificate',
        ),
        (requests.exceptions.ConnectionError('x' * 300), 'x' * 200 + '...'),
    ],
)
def test_transport_reason_is_what_the_wrapped_error_comes_down_to(error, reason):
    assert transport_reason(error) == reason


def test_some_names_are_the_closest_to_the_refused_one_else_the_first():
    names = ['Skylake-Client', 'Skylake-Server', 'Haswell', 'EPYC', 'qemu64', 'Haswell']
    assert some_names('Skylake-Clinet', names, 2) == 'Skylake-Client, Skylake-Server'
    assert some_names('no-such-cpu-type', names) == 'EPYC, Haswell, Skylake-Client, Skylake-Server, qemu64'
    assert some_names('x', []) == ''
