"""How the oVirt driver turns the SDK's exceptions into one-line typed errors, and builds its searches.

The exceptions are made the way ovirtsdk4 makes them (its Service._raise_error for answers, and its
transport error texts for libcurl failures), so no server is needed to check every category.
"""

import sys

import ovirtsdk4 as sdk
import pytest
from ovirtsdk4 import types

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import Connection
from ansible_collections.pureboot.hypervisors.plugins.module_utils._drivers import driver_for
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import MissingLibraryError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.changes import _new_nic_name
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.driver import OvirtDriver, _engine_statuses
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.sdk import sdk as lazy_sdk
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.search import _name_search, _search_value

SECRET = 'S3cret-Pass-42'


@pytest.fixture
def driver():
    return OvirtDriver(
        Connection({'type': 'ovirt', 'name': 'rhv', 'api_url': 'https://engine.example.com', 'username': 'admin@internal', 'password': SECRET, 'timeout': 7})
    )


def answered(code, detail=None, reason='Operation Failed', cls=sdk.Error):
    """An SDK error for an answer with a fault, worded as the SDK words it."""
    fault = types.Fault(reason=reason, detail=detail) if detail is not None else None
    message = 'Fault reason is "{0}". Fault detail is "{1}". HTTP response code is {2}.'.format(reason, detail, code)
    if fault is None:
        message = 'HTTP response code is {0}. HTTP response message is "Not Found".'.format(code)
    error = cls(message)
    error.code, error.fault = code, fault
    return error


def test_a_missing_sdk_fails_with_missing_required_lib(monkeypatch):
    # As if the SDK were not installed: Python refuses to import a module whose sys.modules entry is None.
    monkeypatch.setitem(sys.modules, 'ovirtsdk4', None)
    monkeypatch.setattr(lazy_sdk, '_module', None)
    with pytest.raises(MissingLibraryError) as caught:
        driver_for({'type': 'ovirt', 'name': 'rhv', 'api_url': 'https://engine.example.com', 'token': 'abcd'})
    assert 'ovirt-engine-sdk-python' in str(caught.value) and caught.value.category == 'missing_library'


def test_a_bare_engine_address_means_the_api_path(driver):
    assert driver.url == 'https://engine.example.com/ovirt-engine/api'


@pytest.mark.parametrize(
    'error, category, text',
    [
        (
            answered(409, '[Cannot add VM. The VM name is already in use, please choose a unique name and try again.]'),
            'conflict',
            'Cannot add VM. The VM name is already in use, please choose a unique name and try again.',
        ),
        (answered(404, 'Entity not found: Cluster: name=x', cls=sdk.NotFoundError), 'not_found', 'Entity not found: Cluster: name=x'),
        (answered(404, cls=sdk.NotFoundError), 'not_found', 'HTTP 404 Not Found'),
        (
            answered(400, '[The specified MAC Address cannot be set.\n-Please check MAC Address validity.]'),
            'invalid_input',
            'the engine refused the request: The specified MAC Address cannot be set. -Please check MAC Address validity.',
        ),
        (
            answered(403, '[User is not authorized to perform this action.]', cls=sdk.AuthError),
            'auth',
            'permission denied: User is not authorized to perform this action.',
        ),
        (answered(500, 'Internal server error'), 'api', 'the engine failed the request (HTTP 500): Internal server error'),
        (
            sdk.AuthError("Error during SSO authentication access_denied : Cannot authenticate user 'admin@internal': The username or password is incorrect.."),
            'auth',
            "authentication failed: Cannot authenticate user 'admin@internal': The username or password is incorrect.",
        ),
        (
            sdk.ConnectionError("Error while sending HTTP request: (6, 'Could not resolve host: engine.example.com')"),
            'unreachable',
            'cannot reach https://engine.example.com/ovirt-engine/api: Could not resolve host: engine.example.com',
        ),
        (
            sdk.Error(
                "Failed to read response: [(<pycurl.Curl object at 0x7f00>, 7, 'Failed to connect to engine.example.com "
                "port 443 after 3 ms: Could not connect to server')]"
            ),
            'unreachable',
            'cannot reach https://engine.example.com/ovirt-engine/api: Failed to connect to engine.example.com port 443 after '
            '3 ms: Could not connect to server',
        ),
        (
            sdk.TimeoutError("Error while sending HTTP request: (28, 'Operation timed out after 7001 milliseconds with 0 bytes received')"),
            'timeout',
            'no answer from https://engine.example.com/ovirt-engine/api within 7s',
        ),
        (
            sdk.Error("Failed to read response: [(<pycurl.Curl object at 0x7f00>, 28, 'Operation timed out after 7001 milliseconds')]"),
            'timeout',
            'no answer from https://engine.example.com/ovirt-engine/api within 7s',
        ),
        (
            sdk.Error("Error while sending HTTP request: (60, 'SSL certificate problem: unable to get local issuer certificate')"),
            'tls',
            'TLS verification failed for https://engine.example.com/ovirt-engine/api: SSL certificate problem: unable to get local issuer certificate',
        ),
        # A connection dropped in the middle of the answer: OpenSSL words it, but it is no certificate problem.
        (
            sdk.Error(
                "Failed to read response: [(<pycurl.Curl object at 0x7f00>, 56, 'OpenSSL SSL_read: OpenSSL/3.6.5: "
                "error:0A000126:SSL routines::unexpected eof while reading, errno 0')]"
            ),
            'unreachable',
            'cannot reach https://engine.example.com/ovirt-engine/api: OpenSSL SSL_read: OpenSSL/3.6.5: error:0A000126:SSL '
            'routines::unexpected eof while reading, errno 0',
        ),
        # A handshake the server cut (its backlog full): curl's SSL connect error, but no certificate problem.
        (
            sdk.Error("Failed to read response: [(<pycurl.Curl object at 0x7f00>, 35, 'Recv failure: Connection reset by peer')]"),
            'unreachable',
            'cannot reach https://engine.example.com/ovirt-engine/api: Recv failure: Connection reset by peer',
        ),
    ],
)
def test_sdk_errors_become_one_typed_line(driver, error, category, text):
    mapped = driver.translate_error(error, "VM 'web1'")
    assert mapped.category == category
    assert str(mapped) == "rhv: VM 'web1': " + text


