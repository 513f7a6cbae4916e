"""A contract double of the PureBoot server, for tests only.

It reproduces the REST contract in docs/pureboot-server.md, quirks included: Bearer-only auth with API keys
and 15-minute JWTs (failed logins never lock the account), the success envelopes, FastAPI/pydantic-shaped
422 errors (the validators' `value_error`s, and the whole body, password included, echoed for a bad
hypervisor type), 500s in text/plain, the web UI's catch-all that answers 200 to any unknown GET (so a
wrong URL looks like a working server), the 409 on a duplicate MAC, PATCH silently ignoring the fields it
does not know, the node state machine, the DELETE that always answers 500, the endpoints that need no
login (boot, report, ipxe, auth/refresh) through which anyone can register a node and set its details, and
the hypervisor registry that keeps passwords base64-encoded, and the install flow: workflow files read from a
workflows directory by file name, /boot's answer per node state, the installer's events on /report. State lives
in memory behind one lock; every
request is recorded (with passwords masked) so tests can count and inspect calls. Faults (fail, slow,
expire_tokens) are injected from the test.
"""

import base64
import copy
import hashlib
import hmac
import http
import http.cookies
import json
import math
import os
import re
import secrets
import socket
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from ansible_collections.pureboot.hypervisors.tests.simulators.tls import BackgroundServer, QuietServer, TLSHandler

API = '/api/v1'
MAC_PATTERN = r'^([0-9A-Fa-f]{2}[:-]){5}([0-9A-Fa-f]{2})$'
TAG_PATTERN = r'^[a-zA-Z0-9_-]+$'
MASK = '***'
MAX_INSTALL_ATTEMPTS = 3

STATES = (
    'discovered',
    'pending',
    'installing',
    'install_failed',
    'installed',
    'active',
    'reprovision',
    'deprovisioning',
    'migrating',
    'serving_source',
    'cloning_target',
    'retired',
)

# Allowed moves; "retired" is reachable from every state but itself (added in can_transition).
TRANSITIONS = {
    'discovered': ('pending', 'cloning_target'),
    'pending': ('installing',),
    'installing': ('installed', 'install_failed'),
    'install_failed': ('pending',),
    'installed': ('active', 'reprovision'),
    'active': ('reprovision', 'deprovisioning', 'migrating', 'serving_source', 'cloning_target'),
    'reprovision': ('pending',),
    'deprovisioning': ('retired',),
    'migrating': ('active',),
    'serving_source': ('active',),
    'cloning_target': ('installed',),
    'retired': (),
}

NODE_FIELDS = (
    'id',
    'mac_address',
    'hostname',
    'ip_address',
    'state',
    'workflow_id',
    'vendor',
    'model',
    'serial_number',
    'system_uuid',
    'arch',
    'boot_mode',
    'pi_model',
    'group_id',
    'tags',
    'install_attempts',
    'last_install_error',
    'state_changed_at',
    'created_at',
    'updated_at',
    'last_seen_at',
    'health_status',
    'health_score',
)
HYPERVISOR_FIELDS = (
    'id',
    'name',
    'type',
    'api_url',
    'username',
    'verify_ssl',
    'status',
    'last_error',
    'last_sync_at',
    'vm_count',
    'host_count',
    'created_at',
    'updated_at',
)
GROUP_FIELDS = (
    'id',
    'name',
    'description',
    'parent_id',
    'path',
    'depth',
    'default_workflow_id',
    'auto_provision',
    'effective_workflow_id',
    'effective_auto_provision',
    'node_count',
    'children_count',
    'created_at',
    'updated_at',
)

# Paths the real server's auth middleware lets through without a token (everything else needs one, the web
# UI's paths included). The boot endpoints must be public: an iPXE client booting a machine has no
# credentials, and neither has a booted node reporting itself. So anyone on the provisioning network can
# register a node, set its IP, hostname, vendor, model, serial and SMBIOS UUID.
PUBLIC_PATHS = (
    '/',
    '/health',
    '/api/docs',
    '/api/redoc',
    '/api/openapi.json',
    API + '/auth/login',
    API + '/auth/refresh',
    API + '/boot',
    API + '/ipxe',
    API + '/report',
)
PUBLIC_PREFIXES = ('/assets', API + '/boot/', API + '/ipxe/')
PUBLIC_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.gif', '.svg', '.ico', '.css', '.js', '.woff', '.woff2', '.ttf', '.eot')

# What the web UI's catch-all route answers for any GET no API route takes, with a 200: under /api/ a
# JSON error, elsewhere (a wrong URL prefix) the UI, or this when the UI is not built.
UNKNOWN_API_PATH = {'error': 'Not found'}
FRONTEND_NOT_BUILT = {'error': "Frontend not built. Run 'npm run build' in frontend directory."}
SERVER_ERROR = 'Internal Server Error'
REFRESH_COOKIE = 'refresh_token'
REFRESH_TTL = 7 * 24 * 3600

# Placeholder answers of the real server's hypervisor stubs (it never talks to a hypervisor).
STUB_TEST = {
    'ovirt': {'success': True, 'message': 'Connection successful (stub)', 'version': '4.5.0', 'vm_count': 12, 'host_count': 3},
    'proxmox': {'success': True, 'message': 'Connection successful (stub)', 'version': '8.1.3', 'vm_count': 8, 'host_count': 2},
}
STUB_VMS = [
    {
        'id': 'vm-001',
        'name': 'web-server-01',
        'status': 'up',
        'cpu_cores': 4,
        'memory_mb': 8192,
        'os_type': 'rhel_8x64',
        'ip_addresses': ['192.168.1.10'],
        'host': 'hypervisor-01',
    },
    {
        'id': 'vm-002',
        'name': 'db-server-01',
        'status': 'up',
        'cpu_cores': 8,
        'memory_mb': 32768,
        'os_type': 'rhel_9x64',
        'ip_addresses': ['192.168.1.20'],
        'host': 'hypervisor-02',
    },
]
STUB_TEMPLATES = [
    {'id': 'tpl-001', 'name': 'rhel-9-template', 'os_type': 'rhel_9x64', 'cpu_cores': 2, 'memory_mb': 4096},
    {'id': 'tpl-002', 'name': 'ubuntu-2204-template', 'os_type': 'ubuntu_22_04', 'cpu_cores': 2, 'memory_mb': 2048},
]

# ---- the install flow (docs/pureboot-server.md, "The install flow"; in this repository's docs/provisioning.md)

# What /boot answers a known node per state (section "Endpoints that need no login"): these boot from the local disk;
# pending gets its workflow's install script; installing is the quirk below (install_timeout).
LOCAL_BOOT_STATES = ('discovered', 'installing', 'installed', 'active', 'retired')
# Install methods a workflow file may name (section "The install flow", "Facts a client needs").
INSTALL_METHODS = ('kernel', 'chain', 'sanboot', 'image', 'clone')
# Workflow files are looked up by file name, with one of these extensions, in the workflows directory.
WORKFLOW_EXTENSIONS = ('.yaml', '.yml', '.json')
# The variables filled into a workflow's cmdline and boot_url (same section), as ${name}.
WORKFLOW_VARIABLES = ('server', 'node_id', 'mac', 'ip')
# The real server's default install timeout in minutes; any value but 0 makes /boot of an installing node crash
# (its SQLite naive/aware datetime comparison; section "The install flow", "Facts a client needs").
DEFAULT_INSTALL_TIMEOUT = 60
# What an installer reports on POST /report (section "The install flow", step 4): the state each event moves a
# node from, and to. install_failed is handled on its own (the 3-attempt rule); the events without an entry only log.
EVENT_TRANSITIONS = {'install_started': ('pending', 'installing'), 'install_complete': ('installing', 'installed'), 'first_boot': ('installed', 'active')}
EVENT_MESSAGES = {'install_started': 'Installation started', 'install_complete': 'Installation completed', 'first_boot': 'First boot - node now active'}
# The events that only log (boot_started, install_progress, heartbeat, ...), and any event in the wrong state, are
# answered 200 with this message and change nothing.
EVENT_LOGGED = 'Event logged'

