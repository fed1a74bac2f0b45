"""Redirects are followed only to the same scheme, host and port.

`requests` follows redirects anywhere: to plain http, to another host, with the key still in
the query string (it strips an Authorization header across hosts, never a query or a path).
The http-only-for-loopback rule was checked on `base_url` only. None of the vendors here
redirects their API to another host, so a redirect that leaves the origin is refused with
an error naming where it pointed (scheme and host only: the URL may hold a credential),
before anything is sent there.
"""

from __future__ import annotations

import typing as t
from urllib.parse import urljoin, urlsplit

from tapkit.errors import RedirectRefusedError

if t.TYPE_CHECKING:
    import requests


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of `url`, the port made explicit."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def check_redirect(response: requests.Response, *args: t.Any, **kwargs: t.Any) -> None:
    """Response hook: refuse a redirect whose target is not the request's origin."""
    if not response.is_redirect:
        return
    target = urljoin(response.url, response.headers.get("Location", ""))
    if origin(target) == origin(response.url):
        return
    scheme, host, port = origin(target)
    raise RedirectRefusedError(
        f"the server redirected a request to {scheme}://{host}:{port}, another origin than "
        f"the one configured ({'://'.join(origin(response.url)[:2])}); not followed, so no "
        "credential travels there. Check base_url (is it the vendor's current host?)"
    )


def guard_redirects(session: requests.Session) -> requests.Session:
    """Make `session` refuse redirects that leave the origin (idempotent)."""
    hooks = session.hooks.setdefault("response", [])
    if check_redirect not in hooks:
        hooks.append(check_redirect)
    return session
