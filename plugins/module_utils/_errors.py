# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""Typed errors of the driver layer.

Drivers never call fail_json: they raise one of these, and the module or inventory plugin turns
it into one line. Every error carries a category (docs/troubleshooting.md), the hypervisor's label and the
object it is about, so the message always reads "<hypervisor>: <object>: <what happened>".
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Self

# The categories users see (docs/troubleshooting.md); `api` is whatever the server refused otherwise.


def one_line(text: object) -> str:
    """text (an exception, a server's message) on one line: every run of whitespace as one space."""
    return ' '.join(str(text or '').split())


def some_names(wanted: str, names: Iterable[str], count: int = 5) -> str:
    """A few of names for a one-line refusal of wanted, comma-separated: the closest to it (what a typo meant), else
    the first in order; the whole list may be long (a hypervisor's OS types, its CPU models)."""
    ordered = sorted(set(names))
    return ', '.join(difflib.get_close_matches(wanted, ordered, n=count, cutoff=0.6) or ordered[:count])


def plain_line(text: object, limit: int | None = None) -> str:
    """A body that is not the API's answer (a proxy's HTML page, a stack trace) as one line: tags left out, then
    one_line, cut after limit characters ('...' says so)."""
    text = one_line(re.sub(r'<[^>]*>', ' ', str(text or '')))
    return text if limit is None or len(text) <= limit else text[:limit] + '...'


AUTH = 'auth'
TLS = 'tls'
UNREACHABLE = 'unreachable'
TIMEOUT = 'timeout'
NOT_FOUND = 'not_found'
CONFLICT = 'conflict'
INVALID_INPUT = 'invalid_input'
TASK_FAILED = 'task_failed'
API = 'api'
MISSING_LIBRARY = 'missing_library'

CATEGORIES = (AUTH, TLS, UNREACHABLE, TIMEOUT, NOT_FOUND, CONFLICT, INVALID_INPUT, TASK_FAILED, API, MISSING_LIBRARY)

REDACTED = '********'


def redact(text: object, secrets: Iterable[object] | None) -> str:
    """text with every secret replaced; secrets shorter than 4 characters are left alone (too common)."""
    text = '' if text is None else str(text)
    for secret in secrets or ():
        if secret and len(str(secret)) >= 4:
            text = text.replace(str(secret), REDACTED)
    return text


# What OpenSSL says when the answer to its TLS hello is no TLS record: plain HTTP on an https:// URL (OpenSSL 1.1/3.0
# "wrong version number", 3.2+ "record layer failure", older "packet length too long" / "unknown protocol").
PLAIN_HTTP_SIGNS = re.compile(r'wrong version number|record layer failure|packet length too long|unknown protocol', re.IGNORECASE)
PLAIN_HTTP_REASON = 'the server answered in plain HTTP, not TLS'
# What a transport failure comes down to, found inside the layers requests and urllib3 wrap it in.
_TRANSPORT_REASONS = (
    (PLAIN_HTTP_SIGNS, PLAIN_HTTP_REASON),
    (re.compile(r'(certificate verify failed[^\'")(]*)', re.IGNORECASE), None),
    (re.compile(r'Remote end closed connection without response|Connection aborted', re.IGNORECASE), 'the connection was closed before an answer came'),
    (re.compile(r'\[Errno -?\d+\] ([^\'")]+)'), None),
    (re.compile(r'(timed out)', re.IGNORECASE), None),
    (re.compile(r'(SSL[^(]*error[^\'")(]*)', re.IGNORECASE), None),
)


def transport_reason(exc: object, limit: int = 200) -> str:
    """The reason of a transport error (connection refused, closed, certificate, ...) as one short line."""
    text = ' '.join(str(exc).split())
    for pattern, wording in _TRANSPORT_REASONS:
        found = pattern.search(text)
        if found:
            return wording or found.group(1).strip()
    return text if len(text) <= limit else text[:limit] + '...'


class HypervisorError(Exception):
    """An error of the driver layer with its category, hypervisor label and object."""

    category = API

    def __init__(
        self, message: str, hypervisor: str | None = None, subject: str | None = None, category: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hypervisor = hypervisor
        self.subject = subject
        if category is not None:
            self.category = category
        # Extra structured facts for results (never secrets): task log lines, available names, ...
        self.details: dict[str, Any] = details or {}
        # What was done before the failure, for the failed task's result (see after()).
        self.partial_result: dict[str, Any] = {}

    def __str__(self) -> str:
        parts = [p for p in (self.hypervisor, self.subject, self.message) if p]
        return ': '.join(parts)

    def located(self, hypervisor: str | None = None, subject: str | None = None) -> Self:
        """Fill in the hypervisor and subject where the raiser did not know them; returns self."""
        if not self.hypervisor:
            self.hypervisor = hypervisor
        if not self.subject:
            self.subject = subject
        return self

    def after(self, done: str, partial_result: dict[str, Any]) -> Self:
        """This error as the failure of a later step: the message first says what was done (done), and the
        result keys partial_result go with the failure; returns self."""
        self.message = '{0}: {1}'.format(done, self.message)
        self.partial_result = dict(partial_result)
        return self

    def scrubbed(self, secrets: Iterable[object] | None) -> Self:
        """Remove any secret from the texts; returns self."""
        self.message = redact(self.message, secrets)
        self.subject = redact(self.subject, secrets) if self.subject else self.subject
        return self

    def to_result(self) -> dict[str, Any]:
        """The error as result keys: msg, error_category, and error_details when there are any."""
        result: dict[str, Any] = {'msg': str(self), 'error_category': self.category}
        if self.details:
            result['error_details'] = self.details
        return result


class AuthError(HypervisorError):
    category = AUTH


class TLSError(HypervisorError):
    category = TLS


class UnreachableError(HypervisorError):
    category = UNREACHABLE


class TimeoutError_(HypervisorError):
    """Named with a trailing underscore so it never shadows the builtin TimeoutError."""

    category = TIMEOUT


class NotFoundError(HypervisorError):
    category = NOT_FOUND


class ConflictError(HypervisorError):
    """The object is locked, busy, or a name is ambiguous or taken."""

    category = CONFLICT


class InvalidInputError(HypervisorError):
    category = INVALID_INPUT


class TaskFailedError(HypervisorError):
    category = TASK_FAILED


class ApiError(HypervisorError):
    category = API


class MissingLibraryError(HypervisorError):
    """The SDK of the chosen driver is not installed; message is missing_required_lib()'s text."""

    category = MISSING_LIBRARY
