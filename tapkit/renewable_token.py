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
  and the request is sent again at once, in the same attempt (an expired token spends none of
  `max_attempts`); anything else goes on to the stream's checks.

- `read_token_answer`, the one ladder a token request's answer goes through (refused
  credentials, other 4xx, 429/5xx, HTML, an oversized or garbled body); what differs between
  vendors is declared as a `TokenAnswer` (the names in its messages, which statuses mean
  refused credentials, whether HTML is refused, how much is read).

A subclass registers each token with the scrubber the moment it has it: none is ever logged.
"""

from __future__ import annotations

import json
import threading
import typing as t
from dataclasses import dataclass
from http import HTTPStatus

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from typing_extensions import override

from tapkit.errors import TokenRenewalError
from tapkit.httperrors import read_capped, vendor_message
from tapkit.stream import VendorStream

#: Sends a request the stream's way (inside its retries) and returns the answer.
Send = t.Callable[[requests.Request], requests.Response]


@dataclass(frozen=True)
class TokenAnswer:
    """How a vendor's token request is named and answered, for the one ladder that reads the
    answer (`read_token_answer`): what differs between vendors, as data.
    """

    vendor: str
    #: the request, as messages name it ("the login", "the token request")
    request: str
    #: what a refusal says was refused ("the client credentials")
    refused: str
    #: the settings a refusal names ("username and password")
    settings: str
    #: statuses that mean the credentials themselves were refused (fatal, naming `settings`)
    refused_statuses: frozenset[int] = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN})
    #: what another 4xx adds before the vendor's message ("; check base_url")
    rejected_hint: str = ""
    #: an HTML page (a proxy, a maintenance page) is retried instead of read as JSON
    refuses_html: bool = False
    #: the most of the answer read (a token answer is a few hundred bytes); None: all of it
    max_bytes: int | None = None
    #: what a body that is not JSON is said to be
    not_json: str = "a body that is not JSON"


def read_token_answer(response: requests.Response, answer: TokenAnswer) -> dict[str, t.Any]:
    """The JSON object a token request answered, or the error of the answer: refused
    credentials and other 4xx are fatal; 429, 5xx, HTML, an oversized or garbled body are
    retried like any failed request.
    """
    vendor, status = answer.vendor, response.status_code
    if status in answer.refused_statuses:
        raise FatalAPIError(
            f"{vendor} refused {answer.refused} (HTTP {status}): check the settings "
            f"{answer.settings}. {vendor} said: {vendor_message(response)}"
        )
    if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise RetriableAPIError(
            f"{vendor} answered HTTP {status} to {answer.request}: {vendor_message(response)}",
            response,
        )
    if status >= HTTPStatus.BAD_REQUEST:
        raise FatalAPIError(
            f"{vendor} rejected {answer.request} (HTTP {status}){answer.rejected_hint}: "
            f"{vendor_message(response)}"
        )
    if answer.refuses_html and "html" in response.headers.get("Content-Type", "").lower():
        raise RetriableAPIError(
            f"{vendor} answered {answer.request} with an HTML page (a proxy or maintenance page?)",
            response,
        )
    if answer.max_bytes is None:
        data = response.content
    else:
        data, more = read_capped(response, answer.max_bytes)
        if more:
            raise RetriableAPIError(
                f"{vendor} answered {answer.request} with more than {answer.max_bytes // 1024} "
                "KiB (a token answer is a few hundred bytes): not read",
                response,
            )
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        raise RetriableAPIError(
            f"{vendor} answered {answer.request} with {answer.not_json}", response
        ) from None
    if not isinstance(body, dict):
        raise RetriableAPIError(f"{vendor} answered {answer.request} with no token", response)
    return body


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
        applies the authenticator to the attempt. A 401 that renews the token is sent again
        at once with the new one, inside the same attempt: a token that expired is not a
        failed attempt of the request's `max_attempts`.
        """
        send = super().send_request
        if self.authenticator.is_token_request(prepared_request):
            return send(prepared_request, context)

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
        try:
            return send(prepared_request, context)
        except TokenRenewalError:
            self.authenticator.ensure(send_token_request)
            return send(prepared_request, context)

    @override
    def retry_delay(self, exception: BaseException | None, attempt: int) -> float:
        """A token renewed again (another stream's refusal in between) is tried at once;
        other failures wait as usual.
        """
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
