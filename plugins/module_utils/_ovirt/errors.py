# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""The oVirt SDK's errors read: the engine's own words out of a fault, and the transport failure (libcurl's code)
behind an error that has no HTTP status."""

from __future__ import annotations

import re

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import one_line
from ansible_collections.pureboot.hypervisors.plugins.module_utils._http import DROPPED, TIMEOUT, TLS
from ansible_collections.pureboot.hypervisors.plugins.module_utils._ovirt.sdk import sdk

# libcurl error codes, as the SDK reports transport failures.
CURL_UNREACHABLE = (6, 7, 52, 55, 56)
CURL_TIMEOUT = (28,)
CURL_TLS = (35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91)

_CURL_ERROR = re.compile(r"\(\s*(?:<[^>]*>\s*,\s*)?(\d+)\s*,\s*['\"](.*?)['\"]\s*\)")


def _fault_text(exc):
    """The engine's own words from an SDK error, without the SDK's "Fault reason is ... Fault detail is ..." wrapping."""
    fault = getattr(exc, 'fault', None)
    if fault is not None and (fault.detail or fault.reason):
        text = fault.detail or fault.reason
        text = text.strip()
        if text.startswith('[') and text.endswith(']'):
            text = text[1:-1]
        return one_line(text)
    text = one_line(exc)
    sso = re.match(r'^Error during SSO \w+ \S* ?: (.*)$', text)
    if sso:
        return re.sub(r'\.+$', '.', sso.group(1))
    message = re.search(r'HTTP response message is "([^"]*)"', text)
    code = getattr(exc, 'code', None)
    if code and message:
        return 'HTTP {0} {1}'.format(code, message.group(1))
    return text


def _curl_error(exc):
    """(libcurl code, its message) from an SDK transport error, or (None, text)."""
    found = _CURL_ERROR.search(str(exc))
    if found:
        return int(found.group(1)), one_line(found.group(2))
    return None, one_line(exc)


def _sdk_failure(exc):
    """The transport failure (_http.TLS, TIMEOUT or DROPPED) of an SDK error that has no HTTP code, or None."""
    curl_code, reason = _curl_error(exc)
    if isinstance(exc, sdk.TimeoutError) or curl_code in CURL_TIMEOUT:
        return TIMEOUT
    # A connection dropped mid-answer is 56 even when OpenSSL words it ("SSL_read: unexpected eof"); a handshake the
    # server cut (out of connection slots, restarting) is 35 in the socket's own words: dropped, not a certificate.
    dropped = curl_code in CURL_UNREACHABLE or bool(re.search(r'reset by peer|Connection refused', reason))
    if not dropped and (curl_code in CURL_TLS or re.search(r'SSL|certificate', reason)):
        return TLS
    if dropped or isinstance(exc, sdk.ConnectionError):
        return DROPPED
    return None
