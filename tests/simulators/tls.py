"""What the test servers share: a threading HTTP server, a self-signed certificate, a thread serving them.

The oVirt engine simulator, the PureBoot double and the reliability suite's DropProxy differ only in how they
answer a request. Each is a BackgroundServer that makes its server from a QuietServer and a TLSHandler:

    class MyServer(BackgroundServer):
        def __init__(self):
            super().__init__('my-server')        # the certificate's name; host 127.0.0.1, a free port
        def make_server(self, address):
            return MyHTTPServer(address, MyHandler)

    with MyServer() as server:                   # binds, wraps in TLS, serves in a daemon thread
        ... server.port, server.cafile ...       # stopped and its certificate removed on leaving
"""

import shutil
import socket
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer whose connection threads never keep the process alive, and that prints nothing when a
    client drops a connection or fails the TLS handshake: both are routine in tests."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog is 5: a hundred clients connecting at once (make stress) would find their
    # connections reset, which no real web server's backlog (hundreds) does.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """A broken connection is the client's business: no traceback on stderr."""


class TLSHandler(BaseHTTPRequestHandler):
    """Sets up each connection in its own thread: no Nagle delay, and the TLS handshake done there. Keep-alive
    HTTP/1.1, as the real servers speak; the Server header names no Python version (set server_version)."""

    protocol_version = 'HTTP/1.1'
    sys_version = ''

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without NODELAY, Nagle's algorithm and the client's delayed
        # ACK add ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # The handshake runs here, in this connection's thread, not in the accept loop, so one slow or failing
        # client never holds up the others.
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()


class BackgroundServer:
    """A test server served in a daemon thread, over HTTPS with a fresh self-signed certificate unless tls=False.

    name: the certificate's name (and the thread's, with the port); host: the address it listens on and its
    certificate is for; port: 0 picks a free one; cert_dir: where the certificate and its key are written
    (default: a temporary directory stop() removes). After start(): port, and cafile (the certificate, its own
    CA; None without TLS). Subclasses define make_server(address).
    """

    def __init__(self, name, host='127.0.0.1', port=0, tls=True, cert_dir=None):
        self.host = host
        self.port = port
        self.tls = tls
        self.cafile = None
        self._serving_name = name
        self._cert_dir = cert_dir
        self._own_cert_dir = None
        self._http_server = None
        self._serving_thread = None

    def make_server(self, address):
        """The server bound to address, not yet serving."""
        raise NotImplementedError

    def start(self):
        """Bind, wrap the socket in TLS and serve in a daemon thread; returns self. On failure leaves nothing behind."""
        server = self.make_server((self.host, self.port))
        try:
            if self.tls:
                context = self._server_context()
                server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        except BaseException:
            server.server_close()
            self._remove_own_cert_dir()
            raise
        self._http_server = server
        self.port = server.server_address[1]
        self._serving_thread = threading.Thread(
            target=server.serve_forever, kwargs={'poll_interval': 0.05}, name='{0}-{1}'.format(self._serving_name, self.port), daemon=True
        )
        self._serving_thread.start()
        return self

    def stop(self):
        """Stop serving, close the server and remove a certificate directory of its own; safe to call twice."""
        server, self._http_server = self._http_server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            self._serving_thread.join(10)
        self._remove_own_cert_dir()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _server_context(self):
        # fakepve (a test requirement) makes the certificates of every server of the suite.
        from fakepve.certs import make_cert  # pylint: disable=import-outside-toplevel

        directory = self._cert_dir
        if directory is None:
            directory = self._own_cert_dir = tempfile.mkdtemp(prefix=self._serving_name + '-')
        certfile, keyfile = make_cert(directory, name=self._serving_name, hosts=(self.host,))[:2]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certfile, keyfile)
        self.cafile = certfile
        return context

    def _remove_own_cert_dir(self):
        if self._own_cert_dir:
            shutil.rmtree(self._own_cert_dir, ignore_errors=True)
            self._own_cert_dir = None
