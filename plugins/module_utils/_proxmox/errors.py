# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Proxmox VE's answers as the collection's typed errors: a proxmoxer ResourceException becomes one error, in PVE's
own words, on one line."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

try:
    import requests
except ImportError:  # the driver says proxmoxer (and with it requests) is missing
    requests = None

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import (
    ApiError,
    AuthError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UnreachableError,
    plain_line,
)
from ansible_collections.pureboot.hypervisors.plugins.module_utils._proxmox.config import _node_of_path


def resource_error(driver, exc, path, subject):
    """A ResourceException as a typed error, keeping PVE's own wording."""
    status = exc.status_code
    text = (exc.content or exc.status_message or '').strip()
    errors = exc.errors
    if isinstance(errors, dict) and set(errors) == {'errors'} and isinstance(errors['errors'], (bytes, str)):
        # proxmoxer's stand-in for a body that is not JSON (a proxy's HTML error page): its words, not its bytes.
        body = errors['errors'].decode('utf-8', 'replace') if isinstance(errors['errors'], bytes) else errors['errors']
        text = "{0} (not the API's answer: {1})".format(text, plain_line(body, 120))
        errors = None
    if errors and isinstance(errors, dict):
        fields = '; '.join('{0}: {1}'.format(k, str(v).strip()) for k, v in sorted(errors.items()))
        text = '{0} {1}'.format(text, fields).strip()
    lowered = text.lower()
    if status == 401:
        return driver.error(AuthError, 'authentication failed ({0})'.format(text), subject)
    if status == 403:
        return driver.error(AuthError, 'permission denied: {0}'.format(text), subject, details={'forbidden': True})
    if status in (595, 596):
        node = _node_of_path(path)
        where = "node '{0}'".format(node) if node else driver.conn.api_url
        return driver.error(UnreachableError, '{0} is unreachable ({1} {2})'.format(where, status, text), subject)
    if status == 400:
        return driver.error(InvalidInputError, 'the hypervisor refused the request: {0}'.format(text), subject)
    if 'already exists' in lowered:
        return driver.error(ConflictError, text, subject, details={'id_taken': True})
    if 'is locked' in lowered or "can't lock file" in lowered:
        return driver.error(ConflictError, text, subject, details={'locked': True})
    if 'does not exist' in lowered:
        return driver.error(NotFoundError, text, subject)
    if 'no quorum' in lowered:
        return driver.error(ApiError, 'the cluster has lost quorum, so it refuses changes ({0})'.format(text), subject)
    return driver.error(ApiError, '{0} {1}'.format(status, text), subject)


def foreign_refusal(conn):
    """After a login answered 401: None when the server refuses as Proxmox VE does (its API answers a request without
    credentials with 401 and a JSON body holding `data`), else a few words of what answered instead (a PureBoot
    server, a proxy ...): a wrong password is then not the user's problem. Sends no credentials."""
    url = '{0}://{1}/api2/json/version'.format(conn.scheme, urlsplit(conn.api_url).netloc)
    try:
        answer = requests.get(url, verify=conn.tls_verify(), timeout=conn.timeout, allow_redirects=False)
    except requests.exceptions.RequestException:
        return None  # no telling: PVE's own 401 stands
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and 'data' in body:
        return None
    shown = json.dumps(body) if body is not None else answer.text
    return 'its login answers HTTP 401, and GET /api2/json/version answers HTTP {0} {1}'.format(answer.status_code, plain_line(shown, 80))
