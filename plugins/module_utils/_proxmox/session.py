# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The Proxmox VE session: a mixin of ProxmoxDriver (driver.py) that logs in with a password or an API token and
keeps one proxmoxer session, renewed when the ticket expires, with the ListingReads (reads.py) that send the VM
listing's plain GETs on the same credentials."""

from __future__ import annotations

import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import FOREIGN_ANSWER_ERRORS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, AuthError, transport_reason
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import requests_failure
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.errors import foreign_refusal
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.reads import listing_reads
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.sdk import proxmoxer_core

try:
    import requests
except ImportError:
    pass  # driver.py says proxmoxer is missing (MissingLibraryError) before a session is opened

DEFAULT_PORT = 8006
# A login answered so comes from a server without the Proxmox VE API at that address.
NO_SUCH_PATH = (404, 405, 501)


class ProxmoxSession:
    """The login and the session of ProxmoxDriver."""

    def _login(self):
        conn = self.conn
        kwargs = dict(host=conn.host, port=conn.port or DEFAULT_PORT, verify_ssl=conn.tls_verify(), timeout=conn.timeout)
        if conn.api_token_id and conn.api_token_secret:
            user, token_name = conn.api_token_id.split('!', 1)
            kwargs.update(user=user, token_name=token_name, token_value=conn.api_token_secret)
        else:
            kwargs.update(user=conn.username, password=conn.password)
        # A ticket request changes nothing on the server: it is retried like a read.
        attempt = 0
        while True:
            attempt += 1
            try:
                return proxmoxer_core.ProxmoxAPI(**kwargs)
            except proxmoxer_core.AuthenticationError as exc:
                found = re.search(r'code: (\d+)', str(exc))
                status = int(found.group(1)) if found else 401
                if self.retry.again(attempt, status=status):
                    continue
                if status == 401:
                    # A 401 from a server that is no Proxmox VE (a PureBoot server answers every login so) must
                    # say what answered, not blame the password.
                    foreign = foreign_refusal(conn)
                    if foreign:
                        raise self.not_this_api(foreign)
                    raise self.error(AuthError, "authentication failed for user '{0}'".format(conn.username))
                if status in NO_SUCH_PATH:
                    raise self.not_this_api('its login answers HTTP {0}'.format(status))
                raise self.error(ApiError, 'the login was refused with HTTP {0}'.format(status))
            except FOREIGN_ANSWER_ERRORS:
                raise self.not_this_api('its login answer holds no ticket')
            except requests.exceptions.RequestException as exc:
                failure = requests_failure(exc)
                if self.retry.again(attempt, failure=failure):
                    continue
                raise self.transport_error(failure, transport_reason(exc))

    def _session(self, renew=False):
        with self._login_lock:
            if renew or self._api is None:
                self._api = self._login()
                if self._reads is None:
                    # Kept across logins: it reads the current ticket at each request.
                    self._reads = self._listing_reads()
            return self._api

    def _listing_reads(self):
        conn = self.conn
        if conn.api_token_id and conn.api_token_secret:
            user, token_name = conn.api_token_id.split('!', 1)
            token = (user, token_name, conn.api_token_secret)
            return listing_reads(conn.host, conn.port or DEFAULT_PORT, conn.tls_verify(), conn.timeout, api_token=token)
        return listing_reads(conn.host, conn.port or DEFAULT_PORT, conn.tls_verify(), conn.timeout, ticket=self._ticket)

    def _ticket(self):
        return self._api.get_tokens()[0]
