# -*- coding: utf-8 -*-
# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The REST client of the PureBoot server (shared/pureboot-api.md), and its `pureboot` option.

It speaks the server's contract as it is, quirks included: Bearer-only auth (an API key, or a JWT
from /auth/login renewed before it expires and once more when refused), success envelopes unwrapped,
no MAC filter on /nodes (nodes are matched here), PATCH silently ignoring fields it does not know
(refused here instead), and a DELETE of nodes that always fails (there is no method for it: retire).
Errors are the typed errors of _errors.py, naming the server as "pureboot (<host>)". Reads are retried
on transient faults; writes never are, except after a refused token, when the server did not act.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ApiError, AuthError, ConflictError, InvalidInputError, MissingLibraryError, NotFoundError, TimeoutError_,
    TLSError, UnreachableError, transport_reason)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import MAX_REQUEST_TIMEOUT
from ansible_collections.pureboot.hypervisors.plugins.module_utils._options import completed_from_env
from ansible_collections.pureboot.hypervisors.plugins.module_utils._records import normalize_mac

try:
    import requests
    import urllib3
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

API_PREFIX = '/api/v1'
DEFAULT_LABEL = 'pureboot'
DEFAULT_TIMEOUT = 30
READ_ATTEMPTS = 3
TRANSIENT_STATUS = (502, 503, 504)
BACKOFF_SECONDS = 0.2
# Log in again this long before the token runs out (at most a tenth of its lifetime).
RENEW_MARGIN_SECONDS = 60

# The `pureboot` option (SPEC.md "Connection options") and the environment variables AWX can inject.
PUREBOOT_KEYS = ('url', 'api_key', 'username', 'password', 'verify_ssl', 'ca_file', 'timeout')
PUREBOOT_ENV = {
    'url': 'PUREBOOT_URL',
    'api_key': 'PUREBOOT_API_KEY',
    'username': 'PUREBOOT_USERNAME',
    'password': 'PUREBOOT_PASSWORD',
    # Not in SPEC.md's list; the counterpart of PUREBOOT_HV_CA_FILE, so AWX can inject a CA for PureBoot too.
    'ca_file': 'PUREBOOT_CA_FILE',
}

NODE_STATES = ('discovered', 'pending', 'installing', 'install_failed', 'installed', 'active', 'reprovision',
               'deprovisioning', 'migrating', 'serving_source', 'cloning_target', 'retired')
NODE_ARCHES = ('x86_64', 'arm64', 'aarch64')
NODE_BOOT_MODES = ('bios', 'uefi', 'pi')
# What POST /nodes takes, and the only fields PATCH /nodes/{id} changes (it ignores any other with a 200).
NODE_CREATE_FIELDS = ('mac_address', 'hostname', 'arch', 'boot_mode', 'group_id', 'vendor', 'model', 'serial_number',
                      'system_uuid', 'pi_model')
NODE_PATCH_FIELDS = ('hostname', 'workflow_id', 'group_id', 'vendor', 'model', 'serial_number', 'system_uuid', 'pi_model')
HYPERVISOR_CREATE_FIELDS = ('name', 'type', 'api_url', 'username', 'password', 'verify_ssl')
HYPERVISOR_PATCH_FIELDS = ('name', 'api_url', 'username', 'password', 'verify_ssl')
TAG_PATTERN = re.compile(r'^[a-zA-Z0-9_-]{1,50}$')

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


# ------------------------------------------------------------------------- the `pureboot` option

def _with_env(option, spec):
    if option in PUREBOOT_ENV:
        spec['fallback'] = (env_fallback, [PUREBOOT_ENV[option]])
    return spec


def pureboot_suboptions():
    """The suboptions of `pureboot`, as AnsibleModule takes them."""
    return dict((option, _with_env(option, spec)) for option, spec in (
        ('url', dict(type='str')),
        ('api_key', dict(type='str', no_log=True)),
        ('username', dict(type='str')),
        ('password', dict(type='str', no_log=True)),
        ('verify_ssl', dict(type='bool', default=True)),
        ('ca_file', dict(type='path')),
        ('timeout', dict(type='int', default=DEFAULT_TIMEOUT)),
    ))


