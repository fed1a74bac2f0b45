"""An OAuth 2 client-credentials token, requested once and reused until shortly before it expires.

Vendors that issue short-lived bearer tokens (8x8's Analytics APIs: 30 minutes) ask clients not
to request one per call. `ClientCredentialsToken` is shared by every stream of a run (through
`RunScope`): the first request obtains a token, later ones reuse it until `margin` seconds
before `expires_in` runs out, and a 401 renews it once (`refused`); a token just obtained and
refused again means the credentials themselves are wrong, which ends the run naming the
settings. The token request is sent by the stream, inside its retries (a 5xx or a reset on the
token endpoint is retried like any request), and the token and the basic-auth header carrying
the client secret are registered with the scrubber the moment they exist: neither is ever
logged.
"""

from __future__ import annotations

import threading
import time
import typing as t
from http import HTTPStatus

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from typing_extensions import override

from tapkit.basicauth import basic_authorization
from tapkit.httperrors import vendor_message
from tapkit.scrub import register_secret

#: Renew this many seconds before the vendor's expiry (at most a tenth of the lifetime).
DEFAULT_MARGIN_SECONDS = 60.0


class ClientCredentialsToken(requests.auth.AuthBase):
    """The run's bearer token for one client id and secret."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        vendor: str,
        settings: tuple[str, ...],
        logger: t.Any,
        margin: float = DEFAULT_MARGIN_SECONDS,
        clock: t.Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.vendor = vendor
        #: the settings a user checks when the credentials are refused
        self.settings = settings
        self.logger = logger
        self.margin = margin
        self.clock = clock
        self._basic = basic_authorization(client_id, client_secret)
        self._token: str | None = None
        self._renew_at = 0.0
        #: a token obtained after a refusal, not yet accepted by any request
        self._renewed: str | None = None
        self._renewing = False
        #: how many tokens this run has requested (tests and the run's summary read it)
        self.issued = 0
        self._lock = threading.RLock()

    @override
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.is_token_request(request):
            return request
        with self._lock:
            token = self._token
        if token is not None:
            request.headers["Authorization"] = f"Bearer {token}"
        return request

    def is_token_request(self, request: requests.PreparedRequest | None) -> bool:
        """Whether `request` asks for a token (its answer is read here, not by the stream)."""
        return request is not None and request.url == self.token_url

    def ensure(self, send: t.Callable[[requests.Request], requests.Response]) -> str:
        """A token valid for at least `margin` more seconds, requested by `send` if needed."""
        with self._lock:
            if self._token is None or self.clock() >= self._renew_at:
                self._token = self._request_token(send)
                if self._renewing:
                    self._renewed, self._renewing = self._token, False
            return self._token

    def refused(self, token: str | None) -> bool:
        """Note a 401 to `token`; True when a new token may be tried (once per refusal)."""
        with self._lock:
            if token is not None and token == self._renewed:
                return False
            if self._token == token:
                self._token, self._renewing = None, True
        return True

    def accepted(self, token: str | None) -> None:
        """Note that a request with `token` was accepted."""
        with self._lock:
            if token is not None and token == self._renewed:
                self._renewed = None

    def _request_token(self, send: t.Callable[[requests.Request], requests.Response]) -> str:
        request = requests.Request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": self._basic, "Accept": "application/json"},
        )
        with send(request) as response:
            body = self._token_body(response)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise RetriableAPIError(f"{self.vendor} answered the token request without a token")
        register_secret(token)
        lifetime = _seconds(body.get("expires_in"))
        margin = min(self.margin, lifetime / 10) if lifetime else 0.0
        self._renew_at = self.clock() + (lifetime - margin if lifetime else float("inf"))
        self.issued += 1
        self.logger.info(
            "%s: obtained an access token%s",
            self.vendor,
            f" valid for {lifetime:g} s" if lifetime else "",
        )
        return token

    def _token_body(self, response: requests.Response) -> dict[str, t.Any]:
        status = response.status_code
        settings = " and ".join(self.settings)
        if status in (HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            raise FatalAPIError(
                f"{self.vendor} refused the client credentials (HTTP {status}): check the "
                f"settings {settings}. {self.vendor} said: {vendor_message(response)}"
            )
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(
                f"{self.vendor} answered HTTP {status} to the token request: "
                f"{vendor_message(response)}",
                response,
            )
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(
                f"{self.vendor} rejected the token request (HTTP {status}): "
                f"{vendor_message(response)}"
            )
        try:
            body = response.json()
        except ValueError:
            raise RetriableAPIError(
                f"{self.vendor} answered the token request with a body that is not JSON",
                response,
            ) from None
        if not isinstance(body, dict):
            raise RetriableAPIError(f"{self.vendor} answered the token request with no token")
        return body


def _seconds(value: t.Any) -> float:
    """`expires_in`, which 8x8 sends as a string ("1799"); 0 when absent or unreadable."""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0
