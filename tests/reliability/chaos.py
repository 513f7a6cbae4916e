"""A network that loses connections on purpose: a TLS-terminating HTTP/1.1 proxy for the reliability suite.

Put it between the collection and any of the test servers (fakepve, the oVirt simulator, the PureBoot double)
and it drops a share of the requests, by resetting the client's connection:

- before forwarding (`lost_request`): the server never sees the request, as when a SYN or a request is lost;
- after the server answered (`lost_answer`): the server acted, the client never hears about it. This is the
  case that tells a client that repeats writes blindly from one that does not, which a server-side drop (like
  fakepve's flaky_network, which drops before reading the request) cannot show.

Every request is logged with its fate and its body (the proxy sees plain text), so a test can tell exactly
which writes reached the server. The dice are seeded: a run is repeatable as long as requests come in the
same order. Each request is forwarded on a fresh upstream connection, so the proxy itself never has to
guess whether a request it sent on a stale connection was carried out (it never re-sends anything).
"""

import http.client
import random
import socket
import ssl
import struct
import threading
import time
from urllib.parse import urlsplit

from ansible_collections.pureboot.hypervisors.tests.simulators.tls import BackgroundServer, QuietServer, TLSHandler

# Headers that belong to one connection, not to the request (RFC 9110 7.6.1), plus those the proxy rewrites.
HOP_BY_HOP = frozenset(
    ('connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailers', 'transfer-encoding', 'upgrade', 'expect', 'content-length')
)
PASSED, LOST_REQUEST, LOST_ANSWER = 'passed', 'lost_request', 'lost_answer'


class _Server(QuietServer):
    def __init__(self, address, proxy):
        self.proxy = proxy
        super().__init__(address, _Handler)


class _Handler(TLSHandler):
    server_version = 'chaos-proxy'
    timeout = 120

    def _body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    # Trailers, up to the empty line.
                    while self.rfile.readline().strip():
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length > 0 else b''

    def _reset(self):
        """Close the client's connection with a TCP reset and no answer at all."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass
        self.close_connection = True

    def _serve(self):
        proxy = self.server.proxy
        body = self._body()
        entry = proxy.log_request(self.command, self.path, body)
        fate = proxy.fate(self.command, self.path, body)
        if fate == LOST_REQUEST:
            entry['fate'] = LOST_REQUEST
            self._reset()
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = proxy.upstream_connection()
        try:
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            # The server itself failed: say so with a 502 rather than invent a fault of our own.
            entry.update(fate=PASSED, status=502, error=str(exc))
            payload = str(exc).encode('utf-8')
            self.send_response(502)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        finally:
            upstream.close()
        entry['status'] = answer.status
        if fate == LOST_ANSWER:
            entry['fate'] = LOST_ANSWER
            self._reset()
            return
        entry['fate'] = PASSED
        self.send_response(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """The proxy keeps its own log."""


class DropProxy(BackgroundServer):
    """https://127.0.0.1:PORT in front of `upstream` (an https URL whose certificate `upstream_cafile` verifies).

    drop_rate: share of requests lost (0 to 1); methods: the methods that may be lost (None: all);
    answer_share: share of the losses that happen after the server answered (the rest before it saw anything);
    write_answer_share: the same for writes (default: answer_share); 1.0 makes every lost write one the server
    carried out, the case where a client that repeats writes would duplicate them;
    max_consecutive: the same request (method, path, body) is never lost more often than this in a row, so a
    client that retries a read a bounded number of times is tested on retrying, not on luck (None: no bound).
    """

    def __init__(self, upstream, upstream_cafile, drop_rate=0.0, methods=None, answer_share=0.5, seed=0, max_consecutive=None, write_answer_share=None):
        super().__init__('chaos-proxy')
        parts = urlsplit(upstream)
        self.upstream_host, self.upstream_port = parts.hostname, parts.port or 443
        self.upstream_path = parts.path.rstrip('/')
        self._context = ssl.create_default_context(cafile=upstream_cafile)
        self.drop_rate = drop_rate
        self.methods = None if methods is None else frozenset(m.upper() for m in methods)
        self.answer_share = answer_share
        self.write_answer_share = answer_share if write_answer_share is None else write_answer_share
        self.max_consecutive = max_consecutive
        self._streaks = {}
        self._scripted = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.log = []

    # ------------------------------------------------------------ lifecycle
    @property
    def url(self):
        """The proxy's address, with the upstream URL's path (so /ovirt-engine/api stays where it was)."""
        return 'https://127.0.0.1:{0}{1}'.format(self.port, self.upstream_path)

    def make_server(self, address):
        return _Server(address, self)

    # ------------------------------------------------------------ decisions and log
    def lose_next(self, method, path_suffix, fate=LOST_ANSWER):
        """Lose the next request of this method whose path (without its query) ends with path_suffix, then no other."""
        with self._lock:
            self._scripted.append((method.upper(), path_suffix, fate))

    def fate(self, method, path='', body=b''):
        """passed, lost_request or lost_answer for the next request."""
        key = (method, path, body)
        with self._lock:
            for rule in self._scripted:
                if rule[0] == method and path.split('?', 1)[0].endswith(rule[1]):
                    self._scripted.remove(rule)
                    return rule[2]
            lost = bool(self.drop_rate) and (self.methods is None or method in self.methods) and self._random.random() < self.drop_rate
            if lost and self.max_consecutive is not None and self._streaks.get(key, 0) >= self.max_consecutive:
                lost = False
            self._streaks[key] = self._streaks.get(key, 0) + 1 if lost else 0
            if not lost:
                return PASSED
            share = self.answer_share if method in ('GET', 'HEAD') else self.write_answer_share
            return LOST_ANSWER if self._random.random() < share else LOST_REQUEST

    def log_request(self, method, path, body):
        entry = {'method': method, 'path': path, 'body': body.decode('utf-8', 'replace'), 'fate': None, 'status': None, 'time': time.monotonic()}
        with self._lock:
            self.log.append(entry)
        return entry

    def upstream_connection(self):
        return http.client.HTTPSConnection(self.upstream_host, self.upstream_port, context=self._context, timeout=120)

    def entries(self, fate=None, method=None):
        """Logged requests, optionally only those of one fate and/or method."""
        with self._lock:
            return [dict(e) for e in self.log if (fate is None or e['fate'] == fate) and (method is None or e['method'] == method)]

    def reached_server(self):
        """The requests the server received (answered or not)."""
        return [e for e in self.entries() if e['fate'] in (PASSED, LOST_ANSWER)]
