"""The Proxmox listing's own GET client (plugins/module_utils/_proxmox/reads.py) against fakepve over real HTTPS on
127.0.0.1: the same VMs as through proxmoxer, with a password or an API token; TLS verified (a CA that did not sign
the server is refused, as is a name the certificate does not hold); a proxy in the environment leaves the listing to
proxmoxer; dropped reads asked again; PVE's errors in the driver's words."""

import socket
import ssl

import pytest

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, AuthError, TLSError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import DROPPED, TLS, RetryPolicy
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.reads import ListingReads, ReadFailure, listing_reads, tls_context
from ansible_collections.pureboot.hypervisors.tests.contract.backends import ProxmoxBackend

TOKEN_ID = 'automation@pve!inventory'
TOKEN_SECRET = 'f3b0c442-98fc-1c14-9afb-000000000042'
PROXY_VARIABLES = ('HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def pve(fakepve, fakepve_cafile):
    backend = ProxmoxBackend(fakepve, fakepve_cafile)
    for vmid in range(200, 206):
        fakepve.add_vm(
            vmid,
            'listed-{0}'.format(vmid),
            node='pve1' if vmid % 2 else 'pve2',
            config={'agent': '1', 'net0': 'virtio=BC:24:11:00:02:{0:02X},bridge=vmbr0'.format(vmid % 256)},
        )
    return backend


def listing(driver):
    return sorted(driver.list_vms(include_templates=True), key=lambda vm: int(vm['id']))


def through_proxmoxer(pve, **overrides):
    """The listing as proxmoxer sends it: a driver whose session has no ListingReads."""
    driver = pve.driver(**overrides)
    driver._session()
    driver._reads = None
    return listing(driver)


def reads_sent(driver):
    assert isinstance(driver._reads, ListingReads), 'the listing must go through the own client'
    return len(driver._reads._idle)


@pytest.mark.parametrize('login', ['password', 'token'])
def test_listing_is_the_same_as_through_proxmoxer(pve, login):
    overrides = {}
    if login == 'token':
        pve.pve.apitokens[TOKEN_ID] = TOKEN_SECRET
        overrides = dict(username=None, password=None, api_token_id=TOKEN_ID, api_token_secret=TOKEN_SECRET)
    expected = through_proxmoxer(pve, **overrides)
    driver = pve.driver(**overrides)
    pve.pve.requests.clear()
    assert listing(driver) == expected
    assert len(expected) == 8 and {vm['name'] for vm in expected} >= {'listed-200', 'listed-205'}
    assert reads_sent(driver) >= 1
    sent = [path for method, path, _body in pve.pve.requests]
    assert sum(path.endswith('/pending') for path in sent) == 8
    driver.close()


def test_a_revoked_ticket_is_renewed_and_the_read_sent_again(pve):
    driver = pve.driver()
    expected = listing(driver)
    pve.pve.revoke_tickets()
    assert listing(driver) == expected


def test_a_wrong_token_is_an_auth_error_without_the_secret(pve):
    pve.pve.apitokens[TOKEN_ID] = TOKEN_SECRET
    driver = pve.driver(username=None, password=None, api_token_id=TOKEN_ID, api_token_secret='wrong-secret-1234')
    driver._session()
    with pytest.raises(AuthError) as caught:
        driver.list_vms()
    assert str(caught.value).startswith('pve-test:') and 'wrong-secret-1234' not in str(caught.value)


def test_a_ca_that_did_not_sign_the_server_is_refused(pve):
    # requests' own CA bundle (certifi) does not hold fakepve's CA.
    reads = listing_reads('127.0.0.1', pve.pve.port, True, 5, ticket=lambda: 'PVE:none')
    with pytest.raises(ReadFailure) as caught:
        reads.get('version')
    assert caught.value.failure == TLS and 'certificate verify failed' in str(caught.value)
    # The same through the driver: the listing's read fails as a TLS error naming the hypervisor.
    driver = pve.driver()
    driver._session()
    driver._reads = reads
    with pytest.raises(TLSError) as caught:
        driver.list_vms()
    assert str(caught.value).startswith('pve-test:') and 'TLS verification failed' in str(caught.value)


def test_a_name_the_certificate_does_not_hold_is_refused(pve):
    # fakepve's certificate names localhost and 127.0.0.1: asked for another name, the handshake must fail.
    context = tls_context(pve.cafile)
    with socket.create_connection(('127.0.0.1', pve.pve.port), timeout=5) as plain:
        with pytest.raises(ssl.SSLCertVerificationError, match='mismatch'):
            context.wrap_socket(plain, server_hostname='pve.example.org')
    with socket.create_connection(('127.0.0.1', pve.pve.port), timeout=5) as plain:
        with context.wrap_socket(plain, server_hostname='localhost') as tls:
            assert tls.getpeercert()


def test_the_right_ca_and_name_are_accepted_and_verify_false_skips_the_check(pve):
    driver = pve.driver()
    driver._session()
    ticket = driver._ticket()
    for verify in (pve.cafile, False):
        reads = listing_reads('127.0.0.1', pve.pve.port, verify, 5, ticket=lambda: ticket)
        assert reads.get('version')['version']
        reads.close()


def test_a_proxy_for_the_host_leaves_the_listing_to_proxmoxer(pve, monkeypatch):
    monkeypatch.setenv('HTTPS_PROXY', 'http://127.0.0.1:9')
    assert listing_reads('127.0.0.1', pve.pve.port, pve.cafile, 5, ticket=str) is None
    monkeypatch.setenv('NO_PROXY', '127.0.0.1')
    assert listing_reads('127.0.0.1', pve.pve.port, pve.cafile, 5, ticket=str) is not None


def test_a_proxy_exempted_by_no_proxy_keeps_the_own_client(pve, monkeypatch):
    monkeypatch.setenv('https_proxy', 'http://127.0.0.1:9')
    monkeypatch.setenv('no_proxy', 'localhost,127.0.0.1')
    driver = pve.driver()
    assert len(listing(driver)) == 8
    assert reads_sent(driver) >= 1


def test_dropped_reads_are_asked_again(pve):
    expected = through_proxmoxer(pve)
    driver = pve.driver()
    driver._session()
    pauses = []
    driver.retry = RetryPolicy(attempts=12, sleep=pauses.append)
    pve.pve.flaky_network(drop_rate=0.3)
    # fakepve draws its drops at random (a seed counts only when the server starts), and a drop on a kept-alive
    # connection is replaced without a pause, like an idle one the server closed: list until a drop made one.
    for _attempt in range(5):
        assert listing(driver) == expected
        if pauses:
            break
    assert pauses, 'some reads were dropped and asked again'


def test_a_read_dropped_every_time_fails_as_unreachable_after_the_retries(pve):
    driver = pve.driver()
    driver._session()
    pauses = []
    driver.retry = RetryPolicy(sleep=pauses.append)
    pve.pve.flaky_network(drop_rate=1.0)
    with pytest.raises(Exception) as caught:
        driver.list_vms()
    assert caught.value.category == 'unreachable' and str(caught.value).startswith('pve-test:')
    assert len(pauses) == 2, 'READS asks a dropped read twice more'


def test_a_dropped_read_is_a_dropped_failure(pve):
    driver = pve.driver()
    driver._session()
    pve.pve.flaky_network(drop_rate=1.0)
    with pytest.raises(ReadFailure) as caught:
        driver._reads.get('cluster/resources')
    assert caught.value.failure == DROPPED


def test_server_errors_keep_the_drivers_wording(pve):
    driver = pve.driver()
    pve.pve.fail('GET', '/nodes/pve1/qemu/201/pending', 500, 'storage went away')
    with pytest.raises(ApiError) as caught:
        driver.list_vms()
    assert str(caught.value) == "pve-test: VM 'listed-201' (id 201): 500 storage went away"


def test_a_forbidden_read_is_an_auth_error(pve):
    driver = pve.driver()
    pve.pve.fail('GET', '/cluster/resources', 403, 'Permission check failed (/vms, VM.Audit)')
    with pytest.raises(AuthError) as caught:
        driver.list_vms()
    assert 'permission denied' in str(caught.value) and caught.value.details == {'forbidden': True}


def test_an_idle_connection_found_closed_is_replaced_without_a_retry(pve):
    driver = pve.driver()
    listing(driver)
    idle = list(driver._reads._idle)
    assert idle
    for connection in idle:
        # What the client sees of a server that closed a kept-alive connection: its socket reads as ready (EOF).
        connection.sock.shutdown(socket.SHUT_RD)
    pauses = []
    driver.retry = RetryPolicy(sleep=pauses.append)
    assert driver._read('cluster/resources')
    assert pauses == [], 'a connection closed while idle costs a new connection, not a retried read'
    assert all(connection.sock is None for connection in idle), 'the closed connections are let go'
