# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The REST client of the PureBoot server (its behaviour: docs/modules.md, docs/drivers.md); its `pureboot` option is
in options.py.

It speaks the server's contract as it is, quirks included: Bearer-only auth (an API key, or a JWT
from /auth/login renewed before it expires and once more when refused), success envelopes unwrapped,
no MAC filter on /nodes (nodes are matched here), PATCH silently ignoring fields it does not know
(refused here instead), and a DELETE of nodes that always fails (there is no method for it: retire).
Errors are the typed errors of _errors.py, naming the server as "pureboot (<host>)". Reads are retried
on transient faults; writes never are, except after a refused token, when the server did not act.

A 200 proves nothing: the server answers 200 {"error": "Not found"} to an unknown API path, and its web
UI answers 200 to anything else, so every answer is checked for the envelope and the fields used before
it is used, and a wrong URL fails as one line that says so. Nodes belong to a VM only by the MAC of one
of its NICs: anyone on the provisioning network can register a node with any MAC and SMBIOS UUID.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import threading
import time
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    ConflictError,
    HypervisorError,
    InvalidInputError,
    MissingLibraryError,
    NotFoundError,
    plain_line,
    transport_reason,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import MAX_REQUEST_TIMEOUT, READS, TLS, is_loopback, requests_failure, transport_error
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.nodes import match_node, node_subject
from ansible_collections.pureboot.hypervisors.plugins.module_utils._pureboot.options import DEFAULT_TIMEOUT, PUREBOOT_KEYS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import normalize_mac

# requests is imported when a client is made, not with this file: the node link (link.py) reads names of this file,
# and the inventory of a type other than Proxmox VE without PureBoot then loads no requests (about 0.1 s).
# find_spec looks for the package without importing it.
HAS_REQUESTS = importlib.util.find_spec('requests') is not None

API_PREFIX = '/api/v1'
DEFAULT_LABEL = 'pureboot'
# Log in again this long before the token runs out (at most a tenth of its lifetime).
RENEW_MARGIN_SECONDS = 60

# What POST /nodes takes, and the only fields PATCH /nodes/{id} changes (it ignores any other with a 200).
# (API_*: what the server's API takes; the link's own subsets are _pureboot/link.py's LINK_NODE_*.)
API_NODE_CREATE_FIELDS = ('mac_address', 'hostname', 'arch', 'boot_mode', 'group_id', 'vendor', 'model', 'serial_number', 'system_uuid', 'pi_model')
API_NODE_PATCH_FIELDS = ('hostname', 'workflow_id', 'group_id', 'vendor', 'model', 'serial_number', 'system_uuid', 'pi_model')
API_HYPERVISOR_CREATE_FIELDS = ('name', 'type', 'api_url', 'username', 'password', 'verify_ssl')
API_HYPERVISOR_PATCH_FIELDS = ('name', 'api_url', 'username', 'password', 'verify_ssl')
TAG_PATTERN = re.compile(r'^[a-zA-Z0-9_-]{1,50}$')

# The text fields of each kind of record the collection reads, and its list fields (null or a list): an answer
# whose records lack them is not PureBoot's. /health answers its record without the success envelope.
RECORD_FIELDS = {'node': ('id', 'mac_address'), 'hypervisor': ('id', 'name'), 'group': ('id', 'name'), 'token': ('access_token',), 'health': ('status',)}
LIST_FIELDS = {'node': ('tags',)}
BARE_RECORDS = ('health',)

# 401 details of the server, as a person reads them.
AUTH_REASONS = {
    'Invalid credentials': 'invalid credentials',
    'Not authenticated': 'no credentials were sent',
    'Invalid authentication scheme': 'the server wants a Bearer token',
    'Invalid or expired token': 'the session token is invalid or expired',
    'API key not found': 'the API key is not known to the server (revoked or mistyped)',
    'API key is disabled': 'the API key is disabled',
    'Invalid API key': 'the API key is invalid',
    'Invalid API key format': 'the API key is malformed (expected pb_live_...)',
}