def test_locked_conflicts_are_marked_for_waiting(driver):
    locked = driver.translate_error(answered(409, '[Cannot run VM: VM is locked. Please try again in a few minutes.]'), None)
    assert locked.details == {'locked': True}
    running = driver.translate_error(answered(409, '[Cannot remove VM. VM is running.]'), None)
    assert running.details == {'locked': False}


def test_secrets_never_reach_a_message(driver):
    mapped = driver.translate_error(answered(400, '[bad value {0}]'.format(SECRET)), None)
    assert SECRET not in str(mapped) and '********' in str(mapped)


def test_searches():
    assert _search_value('web-01.lab') == 'web-01.lab'
    assert _search_value('bad name!') == '"bad name!"'
    assert _search_value('say "hi"') is None
    assert _name_search('web*') == 'name=web*'
    assert _name_search('web0?') == 'name=web0*'
    assert _name_search('web[12]*') == 'name=web*'
    assert _name_search('*') is None and _name_search('?eb') is None
    assert _engine_statuses('stopped') == ['down']
    assert _engine_statuses(['running']) == ['migrating', 'up']
    assert _engine_statuses(None) is None


def test_new_nic_names_sort_after_the_others():
    assert _new_nic_name([]) == 'nic1'
    assert _new_nic_name(['nic1']) == 'nic2'
    assert _new_nic_name(['nic1', 'nic7']) == 'nic8'
    assert _new_nic_name(['eth0']) == 'nic2'


def test_initialization_fields_round_trip_through_the_sdk_types():
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._cloud_init import diff_cloud_init, normalize_cloud_init
    from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.cloud_init import (
        _initialization,
        _initialization_fields,
        ovirt_fields,
        ovirt_settings,
    )

    desired = normalize_cloud_init(
        {
            'user': 'deploy',
            'password': 'Init-pa55word',
            'nameservers': ['192.0.2.53'],
            'ip_config': [{'address': '192.0.2.10/24', 'gateway': '192.0.2.1', 'address6': 'dhcp'}],
        }
    )
    initialization = _initialization(ovirt_fields(desired))
    nic = initialization.nic_configurations[0]
    assert (nic.name, nic.boot_protocol.value, nic.ipv6_boot_protocol.value, nic.ip.version.value) == ('eth0', 'static', 'dhcp', 'v4')
    fields = _initialization_fields(initialization)
    assert fields['root_password'] == 'Init-pa55word'
    assert diff_cloud_init(ovirt_settings(dict(fields, root_password=None)), desired) == {}
    assert _initialization_fields(None) is None
