"""A bearer token that a run obtains itself and renews once when the vendor refuses it.

Two vendors hand out tokens this way: Chat-Tonic (a JSON login, `tap_chattonic/client.py`) and
8x8's Analytics APIs (OAuth client credentials, `tapkit/oauth.py`). What they share lives here:

- `RenewableToken`, a `requests` authenticator shared by every stream of a run (through
  `RunScope`). The SDK applies it to every attempt of a request, so a token renewed after a
  401 is sent by the retry. A subclass says only how a token is requested (`request_token`)
  and, when it has to, when the token is due (`token_due`) and whether it can be replaced at
  all (`can_renew`). A token just obtained and refused again means the login or the
  credentials themselves are wrong: the run ends naming the settings (`refused` says so).
- `RenewableTokenStream`, the stream side: the token is obtained inside the attempt (so a
  token request that meets a 5xx, a reset or a garbled answer is retried like any request)
  and sent the SDK's way (its session, redirect guard, request timer); a 401 renews it once
  and the request is tried again at once; anything else goes on to the stream's checks.

A subclass registers each token with the scrubber the moment it has it: none is ever logged.
"""

from __future__ import annotations

import threading
import typing as t
from http import HTTPStatus

import requests
from singer_sdk.exceptions import FatalAPIError
from typing_extensions import override

from tapkit.errors import TokenRenewalError
from tapkit.httperrors import vendor_message
from tapkit.stream import VendorStream

#: Sends a request the stream's way (inside its retries) and returns the answer.
Send = t.Callable[[requests.Request], requests.Response]


class RenewableToken(requests.auth.AuthBase):
    """The run's bearer token: obtained when missing or due, renewed once per refusal."""

    #: what a 401 says the vendor refused
    refused_credential = "the access token"
    #: the word before the settings a 401 names
    settings_label = "settings"
    #: what the stream's log line says it does after a refusal
    renewal = "requesting a new one"

    def __init__(
        self,
        *,
        token_url: str,
        vendor: str,
        settings: tuple[str, ...],
        logger: t.Any,
        token: str | None = None,
    ) -> None:
        self.token_url = token_url
        self.vendor = vendor
        #: the settings a user checks when the token is refused
        self.settings = settings
        self.logger = logger
        self._token = token
        #: a token obtained after a refusal, not yet accepted by any request
        self._renewed: str | None = None
        self._renewing = False
        # re-entrant: the token request is sent by a stream, which applies this authenticator
        self._lock = threading.RLock()

    # -- what a vendor says --------------------------------------------------------------

    def request_token(self, send: Send) -> str:
        """A new token, requested with `send`; registered with the scrubber before returned."""
        raise NotImplementedError

    def token_due(self) -> bool:
        """Whether the current token should be replaced before it is used (its expiry)."""
        return False

    @property
    def can_renew(self) -> bool:
        """Whether a refused token can be replaced at all."""
        return True

    # -- the mechanism -------------------------------------------------------------------

    @override
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # The SDK also calls this when it prepares a request, outside its retries: the token
        # is obtained in `RenewableTokenStream.send_request`, inside them.
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

    def ensure(self, send: Send) -> str:
        """The current token, requested first with `send` when there is none or it is due."""
        with self._lock:
            if self._token is None or self.token_due():
                self._token = self.request_token(send)
                if self._renewing:
                    self._renewed, self._renewing = self._token, False
            return self._token

    def refused(self, token: str | None) -> bool:
        """Note a 401 to `token`; True when a new token may be tried (once per refusal)."""
        if not self.can_renew:
            return False
        with self._lock:
            if token is not None and token == self._renewed:
                return False  # a token just obtained is refused: the login itself is wrong
            if self._token == token:
                self._token, self._renewing = None, True
        return True

    def accepted(self, token: str | None) -> None:
        """Note that a request with `token` was accepted."""
        with self._lock:
            if token is not None and token == self._renewed:
                self._renewed = None

    def refusal(self, response: requests.Response, stream: str) -> str:
        """The error of a 401 to `stream`: what was refused and the settings to check."""
        return (
            f"{self.vendor} refused {self.refused_credential} (HTTP 401) for stream "
            f"'{stream}': check the {self.settings_label} {' and '.join(self.settings)}. "
            f"{self.vendor} said: {vendor_message(response)}"
        )


def sent_token(response: requests.Response) -> str | None:
    """The bearer token the request of `response` carried."""
    header = response.request.headers.get("Authorization", "") if response.request else ""
    return str(header).removeprefix("Bearer ") or None


class RenewableTokenStream(VendorStream):
    """A stream authenticated by a `RenewableToken` (its `authenticator`)."""

    @property
    @override
    def authenticator(self) -> RenewableToken:
        """The run's token (a subclass shares one through `self.run_scope`)."""
        raise NotImplementedError

    @override
    def send_request(
        self, prepared_request: requests.PreparedRequest, context: t.Any
    ) -> requests.Response:
        """A token first when there is none (inside the retries, so a failed token request
        is retried; sent the SDK's way, so it is in the request metrics); the SDK then
        applies the authenticator to the attempt.
        """
        send = super().send_request
        if not self.authenticator.is_token_request(prepared_request):

            def send_token_request(request: requests.Request) -> requests.Response:
                # prepared like every request (the session's headers, the SDK's User-Agent)
                prepared = self.build_prepared_request(
                    request.method,
                    request.url,
                    headers=request.headers,
                    json=request.json,
                    data=request.data,
                )
                return send(prepared, context)

            self.authenticator.ensure(send_token_request)
        return send(prepared_request, context)

    @override
    def retry_delay(self, exception: BaseException | None, attempt: int) -> float:
        """A renewed token is tried at once; other failures wait as usual."""
        if isinstance(exception, TokenRenewalError):
            return 0.0
        return super().retry_delay(exception, attempt)

    @override
    def validate_response(self, response: requests.Response) -> None:
        """A 401 renews the token once (the SDK retries the request); the rest is checked
        by `validate_accepted_response`. The token request's answer is read by the
        authenticator (its own refusals name the credentials).
        """
        if self.authenticator.is_token_request(response.request):
            return
        token = sent_token(response)
        if response.status_code != HTTPStatus.UNAUTHORIZED:
            self.authenticator.accepted(token)
            self.validate_accepted_response(response)
            return
        message = self.authenticator.refusal(response, self.name)
        if not self.authenticator.refused(token):
            raise FatalAPIError(message)
        self.logger.info(
            "%s: %s refused the token; %s", self.name, self.vendor, self.authenticator.renewal
        )
        raise TokenRenewalError(message, response)

    def validate_accepted_response(self, response: requests.Response) -> None:
        """Hook: the checks of an answer whose token was not refused (the core's by default)."""
        super().validate_response(response)
