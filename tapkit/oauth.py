"""An OAuth 2 client-credentials token, requested once and reused until shortly before it expires.

Vendors that issue short-lived bearer tokens (8x8's Analytics APIs: 30 minutes) ask clients not
to request one per call. `ClientCredentialsToken` is shared by every stream of a run (through
`RunScope`): the first request obtains a token, later ones reuse it until `margin` seconds
before `expires_in` runs out. Renewal after a 401 (once; a token just obtained and refused
again ends the run naming the settings) and sending the token request inside the stream's
retries are the core's `tapkit.renewable_token`; this module says how the token is requested
and when it is due. The token and the basic-auth header carrying
the client secret are registered with the scrubber the moment they exist: neither is ever
logged.
"""

from __future__ import annotations

import time
import typing as t
from http import HTTPStatus

import requests
from singer_sdk.exceptions import RetriableAPIError
from typing_extensions import override

from tapkit.basicauth import basic_authorization
from tapkit.renewable_token import RenewableToken, Send, TokenAnswer, read_token_answer
from tapkit.scrub import register_secret

#: Renew this many seconds before the vendor's expiry (at most a tenth of the lifetime).
DEFAULT_MARGIN_SECONDS = 60.0


class ClientCredentialsToken(RenewableToken):
    """The run's bearer token for one client id and secret, renewed before it expires."""

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
        super().__init__(token_url=token_url, vendor=vendor, settings=settings, logger=logger)
        self.margin = margin
        self.clock = clock
        self._basic = basic_authorization(client_id, client_secret)
        self._renew_at = 0.0
        #: how many tokens this run has requested (tests and the run's summary read it)
        self.issued = 0

    @property
    def answer(self) -> TokenAnswer:
        """The grant's answer: 400 too means the client credentials were refused."""
        return TokenAnswer(
            vendor=self.vendor,
            request="the token request",
            refused="the client credentials",
            settings=" and ".join(self.settings),
            refused_statuses=frozenset(
                {HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
            ),
        )

    @override
    def token_due(self) -> bool:
        """Whether the token is within `margin` of its expiry."""
        return self.clock() >= self._renew_at

    @override
    def request_token(self, send: Send) -> str:
        """A token from the client-credentials grant, with its lifetime noted."""
        request = requests.Request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": self._basic, "Accept": "application/json"},
        )
        with send(request) as response:
            body = read_token_answer(response, self.answer)
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


def _seconds(value: t.Any) -> float:
    """`expires_in`, which 8x8 sends as a string ("1799"); 0 when absent or unreadable."""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 0.0
