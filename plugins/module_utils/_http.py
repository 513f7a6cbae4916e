# Copyright: (c) 2026, PureBoot contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Private to this collection (leading underscore): no stability promise to other collections.

"""One HTTP policy for every client of the collection: Proxmox VE (proxmoxer), oVirt (the SDK's libcurl) and
PureBoot (requests). Which faults a read may be asked again after, how often and after how long; and what a
transport failure is called. No SDK, and not requests, is imported by importing this module.
"""

from __future__ import annotations

import ipaddress
import random
import time

from ansible_collections.pureboot.hypervisors.plugins.module_utils._errors import PLAIN_HTTP_REASON, PLAIN_HTTP_SIGNS, TimeoutError_, TLSError, UnreachableError

# Seconds per request, at most; far larger values overflow the socket layer's timeout.
MAX_REQUEST_TIMEOUT = 3600
# Answers of a busy or restarting proxy or server: the request was not carried out.
TRANSIENT_STATUS = (502, 503, 504)

# The kinds of transport failure, named as the error categories name them.
TLS = 'tls'
TIMEOUT = 'timeout'
DROPPED = 'unreachable'
TRANSPORT_ERRORS = {TLS: TLSError, TIMEOUT: TimeoutError_, DROPPED: UnreachableError}


LOCAL_HOSTNAMES = ('localhost',)


def is_loopback(host):
    """True for a host name or address that never leaves this machine: localhost, 127.0.0.0/8, ::1. No host is not
    loopback here: a caller whose URLs mean this machine without a host says so itself."""
    if str(host or '').lower() in LOCAL_HOSTNAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RetryPolicy:
    """When a request may be sent again, and how long to wait first.

    Only reads, and logins (which change nothing), are ever asked again; writes never are (a write whose answer
    was lost may have been carried out). A read is asked again after a transient answer (TRANSIENT_STATUS) or a
    connection that failed or closed before an answer; never after a TLS failure (it would fail the same way) or
    a timeout (the user's bound on a request: asking again would multiply it). The pause doubles with each
    attempt, with jitter so that parallel readers do not come back together.
    """

    def __init__(self, attempts=3, base_delay=0.2, sleep=time.sleep):
        self.attempts = attempts
        self.base_delay = base_delay
        self.sleep = sleep

    def transient(self, status=None, failure=None):
        """True for an HTTP status or a transport failure kind worth asking again after."""
        if failure is not None:
            return failure == DROPPED
        return status in TRANSIENT_STATUS

    def again(self, attempt, status=None, failure=None):
        """After the attempt-th try of a read failed so: pause and say True when it may be sent again."""
        if not self.transient(status, failure) or attempt >= self.attempts:
            return False
        self.sleep(self.base_delay * (2 ** (attempt - 1)) * (0.5 + random.random()))
        return True


# The policy every client starts with (tests may shorten its pauses).
READS = RetryPolicy()


def requests_failure(exc):
    """The kind of failure (TLS, TIMEOUT or DROPPED) behind an exception of requests."""
    # Imported here, not above: an oVirt or libvirt task does not load requests (about 0.1 s a task); whoever has
    # an exception of requests has loaded it already.
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return TLS
    if isinstance(exc, requests.exceptions.Timeout):
        return TIMEOUT
    return DROPPED


def transport_error(failure, reason, url, timeout, **kwargs):
    """The typed error of a transport failure of kind failure on url, in one line; reason says what happened
    (transport_reason() of the exception, or the SDK's own words).

    kwargs (hypervisor, subject) go to the error; the caller removes its secrets.
    """
    if failure == TLS and (reason == PLAIN_HTTP_REASON or PLAIN_HTTP_SIGNS.search(str(reason))):
        message = '{0} answered in plain HTTP, not TLS: that port serves http, not https'.format(url)
    elif failure == TLS:
        message = 'TLS verification failed for {0}: {1}'.format(url, reason)
    elif failure == TIMEOUT:
        message = 'no answer from {0} within {1:g}s'.format(url, float(timeout))
    else:
        message = 'cannot reach {0}: {1}'.format(url, reason)
    return TRANSPORT_ERRORS[failure](message, **kwargs)