# ------------------------------------------------------------------------- helpers


def validation_text(detail):
    """A 422 detail list as one line: 'mac_address: String should match pattern ...; arch: Input should be ...'.

    The rejected input itself is left out: it may be a secret.
    """
    if not isinstance(detail, list):
        return str(detail)
    parts = []
    for error in detail:
        if not isinstance(error, dict):
            parts.append(str(error))
            continue
        loc = list(error.get('loc') or ())
        # ('body', 'arch') -> 'arch'; a bare ('body',) stays, it is the whole body that is wrong.
        if len(loc) > 1 and loc[0] in ('body', 'query', 'path', 'header') and isinstance(loc[1], str):
            loc = loc[1:]
        where = ''
        for item in loc:
            where += '[{0}]'.format(item) if isinstance(item, int) else ('.' if where else '') + str(item)
        message = error.get('msg') or error.get('type') or 'invalid value'
        parts.append('{0}: {1}'.format(where, message) if where else message)
    return '; '.join(parts)


def _plain(text):
    """A non-JSON body (a proxy's HTML page, a stack trace) as one short line."""
    return plain_line(text, 200)


def _snippet(value, limit=120):
    """A decoded JSON answer as one short line, for saying what came instead of PureBoot's."""
    text = ' '.join(json.dumps(value, sort_keys=True, default=str).split())
    return text if len(text) <= limit else text[:limit] + '...'


def _answer_in_words(payload):
    """What a JSON answer without PureBoot's envelope says, in words rather than its raw body: its error text when it
    has one (a web UI's catch-all, a proxy), else the shape it has."""
    if isinstance(payload, dict):
        for key in ('error', 'message', 'detail'):
            if isinstance(payload.get(key), str) and payload[key].strip():
                return 'answered with an error: {0}'.format(_plain(payload[key]))
        return "answered JSON without PureBoot's envelope (keys: {0})".format(_plain(', '.join(sorted(str(k) for k in payload))) or 'none')
    return "answered a JSON {0}, not PureBoot's envelope".format('list' if isinstance(payload, list) else 'value')


def valid_tag(tag):
    """True when PureBoot takes tag: 1-50 characters of letters, digits, '-' and '_'."""
    return isinstance(tag, str) and bool(TAG_PATTERN.match(tag))


# ------------------------------------------------------------------------- the client


