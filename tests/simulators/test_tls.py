"""The helper every test server is built on (tls.py): HTTPS with its own CA, a clean stop, quiet failures."""

import os
import socket
import ssl
import urllib.error
import urllib.request

import pytest

from ansible_collections.pureboot.hypervisors.tests.simulators.tls import BackgroundServer, QuietServer, TLSHandler


class _Hello(TLSHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b'hello'
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet."""


class HelloServer(BackgroundServer):
    def __init__(self, **options):
        super().__init__('hello', **options)

    def make_server(self, address):
        return QuietServer(address, _Hello)


def get(url, cafile=None):
    context = ssl.create_default_context(cafile=cafile) if url.startswith('https') else None
    with urllib.request.urlopen(url, context=context, timeout=10) as answer:
        return answer.read()


def test_https_verified_against_its_own_certificate_and_stopped_without_a_trace():
    with HelloServer() as server:
        assert server.port and os.path.isfile(server.cafile)
        assert get('https://127.0.0.1:{0}/'.format(server.port), server.cafile) == b'hello'
        with pytest.raises(urllib.error.URLError) as caught:
            get('https://127.0.0.1:{0}/'.format(server.port))
        assert 'CERTIFICATE_VERIFY_FAILED' in str(caught.value)
    assert not os.path.exists(os.path.dirname(server.cafile)), 'the temporary certificate directory is removed'
    with pytest.raises(OSError):
        socket.create_connection(('127.0.0.1', server.port), timeout=2).close()
    server.stop()  # a second stop does nothing


def test_plain_http_without_tls_and_a_given_certificate_directory_is_kept(tmp_path):
    with HelloServer(tls=False) as server:
        assert server.cafile is None
        assert get('http://127.0.0.1:{0}/'.format(server.port)) == b'hello'
    with HelloServer(cert_dir=str(tmp_path)) as server:
        assert os.path.dirname(server.cafile) == str(tmp_path)
    assert os.path.isfile(server.cafile), "a directory the caller gave is the caller's"


def test_a_client_failing_the_handshake_leaves_the_server_serving_and_silent(capfd):
    with HelloServer() as server:
        with socket.create_connection(('127.0.0.1', server.port), timeout=5) as raw:
            raw.sendall(b'GET / HTTP/1.1\r\n\r\n')  # plain HTTP to a TLS port
            try:
                raw.recv(100)  # the server closes the connection, or resets it
            except ConnectionResetError:
                pass
        assert get('https://127.0.0.1:{0}/'.format(server.port), server.cafile) == b'hello'
    assert 'Traceback' not in capfd.readouterr().err
