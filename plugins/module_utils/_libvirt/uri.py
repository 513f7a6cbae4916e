# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""libvirt URIs (api_url): which drivers and transports are allowed, whether a host is this machine, and the TLS
parameters (pkipath, no_verify) added to a URI. Pure functions."""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import InvalidInputError
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import is_loopback

# Which libvirt drivers and transports an api_url may name. `qemu` is the hypervisor this driver manages; `test`
# is libvirt's in-process test driver (test:///default), for trying playbooks out without a daemon.
URI_DRIVERS = ('qemu', 'test')
REMOTE_TRANSPORTS = ('ssh', 'libssh', 'libssh2', 'tls', 'tcp')
LOCAL_TRANSPORTS = ('', 'unix')
SSH_TRANSPORTS = ('ssh', 'libssh', 'libssh2')
URI_EXAMPLES = 'qemu:///system, qemu+ssh://root@kvm1.example.com/system or qemu+tls://kvm1.example.com/system'

# libvirt loads a CA file for TLS even when told not to verify the daemon (no_verify=1). With verify_ssl: false and no
# ca_file, it gets this one: a self-signed CA certificate whose private key was thrown away when it was made, so it
# vouches for nothing.
PLACEHOLDER_CA = """
-----BEGIN CERTIFICATE-----
MIIBjTCCATOgAwIBAgIBATAKBggqhkjOPQQDAjBDMUEwPwYDVQQDDDhwdXJlYm9v
dC5oeXBlcnZpc29ycyBwbGFjZWhvbGRlciBDQSwgaXRzIGtleSB0aHJvd24gYXdh
eTAgFw0yNjAxMDEwMDAwMDBaGA8yMTI2MDEwMTAwMDAwMFowQzFBMD8GA1UEAww4
cHVyZWJvb3QuaHlwZXJ2aXNvcnMgcGxhY2Vob2xkZXIgQ0EsIGl0cyBrZXkgdGhy
b3duIGF3YXkwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASIrGyiGzpnJ43yssmZ
oQJZPntcqomlKTmreAcEM2qleMAntzXV9Ek9mhJezmEhYWivuPmzI6JMOPd4V+lB
cWq0oxYwFDASBgNVHRMBAf8ECDAGAQH/AgEAMAoGCCqGSM49BAMCA0gAMEUCIElz
RVmvOg1PqsDO7xwCMcF5IBFqJTgC3J3F3J0pcEk9AiEA6ViBK5DBnFTz2QMhCuRz
Ag+/bOX3l9xKR8KVIOn7sMk=
-----END CERTIFICATE-----
""".lstrip()


# ------------------------------------------------------------------------------------------------- URIs
def check_uri(api_url, label):
    """The parts of a libvirt URI (urlsplit), after the collection's rules; InvalidInputError when it breaks one.

    qemu+tcp sends the SASL password and everything else in cleartext, so it is accepted to a loopback host only.
    """
    try:
        parts = urlsplit(api_url)
    except ValueError:
        parts = None
    scheme = parts.scheme if parts is not None else ''
    driver, _plus, transport = scheme.partition('+')
    if parts is None or driver not in URI_DRIVERS or transport not in REMOTE_TRANSPORTS + LOCAL_TRANSPORTS:
        raise InvalidInputError("api_url '{0}' is not a libvirt URI; use {1}".format(api_url, URI_EXAMPLES), hypervisor=label)
    try:
        host = parts.hostname
        _port = parts.port  # reading it checks it: urlsplit raises ValueError for a bad port
    except ValueError:
        raise InvalidInputError("api_url '{0}' has an invalid port".format(api_url), hypervisor=label)
    # No host in a libvirt URI means this machine.
    if transport == 'tcp' and host and not is_loopback(host):
        raise InvalidInputError(
            "api_url '{0}': qemu+tcp sends the password and all data in cleartext, so it is "
            'accepted to a loopback address only; use qemu+tls:// or qemu+ssh://'.format(api_url),
            hypervisor=label,
        )
    if transport in SSH_TRANSPORTS + ('tls',) and not host:
        raise InvalidInputError("api_url '{0}' names no host".format(api_url), hypervisor=label)
    return parts


def uri_transport(parts):
    """The transport a libvirt URI uses: '' (local socket), unix, ssh, tls, tcp, ...; qemu://host/ means tls."""
    transport = parts.scheme.partition('+')[2]
    if not transport and parts.hostname:
        return 'tls'
    return transport


def uri_with_params(parts, extra):
    """The URI of parts with the query parameters of extra added (those the URI already sets are kept)."""
    params = parse_qsl(parts.query, keep_blank_values=True)
    given = {key for key, _value in params}
    params.extend((key, value) for key, value in extra if key not in given)
    query = '&'.join('{0}={1}'.format(quote(key, safe=''), quote(value, safe='/')) for key, value in params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def client_pki_files(pkipath=None, euid=None, home=None):
    """The client certificate and key libvirt would use for TLS: {name in a pkipath: path}, existing files only."""
    if pkipath:
        candidates = {'clientcert.pem': os.path.join(pkipath, 'clientcert.pem'), 'clientkey.pem': os.path.join(pkipath, 'clientkey.pem')}
    elif (os.geteuid() if euid is None else euid) == 0:
        candidates = {'clientcert.pem': '/etc/pki/libvirt/clientcert.pem', 'clientkey.pem': '/etc/pki/libvirt/private/clientkey.pem'}
    else:
        base = os.path.join(home or os.path.expanduser('~'), '.pki', 'libvirt')
        candidates = {'clientcert.pem': os.path.join(base, 'clientcert.pem'), 'clientkey.pem': os.path.join(base, 'clientkey.pem')}
    return {name: path for name, path in candidates.items() if os.path.isfile(path)}
