"""The HTTPS server of the oVirt engine simulator: SSO login/logout, the API, fault injection, request log.

The unmodified ovirtsdk4 talks to it as to a real engine::

    sim = OvirtEngineSimulator()          # default seed, no delays
    sim.start()
    connection = ovirtsdk4.Connection(url=sim.url, username=sim.username, password=sim.password,
                                      ca_file=sim.cafile)
    ...
    sim.stop()
"""

import base64
import json
import secrets
import threading
import time
from urllib.parse import parse_qsl, urlsplit

from ansible_collections.pureboot.hypervisors.tests.simulators.tls import BackgroundServer, QuietServer, TLSHandler

from . import render
from .api import ApiRouter, is_action
from .model import API, EngineState, SimError

SSO_TOKEN_PATH = '/ovirt-engine/sso/oauth/token'
SSO_LOGOUT_PATH = '/ovirt-engine/services/sso-logout'
XML_TYPE = 'application/xml;charset=UTF-8'
JSON_TYPE = 'application/json'


class _Handler(TLSHandler):
    """Hands each request to the simulator; never lets an exception reach the client as a traceback."""

    server_version = 'ovirt-engine-simulator'
    timeout = 120  # seconds a connection may stay idle, so stuck clients do not pin threads forever

    def _serve(self, method):
        parts = urlsplit(self.path)
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length > 0 else b''
        status, content_type, payload = self.server.simulator.handle(method, parts.path, parts.query, self.headers, body)
        data = payload.encode('utf-8') if isinstance(payload, str) else payload
        self.send_response(status)
        if data or content_type:
            self.send_header('Content-Type', content_type or XML_TYPE)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._serve('GET')

    def do_POST(self):  # noqa: N802
        self._serve('POST')

    def do_PUT(self):  # noqa: N802
        self._serve('PUT')

    def do_DELETE(self):  # noqa: N802
        self._serve('DELETE')

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Silence the per-request stderr log (the simulator keeps its own request log)."""


class _Server(QuietServer):
    def __init__(self, address, simulator):
        self.simulator = simulator
        super().__init__(address, _Handler)


class OvirtEngineSimulator(BackgroundServer):
    """A simulated oVirt engine on https://127.0.0.1:PORT/ovirt-engine/api (port 0 picks a free one).

    ``seed``: 'default' (see ``EngineState.seed_default``), None (only the Blank template), or a dict for
    ``EngineState.load_seed``.  ``delay``: seconds VMs spend in each transitional state.  ``latency``:
    seconds added to every request.  ``token_ttl``: lifetime of SSO tokens in seconds.
    """

    def __init__(
        self,
        host='127.0.0.1',
        port=0,
        username='admin@internal',
        password='ovirt-secret',
        seed='default',
        delay=0.0,
        latency=0.0,
        token_ttl=3600.0,
        cert_dir=None,
    ):
        super().__init__('ovirt-sim', host, port, cert_dir=cert_dir)
        self.username = username
        self.password = password
        self.latency = float(latency)
        self.token_ttl = float(token_ttl)
        self.state = EngineState()
        self.state.set_delays(delay)
        self.router = ApiRouter(self.state, username)
        self.requests = []
        # The user name of every SSO password login, to see whose credentials reached this engine.
        self.sso_logins = []
        self._tokens = {}
        self._faults = []
        self._meta_lock = threading.Lock()
        if seed == 'default':
            self.state.seed_default()
        elif isinstance(seed, dict):
            self.state.load_seed(seed)
        elif seed is not None:
            raise ValueError("seed must be 'default', None or a dict")

    # ---- life cycle ----------------------------------------------------------------------------------

    @property
    def url(self):
        return 'https://%s:%d%s' % (self.host, self.port, API)

    def make_server(self, address):
        return _Server(address, self)

    # ---- seeding (delegated to the state) ------------------------------------------------------------

    def add_datacenter(self, name, **kwargs):
        return self.state.add_datacenter(name, **kwargs)

    def add_cluster(self, name, datacenter, **kwargs):
        return self.state.add_cluster(name, datacenter, **kwargs)

    def add_host(self, name, cluster, status='up', **kwargs):
        return self.state.add_host(name, cluster, status=status, **kwargs)

    def add_storage_domain(self, name, datacenter, **kwargs):
        return self.state.add_storage_domain(name, datacenter, **kwargs)

    def add_network(self, name, datacenter, **kwargs):
        return self.state.add_network(name, datacenter, **kwargs)

    def add_tag(self, name, **kwargs):
        return self.state.add_tag(name, **kwargs)

    def add_template(self, name, cluster_or_dc, **kwargs):
        return self.state.add_template(name, cluster_or_dc, **kwargs)

    def add_vm(self, name, cluster, **kwargs):
        return self.state.add_vm(name, cluster, **kwargs)

    def add_vms(self, count, clusters, **kwargs):
        return self.state.add_vms(count, clusters, **kwargs)

    def vm(self, name):
        """The VM entity called ``name`` (its ``status``, ``obj``, ``nics``... reflect the current state)."""
        with self.state.lock:
            vm = self.state.vm_by_name(name)
            self.state.advance(vm)
            return vm

    def vm_by_id(self, vm_id):
        with self.state.lock:
            vm = self.state.vms[vm_id]
            self.state.advance(vm)
            return vm

    def remove_all_vms(self):
        """Drop every VM: the scene keeps its data centers, clusters, hosts, networks and templates."""
        self.state.remove_all_vms()

    def hold_lock(self, vm_id, reason='image'):
        """Keep the VM (down) image_locked until release_lock(vm_id): every action on it answers 409, with the
        message of reason (model.LOCK_MESSAGES: 'image', 'object', 'updating')."""
        self.state.hold_lock(self.vm_by_id(vm_id), reason)

    def release_lock(self, vm_id):
        self.state.release_lock(self.vm_by_id(vm_id))

    def set_template_boot(self, name, devices):
        """Set the boot devices ('hd', 'network', 'cdrom') of every version of the template called name."""
        self.state.set_template_boot(name, devices)

    def set_delays(self, seconds=None, **per_state):
        self.state.set_delays(seconds, **per_state)

    # ---- faults and tokens --------------------------------------------------------------------------

    def fail(self, method, path_suffix, status=500, detail='Internal server error', times=None, reason='Operation Failed'):
        """Answer requests whose method matches (``'*'`` = any) and whose path ends with ``path_suffix``
        with a fault (``status``, ``detail``); ``times`` None = until clear_faults(), else that many times."""
        with self._meta_lock:
            self._faults.append({'method': method.upper(), 'suffix': path_suffix, 'status': status, 'detail': detail, 'reason': reason, 'times': times})

    def clear_faults(self):
        with self._meta_lock:
            self._faults = []

    def expire_tokens(self):
        """Revoke every SSO token: the next API request gets a 401 (the SDK then logs in again)."""
        with self._meta_lock:
            self._tokens.clear()

    def issue_token(self):
        """A valid SSO token, as if obtained by an earlier login (for the SDK's ``token=`` option)."""
        token = secrets.token_urlsafe(32)
        with self._meta_lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
        return token

    # ---- request log --------------------------------------------------------------------------------

    def clear_requests(self):
        with self._meta_lock:
            self.requests = []

    def count_requests(self, method=None, path_suffix=''):
        """How many logged requests match ``method`` (None = any) and end with ``path_suffix``."""
        with self._meta_lock:
            return sum(1 for entry in self.requests if (method is None or entry['method'] == method) and entry['path'].endswith(path_suffix))

    # ---- request handling ---------------------------------------------------------------------------

    def _injected(self, method, path, parts):
        with self._meta_lock:
            for rule in self._faults:
                if rule['method'] in ('*', method) and path.endswith(rule['suffix']):
                    if rule['times'] is not None:
                        rule['times'] -= 1
                        if rule['times'] <= 0:
                            self._faults.remove(rule)
                    break
            else:
                return None
        if path.startswith('/ovirt-engine/sso') or path == SSO_LOGOUT_PATH:
            return rule['status'], JSON_TYPE, json.dumps({'error': 'server_error', 'error_description': rule['detail']})
        writer = render.action_fault if is_action(method, parts) else render.fault
        return rule['status'], XML_TYPE, writer(rule['reason'], rule['detail'])

    def _authorized(self, headers):
        header = headers.get('Authorization') or ''
        scheme, credential = (header.split(None, 1) + ['', ''])[:2]
        if scheme.lower() == 'bearer':
            with self._meta_lock:
                expiry = self._tokens.get(credential.strip())
                if expiry is not None and expiry < time.monotonic():
                    del self._tokens[credential.strip()]
                    expiry = None
            return expiry is not None
        if scheme.lower() == 'basic':
            try:
                user, password = (base64.b64decode(credential).decode('utf-8').split(':', 1) + [''])[:2]
            except ValueError:
                return False
            return self._valid_user(user) and secrets.compare_digest(password, self.password)
        return False

    def _valid_user(self, user):
        # The engine accepts the profile name with or without the '-authz' suffix.
        return user in (self.username, self.username + '-authz')

    def _sso_token(self, body):
        form = dict(parse_qsl(body.decode('utf-8', 'replace')))
        if form.get('grant_type') != 'password':
            return 400, JSON_TYPE, json.dumps({'error_code': 'invalid_grant', 'error': 'Unsupported grant type %s' % form.get('grant_type')})
        user, password = form.get('username', ''), form.get('password', '')
        with self._meta_lock:
            self.sso_logins.append(user)
        if not (self._valid_user(user) and secrets.compare_digest(password, self.password)):
            return (
                400,
                JSON_TYPE,
                json.dumps({'error': 'access_denied', 'error_description': "Cannot authenticate user '%s': The username or password is incorrect.." % user}),
            )
        token = self.issue_token()
        return (
            200,
            JSON_TYPE,
            json.dumps(
                {
                    'access_token': token,
                    'scope': form.get('scope', 'ovirt-app-api'),
                    'exp': str(int((time.time() + self.token_ttl) * 1000)),
                    'token_type': 'bearer',
                }
            ),
        )

    def _sso_logout(self, body):
        form = dict(parse_qsl(body.decode('utf-8', 'replace')))
        with self._meta_lock:
            self._tokens.pop(form.get('token', ''), None)
        return 200, JSON_TYPE, json.dumps({})

    def handle(self, method, path, query_string, headers, body):
        """Answer one request: returns (status, content type, body text)."""
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        entry = {'method': method, 'path': path, 'query': query}
        with self._meta_lock:
            self.requests.append(entry)
        if self.latency > 0:
            time.sleep(self.latency)
        answer = self._answer(method, path, query, headers, body)
        entry['status'] = answer[0]
        return answer

    def _answer(self, method, path, query, headers, body):
        is_api = path == API or path.startswith(API + '/')
        rest = path[len(API) :].strip('/') if is_api else ''
        parts = rest.split('/') if rest else []
        try:
            injected = self._injected(method, path, parts)
            if injected is not None:
                return injected
            if path == SSO_TOKEN_PATH and method == 'POST':
                return self._sso_token(body)
            if path == SSO_LOGOUT_PATH and method == 'POST':
                return self._sso_logout(body)
            if not is_api:
                return 404, XML_TYPE, render.fault('Not Found', 'Unknown path: %s' % path)
            if not self._authorized(headers):
                return 401, XML_TYPE, render.fault('Unauthorized', 'The SSO token is missing, expired or revoked.')
            with self.state.lock:
                status, text = self.router.dispatch(method, parts, query, headers, body)
            return status, XML_TYPE if text else None, text
        except SimError as error:
            if error.detail is None:
                return error.status, None, ''
            writer = render.action_fault if is_action(method, parts) else render.fault
            return error.status, XML_TYPE, writer(error.reason, error.detail)
        except Exception as error:  # pylint: disable=broad-except
            # A bug of the simulator: answer a fault naming it, never a traceback.
            return 500, XML_TYPE, render.fault('Simulator error', '%s: %s' % (type(error).__name__, error))
