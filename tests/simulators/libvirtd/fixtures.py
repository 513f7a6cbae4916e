"""pytest fixtures for the private libvirtd: libvirt_host and libvirt_uri.

One daemon per test session (tests/simulators/libvirtd/host.py): started inside its own network namespace,
with a dir storage pool and two networks made through it, and stopped, its namespace deleted, at the end of
the session, whether the tests passed or not. Tests seed templates with libvirt_host.seed_template(...) and
clear what they made with libvirt_host.remove_domains(names=...) (or keep=...).

Where no private daemon can run (not root, or a package of bindep.txt's `libvirt` profile missing) the tests
that use it are skipped with one line naming what is missing; on CI (CI=true), where `make test` installs the
packages first, they fail instead, so a missing package never passes unnoticed.
"""

import os

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.libvirtd.host import PrivateLibvirtd, short_base_dir, why_unusable

# The scene every session's daemon starts with.
LIBVIRT_POOL = 'pbh-pool'
# An isolated network with DHCP (dnsmasq hands out leases: guests get addresses the driver can read).
LIBVIRT_NETWORK = 'pbh-net'
LIBVIRT_NETWORK_ADDRESS = '192.168.180.1'
# A bare bridge: no address, no dnsmasq.
LIBVIRT_SECOND_NETWORK = 'pbh-net2'


def require_private_libvirtd():
    """Skip (fail on CI) with one line when no private daemon can run here."""
    problem = why_unusable()
    if problem is None:
        return
    if os.environ.get('CI') == 'true':
        pytest.fail(problem, pytrace=False)
    pytest.skip(problem)


def private_base_dir(tmp_path_factory):
    """A directory for one daemon; under /tmp when pytest's own would make the socket path too long."""
    return short_base_dir(tmp_path_factory.mktemp('libvirt'))


def started_host(tmp_path_factory, **options):
    """A started PrivateLibvirtd (options: its sasl_login, tls) with the scene's pool and networks, yielded for the
    session and stopped after."""
    require_private_libvirtd()
    host = PrivateLibvirtd(private_base_dir(tmp_path_factory), **options)
    host.start()
    try:
        host.define_pool(LIBVIRT_POOL)
        host.define_network(LIBVIRT_NETWORK, LIBVIRT_NETWORK_ADDRESS)
        host.define_network(LIBVIRT_SECOND_NETWORK)
        yield host
    finally:
        host.stop()


@pytest.fixture(scope='session')
def libvirt_host(tmp_path_factory):
    """The session's started PrivateLibvirtd with LIBVIRT_POOL, LIBVIRT_NETWORK and LIBVIRT_SECOND_NETWORK."""
    yield from started_host(tmp_path_factory)


@pytest.fixture(scope='session')
def libvirt_uri(libvirt_host):
    """The URI the collection connects with: qemu+unix:///system?socket=<the daemon's socket>."""
    return libvirt_host.uri


# The login of the daemon that stands for a remote host (libvirt_remote_host); a test secret, never a real one.
LIBVIRT_SASL_LOGIN = ('pbh-tester', 'Sasl-Test-Passw0rd-7')


@pytest.fixture(scope='session')
def libvirt_remote_host(tmp_path_factory):
    """A second session daemon, like libvirt_host, that stands for a remote host: it listens with TLS (reached from
    this namespace through host.tls_relay(), verified against host.tls_cafile) and every socket asks for a SASL
    login (LIBVIRT_SASL_LOGIN). The driver contract and integration suites' libvirt scene (LibvirtBackend)."""
    yield from started_host(tmp_path_factory, sasl_login=LIBVIRT_SASL_LOGIN, tls=True)
