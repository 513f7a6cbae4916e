# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The VM listing's reads of Proxmox VE, sent with http.client on kept-alive TLS connections, one per request
running at once.

The listing reads every VM's configuration and guest agent from max_workers threads sharing one interpreter, so
its time is the CPU each request costs (docs/performance.md, "Where the time goes"): a GET through proxmoxer and
requests costs about 0.8 ms of CPU, through http.client about 0.5 ms. Only plain GETs (no query, no body) are
sent here, and only by the driver's listing (ProxmoxDriver._read); everything else goes through proxmoxer.

What is sent and how an answer is read is what proxmoxer's https backend does (proxmoxer/backends/https.py):
the ticket as the `PVEAuthCookie` cookie and no CSRF token on a GET, or an API token as
`Authorization: PVEAPIToken=user@realm!name=secret`; the JSON answer's `data`; an answer of 400 or more raised as
proxmoxer's ResourceException with the same fields, so the driver's error mapping (errors.py) is the one rule for
both. TLS is verified as requests would for the same `verify` (requests' own environment settings decide the CA
bundle, REQUESTS_CA_BUNDLE included), the host name checked, https only. When requests would send the request
through a proxy (a proxy variable of the environment that no_proxy does not exempt for this host), this client
is not made: the listing goes through proxmoxer, which applies the proxy.
"""

from __future__ import annotations

import http.client
import json
import os
import select
import ssl
import threading

from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import DROPPED, TIMEOUT, TLS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.sdk import proxmoxer_core

try:
    import requests
    import requests.utils
except ImportError:
    pass  # driver.py says proxmoxer (and with it requests) is missing before a session is opened

# What proxmoxer's session sends on every request (ProxmoxHttpSession via its backend's get_session).
ACCEPT = 'application/json, application/x-javascript, text/javascript, text/x-javascript, text/x-json'


class ReadFailure(Exception):
    """A read that got no answer: `failure` is TLS, TIMEOUT or DROPPED (_http.py), the message its reason."""

    def __init__(self, failure, reason):
        super().__init__(reason)
        self.failure = failure


class Redirected(Exception):
    """An answer that redirects: the caller asks again through proxmoxer, which follows it as requests does."""


def listing_reads(host, port, verify, timeout, ticket=None, api_token=None):
    """A ListingReads for the API at host:port, or None when requests would use a proxy for it (the listing then
    goes through proxmoxer). api_token is (user, token name, secret); else ticket() gives the password login's
    current ticket (proxmoxer's public get_tokens(): its session renews the ticket on its own requests)."""
    base_url = 'https://{0}:{1}/api2/json'.format(_url_host(host), port)
    settings = requests.Session().merge_environment_settings(base_url, {}, None, verify, None)
    if requests.utils.select_proxy(base_url, settings['proxies']):
        return None
    if api_token:
        user, token_name, secret = api_token
        credentials = {'Authorization': 'PVEAPIToken={0}!{1}={2}'.format(user, token_name, secret)}
    else:
        credentials = None
    try:
        context = tls_context(settings['verify'])
    except (OSError, ssl.SSLError):
        return None  # a CA bundle that cannot be read: proxmoxer's request says so in its own words
    return ListingReads(host, port, context, timeout, ticket, credentials)


def tls_context(verify):
    """The TLS context requests (urllib3) makes for `verify`: False none; True its CA bundle (certifi); a path a CA
    file or a directory of them. Certificate and host name required, TLS 1.2 at least."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        bundle = requests.utils.DEFAULT_CA_BUNDLE_PATH if verify is True or verify is None else verify
        context = ssl.create_default_context(**({'capath': bundle} if os.path.isdir(bundle) else {'cafile': bundle}))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _url_host(host):
    return '[{0}]'.format(host) if ':' in host and not host.startswith('[') else host


class ListingReads:
    """Plain GETs of one Proxmox VE API, from any number of threads, each request on a kept-alive TLS connection of
    its own while it runs."""

    def __init__(self, host, port, context, timeout, ticket=None, credentials=None):
        self._ticket = ticket
        self._host = host.strip('[]')
        self._port = port
        self._context = context
        self._timeout = timeout
        self._credentials = credentials
        # Kept-alive connections no request is using; a request takes one (or makes one) and gives it back.
        self._idle = []
        self._lock = threading.Lock()

    def get(self, path):
        """The `data` of GET /api2/json/<path>, as proxmoxer's ProxmoxResource.get() returns it.

        Raises proxmoxer's ResourceException for an answer of 400 or more, ReadFailure when no answer came,
        Redirected for an answer that redirects."""
        headers = {'Accept': ACCEPT, 'Connection': 'keep-alive'}
        if self._credentials:
            headers.update(self._credentials)
        else:
            ticket = self._ticket()
            # Sent as requests' cookie jar sends it: the value as the login gave it.
            headers['Cookie'] = 'PVEAuthCookie={0}'.format(ticket)
        status, reason, body = self._send('/api2/json/' + path.lstrip('/'), headers)
        if status >= 400:
            raise proxmoxer_core.ResourceException(
                status, http.client.responses.get(status, proxmoxer_core.ANYEVENT_HTTP_STATUS_CODES.get(status)), reason, errors=_errors_of(body)
            )
        if status >= 300:
            raise Redirected(status)
        try:
            return json.loads(body.decode('utf-8'))['data']
        except (UnicodeDecodeError, ValueError):
            return {'errors': body}  # what proxmoxer's JsonSerializer.loads answers for a body that is not JSON

    def close(self):
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _send(self, target, headers):
        connection = self._take()
        try:
            connection.request('GET', target, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
        except ssl.SSLError as exc:
            connection.close()
            raise ReadFailure(TLS, str(exc)) from None
        except TimeoutError as exc:
            connection.close()
            raise ReadFailure(TIMEOUT, str(exc) or 'timed out') from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # ValueError: http.client refuses a header value holding a line break (a ticket so made is no PVE's).
            connection.close()
            raise ReadFailure(DROPPED, str(exc) or type(exc).__name__) from None
        if answer.will_close:
            connection.close()
        else:
            with self._lock:
                self._idle.append(connection)
        return answer.status, answer.reason, body

    def _take(self):
        """An idle kept-alive connection the server has not closed, else a new one (its TLS handshake is made with
        the first request). At most as many connections as requests at once: the listing's max_workers."""
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=self._context)
            if not _closed_by_server(connection):
                return connection
            connection.close()


def _closed_by_server(connection):
    """True when the server closed this idle kept-alive connection (its socket reads as ready: the end of the stream
    or a TLS alert, as no answer is awaited). urllib3 makes the same check before it reuses a connection, so a
    server's idle timeout costs a new connection, not a failed read; a close after this check is a dropped read."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError):
        return True


def _errors_of(body):
    """The `errors` of an error answer, as proxmoxer's JsonSerializer.loads_errors reads them."""
    try:
        parsed = json.loads(body.decode('utf-8'))
    except (UnicodeDecodeError, ValueError):
        return {'errors': body}
    return parsed.get('errors') if isinstance(parsed, dict) else {'errors': body}