_MISSING = object()
_TRUE_WORDS = frozenset(('1', 'on', 't', 'true', 'y', 'yes'))
_FALSE_WORDS = frozenset(('0', 'off', 'f', 'false', 'n', 'no'))


def utc_now():
    """The current time as the server writes it: ISO 8601, UTC, with a Z."""
    return datetime.now(UTC).isoformat().replace('+00:00', 'Z')


def normalize_mac(mac):
    """Lowercase, colon-separated: the only form the server stores."""
    return mac.replace('-', ':').lower()


def can_transition(from_state, to_state):
    """Whether the state machine allows from_state -> to_state without force."""
    if to_state == 'retired':
        return from_state != 'retired'
    return to_state in TRANSITIONS.get(from_state, ())


def valid_transitions(from_state):
    """The states reachable in one step, in the order the server lists them."""
    valid = list(TRANSITIONS.get(from_state, ()))
    if from_state != 'retired' and 'retired' not in valid:
        valid.append('retired')
    return valid


def mask_passwords(value):
    """A copy of a decoded JSON value with every "password" value replaced, for the request log."""
    if isinstance(value, dict):
        return {key: MASK if key == 'password' else mask_passwords(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_passwords(item) for item in value]
    return value


# ---------------------------------------------------------------- errors and validation


class ApiError(Exception):
    """An HTTP error answered as {"detail": ...}."""

    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class ValidationFailed(Exception):
    """A 422 with the list of pydantic-style errors."""

    def __init__(self, errors):
        super().__init__('validation failed')
        self.errors = errors


class Field:
    """One field of a request model, with the checks pydantic would make.

    check is the model's own field validator: a function of the (type-checked) value that returns the text of
    its ValueError, or None when the value is good. pydantic reports such an error as a `value_error`.
    """

    def __init__(self, kind='str', required=False, default=_MISSING, nullable=False, min_length=None, max_length=None, check=None):
        self.kind = kind
        self.required = required
        self.default = default
        self.nullable = nullable
        self.min_length = min_length
        self.max_length = max_length
        self.check = check


def _error(kind, loc, msg, value, ctx=None):
    # FastAPI leaves out "url" and only includes "ctx" when pydantic has one.
    err = {'type': kind, 'loc': list(loc), 'msg': msg, 'input': value}
    if ctx is not None:
        err['ctx'] = ctx
    return err


def _value_error(loc, text, value):
    # A ValueError raised by a validator: FastAPI's JSON encoder turns the exception in ctx into {}.
    return _error('value_error', loc, 'Value error, ' + text, value, {'error': {}})


def _set_text(values):
    # How the server's validators print their set of valid values (a Python set literal, in this order).
    return '{' + ', '.join("'{0}'".format(value) for value in values) + '}'


def _mac_problem(value):
    if not re.match(MAC_PATTERN, value):
        return 'Invalid MAC address format: {0}'.format(value)
    return None


def _one_of(label, valid, shown):
    def problem(value):
        if value not in valid:
            return 'Invalid {0}: {1}. Must be one of {2}'.format(label, value, shown)
        return None

    return problem


def _tag_problem(value):
    if not value or len(value) > 50:
        return 'Tag must be 1-50 characters'
    if not re.match(TAG_PATTERN, value):
        return 'Tag can only contain letters, numbers, hyphens, underscores'
    return None


def _group_name_problem(value):
    if not value or len(value) > 100:
        return 'Name must be 1-100 characters'
    return None


def _plural(count):
    return 'character' if count == 1 else 'characters'


def _check_str(field, value, loc):
    if not isinstance(value, str):
        return [_error('string_type', loc, 'Input should be a valid string', value)]
    if field.min_length is not None and len(value) < field.min_length:
        return [
            _error(
                'string_too_short',
                loc,
                'String should have at least {0} {1}'.format(field.min_length, _plural(field.min_length)),
                value,
                {'min_length': field.min_length},
            )
        ]
    if field.max_length is not None and len(value) > field.max_length:
        return [
            _error(
                'string_too_long',
                loc,
                'String should have at most {0} {1}'.format(field.max_length, _plural(field.max_length)),
                value,
                {'max_length': field.max_length},
            )
        ]
    return []


def _coerce_bool(value, loc):
    # pydantic's lax mode: real booleans, 0/1 and the usual words.
    if isinstance(value, bool):
        return value, []
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value), []
    if isinstance(value, str) and value.lower() in _TRUE_WORDS | _FALSE_WORDS:
        return value.lower() in _TRUE_WORDS, []
    if isinstance(value, (str, int, float)):
        return None, [_error('bool_parsing', loc, 'Input should be a valid boolean, unable to interpret input', value)]
    return None, [_error('bool_type', loc, 'Input should be a valid boolean', value)]


def check_value(field, value, loc):
    """Validate one value; returns (clean value, errors)."""
    if value is None and field.nullable:
        return None, []
    if field.kind == 'bool':
        return _coerce_bool(value, loc)
    if field.kind == 'str_list':
        if not isinstance(value, list):
            return None, [_error('list_type', loc, 'Input should be a valid list', value)]
        errors = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                errors.append(_error('string_type', tuple(loc) + (index,), 'Input should be a valid string', item))
        return list(value), errors
    errors = _check_str(field, value, loc)
    if not errors and field.check is not None:
        problem = field.check(value)
        if problem:
            errors = [_value_error(loc, problem, value)]
    return value, errors


def validate(body, fields, where='body'):
    """Check a decoded JSON body against a model; returns the fields that were sent (plus defaults).

    Unknown fields are ignored, as by a pydantic model without extra='forbid'.
    """
    if body is _MISSING:
        raise ValidationFailed([_error('missing', (where,), 'Field required', None)])
    if not isinstance(body, dict):
        raise ValidationFailed([_error('model_attributes_type', (where,), 'Input should be a valid dictionary or object to extract fields from', body)])
    clean = {}
    errors = []
    for name, field in fields.items():
        if name not in body:
            if field.required:
                errors.append(_error('missing', (where, name), 'Field required', body))
            elif field.default is not _MISSING:
                clean[name] = copy.deepcopy(field.default)
            continue
        value, problems = check_value(field, body[name], (where, name))
        errors.extend(problems)
        clean[name] = value
    if errors:
        raise ValidationFailed(errors)
    return clean


def _opt_str(**kwargs):
    return Field('str', nullable=True, **kwargs)


ARCHES = ('x86_64', 'arm64', 'aarch64')
BOOT_MODES = ('bios', 'uefi', 'pi')
HYPERVISOR_TYPES = ('ovirt', 'proxmox')
_state_problem = _one_of('state', STATES, repr(list(STATES)))

TAG_FIELD = Field('str', required=True, check=_tag_problem)
NODE_CREATE = {
    'mac_address': Field('str', required=True, check=_mac_problem),
    'hostname': _opt_str(default=None),
    'arch': Field('str', default='x86_64', check=_one_of('architecture', ARCHES, _set_text(ARCHES))),
    'boot_mode': Field('str', default='bios', check=_one_of('boot mode', BOOT_MODES, _set_text(BOOT_MODES))),
    'group_id': _opt_str(default=None),
    'vendor': _opt_str(default=None),
    'model': _opt_str(default=None),
    'serial_number': _opt_str(default=None),
    'system_uuid': _opt_str(default=None),
    'pi_model': _opt_str(default=None),
}
NODE_UPDATE = {name: _opt_str() for name in ('hostname', 'workflow_id', 'group_id', 'vendor', 'model', 'serial_number', 'system_uuid', 'pi_model')}
# What a booted node reports about itself (POST /report, no login): it creates or updates the node by MAC.
NODE_REPORT_FIELDS = ('ip_address', 'hostname', 'vendor', 'model', 'serial_number', 'system_uuid')
# An installer adds the event it reports (the install flow's events, below) and, with install_failed, a message.
NODE_REPORT = dict(
    [('mac_address', Field('str', required=True, check=_mac_problem))] + [(name, _opt_str(default=None)) for name in NODE_REPORT_FIELDS + ('event', 'message')]
)
STATE_CHANGE = {'state': Field('str', required=True, check=_state_problem), 'comment': _opt_str(default=None), 'force': Field('bool', default=False)}
TAG_CREATE = {'tag': TAG_FIELD}
BULK_TAG = {'node_ids': Field('str_list', required=True), 'tag': TAG_FIELD}
BULK_GROUP = {'node_ids': Field('str_list', required=True), 'group_id': _opt_str(default=None)}
BULK_STATE = {'node_ids': Field('str_list', required=True), 'new_state': Field('str', required=True, check=_state_problem)}
LOGIN = {'username': Field('str', required=True), 'password': Field('str', required=True)}
# The type is checked after the fields, by the model as a whole (model_post_init): see _create_hypervisor.
HYPERVISOR_CREATE = {
    'name': Field('str', required=True, min_length=2, max_length=100),
    'type': Field('str', required=True),
    'api_url': Field('str', required=True),
    'username': _opt_str(default=None),
    'password': _opt_str(default=None),
    'verify_ssl': Field('bool', default=True),
}
HYPERVISOR_UPDATE = {
    'name': _opt_str(min_length=2, max_length=100),
    'api_url': _opt_str(),
    'username': _opt_str(),
    'password': _opt_str(),
    'verify_ssl': Field('bool', nullable=True),
}
GROUP_CREATE = {
    'name': Field('str', required=True, check=_group_name_problem),
    'description': _opt_str(default=None),
    'parent_id': _opt_str(default=None),
    'default_workflow_id': _opt_str(default=None),
    # None: inherit from the parent group (effective_auto_provision says what applies).
    'auto_provision': Field('bool', default=None, nullable=True),
}


