"""Why a request never got an answer, in the words a user can act on.

requests wraps a failed connection three levels deep (`ConnectionError` → urllib3's
`MaxRetryError` → `NewConnectionError` → the `OSError`), and its own message is a long repr
holding the whole URL. Users need the host and one of a few causes: the name does not resolve
(DNS), nothing listens there (refused), the TLS handshake failed (and why), no answer in time.
"""

from __future__ import annotations

import socket
import ssl
import typing as t
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import NameResolutionError

#: (exception type, what it means), most specific first; found anywhere in the chain.
CAUSES: tuple[tuple[type[BaseException], str], ...] = (
    (socket.gaierror, "DNS lookup failed: the host name does not resolve"),
    (NameResolutionError, "DNS lookup failed: the host name does not resolve"),
    (ConnectionRefusedError, "connection refused: nothing listens at that address"),
    (ConnectionResetError, "connection reset by the other end"),
    (ssl.SSLCertVerificationError, "TLS certificate not accepted"),
    (ssl.SSLError, "TLS handshake failed"),
    (requests.exceptions.SSLError, "TLS handshake failed"),
    (TimeoutError, "no answer in time (connect timeout)"),
    (requests.exceptions.ConnectTimeout, "no answer in time (connect timeout)"),
    (requests.exceptions.ReadTimeout, "no answer in time (request_timeout)"),
)


def _chain(exc: BaseException) -> t.Iterator[BaseException]:
    """The exception and every exception it wraps (args, `reason`, cause, context)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        pending += [getattr(item, "reason", None), item.__cause__, item.__context__, *item.args]


def host_of(exc: BaseException) -> str:
    """`host:port` of the request that failed, or "" when requests did not record it."""
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None)
    if not url:
        return ""
    parts = urlsplit(str(url))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def cause_of(exc: BaseException) -> str:
    """The first recognised cause in the chain, with the TLS library's reason when there."""
    chain = list(_chain(exc))
    for kind, meaning in CAUSES:
        found = next((item for item in chain if isinstance(item, kind)), None)
        if found is None:
            continue
        if isinstance(found, ssl.SSLCertVerificationError) and found.verify_message:
            return f"{meaning} ({found.verify_message})"
        if isinstance(found, ssl.SSLError) and found.reason:
            return f"{meaning} ({found.reason})"
        return meaning
    return type(exc).__name__


def connection_failure(exc: BaseException) -> str:
    """`cannot connect to api.example.com:443: DNS lookup failed: …` (no URL path or query)."""
    host = host_of(exc)
    return (
        f"cannot connect to {host}: {cause_of(exc)}" if host else f"cannot connect: {cause_of(exc)}"
    )
