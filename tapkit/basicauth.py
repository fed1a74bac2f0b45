"""HTTP Basic auth whose secret is masked in every spelling it travels in.

A vendor that takes `user:password` (8x8's real-time statistics: tenant and API token; an
OAuth token endpoint: client id and secret) receives it base64-encoded in the `Authorization`
header. Masking the password setting alone would leave that encoded spelling readable in a
logged request or an exception, so the header value is registered as a secret as it is
built. The pair is encoded as UTF-8, the charset RFC 7617 names (`requests`' own
`HTTPBasicAuth` uses Latin-1 and fails on any other character).
"""

from __future__ import annotations

import base64
import typing as t

from requests.auth import AuthBase
from typing_extensions import override

from tapkit.scrub import register_secret

if t.TYPE_CHECKING:
    import requests


def basic_authorization(username: str, password: str) -> str:
    """The `Authorization` header value (`Basic <base64>`) of `username:password`, with the
    password and the encoded pair masked in every log line from now on.
    """
    encoded = base64.b64encode(f"{username}:{password}".encode()).decode()
    register_secret(password)
    register_secret(encoded)
    return f"Basic {encoded}"


class MaskedBasicAuth(AuthBase):
    """Basic auth for every request of a stream (its `authenticator`), secret masked."""

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.header = basic_authorization(username, password)

    @override
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header
        return request
