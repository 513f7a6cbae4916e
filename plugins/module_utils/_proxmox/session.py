# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The Proxmox VE session: a mixin of ProxmoxDriver (driver.py) that logs in with a password or an API token and
keeps one proxmoxer session, renewed when the ticket expires."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ansible_collections.pureboot.hypervisors.plugins.module_utils._driver import FOREIGN_ANSWER_ERRORS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import ApiError, AuthError, transport_reason
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import requests_failure
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.errors import foreign_refusal
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
                for_parallel_reads(self._api, self.max_workers)
            return self._api


def for_parallel_reads(api, workers):
    """Ready proxmoxer's requests session for `workers` requests at once, each costing less CPU.

    The listing reads every VM's configuration and guest agent, max_workers at a time in threads that share one
    interpreter: its time is the CPU each request costs, not the network's wait (docs/performance.md, "Where the
    time goes"). Three costs are cut here, none changing what is sent or how an answer is read:
    - requests looks the proxy and CA bundle settings up in the environment again for every request (all of
      os.environ, and no_proxy matched against the host): the answer for one scheme and host is kept instead;
    - its connection pool keeps 10 connections per host, so with more workers the extra ones are closed after
      each request and the next one makes a new TCP connection and TLS handshake: the pool holds `workers`;
    - a plain GET (no query, no body) is sent as a copy of one request prepared with the session's headers,
      cookies and authentication, straight to the connection adapter (quick_gets()).
    A session that is not a requests one (another proxmoxer backend or version) is left as it is.
    """
    session = (getattr(api, '_store', None) or {}).get('session')
    if not isinstance(session, requests.Session):
        return
    session.mount('https://', requests.adapters.HTTPAdapter(pool_maxsize=max(workers, requests.adapters.DEFAULT_POOLSIZE)))
    merge = session.merge_environment_settings
    found = {}

    def environment_settings(url, proxies, stream, verify, cert):
        if proxies or not isinstance(verify, (bool, str, type(None))) or not isinstance(cert, (str, tuple, type(None))):
            return merge(url, proxies, stream, verify, cert)
        origin = urlsplit(url)[:2]
        key = (origin, stream, verify, cert)
        if key not in found:
            found[key] = merge(url, proxies, stream, verify, cert)
        settings = found[key]
        return dict(settings, proxies=dict(settings['proxies']))

    session.merge_environment_settings = environment_settings
    quick_gets(session)


def quick_gets(session):
    """Send the plain GETs of proxmoxer's session (ProxmoxHttpSession) without requests' per-request preparation.

    requests prepares every request anew: merging the session's headers, cookies and hooks into it, encoding the
    cookie jar through http.cookiejar's policy, calling the authentication, then reading cookies back out of the
    answer; for the listing's thousands of GETs that is most of their CPU. Here a GET without query or body is a
    copy of one request prepared the full way (again whenever the login's ticket changes), given its own URL,
    passed through the authentication (which renews an old ticket, or sets a token's header) and sent by the
    connection adapter with the same verify, timeout, cert and proxies proxmoxer's request would use. Its answer is
    the same Response, body read, and proxmoxer judges it as before. Not done: reading cookies out of the answer
    (PVE sets none on API reads; its ticket travels in the login's answer only) and following redirects, so an
    answer that redirects is asked again the full way. Anything else (writes, queries) goes the full way too.
    """
    full = session.request
    prepared_for = {}

    def request(method, url, params=None, data=None, **rest):
        auth = session.auth
        if method != 'GET' or params or data or rest or auth is None:
            return full(method, url, params=params, data=data, **rest)
        ticket = getattr(auth, 'pve_auth_ticket', None)
        template = prepared_for.get(ticket)
        if template is None:
            # What ProxmoxHttpSession.request sends: the auth's cookies when the session has none of its own.
            cookies = None if session.cookies or not hasattr(auth, 'get_cookies') else auth.get_cookies()
            template = prepared_for[ticket] = session.prepare_request(requests.Request('GET', url, cookies=cookies))
        prepared = template.copy()
        prepared.prepare_url(url, None)
        prepared = auth(prepared)
        settings = session.merge_environment_settings(prepared.url, {}, None, getattr(auth, 'verify_ssl', None), session.cert)
        answer = session.get_adapter(prepared.url).send(
            prepared, stream=False, timeout=getattr(auth, 'timeout', None), verify=settings['verify'], cert=settings['cert'], proxies=settings['proxies']
        )
        if answer.is_redirect:
            return full(method, url, params=params, data=data)
        answer.content  # noqa: B018 - read the body now, as requests does for a request that is not streamed
        return answer

    session.request = request
