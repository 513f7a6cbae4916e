# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The libvirt connection: a mixin of LibvirtDriver (driver.py) that opens, checks and drops it.

libvirt has no connection options of the collection's kind: the URI says what ca_file, verify_ssl and SSH's
no-terminal rule mean (no_tty, no_verify, a private pkipath folder), credentials go to SASL through the auth
callback, never into the URI, and the open runs in a worker thread bounded by timeout, as libvirt has no connect
timeout of its own. One connection is shared by the driver's threads and opened again when it died."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from urllib.parse import parse_qsl

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import TimeoutError_
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.sdk import libvirt
from ansible_collections.pureboot.hypervisors.plugins.module_utils._libvirt.uri import PLACEHOLDER_CA, SSH_TRANSPORTS, client_pki_files, uri_with_params


class LibvirtSession:
    """The connection of LibvirtDriver: its URI, credentials, opening and liveness."""

    def _uri(self):
        """The URI libvirt is given: api_url plus what the connection options mean for its transport."""
        extra = []
        params = dict(parse_qsl(self.parts.query))
        if self.transport in SSH_TRANSPORTS:
            # Never wait for a password prompt: a module has no terminal. verify_ssl false skips the host key check.
            extra.append(('no_tty', '1'))
            if not self.conn.verify_ssl:
                extra.append(('no_verify', '1'))
        elif self.transport == 'tls':
            if not self.conn.verify_ssl:
                extra.append(('no_verify', '1'))
            if 'pkipath' not in params and (self.conn.ca_file or not self.conn.verify_ssl):
                extra.append(('pkipath', self._pki_path()))
        return uri_with_params(self.parts, extra)

    def _pki_path(self):
        """A private folder holding ca_file (or, not verifying, PLACEHOLDER_CA) as cacert.pem beside the client
        certificate and key libvirt would use: libvirt takes its CA, certificate and key from one folder only.
        It lives while a connection opens (_open removes it): libvirt reads the files when it opens one."""
        if self._pki_dir is None:
            self._pki_dir = tempfile.mkdtemp(prefix='pbh-libvirt-pki-')
            cacert = os.path.join(self._pki_dir, 'cacert.pem')
            if self.conn.ca_file and self.conn.verify_ssl:
                shutil.copyfile(self.conn.ca_file, cacert)
            else:
                with open(cacert, 'w') as out:
                    out.write(PLACEHOLDER_CA)
            for name, path in client_pki_files().items():
                os.symlink(os.path.abspath(path), os.path.join(self._pki_dir, name))
        return self._pki_dir

    def _remove_pki(self):
        with self._lock:
            pki_dir, self._pki_dir = self._pki_dir, None
        if pki_dir:
            shutil.rmtree(pki_dir, ignore_errors=True)

    def _auth_callback(self, credentials, _opaque):
        for credential in credentials:
            if credential[0] == libvirt.VIR_CRED_AUTHNAME:
                credential[4] = self.conn.username
            elif credential[0] == libvirt.VIR_CRED_PASSPHRASE:
                credential[4] = self.conn.password
            else:
                return -1
        return 0

    def _open(self):
        """A new libvirt connection, opened within the timeout; the SASL callback only when credentials are given."""
        uri = self._uri()
        outcome = {}

        def open_connection():
            try:
                if self.conn.username:
                    auth = [[libvirt.VIR_CRED_AUTHNAME, libvirt.VIR_CRED_PASSPHRASE], self._auth_callback, None]
                    outcome['conn'] = libvirt.openAuth(uri, auth, 0)
                else:
                    outcome['conn'] = libvirt.open(uri)
            except libvirt.libvirtError as exc:
                outcome['error'] = exc

        # libvirt has no connect timeout of its own: an SSH or TLS handshake to a silent host would hang.
        worker = threading.Thread(target=open_connection, name='libvirt-open', daemon=True)
        worker.start()
        worker.join(self.conn.timeout)
        # The TLS files are loaded by now (or no longer wanted): a task killed later leaves no copy of the CA behind.
        self._remove_pki()
        if worker.is_alive():
            raise self.error(TimeoutError_, 'no answer from {0} within {1}s'.format(self.conn.api_url, self.conn.timeout))
        if 'error' in outcome:
            raise self.translate_error(outcome['error'], None, connecting=True)
        return outcome['conn']

    def _session(self, renew=False):
        with self._lock:
            if self._conn is not None and (renew or not self._alive(self._conn)):
                self._drop()
            if self._conn is None:
                self._conn = self._open()
            return self._conn

    @staticmethod
    def _alive(conn):
        try:
            return conn.isAlive() == 1
        except libvirt.libvirtError:
            return False

    def _drop(self):
        connection, self._conn = self._conn, None
        if connection is not None:
            try:
                connection.close()
            except libvirt.libvirtError:
                pass  # the connection is gone already