@functools.cache
def _unverified_https_adapter_class():
    """_UnverifiedHTTPSAdapter, defined on first use (its bases are requests' and urllib3's)."""
    import requests.adapters
    import urllib3.connectionpool

    class _UnverifiedHTTPSConnectionPool(urllib3.connectionpool.HTTPSConnectionPool):
        """An HTTPS pool that does not warn on every request that the certificate was not verified.

        Used only by a client whose user set verify_ssl false; the client says so once, in its own words.
        This replaces urllib3.disable_warnings() (which silences every library in the process) and
        warnings.catch_warnings() around requests (which swaps the process-wide filters, so threads running
        at the same time, the inventory plugin's among them, would lose or gain warnings): it changes nothing
        outside this client's own connections.
        """

        def _validate_conn(self, conn):
            # HTTPSConnectionPool's version connects early, so that a TLS failure is raised where urllib3 turns
            # it into its own error, then warns when the certificate was not verified: connect, do not warn.
            urllib3.connectionpool.HTTPConnectionPool._validate_conn(self, conn)  # pylint: disable=protected-access
            if getattr(conn, 'sock', None) is None:
                conn.connect()

    class _UnverifiedHTTPSAdapter(requests.adapters.HTTPAdapter):
        """The requests adapter whose HTTPS pools (direct or through a proxy) are _UnverifiedHTTPSConnectionPool."""

        @staticmethod
        def _quiet(manager):
            manager.pool_classes_by_scheme = dict(manager.pool_classes_by_scheme, https=_UnverifiedHTTPSConnectionPool)
            return manager

        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self._quiet(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            return self._quiet(super().proxy_manager_for(proxy, **proxy_kwargs))

    return _UnverifiedHTTPSAdapter


class PureBootClient:
    """One PureBoot server. Safe to share between threads (the inventory plugin does)."""

    def __init__(
        self, url, api_key=None, username=None, password=None, verify_ssl=True, ca_file=None, timeout=DEFAULT_TIMEOUT, label=None, allow_insecure_http=False
    ):
        url = (url or '').strip().rstrip('/')
        if not url:
            raise InvalidInputError("option 'url' is required", hypervisor=label or DEFAULT_LABEL)
        if url.endswith(API_PREFIX):
            # Users copy the API address from the docs; the base is what we need.
            url = url[: -len(API_PREFIX)]
        parts = urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise InvalidInputError("url '{0}' is not an http(s) URL".format(url), hypervisor=label or DEFAULT_LABEL)
        self.url = url
        self.label = '{0} ({1})'.format(label or DEFAULT_LABEL, parts.hostname)
        # What the user should know about this connection, said once per run by the caller (module.warn,
        # display.warning): the client has no channel of its own.
        self.warnings = []
        if parts.scheme == 'http' and not is_loopback(parts.hostname):
            if not allow_insecure_http:
                raise InvalidInputError(
                    "url '{0}' is plain http to another machine: the API key or password and every answer would cross "
                    'the network unencrypted; use https, or set allow_insecure_http: true to accept that'.format(url),
                    hypervisor=self.label,
                )
            self.warnings.append(
                '{0}: {1} is plain http (allow_insecure_http): the API key or password and every answer cross the network unencrypted'.format(self.label, url)
            )
        self.api_key = api_key or None
        self.username = username or None
        self.password = password or None
        if not self.api_key and not (self.username and self.password):
            raise InvalidInputError('missing credentials: give api_key, or username + password', hypervisor=self.label)
        try:
            self.timeout = float(timeout if timeout is not None else DEFAULT_TIMEOUT)
        except (TypeError, ValueError):
            raise InvalidInputError("option 'timeout' must be a number of seconds", hypervisor=self.label)
        if not 0 < self.timeout <= MAX_REQUEST_TIMEOUT:
            raise InvalidInputError(
                "option 'timeout' must be more than 0 and at most {0} seconds, got {1}".format(MAX_REQUEST_TIMEOUT, self.timeout), hypervisor=self.label
            )
        if verify_ssl and ca_file and not os.path.isfile(ca_file):
            raise InvalidInputError("ca_file '{0}' does not exist".format(ca_file), hypervisor=self.label)
        if not HAS_REQUESTS:
            raise MissingLibraryError(missing_required_lib('requests'), hypervisor=self.label)
        # Passed on every request: REQUESTS_CA_BUNDLE in the environment would override Session.verify.
        self.verify = (ca_file or True) if verify_ssl else False
        import requests

        self._session = requests.Session()
        # When a read is asked again (_http.py: one policy for every client).
        self.retry = READS
        if self.verify is False and parts.scheme == 'https':
            self.warnings.append(
                '{0}: the TLS certificate of {1} is not verified (verify_ssl: false): anyone on the '
                'way can read and change the traffic, credentials included; give ca_file '
                'instead'.format(self.label, url)
            )
            # Said once above: urllib3's own warning on every request would only bury the output.
            self._session.mount('https://', _unverified_https_adapter_class()())
        self._login_lock = threading.Lock()
        self._token = None
        self._renew_at = 0.0
        self._clock = time.monotonic

    @classmethod
    def from_options(cls, options, label=None):
        """A client from the `pureboot` option dict (apply _env.pureboot_with_env_fallbacks() first in plugins)."""
        options = {key: value for key, value in (options or {}).items() if value is not None}
        unknown = sorted(set(options) - set(PUREBOOT_KEYS))
        if unknown:
            raise InvalidInputError('unknown option(s) {0}; known: {1}'.format(', '.join(unknown), ', '.join(PUREBOOT_KEYS)), hypervisor=label or DEFAULT_LABEL)
        switches = {}
        for key, default in (('verify_ssl', True), ('allow_insecure_http', False)):
            try:
                # A plugin's YAML may give 'false' as text: bool('false') would be True.
                switches[key] = boolean(options.get(key, default), strict=True)
            except TypeError:
                raise InvalidInputError("option '{0}' must be true or false, got {1!r}".format(key, options[key]), hypervisor=label or DEFAULT_LABEL)
        return cls(
            options.get('url'),
            api_key=options.get('api_key'),
            username=options.get('username'),
            password=options.get('password'),
            verify_ssl=switches['verify_ssl'],
            ca_file=options.get('ca_file'),
            timeout=options.get('timeout', DEFAULT_TIMEOUT),
            label=label,
            allow_insecure_http=switches['allow_insecure_http'],
        )

    @property
    def secrets(self):
        """Every secret this client holds, for redaction."""
        return [value for value in (self.api_key, self.password, self._token) if value]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Release pooled connections; never raises."""
        try:
            self._session.close()
        except Exception:  # pylint: disable=broad-exception-caught
            pass

    def error(self, cls, message, subject=None, **kwargs):
        """An error of class cls about subject on this server, with every secret removed."""
        return cls(message, hypervisor=self.label, subject=subject, **kwargs).scrubbed(self.secrets)

    # --------------------------------------------------------------- auth
    def _bearer(self):
        """The token to send: the API key, or a JWT logged in for (again shortly before it expires)."""
        if self.api_key:
            return self.api_key
        with self._login_lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._login()
            return self._token

    def _renew(self, refused):
        """Log in again after `refused` was refused, unless another thread already did."""
        with self._login_lock:
            if self._token == refused:
                self._login()

    def _login(self):
        """POST /auth/login; the caller holds the lock. Not retried: a lock-out, where it works, counts failures."""
        subject = "user '{0}'".format(self.username)
        data = self._send('POST', API_PREFIX + '/auth/login', subject, body={'username': self.username, 'password': self.password}, auth=False, record='token')
        try:
            lifetime = float(data.get('expires_in') or 900)
        except (TypeError, ValueError):
            lifetime = 900.0
        self._token = data['access_token']
        self._renew_at = self._clock() + lifetime - min(RENEW_MARGIN_SECONDS, lifetime / 10.0)

    # --------------------------------------------------------------- requests
    def _send(self, method, path, subject=None, params=None, body=None, auth=True, record=None, many=False):
        """One API call: the unwrapped `data`, checked to be what the caller reads (see _unwrap).

        Retries reads on transient faults; a refused JWT logs in once more. Redirects are not followed: a POST
        would come back as a GET, and the credentials would go where the redirect says.
        """
        from requests.exceptions import RequestException

        url = self.url + path
        attempt, renewed = 0, False
        while True:
            attempt += 1
            headers = {'Accept': 'application/json'}
            token = None
            if auth:
                token = self._bearer()
                headers['Authorization'] = 'Bearer ' + token
            try:
                response = self._session.request(
                    method, url, params=params, json=body, headers=headers, verify=self.verify, timeout=self.timeout, allow_redirects=False
                )
            except RequestException as exc:
                failure = requests_failure(exc)
                if method == 'GET' and self.retry.again(attempt, failure=failure):
                    continue
                error = transport_error(failure, transport_reason(exc), self.url, self.timeout, hypervisor=self.label, subject=subject).scrubbed(self.secrets)
                # A write may have been carried out: _write() reads its effect back.
                error.unanswered = method != 'GET' and failure != TLS
                raise error
            status = response.status_code
            if status == 401 and auth and not self.api_key and not renewed:
                # A 401 means the server did not act, so even a write is safe to send again after a new login.
                renewed = True
                self._renew(token)
                continue
            if method == 'GET' and self.retry.again(attempt, status=status):
                continue
            if status >= 300:
                raise self._http_error(method, path, response, subject, auth, many)
            return self._unwrap(method, path, response, record, many)

    def not_pureboot(self, method, path, detail):
        """The error for an answer PureBoot's API never gives: the url points at another server, or a wrong path of
        this one (its web UI answers 200 to any GET), which the user must be told as such, in one line."""
        return self.error(ApiError, '{0} does not answer as a PureBoot API ({1} {2}: {3})'.format(self.url, method, path, detail))

    def _unwrap(self, method, path, response, record, many):
        """The `data` of a success envelope, checked to be what the collection reads.

        record names the kind of record (a key of RECORD_FIELDS; None when data is not read), many says data is a
        list of them. /health answers its record bare, without the envelope.
        """
        try:
            payload = response.json()
        except ValueError:
            raise self.not_pureboot(method, path, 'HTTP {0}, not JSON: {1}'.format(response.status_code, _plain(response.text) or 'an empty body'))
        if record in BARE_RECORDS:
            data = payload
        elif isinstance(payload, dict) and payload.get('success') is True and 'data' in payload:
            data = payload['data']
        else:
            raise self.not_pureboot(method, path, _answer_in_words(payload))
        if record is None:
            return data
        if not many:
            self._check_record(method, path, data, record, 'the answer')
            return data
        if not isinstance(data, list):
            raise self.not_pureboot(method, path, 'data is not a list: {0}'.format(_snippet(data)))
        for index, item in enumerate(data):
            self._check_record(method, path, item, record, 'item {0}'.format(index))
        return data

    def _check_record(self, method, path, item, record, where):
        if not isinstance(item, dict):
            raise self.not_pureboot(method, path, '{0} is not an object: {1}'.format(where, _snippet(item)))
        for field in RECORD_FIELDS[record]:
            if not isinstance(item.get(field), str) or not item[field]:
                raise self.not_pureboot(method, path, '{0} has no {1}'.format(where, field))
        for field in LIST_FIELDS.get(record, ()):
            if item.get(field) is not None and not isinstance(item[field], list):
                raise self.not_pureboot(method, path, '{0} has a {1} that is not a list'.format(where, field))

    def _http_error(self, method, path, response, subject, auth=True, many=False):
        """An HTTP error answer as a typed error, keeping the server's own wording.

        Answers PureBoot never gives where the collection asks (a redirect, a 405, a 404 for a listing, a
        login endpoint that wants a token) mean the url is not PureBoot's API: not_pureboot.
        """
        status = response.status_code
        try:
            detail = response.json().get('detail')
        except (ValueError, AttributeError):
            detail = None
        if detail is None:
            detail = _plain(response.text) or response.reason or ''
        text = validation_text(detail) if isinstance(detail, list) else str(detail)
        if status < 400:
            return self.not_pureboot(
                method, path, 'HTTP {0}, redirected to {1}; set url to where the API answers'.format(status, response.headers.get('Location') or 'nowhere')
            )
        if status == 405 or (status == 404 and many):
            return self.not_pureboot(method, path, 'HTTP {0} {1}'.format(status, text))
        if status == 401 and not auth and text == 'Not authenticated':
            return self.not_pureboot(method, path, 'HTTP 401 Not authenticated, where PureBoot needs no login')
        if status == 401:
            reason = AUTH_REASONS.get(text, text)
            if self.api_key:
                return self.error(AuthError, 'authentication with the API key failed: {0}'.format(reason), subject)
            user = "user '{0}'".format(self.username)
            if subject == user:  # the login names the user as its subject already: say it once
                return self.error(AuthError, 'authentication failed: {0}'.format(reason), subject)
            return self.error(AuthError, 'authentication failed for {0}: {1}'.format(user, reason), subject)
        if status == 403:
            return self.error(AuthError, 'permission denied: {0}'.format(text), subject)
        if status == 423:
            return self.error(AuthError, "account '{0}' is locked after repeated failed logins: {1}".format(self.username, text), subject)
        if status == 404:
            return self.error(NotFoundError, text, subject)
        if status == 409:
            return self.error(ConflictError, text, subject)
        if status == 422:
            return self.error(InvalidInputError, 'the server refused the values: {0}'.format(text), subject)
        if status == 400:
            return self.error(InvalidInputError, 'the server refused the request: {0}'.format(text), subject)
        if status >= 500:
            return self.error(ApiError, 'server error {0} on {1} {2}: {3}'.format(status, method, path, text), subject, details={'status': status})
        return self.error(ApiError, 'HTTP {0} on {1} {2}: {3}'.format(status, method, path, text), subject, details={'status': status})

    def _api(self, method, path, subject=None, params=None, body=None, record=None, many=False):
        return self._send(method, API_PREFIX + path, subject, params=params, body=body, record=record, many=many)

    def _write(self, method, path, subject, body, read_back):
        """A node write, sent once. When its connection failed before the answer, the server may have acted:
        read_back() looks (with reads, retried as any) and returns the node as the write left it, or None when
        the write did not arrive, which is then sent again, once. Never sent again without that look: a second
        POST /nodes would register the MAC twice, or fail on the first one's 409."""
        try:
            return self._api(method, path, subject, body=body, record='node')
        except HypervisorError as exc:
            if not getattr(exc, 'unanswered', False):
                raise
            found = read_back()
            if found is not None:
                return found
            return self._api(method, path, subject, body=body, record='node')

    def _node_if(self, node_id, holds):
        """The node when holds(node) is true of it now, else None."""
        node = self.get_node(node_id)
        return node if holds(node) else None

    # --------------------------------------------------------------- server
    def health(self):
        """GET /health (no auth): {'status': 'healthy', ...}."""
        return self._send('GET', '/health', 'health check', auth=False, record='health')

    # --------------------------------------------------------------- nodes
    def list_nodes(self, state=None, group_id=None, tag=None):
        """Every node (retired ones included), filtered by the server on state, group and tag."""
        params = {key: value for key, value in (('state', state), ('group_id', group_id), ('tag', tag)) if value is not None}
        return self._api('GET', '/nodes', 'nodes', params=params or None, record='node', many=True)

    def get_node(self, node_id):
        """One node by id; NotFoundError when there is none."""
        return self._api('GET', '/nodes/{0}'.format(quote(str(node_id), safe='')), node_subject(node_id=node_id), record='node')

    def find_node(self, mac, system_uuid=None):
        """The node with this MAC (any notation; or one of a list of MACs), or None; system_uuid only confirms
        one of several (see NodeIndex). A node is never found by its UUID alone: anyone can set it."""
        macs = [mac] if isinstance(mac, str) else list(mac or ())
        if not macs:
            raise self.error(InvalidInputError, 'a node is found by its MAC, and none was given', 'node')
        for wanted in macs:
            if normalize_mac(wanted) is None:
                raise self.error(InvalidInputError, "'{0}' is not a MAC address".format(wanted), 'node')
        return match_node(self.list_nodes(), mac=macs, system_uuid=system_uuid)

    def create_node(self, **fields):
        """POST /nodes with the given fields (None ones left out); ConflictError when the MAC is registered."""
        self._known(fields, API_NODE_CREATE_FIELDS, 'registered', node_subject(mac=fields.get('mac_address')))
        body = {key: value for key, value in fields.items() if value is not None}
        return self._write('POST', '/nodes', node_subject(mac=fields.get('mac_address')), body, lambda: self.find_node(fields['mac_address']))

    def update_node(self, node_id, **fields):
        """PATCH only the given fields (None clears one); fields PATCH would silently ignore are refused here."""
        subject = node_subject(node_id=node_id)
        self._known(fields, API_NODE_PATCH_FIELDS, 'changed', subject)
        return self._write(
            'PATCH',
            '/nodes/{0}'.format(quote(str(node_id), safe='')),
            subject,
            fields,
            lambda: self._node_if(node_id, lambda node: all((node.get(key) or None) == (value or None) for key, value in fields.items())),
        )

    def set_node_state(self, node_id, state, comment=None, force=False):
        """PATCH /nodes/{id}/state; a transition the state machine forbids is an InvalidInputError (400)."""
        body = {'state': state, 'force': bool(force)}
        if comment is not None:
            body['comment'] = comment
        return self._write(
            'PATCH',
            '/nodes/{0}/state'.format(quote(str(node_id), safe='')),
            node_subject(node_id=node_id),
            body,
            lambda: self._node_if(node_id, lambda node: node.get('state') == state),
        )

    def add_node_tag(self, node_id, tag):
        """POST /nodes/{id}/tags; ConflictError when the node has it already."""
        return self._write(
            'POST',
            '/nodes/{0}/tags'.format(quote(str(node_id), safe='')),
            node_subject(node_id=node_id),
            {'tag': tag},
            lambda: self._node_if(node_id, lambda node: tag in (node.get('tags') or ())),
        )

    def remove_node_tag(self, node_id, tag):
        """DELETE /nodes/{id}/tags/{tag}; NotFoundError when the node does not have it."""
        return self._write(
            'DELETE',
            '/nodes/{0}/tags/{1}'.format(quote(str(node_id), safe=''), quote(str(tag), safe='')),
            node_subject(node_id=node_id),
            None,
            lambda: self._node_if(node_id, lambda node: tag not in (node.get('tags') or ())),
        )

    # There is deliberately no delete_node: the server's DELETE /nodes/{id} always answers 500. Retire instead.

    # --------------------------------------------------------------- hypervisor registry
    def list_hypervisors(self):
        """Every entry of the registry (never with a password)."""
        return self._api('GET', '/hypervisors', 'hypervisor registry', record='hypervisor', many=True)

    def find_hypervisor(self, name):
        """The registry entry named exactly name, or None."""
        for record in self.list_hypervisors():
            if record.get('name') == name:
                return record
        return None

    def create_hypervisor(self, **fields):
        """POST /hypervisors; ConflictError when the name is taken."""
        subject = registry_subject(fields.get('name'))
        self._known(fields, API_HYPERVISOR_CREATE_FIELDS, 'registered', subject)
        body = {key: value for key, value in fields.items() if value is not None}
        return self._api('POST', '/hypervisors', subject, body=body, record='hypervisor')

    def update_hypervisor(self, hypervisor_id, **fields):
        """PATCH only the given fields (the type cannot change)."""
        subject = registry_subject(fields.get('name'), hypervisor_id)
        self._known(fields, API_HYPERVISOR_PATCH_FIELDS, 'changed', subject)
        return self._api('PATCH', '/hypervisors/{0}'.format(quote(str(hypervisor_id), safe='')), subject, body=fields, record='hypervisor')

    def delete_hypervisor(self, hypervisor_id):
        """DELETE /hypervisors/{id}."""
        return self._api('DELETE', '/hypervisors/{0}'.format(quote(str(hypervisor_id), safe='')), registry_subject(None, hypervisor_id))

    # --------------------------------------------------------------- groups
    def list_groups(self):
        """Every device group."""
        return self._api('GET', '/groups', 'groups', record='group', many=True)

    def find_group(self, name_or_id):
        """The group with this id, name or path ('/parent/child'), or None."""
        groups = self.list_groups()
        for key in ('id', 'name', 'path'):
            for group in groups:
                if group.get(key) == name_or_id:
                    return group
        return None

    # --------------------------------------------------------------- checks
    def _known(self, fields, allowed, verb, subject):
        unknown = sorted(set(fields) - set(allowed))
        if unknown:
            raise self.error(
                InvalidInputError, '{0} cannot be {1} through the API (it takes {2})'.format(', '.join(unknown), verb, ', '.join(allowed)), subject
            )


def registry_subject(name=None, hypervisor_id=None):
    """How messages name an entry of PureBoot's hypervisor registry."""
    if name:
        return "registry entry '{0}'".format(name)
    return 'registry entry {0}'.format(hypervisor_id)


__all__ = ['API_NODE_PATCH_FIELDS', 'HAS_REQUESTS', 'PureBootClient', 'is_loopback', 'registry_subject', 'valid_tag', 'validation_text']