def pureboot_argument_spec():
    """{'pureboot': ...} to merge into a module's argument spec.

    apply_defaults makes the environment fallbacks work when a task gives no `pureboot` at all (AWX
    credentials); pureboot_requested() then tells whether PureBoot is configured.
    """
    return {'pureboot': dict(type='dict', apply_defaults=True, options=pureboot_suboptions())}


def pureboot_with_env_fallbacks(options, environ=None):
    """A `pureboot` dict from a plugin's configuration, completed from the environment like a module's."""
    return completed_from_env(options, PUREBOOT_ENV, environ)


def client_from_module(module):
    """The PureBoot client for a module's `pureboot` option, or None when PureBoot is not configured."""
    options = module.params.get('pureboot')
    return PureBootClient.from_options(options) if pureboot_requested(options) else None


def pureboot_requested(options):
    """True when the `pureboot` dict says to use PureBoot: a URL or a credential is set (defaults alone are not)."""
    return any((options or {}).get(key) for key in ('url', 'api_key', 'username', 'password'))


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


def _plain(text, limit=200):
    """A non-JSON body (a proxy's HTML page, a stack trace) as one short line."""
    text = re.sub(r'<[^>]*>', ' ', str(text or ''))
    text = ' '.join(text.split())
    return text if len(text) <= limit else text[:limit] + '...'


def node_subject(node=None, mac=None, node_id=None):
    """How messages name a node: by its MAC when known, else by id."""
    node = node or {}
    mac = mac or node.get('mac_address')
    if mac:
        return 'node {0}'.format(normalize_mac(mac) or mac)
    return 'node {0}'.format(node_id or node.get('id'))


class NodeIndex(object):
    """Nodes by normalised MAC and by lowercase SMBIOS UUID, to match one VM or thousands against one listing."""

    def __init__(self, nodes):
        self.by_mac, self.by_uuid = {}, {}
        for node in nodes or ():
            mac = normalize_mac(node.get('mac_address'))
            if mac:
                self.by_mac.setdefault(mac, node)
            system_uuid = str(node.get('system_uuid') or '').lower()
            # Among nodes sharing a UUID a non-retired one wins: a re-created VM keeps its UUID on some hypervisors.
            if system_uuid and (system_uuid not in self.by_uuid or self.by_uuid[system_uuid].get('state') == 'retired'):
                self.by_uuid[system_uuid] = node

    def match(self, mac=None, system_uuid=None):
        """The node with this MAC (or the first of several MACs that has one), else with this SMBIOS UUID, else None."""
        macs = [mac] if isinstance(mac, str) else list(mac or ())
        for wanted in macs:
            node = self.by_mac.get(normalize_mac(wanted))
            if node:
                return node
        return self.by_uuid.get(str(system_uuid).lower()) if system_uuid else None

    def for_vm(self, vm):
        """A VM's node: by the MACs of its NICs in order, then by its SMBIOS UUID."""
        return self.match(mac=[nic.get('mac') for nic in vm.get('nics') or () if nic.get('mac')],
                          system_uuid=vm.get('uuid'))


def match_node(nodes, mac=None, system_uuid=None):
    """The node of nodes with this MAC (or the first of several MACs), else with this SMBIOS UUID, else None."""
    return NodeIndex(nodes).match(mac=mac, system_uuid=system_uuid)


def valid_tag(tag):
    """True when PureBoot takes tag: 1-50 characters of letters, digits, '-' and '_'."""
    return isinstance(tag, str) and bool(TAG_PATTERN.match(tag))


# ------------------------------------------------------------------------- the client