# ---------------------------------------------------------------- HTTP plumbing


class Request:
    """What a route handler sees of one request."""

    def __init__(self, method, path, query, body, json_error, client_ip, headers=None):
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.json_error = json_error
        self.client_ip = client_ip
        self.headers = headers if headers is not None else {}
        self.params = {}
        # Extra (name, value) headers of the answer, e.g. the refresh token's Set-Cookie.
        self.response_headers = []

    def cookie(self, name):
        """The value of a cookie the client sent, or None."""
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(self.headers.get('Cookie') or '')
        except http.cookies.CookieError:
            return None
        return cookies[name].value if name in cookies else None

    def param(self, name):
        """The last value of a query parameter, or None when absent or empty."""
        value = self.query.get(name)
        if isinstance(value, list):
            value = value[-1]
        return value or None


def _is_public(path):
    """Whether the auth middleware lets path through without a token."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or path.endswith(PUBLIC_EXTENSIONS)


def _json_response(status, payload):
    return status, 'application/json', json.dumps(payload).encode('utf-8')


def _server_error(text=SERVER_ERROR):
    # Starlette's answer to an unhandled exception: plain text, not JSON.
    return 500, 'text/plain; charset=utf-8', text.encode('utf-8')


def _one(data, message=None):
    return {'success': True, 'data': data, 'message': message}


def _many(items):
    return {'success': True, 'data': items, 'total': len(items)}


class _Server(QuietServer):
    """A QuietServer that remembers open connections so closing it also closes idle keep-alives."""

    def __init__(self, address, handler, double):
        self.double = double
        self.connections = set()
        self.connections_lock = threading.Lock()
        QuietServer.__init__(self, address, handler)

    def server_close(self):
        QuietServer.server_close(self)
        with self.connections_lock:
            open_connections = list(self.connections)
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(TLSHandler):
    """Reads the request, hands it to the double, writes its answer; nothing else."""

    server_version = 'uvicorn'
    timeout = 60

    def setup(self):
        TLSHandler.setup(self)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self):
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        try:
            TLSHandler.finish(self)
        except OSError:
            pass

    def _serve(self):
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            length = 0
        raw = self.rfile.read(length) if length > 0 else b''
        status, content_type, payload, extra_headers = self.server.double.handle(self.command, self.path, self.headers, raw, self.client_address[0])
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        for name, value in extra_headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format, *args):
        if self.server.double.verbose:
            TLSHandler.log_message(self, format, *args)


# ---------------------------------------------------------------- the double


class PureBootDouble(BackgroundServer):
    """An in-memory PureBoot server on 127.0.0.1, over HTTPS by default.

    Attributes after start(): url (https://127.0.0.1:PORT; the API is under /api/v1), api_url, cafile
    (the self-signed certificate, its own CA), api_key, username, password.

    Failed logins never lock an account, as on the current server (its failure counter is rolled back with
    the failed request). max_failed_logins=N turns the lock-out its code intends on (423 from the next
    attempt after N failures, for lockout_seconds), so a client's handling of a 423 can be tested.

    The install flow's settings, as the real server's configuration has them: workflows_dir, the directory of
    workflow files (None: no workflow exists); advertise_host and advertise_port, the address its iPXE scripts
    give for itself (PUREBOOT_HOST and PORT; default: where it listens), always over plain http; install_timeout
    in minutes (any value but 0 makes /boot of an installing node answer 500, as on the real server).
    """

    def __init__(
        self,
        host='127.0.0.1',
        port=0,
        username='admin',
        password='pureboot-admin',
        api_key=None,
        tls=True,
        token_ttl=900,
        lockout_seconds=900,
        max_failed_logins=None,
        verbose=False,
        workflows_dir=None,
        advertise_host=None,
        advertise_port=None,
        install_timeout=DEFAULT_INSTALL_TIMEOUT,
    ):
        super().__init__('pureboot', host, port, tls=tls)
        self.workflows_dir = workflows_dir
        self.advertise_host = advertise_host
        self.advertise_port = advertise_port
        self.install_timeout = install_timeout
        self._events = []  # what installers reported: {'mac', 'event', 'from_state', 'to_state', 'message'}
        self.username = username
        self.password = password
        self.token_ttl = token_ttl
        self.lockout_seconds = lockout_seconds
        self.max_failed_logins = max_failed_logins
        self.verbose = verbose
        self._lock = threading.RLock()
        self._jwt_secret = secrets.token_bytes(32)
        self._tokens = {}  # jti -> expiry (epoch seconds)
        self._refresh_tokens = {}  # refresh token (the login's cookie) -> (username, expiry)
        self._users = {}  # username -> {'id', 'password', 'failures', 'locked_until'}
        self._api_keys = {}  # prefix -> {'secret', 'active'}
        self._nodes = {}  # id -> node dict (insertion order is the listing order)
        self._hypervisors = {}  # id -> hypervisor dict, with 'password_encrypted'
        self._groups = {}  # id -> group dict
        self._faults = []
        self._latency = 0.0
        self._log = deque()
        self.add_user(username, password)
        self.api_key = self.add_api_key(api_key)
        self._routes = self._build_routes()

    # ---- lifecycle

    @property
    def url(self):
        """Base URL of the server (no /api/v1)."""
        scheme = 'https' if self.tls else 'http'
        return '{0}://{1}:{2}'.format(scheme, self.host, self.port)

    @property
    def api_url(self):
        """Base URL of the REST API."""
        return self.url + API

    @property
    def server_url(self):
        """The server's address as its iPXE scripts give it (and ${server} in a workflow): http://HOST:PORT with
        the configured PUREBOOT_HOST and PORT (advertise_host, advertise_port), plain http whatever it listens on
        (docs/pureboot-server.md, "The install flow": the scripts advertise the server as configured)."""
        return 'http://{0}:{1}'.format(self.advertise_host or self.host, self.advertise_port or self.port)

    def make_server(self, address):
        # Stopping closes the connections it remembers too (_Server.server_close).
        return _Server(address, _Handler, self)

    # ---- seeding and inspection

    def add_user(self, username, password):
        """Add (or reset) a local user who can log in."""
        with self._lock:
            self._users[username] = {'id': str(uuid.uuid4()), 'password': password, 'failures': 0, 'locked_until': 0.0}

    def add_api_key(self, key=None):
        """Register an API key (a new pb_live_<8 hex>_<48 hex> one when key is None); returns it."""
        if key is None:
            key = 'pb_live_{0}_{1}'.format(secrets.token_hex(4), secrets.token_hex(24))
        parts = key.split('_')
        if len(parts) != 4 or parts[0] != 'pb':
            raise ValueError('an API key looks like pb_live_<8 hex>_<48 hex>')
        with self._lock:
            self._api_keys['_'.join(parts[:3])] = {'secret': parts[3], 'active': True}
        return key

    def disable_api_key(self, key=None, active=False):
        """Disable an API key (default: the one created at start); active=True enables it again."""
        prefix = '_'.join((key or self.api_key).split('_')[:3])
        with self._lock:
            self._api_keys[prefix]['active'] = active

    def expire_tokens(self):
        """Make every JWT issued so far expire now (API keys keep working)."""
        with self._lock:
            for jti in self._tokens:
                self._tokens[jti] = 0.0

    def unlock(self, username):
        """Lift a login lockout before its time."""
        with self._lock:
            user = self._users[username]
            user['failures'] = 0
            user['locked_until'] = 0.0

    def add_node(self, mac, **fields):
        """Seed a node (e.g. one registered by an iPXE boot); returns a copy of it."""
        with self._lock:
            mac = normalize_mac(mac)
            if self._node_by_mac(mac):
                raise ValueError('node with MAC {0} already exists'.format(mac))
            unknown = set(fields) - set(NODE_FIELDS)
            if unknown:
                raise ValueError('unknown node fields: {0}'.format(sorted(unknown)))
            node = self._new_node(mac)
            node.update(copy.deepcopy(fields))
            self._nodes[node['id']] = node
            return copy.deepcopy(node)

    def update_node(self, node_id, **fields):
        """Change node fields behind the API's back (e.g. an IP reported by the node); returns a copy."""
        with self._lock:
            node = self._find_node(node_id)
            node.update(copy.deepcopy(fields))
            node['updated_at'] = utc_now()
            return copy.deepcopy(node)

    def advance(self, node_id, to_state):
        """Walk a node through allowed transitions to to_state, as a real install would; returns the copy.

        Each step follows the state machine (pending -> installing -> installed -> active, ...); raises
        ValueError when to_state cannot be reached from the node's state.
        """
        with self._lock:
            node = self._find_node(node_id)
            path = self._path_between(node['state'], to_state)
            if path is None:
                raise ValueError('no transition path from {0} to {1}'.format(node['state'], to_state))
            try:
                for state in path:
                    self._transition(node, state)
            except ApiError as exc:
                raise ValueError(exc.detail) from exc
            return copy.deepcopy(node)

    def add_group(self, name, **fields):
        """Seed a device group; returns a copy of it."""
        with self._lock:
            group = self._new_group(name, fields.pop('parent_id', None))
            group.update(fields)
            self._groups[group['id']] = group
            return self._group_view(group)

    def add_hypervisor(self, name, type='proxmox', api_url='https://pve.example.com:8006', **fields):
        """Seed a registry entry; returns its public view."""
        with self._lock:
            record = self._new_hypervisor(name, type, api_url, fields.pop('username', None), fields.pop('password', None), fields.pop('verify_ssl', True))
            record.update(fields)
            self._hypervisors[record['id']] = record
            return self._hypervisor_view(record)

    @property
    def nodes(self):
        """Copies of all nodes, in registration order."""
        with self._lock:
            return [copy.deepcopy(node) for node in self._nodes.values()]

    def node_by_mac(self, mac):
        """A copy of the node with this MAC (any notation), or None."""
        with self._lock:
            node = self._node_by_mac(normalize_mac(mac))
            return copy.deepcopy(node) if node else None

    @property
    def events(self):
        """What installers reported on POST /report with an event, in order: {'mac', 'event', 'from_state',
        'to_state', 'message'} (to_state == from_state when the event changed nothing)."""
        with self._lock:
            return [dict(event) for event in self._events]

    def write_workflow(self, workflow_id, **fields):
        """Write a workflow file <workflows_dir>/<workflow_id>.yaml with these fields (kernel_path, initrd_path,
        cmdline, install_method, boot_url, ...), as an administrator puts one on the server; returns its path."""
        if not self.workflows_dir:
            raise ValueError('this double has no workflows_dir')
        os.makedirs(self.workflows_dir, exist_ok=True)
        path = os.path.join(self.workflows_dir, workflow_id + '.yaml')
        with open(path, 'w') as handle:
            yaml.safe_dump(dict(fields, id=fields.get('id', workflow_id)), handle, sort_keys=False)
        return path

    @property
    def groups(self):
        """Copies of all groups."""
        with self._lock:
            return [self._group_view(group) for group in self._groups.values()]

    @property
    def hypervisors(self):
        """Copies of all registry entries as the API shows them (no password)."""
        with self._lock:
            return [self._hypervisor_view(record) for record in self._hypervisors.values()]

    def stored_password(self, name_or_id):
        """The base64 text the registry keeps for a hypervisor's password (None when none was sent)."""
        with self._lock:
            for record in self._hypervisors.values():
                if name_or_id in (record['id'], record['name']):
                    return record['password_encrypted']
        raise KeyError(name_or_id)

    # ---- faults

    def fail(self, method, path_suffix, status=500, detail=None, times=1, text=None):
        """Answer the next `times` requests whose path ends with path_suffix with an error.

        method '*' matches any method; times=None fails forever. The body is {"detail": detail}
        (default: the status phrase), or text/plain `text` when given (a proxy's error page). A 500 is
        text/plain "Internal Server Error" unless text is given, as the real server's crashes are.
        """
        with self._lock:
            self._faults.append(
                {
                    'method': method.upper(),
                    'suffix': path_suffix,
                    'status': status,
                    'detail': detail or http.HTTPStatus(status).phrase,
                    'times': times,
                    'text': text,
                }
            )

    def clear_faults(self):
        """Forget every pending fault and any latency."""
        with self._lock:
            self._faults = []
            self._latency = 0.0

    def slow(self, seconds):
        """Delay every request by this many seconds (0 to stop)."""
        with self._lock:
            self._latency = float(seconds)

    # ---- request log

    @property
    def requests(self):
        """Every request so far: {'method', 'path', 'query', 'body', 'status'}, passwords masked, and 'text' for a
        text/plain answer (an iPXE script, a 500's text)."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    def clear_requests(self):
        """Empty the request log."""
        with self._lock:
            self._log.clear()

    def writes(self):
        """The logged requests that are not GET or HEAD."""
        return [entry for entry in self.requests if entry['method'] not in ('GET', 'HEAD')]

    # ---------------------------------------------------------------- request handling

    def handle(self, method, target, headers, raw, client_ip):
        """Answer one HTTP request: returns (status, content type, body bytes, extra headers). Never raises."""
        split = urlsplit(target)
        path = unquote(split.path)
        query = {name: values[-1] if len(values) == 1 else values for name, values in parse_qs(split.query, keep_blank_values=True).items()}
        body, json_error = _MISSING, None
        if raw.strip():
            try:
                body = json.loads(raw.decode('utf-8'))
            except ValueError as exc:
                json_error = exc
        entry = {'method': method, 'path': path, 'query': query, 'body': None if body is _MISSING else mask_passwords(body), 'status': None}
        with self._lock:
            self._log.append(entry)
            latency = self._latency
        request = Request(method, path, query, body, json_error, client_ip, headers)
        try:
            if latency:
                time.sleep(latency)
            response = self._dispatch(request)
        except ApiError as exc:
            response = _server_error() if exc.status == 500 else _json_response(exc.status, {'detail': exc.detail})
        except ValidationFailed as exc:
            response = _json_response(422, {'detail': exc.errors})
        except Exception:
            # Whatever went wrong in the double, the client sees what the server shows: no traceback.
            response = _server_error()
        entry['status'] = response[0]
        if response[1].startswith('text/plain'):
            # What a booting machine was told (an iPXE script), or a crash's text: tests read it from the log.
            entry['text'] = response[2].decode('utf-8', 'replace')
        return response + (request.response_headers,)

    def _dispatch(self, request):
        fault = self._take_fault(request.method, request.path)
        if fault:
            if fault['text'] is not None:
                return fault['status'], 'text/plain; charset=utf-8', fault['text'].encode('utf-8')
            if fault['status'] == 500:
                return _server_error()
            return _json_response(fault['status'], {'detail': fault['detail']})
        if not _is_public(request.path):
            self._authenticate(request.headers.get('Authorization'))
        handler = self._route(request)
        with self._lock:
            result = handler(request)
        if len(result) == 3:
            return result
        return _json_response(*result)

    def _take_fault(self, method, path):
        with self._lock:
            for fault in self._faults:
                if fault['method'] in ('*', method) and path.endswith(fault['suffix']):
                    if fault['times'] is not None:
                        fault['times'] -= 1
                        if fault['times'] <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _route(self, request):
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match and (method == request.method or (method == 'GET' and request.method == 'HEAD')):
                request.params = match.groupdict()
                return handler
        # The web UI's catch-all is a GET route for every path, after the API's: it takes any GET no API
        # route took (with a 200), and makes any other method on an unknown path a 405. There is no 404.
        if request.method in ('GET', 'HEAD'):
            return self._catch_all
        raise ApiError(405, 'Method Not Allowed')

    def _catch_all(self, request):
        if request.path[1:].startswith('api/'):
            return 200, dict(UNKNOWN_API_PATH)
        return 200, dict(FRONTEND_NOT_BUILT)

    def _build_routes(self):
        table = [
            ('GET', '/health', self._health),
            ('POST', API + '/auth/login', self._login),
            ('POST', API + '/auth/refresh', self._refresh),
            ('GET', API + '/boot', self._boot),
            ('GET', API + '/ipxe/boot.ipxe', self._ipxe_chain),
            ('POST', API + '/report', self._report),
            ('GET', API + '/nodes', self._list_nodes),
            ('POST', API + '/nodes', self._create_node),
            ('POST', API + '/nodes/bulk/add-tag', self._bulk_add_tag),
            ('POST', API + '/nodes/bulk/remove-tag', self._bulk_remove_tag),
            ('POST', API + '/nodes/bulk/assign-group', self._bulk_assign_group),
            ('POST', API + '/nodes/bulk/change-state', self._bulk_change_state),
            ('GET', API + '/nodes/{node_id}', self._get_node),
            ('PATCH', API + '/nodes/{node_id}', self._update_node),
            ('DELETE', API + '/nodes/{node_id}', self._delete_node),
            ('PATCH', API + '/nodes/{node_id}/state', self._change_state),
            ('POST', API + '/nodes/{node_id}/installed', self._installed_callback),
            ('POST', API + '/nodes/{node_id}/tags', self._add_tag),
            ('DELETE', API + '/nodes/{node_id}/tags/{tag}', self._remove_tag),
            ('GET', API + '/hypervisors', self._list_hypervisors),
            ('POST', API + '/hypervisors', self._create_hypervisor),
            ('GET', API + '/hypervisors/{hv_id}', self._get_hypervisor),
            ('PATCH', API + '/hypervisors/{hv_id}', self._update_hypervisor),
            ('DELETE', API + '/hypervisors/{hv_id}', self._delete_hypervisor),
            ('POST', API + '/hypervisors/{hv_id}/test', self._test_hypervisor),
            ('GET', API + '/hypervisors/{hv_id}/vms', self._hypervisor_vms),
            ('GET', API + '/hypervisors/{hv_id}/templates', self._hypervisor_templates),
            ('GET', API + '/groups', self._list_groups),
            ('POST', API + '/groups', self._create_group),
            ('GET', API + '/groups/{group_id}', self._get_group),
            ('GET', API + '/workflows', self._broken),
        ]
        routes = []
        for method, template, handler in table:
            regex = re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', template)
            routes.append((method, re.compile('^' + regex + '$'), handler))
        return routes

    # ---- auth

    def _authenticate(self, header):
        if not header:
            raise ApiError(401, 'Not authenticated')
        if not header.startswith('Bearer '):
            raise ApiError(401, 'Invalid authentication scheme')
        token = header[len('Bearer ') :]
        if token.startswith('pb_'):
            self._check_api_key(token)
        elif not self._check_jwt(token):
            raise ApiError(401, 'Invalid or expired token')

    def _check_api_key(self, token):
        parts = token.split('_')
        if len(parts) != 4:
            raise ApiError(401, 'Invalid API key format')
        with self._lock:
            record = self._api_keys.get('_'.join(parts[:3]))
            if record is None:
                raise ApiError(401, 'API key not found')
            if not record['active']:
                raise ApiError(401, 'API key is disabled')
            if not hmac.compare_digest(record['secret'], parts[3]):
                raise ApiError(401, 'Invalid API key')

    def _issue_jwt(self, username):
        now = time.time()
        jti = uuid.uuid4().hex
        claims = {
            'sub': self._users[username]['id'],
            'username': username,
            'role': 'admin',
            'iat': int(now),
            'exp': math.ceil(now + self.token_ttl),
            'jti': jti,
        }
        self._tokens[jti] = now + self.token_ttl
        header = _b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}, separators=(',', ':')).encode())
        payload = _b64url(json.dumps(claims, separators=(',', ':')).encode())
        signing_input = '{0}.{1}'.format(header, payload).encode()
        signature = _b64url(hmac.new(self._jwt_secret, signing_input, hashlib.sha256).digest())
        return '{0}.{1}.{2}'.format(header, payload, signature)

    def _check_jwt(self, token):
        parts = token.split('.')
        if len(parts) != 3:
            return False
        signing_input = '{0}.{1}'.format(parts[0], parts[1]).encode()
        expected = _b64url(hmac.new(self._jwt_secret, signing_input, hashlib.sha256).digest())
        if not hmac.compare_digest(expected, parts[2]):
            return False
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + '=' * (-len(parts[1]) % 4)))
        except ValueError:
            return False
        with self._lock:
            return self._tokens.get(claims.get('jti'), 0.0) > time.time()

    def _login(self, request):
        data = self._body(request, LOGIN)
        user = self._users.get(data['username'])
        if user is None:
            raise ApiError(401, 'Invalid credentials')
        now = time.time()
        if user['locked_until'] > now:
            minutes = int(user['locked_until'] - now) // 60
            raise ApiError(423, 'Account locked. Try again in {0} minutes.'.format(minutes))
        if not hmac.compare_digest(user['password'].encode(), data['password'].encode()):
            # On the current server the counted failure is rolled back with the failed request: no lock-out.
            if self.max_failed_logins is not None:
                # The failure that reaches the limit is still a 401; the lock shows from the next attempt on.
                user['failures'] += 1
                if user['failures'] >= self.max_failed_logins:
                    user['locked_until'] = now + self.lockout_seconds
            raise ApiError(401, 'Invalid credentials')
        user['failures'] = 0
        user['locked_until'] = 0.0
        self._set_refresh_cookie(request, data['username'])
        return 200, self._token_answer(data['username'], 'Login successful')

    def _token_answer(self, username, message):
        token = self._issue_jwt(username)
        return {'success': True, 'message': message, 'data': {'access_token': token, 'token_type': 'bearer', 'expires_in': int(self.token_ttl)}}

    def _set_refresh_cookie(self, request, username):
        refresh_token = secrets.token_urlsafe(32)
        self._refresh_tokens[refresh_token] = (username, time.time() + REFRESH_TTL)
        request.response_headers.append(
            ('Set-Cookie', '{0}={1}; HttpOnly; Max-Age={2}; Path=/; SameSite=lax'.format(REFRESH_COOKIE, refresh_token, REFRESH_TTL))
        )

    def _refresh(self, request):
        # Public: the refresh token travels in the login's httpOnly cookie, not as a Bearer token.
        refresh_token = request.cookie(REFRESH_COOKIE)
        if not refresh_token:
            raise ApiError(401, 'No refresh token')
        username, expiry = self._refresh_tokens.pop(refresh_token, (None, 0.0))
        if username is None:
            raise ApiError(401, 'Invalid refresh token')
        if expiry < time.time():
            raise ApiError(401, 'Refresh token expired')
        self._set_refresh_cookie(request, username)
        return 200, self._token_answer(username, 'Token refreshed')

    # ---- misc

    def _body(self, request, fields):
        if request.json_error is not None:
            exc = request.json_error
            raise ValidationFailed(
                [_error('json_invalid', ('body', getattr(exc, 'pos', 0)), 'JSON decode error', {}, {'error': getattr(exc, 'msg', str(exc))})]
            )
        return validate(request.body, fields)

    def _health(self, request):
        return 200, {'status': 'healthy', 'tftp_enabled': False, 'dhcp_proxy_enabled': False}

    def _broken(self, request):
        # GET /workflows fails on the current server.
        raise ApiError(500, 'Internal Server Error')

    # ---- nodes

    def _new_node(self, mac):
        now = utc_now()
        return {
            'id': str(uuid.uuid4()),
            'mac_address': mac,
            'hostname': None,
            'ip_address': None,
            'state': 'discovered',
            'workflow_id': None,
            'vendor': None,
            'model': None,
            'serial_number': None,
            'system_uuid': None,
            'arch': 'x86_64',
            'boot_mode': 'bios',
            'pi_model': None,
            'group_id': None,
            'tags': [],
            'install_attempts': 0,
            'last_install_error': None,
            'state_changed_at': None,
            'created_at': now,
            'updated_at': now,
            'last_seen_at': None,
            'health_status': 'unknown',
            'health_score': 100,
        }

    def _node_by_mac(self, mac):
        for node in self._nodes.values():
            if node['mac_address'] == mac:
                return node
        return None

    def _find_node(self, node_id):
        node = self._nodes.get(node_id) or self._node_by_mac(normalize_mac(node_id))
        if node is None:
            raise KeyError(node_id)
        return node

    def _node_or_404(self, request):
        node = self._nodes.get(request.params['node_id'])
        if node is None:
            raise ApiError(404, 'Node not found')
        return node

    @staticmethod
    def _node_view(node):
        view = {name: copy.deepcopy(node[name]) for name in NODE_FIELDS}
        view['tags'] = sorted(view['tags'])
        return view

    def _list_nodes(self, request):
        state = request.param('state')
        group_id = request.param('group_id')
        tag = request.param('tag')
        nodes = []
        for node in self._nodes.values():
            if state and node['state'] != state:
                continue
            if group_id and node['group_id'] != group_id:
                continue
            if tag and tag.lower() not in node['tags']:
                continue
            nodes.append(self._node_view(node))
        return 200, _many(nodes)

    def _create_node(self, request):
        data = self._body(request, NODE_CREATE)
        mac = normalize_mac(data['mac_address'])
        if self._node_by_mac(mac):
            raise ApiError(409, 'Node with MAC {0} already exists'.format(mac))
        node = self._new_node(mac)
        node.update((name, value) for name, value in data.items() if name != 'mac_address')
        self._nodes[node['id']] = node
        return 201, _one(self._node_view(node), 'Node registered successfully')

    def _get_node(self, request):
        return 200, _one(self._node_view(self._node_or_404(request)))

    def _update_node(self, request):
        # FastAPI validates the body before the endpoint runs: a bad body is a 422 even for an unknown id.
        data = self._body(request, NODE_UPDATE)
        node = self._node_or_404(request)
        changed = False
        for name, value in data.items():
            if node[name] != value:
                node[name] = value
                changed = True
        if changed:
            node['updated_at'] = utc_now()
        return 200, _one(self._node_view(node), 'Node updated successfully')

    def _delete_node(self, request):
        # The current server's DELETE crashes whatever the node: clients must retire instead.
        raise ApiError(500, 'Internal Server Error')

    def _transition(self, node, to_state, force=False, comment=None):
        from_state = node['state']
        if from_state == 'install_failed' and to_state == 'pending' and not force and node['install_attempts'] >= MAX_INSTALL_ATTEMPTS:
            raise ApiError(400, 'Max install attempts ({0}) exceeded. Use force=true to reset and retry.'.format(MAX_INSTALL_ATTEMPTS))
        if not force and not can_transition(from_state, to_state):
            raise ApiError(400, "Invalid state transition from '{0}' to '{1}'".format(from_state, to_state))
        now = utc_now()
        node['state'] = to_state
        node['state_changed_at'] = now
        node['updated_at'] = now
        if force or to_state == 'installed':
            node['install_attempts'] = 0
            node['last_install_error'] = None
        if to_state == 'installing':
            # Each entry into installing is one install attempt; three failed ones block the retry.
            node['install_attempts'] += 1
        if to_state == 'install_failed' and comment:
            node['last_install_error'] = comment

    def _change_state(self, request):
        data = self._body(request, STATE_CHANGE)
        node = self._node_or_404(request)
        try:
            self._transition(node, data['state'], force=data['force'], comment=data['comment'])
        except ApiError as exc:
            if exc.detail.startswith('Invalid state transition'):
                exc.detail = '{0}. Valid transitions: {1}'.format(exc.detail, valid_transitions(node['state']))
            raise
        return 200, _one(self._node_view(node), 'Node transitioned to {0}'.format(data['state']))

    def _add_tag(self, request):
        tag = self._body(request, TAG_CREATE)['tag'].lower()
        node = self._node_or_404(request)
        if tag in node['tags']:
            raise ApiError(409, "Tag '{0}' already exists on node".format(tag))
        node['tags'].append(tag)
        node['updated_at'] = utc_now()
        return 200, _one(self._node_view(node), "Tag '{0}' added".format(tag))

    def _remove_tag(self, request):
        node = self._node_or_404(request)
        tag = request.params['tag']
        if tag.lower() not in node['tags']:
            raise ApiError(404, "Tag '{0}' not found on node".format(tag))
        node['tags'].remove(tag.lower())
        node['updated_at'] = utc_now()
        return 200, _one(self._node_view(node), "Tag '{0}' removed".format(tag))

    def _existing_nodes(self, node_ids):
        # Unknown ids are skipped silently, like the server's "WHERE id IN (...)".
        seen = []
        for node_id in node_ids:
            if node_id in self._nodes and self._nodes[node_id] not in seen:
                seen.append(self._nodes[node_id])
        return seen

    @staticmethod
    def _bulk_result(updated, message, errors=()):
        return 200, _one({'updated': updated, 'failed': len(errors), 'errors': list(errors)}, message)

    def _bulk_add_tag(self, request):
        data = self._body(request, BULK_TAG)
        tag = data['tag'].lower()
        updated = 0
        for node in self._existing_nodes(data['node_ids']):
            if tag not in node['tags']:
                node['tags'].append(tag)
                node['updated_at'] = utc_now()
                updated += 1
        return self._bulk_result(updated, "Added tag '{0}' to {1} node(s)".format(tag, updated))

    def _bulk_remove_tag(self, request):
        data = self._body(request, BULK_TAG)
        tag = data['tag'].lower()
        updated = 0
        for node in self._existing_nodes(data['node_ids']):
            if tag in node['tags']:
                node['tags'].remove(tag)
                node['updated_at'] = utc_now()
                updated += 1
        return self._bulk_result(updated, "Removed tag '{0}' from {1} node(s)".format(tag, updated))

    def _bulk_assign_group(self, request):
        data = self._body(request, BULK_GROUP)
        group_id = data['group_id']
        if group_id and group_id not in self._groups:
            raise ApiError(404, 'Group not found')
        nodes = self._existing_nodes(data['node_ids'])
        for node in nodes:
            node['group_id'] = group_id
            node['updated_at'] = utc_now()
        action = 'assigned to group' if group_id else 'unassigned from group'
        return self._bulk_result(len(nodes), '{0} node(s) {1}'.format(len(nodes), action))

    def _bulk_change_state(self, request):
        data = self._body(request, BULK_STATE)
        updated = 0
        errors = []
        for node in self._existing_nodes(data['node_ids']):
            try:
                self._transition(node, data['new_state'])
                updated += 1
            except ApiError as exc:
                errors.append({'node_id': node['id'], 'error': exc.detail})
        return self._bulk_result(updated, 'Changed state for {0} node(s), {1} failed'.format(updated, len(errors)), errors)

    @staticmethod
    def _path_between(from_state, to_state):
        # Breadth-first search over the state machine: the shortest realistic route.
        if from_state == to_state:
            return []
        queue = deque([(from_state, [])])
        seen = {from_state}
        while queue:
            state, path = queue.popleft()
            for following in valid_transitions(state):
                if following in seen:
                    continue
                if following == to_state:
                    return path + [following]
                seen.add(following)
                queue.append((following, path + [following]))
        return None

    # ---- boot

    def _boot(self, request):
        # docs/pureboot-server.md, "Endpoints that need no login" and "The install flow": what a PXE-booting machine's
        # iPXE fetches. It never changes a node's state.
        if 'mac' not in request.query:
            raise ValidationFailed([_error('missing', ('query', 'mac'), 'Field required', None)])
        mac = request.param('mac') or ''
        if not re.search(MAC_PATTERN, mac):
            raise ApiError(400, 'Invalid MAC address: {0}'.format(mac))
        mac = normalize_mac(mac)
        now = utc_now()
        node = self._node_by_mac(mac)
        hardware = (('vendor', 'vendor'), ('model', 'model'), ('serial', 'serial_number'), ('uuid', 'system_uuid'))
        if node is None:
            # An unknown machine booting is registered on the spot, discovered, with the defaults (bios, x86_64),
            # the caller's address and what its iPXE says of its hardware; it boots from its disk.
            node = self._new_node(mac)
            node['ip_address'] = request.client_ip
            node['last_seen_at'] = now
            for param, name in hardware:
                node[name] = request.param(param)
            self._nodes[node['id']] = node
            return _script(200, _local_boot_script('Node registered - booting from local disk'))
        # A known one: last seen now, at the caller's address; hardware details only where the node has none.
        node['last_seen_at'] = now
        node['ip_address'] = request.client_ip
        for param, name in hardware:
            if request.param(param) and not node[name]:
                node[name] = request.param(param)
        if node['state'] == 'installing' and self.install_timeout:
            # The real server's install-timeout check compares a naive with an aware datetime and crashes.
            raise ApiError(500, SERVER_ERROR)
        if node['state'] == 'pending':
            if not node['workflow_id']:
                return _script(200, _no_workflow_script(mac, self.server_url))
            return _script(200, self._install_script(node))
        return _script(200, _local_boot_script('State: {0} - booting from local disk'.format(node['state'])))

    def _workflow(self, workflow_id):
        """The workflow file named workflow_id (file name without extension) as a dict, or None when there is none.

        Looked up by file name only, never by the id inside it (docs/pureboot-server.md, "The install flow"). A name that
        is not a plain file name (a path, a dot file) is no workflow: node fields come from anyone."""
        if not self.workflows_dir or not workflow_id or os.path.basename(workflow_id) != workflow_id or workflow_id.startswith('.'):
            return None
        for extension in WORKFLOW_EXTENSIONS:
            path = os.path.join(self.workflows_dir, workflow_id + extension)
            if os.path.isfile(path):
                with open(path) as handle:
                    text = handle.read()
                try:
                    data = json.loads(text) if extension == '.json' else yaml.safe_load(text)
                except ValueError:
                    return None
                return data if isinstance(data, dict) else None
        return None

    def _install_script(self, node):
        # docs/pureboot-server.md, "The install flow", step 3 and "Facts a client needs": the workflow's kernel and initrd
        # (through /api/v1/files/..., which needs a login iPXE cannot send), or a chain/sanboot to its boot_url;
        # ${server}, ${node_id}, ${mac}, ${ip} filled into cmdline and boot_url. A missing workflow shows only here.
        workflow = self._workflow(node['workflow_id'])
        mac = node['mac_address']
        if workflow is None:
            return _workflow_error_script(mac, "Workflow '{0}' not found".format(node['workflow_id']))
        values = {'server': self.server_url, 'node_id': node['id'], 'mac': mac, 'ip': node['ip_address'] or ''}
        method = workflow.get('install_method') or 'kernel'
        cmdline = _fill(workflow.get('cmdline') or '', values)
        boot_url = _fill(workflow.get('boot_url') or '', values)
        header = '#!ipxe\n# PureBoot - Installing {0}\n# Node: {1}\n# Method: {2}\necho Starting installation...\n'.format(node['workflow_id'], mac, method)
        if method not in INSTALL_METHODS:
            return _workflow_error_script(mac, 'Unknown install method: {0}'.format(method))
        if method in ('chain', 'sanboot'):
            if not boot_url:
                return _workflow_error_script(mac, '{0} method requires boot_url'.format(method))
            return header + '{0} {1} || goto error\n'.format(method, boot_url) + _FAILED_TAIL
        if method == 'kernel':
            files = self.server_url + API + '/files'
            kernel = files + '/' + str(workflow.get('kernel_path') or '').lstrip('/')
            initrd = files + '/' + str(workflow.get('initrd_path') or '').lstrip('/')
            return (
                header
                + 'kernel {0} || goto error\ninitrd {1} || goto error\nboot\n'.format(' '.join(part for part in (kernel, cmdline) if part), initrd)
                + _FAILED_TAIL
            )
        # image and clone boot the server's own deploy environment, also from /api/v1/files (the page names these
        # methods only; their details are not this collection's concern).
        deploy = self.server_url + API + '/files/tftp/deploy'
        return (
            header
            + (
                'kernel {0}/vmlinuz-virt pureboot.server={1} pureboot.node_id={2} pureboot.mac={3} '
                'pureboot.mode={4} || goto error\ninitrd {0}/initramfs-virt || goto error\nboot\n'
            ).format(deploy, self.server_url, node['id'], mac, method)
            + _FAILED_TAIL
        )

    def _ipxe_chain(self, request):
        # What a PXE ROM chains to first: the boot endpoint at the advertised address, with what iPXE knows of the machine.
        return _script(
            200,
            '#!ipxe\n# PureBoot - chain to the boot endpoint\n'
            'chain {0}/boot?mac=${{net0/mac}}&uuid=${{uuid}}&vendor=${{manufacturer:uristring}}'
            '&model=${{product:uristring}}&serial=${{serial:uristring}}\n'.format(self.server_url + API),
        )

    def _report(self, request):
        # docs/pureboot-server.md, "Endpoints that need no login": a booted node reporting itself, without login, creates
        # the node or updates it by MAC with whatever it says (an empty value leaves the field as it is).
        # With an event ("The install flow", step 4) the MAC must be known (404), and the event may move the node.
        data = self._body(request, NODE_REPORT)
        mac = normalize_mac(data['mac_address'])
        node = self._node_by_mac(mac)
        if node is None:
            if data['event']:
                raise ApiError(404, 'Node with MAC {0} not found'.format(mac))
            node = self._new_node(mac)
            self._nodes[node['id']] = node
        now = utc_now()
        for name in NODE_REPORT_FIELDS:
            if data[name]:
                node[name] = data[name]
        node['last_seen_at'] = now
        node['updated_at'] = now
        message = 'Status reported successfully'
        if data['event']:
            message = self._install_event(node, data['event'], data['message'])
        return 200, _one(self._node_view(node), message)

    def _install_event(self, node, event, text):
        """Apply one installer event to node (docs/pureboot-server.md, "The install flow", step 4); returns the answer's
        message. An event in the wrong state, or one that only logs, changes nothing: "Event logged"."""
        from_state = node['state']
        message = EVENT_LOGGED
        if event in EVENT_TRANSITIONS and from_state == EVENT_TRANSITIONS[event][0]:
            self._transition(node, EVENT_TRANSITIONS[event][1])
            if event == 'install_started':
                # A new install begins: its attempts count from zero.
                node['install_attempts'] = 0
            message = EVENT_MESSAGES[event]
        elif event == 'install_failed' and from_state == 'installing':
            # One more attempt; the node stays installing (its installer may retry) until the third, which moves
            # it to install_failed with the error kept.
            node['install_attempts'] += 1
            node['last_install_error'] = text
            if node['install_attempts'] >= MAX_INSTALL_ATTEMPTS:
                self._transition(node, 'install_failed')
                message = 'Installation failed after {0} attempts'.format(node['install_attempts'])
            else:
                message = 'Installation failed (attempt {0}), will retry'.format(node['install_attempts'])
        self._events.append({'mac': node['mac_address'], 'event': event, 'from_state': from_state, 'to_state': node['state'], 'message': text})
        return message

    def _installed_callback(self, request):
        # docs/pureboot-server.md, "The install flow", "Facts a client needs": this login-protected callback crashes (500)
        # for a pending node (pending -> installed is no allowed transition and the server does not catch it).
        node = self._node_or_404(request)
        if node['state'] == 'pending':
            raise ApiError(500, SERVER_ERROR)
        if node['state'] == 'installing':
            self._transition(node, 'installed')
            return 200, _one(self._node_view(node), 'Node marked as installed')
        return 200, _one(None, 'Callback received')

    # ---- hypervisor registry

    def _new_hypervisor(self, name, kind, api_url, username, password, verify_ssl):
        now = utc_now()
        return {
            'id': str(uuid.uuid4()),
            'name': name,
            'type': kind,
            'api_url': api_url,
            'username': username,
            'verify_ssl': verify_ssl,
            'status': 'unknown',
            'last_error': None,
            'last_sync_at': None,
            'vm_count': 0,
            'host_count': 0,
            'created_at': now,
            'updated_at': now,
            'password_encrypted': _encode_password(password),
        }

    @staticmethod
    def _hypervisor_view(record):
        return {name: record[name] for name in HYPERVISOR_FIELDS}

    def _hypervisor_or_404(self, request):
        record = self._hypervisors.get(request.params['hv_id'])
        if record is None:
            raise ApiError(404, 'Hypervisor not found')
        return record

    def _name_taken(self, name):
        return any(record['name'] == name for record in self._hypervisors.values())

    def _list_hypervisors(self, request):
        records = sorted(self._hypervisors.values(), key=lambda record: record['name'])
        return 200, _many([self._hypervisor_view(record) for record in records])

    def _create_hypervisor(self, request):
        data = self._body(request, HYPERVISOR_CREATE)
        if data['type'] not in HYPERVISOR_TYPES:
            # Checked by the model as a whole once its fields passed (model_post_init), so pydantic reports
            # it at loc ["body"] with the whole body as input: the password in clear, echoed to the caller.
            raise ValidationFailed([_value_error(('body',), "Type must be 'ovirt' or 'proxmox'", request.body)])
        if self._name_taken(data['name']):
            raise ApiError(409, "Hypervisor with name '{0}' already exists".format(data['name']))
        record = self._new_hypervisor(data['name'], data['type'], data['api_url'], data['username'], data['password'], data['verify_ssl'])
        self._hypervisors[record['id']] = record
        return 201, _one(self._hypervisor_view(record), "Hypervisor '{0}' added successfully".format(data['name']))

    def _get_hypervisor(self, request):
        return 200, _one(self._hypervisor_view(self._hypervisor_or_404(request)))

    def _update_hypervisor(self, request):
        # The update model has no "type": a type sent here is ignored, like any unknown field.
        data = self._body(request, HYPERVISOR_UPDATE)
        record = self._hypervisor_or_404(request)
        if data.get('name') and data['name'] != record['name'] and self._name_taken(data['name']):
            raise ApiError(409, "Hypervisor with name '{0}' already exists".format(data['name']))
        password = data.pop('password', None)
        if password:
            data['password_encrypted'] = _encode_password(password)
        if any(data.get(name, _MISSING) is None for name in ('name', 'api_url', 'verify_ssl')):
            # These columns are NOT NULL: the real server fails on the database constraint.
            raise ApiError(500, 'Internal Server Error')
        record.update(data)
        record['updated_at'] = utc_now()
        return 200, _one(self._hypervisor_view(record), 'Hypervisor updated successfully')

    def _delete_hypervisor(self, request):
        record = self._hypervisor_or_404(request)
        del self._hypervisors[record['id']]
        return 200, _one(None, "Hypervisor '{0}' deleted".format(record['name']))

    def _test_hypervisor(self, request):
        record = self._hypervisor_or_404(request)
        result = dict(STUB_TEST[record['type']])
        record.update(status='online', last_error=None, last_sync_at=utc_now(), vm_count=result['vm_count'], host_count=result['host_count'])
        return 200, _one(result, 'Connection test completed')

    def _hypervisor_vms(self, request):
        self._hypervisor_or_404(request)
        return 200, _many(copy.deepcopy(STUB_VMS))

    def _hypervisor_templates(self, request):
        self._hypervisor_or_404(request)
        return 200, _many(copy.deepcopy(STUB_TEMPLATES))

    # ---- groups

    def _new_group(self, name, parent_id=None):
        parent = self._groups.get(parent_id) if parent_id else None
        now = utc_now()
        return {
            'id': str(uuid.uuid4()),
            'name': name,
            'description': None,
            'parent_id': parent_id,
            'path': '{0}/{1}'.format(parent['path'], name) if parent else '/' + name,
            'depth': parent['depth'] + 1 if parent else 0,
            'default_workflow_id': None,
            'auto_provision': None,
            'created_at': now,
            'updated_at': now,
        }

    def _group_view(self, group):
        view = dict(group)
        view['node_count'] = sum(1 for node in self._nodes.values() if node['group_id'] == group['id'])
        view['children_count'] = sum(1 for other in self._groups.values() if other['parent_id'] == group['id'])
        view['effective_workflow_id'], view['effective_auto_provision'] = self._effective_settings(group)
        return {name: view[name] for name in GROUP_FIELDS}

    def _effective_settings(self, group):
        """(workflow, auto_provision) that apply to group: its own, else the nearest ancestor's; False by default."""
        workflow_id, auto_provision = None, None
        seen = set()
        while group is not None and group['id'] not in seen:
            seen.add(group['id'])
            if workflow_id is None:
                workflow_id = group['default_workflow_id']
            if auto_provision is None:
                auto_provision = group['auto_provision']
            group = self._groups.get(group['parent_id']) if group['parent_id'] else None
        return workflow_id, bool(auto_provision)

    def _list_groups(self, request):
        return 200, _many([self._group_view(group) for group in self._groups.values()])

    def _create_group(self, request):
        data = self._body(request, GROUP_CREATE)
        if any(group['name'] == data['name'] for group in self._groups.values()):
            raise ApiError(409, "Group '{0}' already exists".format(data['name']))
        if data['parent_id'] and data['parent_id'] not in self._groups:
            raise ApiError(404, 'Parent group not found')
        group = self._new_group(data['name'], data['parent_id'])
        group.update(description=data['description'], default_workflow_id=data['default_workflow_id'], auto_provision=data['auto_provision'])
        self._groups[group['id']] = group
        return 201, _one(self._group_view(group), 'Group created successfully')

    def _get_group(self, request):
        group = self._groups.get(request.params['group_id'])
        if group is None:
            raise ApiError(404, 'Group not found')
        return 200, _one(self._group_view(group))


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def _encode_password(password):
    # What the real registry calls encryption is base64: reversible by anyone who reads the database.
    return base64.b64encode(password.encode('utf-8')).decode('ascii') if password else None


def _script(status, text):
    return status, 'text/plain; charset=utf-8', text.encode('utf-8')


def _local_boot_script(note):
    return '#!ipxe\n# PureBoot - Boot from local disk\necho {0}\nexit\n'.format(note)


# What an install script does when its kernel, initrd or chain fails: wait, then boot from the disk.
_FAILED_TAIL = ':error\necho *** BOOT FAILED ***\nsleep 30 || shell\nexit\n'


def _no_workflow_script(mac, server_url):
    # A pending node without a workflow waits and asks again (docs/pureboot-server.md, "Endpoints that need no login").
    return (
        '#!ipxe\n# PureBoot - Pending (no workflow assigned)\n# Node: {0}\necho Awaiting workflow assignment\nsleep 10\nchain {1}{2}/boot?mac={0}\n'
    ).format(mac, server_url, API)


def _workflow_error_script(mac, error):
    # A workflow that cannot be used shows only at boot time, as this script (docs/pureboot-server.md, "The install flow").
    return (
        '#!ipxe\n# PureBoot - Installation Error\n# MAC: {0}\n# Error: {1}\necho *** ERROR ***\necho Error: {1}\n'
        'echo Booting from local disk in 30 seconds...\nsleep 30 || shell\nexit\n'
    ).format(mac, error)


def _fill(text, values):
    """${name} of WORKFLOW_VARIABLES replaced by values[name]; anything else left as it is."""
    for name in WORKFLOW_VARIABLES:
        text = text.replace('${' + name + '}', str(values[name]))
    return text