class PureBootClient(object):
    """One PureBoot server. Safe to share between threads (the inventory plugin does)."""

    def __init__(self, url, api_key=None, username=None, password=None, verify_ssl=True, ca_file=None,
                 timeout=DEFAULT_TIMEOUT, label=None):
        url = (url or '').strip().rstrip('/')
        if not url:
            raise InvalidInputError("option 'url' is required", hypervisor=label or DEFAULT_LABEL)
        if url.endswith(API_PREFIX):
            # Users copy the API address from the docs; the base is what we need.
            url = url[:-len(API_PREFIX)]
        parts = urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise InvalidInputError("url '{0}' is not an http(s) URL".format(url), hypervisor=label or DEFAULT_LABEL)
        self.url = url
        self.label = '{0} ({1})'.format(label or DEFAULT_LABEL, parts.hostname)
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
            raise InvalidInputError("option 'timeout' must be more than 0 and at most {0} seconds, got {1}".format(
                MAX_REQUEST_TIMEOUT, self.timeout), hypervisor=self.label)
        if verify_ssl and ca_file and not os.path.isfile(ca_file):
            raise InvalidInputError("ca_file '{0}' does not exist".format(ca_file), hypervisor=self.label)
        if not HAS_REQUESTS:
            raise MissingLibraryError(missing_required_lib('requests'), hypervisor=self.label)
        # Passed on every request: REQUESTS_CA_BUNDLE in the environment would override Session.verify.
        self.verify = (ca_file or True) if verify_ssl else False
        if self.verify is False:
            # The user chose not to verify; urllib3's warning on every request would only bury the output.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._session = requests.Session()
        self._login_lock = threading.Lock()
        self._token = None
        self._renew_at = 0.0
        self._clock = time.monotonic

    @classmethod
    def from_options(cls, options, label=None):
        """A client from the `pureboot` option dict (apply pureboot_with_env_fallbacks() first in plugins)."""
        options = dict((key, value) for key, value in (options or {}).items() if value is not None)
        unknown = sorted(set(options) - set(PUREBOOT_KEYS))
        if unknown:
            raise InvalidInputError('unknown option(s) {0}; known: {1}'.format(', '.join(unknown), ', '.join(PUREBOOT_KEYS)),
                                    hypervisor=label or DEFAULT_LABEL)
        return cls(options.get('url'), api_key=options.get('api_key'), username=options.get('username'),
                   password=options.get('password'), verify_ssl=options.get('verify_ssl', True),
                   ca_file=options.get('ca_file'), timeout=options.get('timeout', DEFAULT_TIMEOUT), label=label)

    @property
    def secrets(self):
        """Every secret this client holds, for redaction."""
        return [value for value in (self.api_key, self.password, self._token) if value]

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
        """POST /auth/login; the caller holds the lock. Not retried: failures count towards the lockout."""
        subject = "user '{0}'".format(self.username)
        data = self._send('POST', API_PREFIX + '/auth/login', subject, body={'username': self.username,
                                                                             'password': self.password}, auth=False)
        token = (data or {}).get('access_token')
        if not token:
            raise self.error(AuthError, 'login answered without an access token', subject)
        lifetime = float((data or {}).get('expires_in') or 900)
        self._token = token
        self._renew_at = self._clock() + lifetime - min(RENEW_MARGIN_SECONDS, lifetime / 10.0)

    # --------------------------------------------------------------- requests
    def _send(self, method, path, subject=None, params=None, body=None, auth=True):
        """One API call: the unwrapped `data`. Retries reads on transient faults; a refused JWT logs in once more."""
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
                response = self._session.request(method, url, params=params, json=body, headers=headers,
                                                 verify=self.verify, timeout=self.timeout)
            except requests.exceptions.RequestException as exc:
                # Connection failures before an answer are worth another try for reads; a TLS failure or a
                # timeout (the user's bound) is not.
                transient = (isinstance(exc, requests.exceptions.ConnectionError)
                             and not isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.Timeout)))
                if method == 'GET' and transient and attempt < READ_ATTEMPTS:
                    self._backoff(attempt)
                    continue
                raise self._transport_error(exc, subject)
            status = response.status_code
            if status == 401 and auth and not self.api_key and not renewed:
                # A 401 means the server did not act, so even a write is safe to send again after a new login.
                renewed = True
                self._renew(token)
                continue
            if method == 'GET' and status in TRANSIENT_STATUS and attempt < READ_ATTEMPTS:
                self._backoff(attempt)
                continue
            if status >= 400:
                raise self._http_error(method, path, response, subject)
            return self._unwrap(response, subject)

    @staticmethod
    def _backoff(attempt):
        time.sleep(BACKOFF_SECONDS * (2 ** (attempt - 1)) * (0.5 + random.random()))

    def _unwrap(self, response, subject):
        if not response.content:
            return None
        try:
            payload = response.json()
        except ValueError:
            raise self.error(ApiError, 'unexpected answer (not JSON, HTTP {0}): {1}'.format(
                response.status_code, _plain(response.text)), subject)
        if isinstance(payload, dict) and 'data' in payload:
            return payload['data']
        return payload

    def _transport_error(self, exc, subject):
        if isinstance(exc, requests.exceptions.SSLError):
            return self.error(TLSError, 'TLS verification failed for {0}: {1}'.format(self.url, transport_reason(exc)),
                              subject)
        if isinstance(exc, requests.exceptions.Timeout):
            return self.error(TimeoutError_, 'no answer from {0} within {1:g}s'.format(self.url, self.timeout), subject)
        return self.error(UnreachableError, 'cannot reach {0}: {1}'.format(self.url, transport_reason(exc)), subject)

    def _http_error(self, method, path, response, subject):
        """An HTTP error answer as a typed error, keeping the server's own wording."""
        status = response.status_code
        try:
            detail = response.json().get('detail')
        except (ValueError, AttributeError):
            detail = None
        if detail is None:
            detail = _plain(response.text) or response.reason or ''
        text = validation_text(detail) if isinstance(detail, list) else str(detail)
        if status == 401:
            reason = AUTH_REASONS.get(text, text)
            if self.api_key:
                return self.error(AuthError, 'authentication with the API key failed: {0}'.format(reason), subject)
            return self.error(AuthError, "authentication failed for user '{0}': {1}".format(self.username, reason), subject)
        if status == 403:
            return self.error(AuthError, 'permission denied: {0}'.format(text), subject)
        if status == 423:
            return self.error(AuthError, "account '{0}' is locked after repeated failed logins: {1}".format(
                self.username, text), subject)
        if status == 404:
            return self.error(NotFoundError, text, subject)
        if status == 409:
            return self.error(ConflictError, text, subject)
        if status == 422:
            return self.error(InvalidInputError, 'the server refused the values: {0}'.format(text), subject)
        if status == 400:
            return self.error(InvalidInputError, 'the server refused the request: {0}'.format(text), subject)
        if status >= 500:
            return self.error(ApiError, 'server error {0} on {1} {2}: {3}'.format(status, method, path, text), subject,
                              details={'status': status})
        return self.error(ApiError, 'HTTP {0} on {1} {2}: {3}'.format(status, method, path, text), subject,
                          details={'status': status})

    def _api(self, method, path, subject=None, params=None, body=None):
        return self._send(method, API_PREFIX + path, subject, params=params, body=body)

    # --------------------------------------------------------------- server
    def health(self):
        """GET /health (no auth): {'status': 'healthy', ...}."""
        return self._send('GET', '/health', 'health check', auth=False)

    # --------------------------------------------------------------- nodes
    def list_nodes(self, state=None, group_id=None, tag=None):
        """Every node (retired ones included), filtered by the server on state, group and tag."""
        params = dict((key, value) for key, value in (('state', state), ('group_id', group_id), ('tag', tag))
                      if value is not None)
        return self._api('GET', '/nodes', 'nodes', params=params or None) or []

    def get_node(self, node_id):
        """One node by id; NotFoundError when there is none."""
        return self._api('GET', '/nodes/{0}'.format(quote(str(node_id), safe='')), node_subject(node_id=node_id))

    def find_node(self, mac=None, system_uuid=None):
        """The node with this MAC (any notation), else with this SMBIOS UUID, or None (see match_node)."""
        if mac is not None and isinstance(mac, str) and normalize_mac(mac) is None:
            raise self.error(InvalidInputError, "'{0}' is not a MAC address".format(mac), 'node')
        if mac is None and system_uuid is None:
            raise self.error(InvalidInputError, 'find_node needs a MAC or an SMBIOS UUID', 'node')
        return match_node(self.list_nodes(), mac=mac, system_uuid=system_uuid)

    def create_node(self, **fields):
        """POST /nodes with the given fields (None ones left out); ConflictError when the MAC is registered."""
        self._known(fields, NODE_CREATE_FIELDS, 'registered', node_subject(mac=fields.get('mac_address')))
        body = dict((key, value) for key, value in fields.items() if value is not None)
        return self._api('POST', '/nodes', node_subject(mac=fields.get('mac_address')), body=body)

    def update_node(self, node_id, **fields):
        """PATCH only the given fields (None clears one); fields PATCH would silently ignore are refused here."""
        subject = node_subject(node_id=node_id)
        self._known(fields, NODE_PATCH_FIELDS, 'changed', subject)
        return self._api('PATCH', '/nodes/{0}'.format(quote(str(node_id), safe='')), subject, body=fields)

    def set_node_state(self, node_id, state, comment=None, force=False):
        """PATCH /nodes/{id}/state; a transition the state machine forbids is an InvalidInputError (400)."""
        body = {'state': state, 'force': bool(force)}
        if comment is not None:
            body['comment'] = comment
        return self._api('PATCH', '/nodes/{0}/state'.format(quote(str(node_id), safe='')),
                         node_subject(node_id=node_id), body=body)

    def add_node_tag(self, node_id, tag):
        """POST /nodes/{id}/tags; ConflictError when the node has it already."""
        return self._api('POST', '/nodes/{0}/tags'.format(quote(str(node_id), safe='')), node_subject(node_id=node_id),
                         body={'tag': tag})

    def remove_node_tag(self, node_id, tag):
        """DELETE /nodes/{id}/tags/{tag}; NotFoundError when the node does not have it."""
        return self._api('DELETE', '/nodes/{0}/tags/{1}'.format(quote(str(node_id), safe=''), quote(str(tag), safe='')),
                         node_subject(node_id=node_id))

    # There is deliberately no delete_node: the server's DELETE /nodes/{id} always answers 500. Retire instead.

    # --------------------------------------------------------------- hypervisor registry
    def list_hypervisors(self):
        """Every entry of the registry (never with a password)."""
        return self._api('GET', '/hypervisors', 'hypervisor registry') or []

    def find_hypervisor(self, name):
        """The registry entry named exactly name, or None."""
        for record in self.list_hypervisors():
            if record.get('name') == name:
                return record
        return None

    def create_hypervisor(self, **fields):
        """POST /hypervisors; ConflictError when the name is taken."""
        subject = registry_subject(fields.get('name'))
        self._known(fields, HYPERVISOR_CREATE_FIELDS, 'registered', subject)
        body = dict((key, value) for key, value in fields.items() if value is not None)
        return self._api('POST', '/hypervisors', subject, body=body)

    def update_hypervisor(self, hypervisor_id, **fields):
        """PATCH only the given fields (the type cannot change)."""
        subject = registry_subject(fields.get('name'), hypervisor_id)
        self._known(fields, HYPERVISOR_PATCH_FIELDS, 'changed', subject)
        return self._api('PATCH', '/hypervisors/{0}'.format(quote(str(hypervisor_id), safe='')), subject, body=fields)

    def delete_hypervisor(self, hypervisor_id):
        """DELETE /hypervisors/{id}."""
        return self._api('DELETE', '/hypervisors/{0}'.format(quote(str(hypervisor_id), safe='')),
                         registry_subject(None, hypervisor_id))

    # --------------------------------------------------------------- groups
    def list_groups(self):
        """Every device group."""
        return self._api('GET', '/groups', 'groups') or []

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
            raise self.error(InvalidInputError, '{0} cannot be {1} through the API (it takes {2})'.format(
                ', '.join(unknown), verb, ', '.join(allowed)), subject)


def registry_subject(name=None, hypervisor_id=None):
    """How messages name an entry of PureBoot's hypervisor registry."""
    if name:
        return "registry entry '{0}'".format(name)
    return 'registry entry {0}'.format(hypervisor_id)


__all__ = ['PureBootClient', 'HAS_REQUESTS', 'pureboot_argument_spec', 'pureboot_suboptions', 'pureboot_with_env_fallbacks',
           'pureboot_requested', 'match_node', 'valid_tag', 'validation_text', 'node_subject', 'registry_subject',
           'NODE_STATES', 'NODE_ARCHES', 'NODE_BOOT_MODES', 'NODE_PATCH_FIELDS']
