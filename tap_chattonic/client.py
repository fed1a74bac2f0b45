"""Chat-Tonic's HTTP conventions: a bearer token (given, or obtained by logging in), ranges
of local days sent as UTC instants, and JSON bodies that can report a failure with status 200.

- Credentials: `access_token`, or `username` + `password` exchanged for a token at
  `POST {base_url}/api/v1/user/login`. The token is shared by every stream of a run; a 401
  makes the tap log in once more and repeat the request, a second 401 ends the run naming the
  settings to check. Tokens obtained by login are masked like any secret.
- Windows: whole local days of `timezone`, from local midnight to the next one (23 or 25
  hours across a DST change), sent as `startDate`/`endDate` in UTC with milliseconds. The
  vendor's example range ends before the next midnight, so the end is sent as the last
  millisecond of the window: consecutive windows neither overlap nor leave a gap.
- Bodies: `{"status": true, "operators": [...]}` or a bare array. `status: false`, or an
  error member in place of the records, is a failure of the vendor's query (the dashboard runs
  on BigQuery, whose jobs fail transiently): it raises `BodyError`, so the window is
  requested again up to `max_attempts`, and the final error carries the vendor's message.
"""

from __future__ import annotations

import json
import threading
import typing as t
from http import HTTPStatus

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from typing_extensions import override

from tapkit.errors import BodyError, TokenRenewalError
from tapkit.httperrors import read_capped, vendor_message
from tapkit.jsonenvelope import iter_enveloped_records
from tapkit.scrub import register_secret, scrub
from tapkit.settings import path_segment
from tapkit.stream import VendorStream
from tapkit.windowbounds import inclusive_range
from tapkit.windowing import WindowRequest, ZoneSetting

if t.TYPE_CHECKING:
    import datetime as dt

    from tapkit.windows import DateWindow

VENDOR = "Chat-Tonic"
#: Chat-Tonic's days are those of the account's `timezone`.
CALENDAR = ZoneSetting("timezone", default="UTC")
LOGIN_PATH = "/api/v1/user/login"
#: the most of a login answer read (it holds a token and a status)
LOGIN_BODY_BYTES = 64 * 1024
#: Members of a JSON envelope that tell whether the vendor's query worked.


# -- credentials ---------------------------------------------------------------------------


class ChattonicAuthenticator(requests.auth.AuthBase):
    """The bearer token of a run, shared by its streams: given, or obtained by logging in.

    The SDK applies the authenticator to every attempt of a request, so a token renewed
    after a 401 is sent by the retry, through the SDK's retry and metrics path. Logging in
    happens lazily, inside the attempt, and is sent by the stream the SDK's way (its session,
    redirect guard and request timer), so a login that meets a 5xx, a reset or a garbled
    answer is retried like any request; a login refused (401/403, or `status: false`) ends
    the run naming `username` and `password`. A token is renewed once per refusal: a fresh
    token refused again ends the run naming the settings.
    """

    def __init__(self, config: t.Mapping[str, t.Any], logger: t.Any) -> None:
        self.base_url = str(config["base_url"]).rstrip("/")
        self.username = config.get("username") or None
        self.password = config.get("password") or None
        self.logger = logger
        self._token: str | None = config.get("access_token") or None
        self.has_access_token = self._token is not None
        #: The token obtained after a refusal and not yet accepted by any request.
        self._renewed: str | None = None
        self._renewing = False
        # re-entrant: the login is sent by a stream, which applies this authenticator to it
        self._lock = threading.RLock()

    @override
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # The SDK also calls this when it prepares a request, outside its retries: the
        # login happens in `ChattonicStream.send_request`, inside them.
        with self._lock:
            token = self._token
        if token is not None:
            request.headers["Authorization"] = f"Bearer {token}"
        return request

    @property
    def can_log_in(self) -> bool:
        """Whether a refused or missing token can be replaced by logging in."""
        return bool(self.username and self.password)

    @property
    def settings(self) -> tuple[str, ...]:
        """The settings a user checks when the token is refused."""
        names = ("access_token",) if self.has_access_token else ()
        return names + (("username", "password") if self.can_log_in else ())

    @property
    def login_url(self) -> str:
        """Where the token is obtained."""
        return f"{self.base_url}{LOGIN_PATH}"

    def is_login(self, request: requests.PreparedRequest | None) -> bool:
        """Whether `request` is the login (its answer is read by this authenticator)."""
        return request is not None and request.url == self.login_url

    def bearer_token(self, send: t.Callable[[requests.Request], requests.Response]) -> str:
        """The current token, logging in first (the login sent by `send`) if there is none."""
        with self._lock:
            if self._token is None:
                self._token = self._log_in(send)
                if self._renewing:
                    self._renewed, self._renewing = self._token, False
            return self._token

    def refused(self, token: str | None) -> bool:
        """Note that `token` was refused; True if a login may replace it."""
        if not self.can_log_in:
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

    def _log_in(self, send: t.Callable[[requests.Request], requests.Response]) -> str:
        login = requests.Request(
            "POST",
            self.login_url,
            json={"username": self.username, "password": self.password},
            headers={"Accept": "application/json"},
        )
        with send(login) as response:
            body = self._login_body(response)
        token = body.get("token") if body.get("status", True) is not False else None
        if not isinstance(token, str) or not token:
            raise FatalAPIError(
                f"{VENDOR} refused the login of user {self.username!r}: check the settings "
                f"username and password. {VENDOR} said: {_message(body) or 'no token'}"
            )
        register_secret(token)
        try:
            token.encode("latin-1")
        except UnicodeEncodeError:
            raise FatalAPIError(
                f"{VENDOR} answered the login with a token an HTTP header cannot carry "
                "(characters beyond Latin-1); check base_url"
            ) from None
        self.logger.info("Logged in to %s as %s", VENDOR, self.username)
        return token

    def _login_body(self, response: requests.Response) -> dict[str, t.Any]:
        status = response.status_code
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            raise FatalAPIError(
                f"{VENDOR} refused the login of user {self.username!r} (HTTP {status}): check "
                f"the settings username and password. {VENDOR} said: {vendor_message(response)}"
            )
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(
                f"{VENDOR} answered HTTP {status} to the login: {vendor_message(response)}",
                response,
            )
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(
                f"{VENDOR} rejected the login (HTTP {status}); check base_url: "
                f"{vendor_message(response)}"
            )
        if "html" in response.headers.get("Content-Type", "").lower():
            raise RetriableAPIError(
                f"{VENDOR} answered the login with an HTML page (a proxy or maintenance page?)",
                response,
            )
        data, more = read_capped(response, LOGIN_BODY_BYTES)
        if more:
            raise RetriableAPIError(
                f"{VENDOR} answered the login with more than {LOGIN_BODY_BYTES // 1024} KiB "
                "(a token answer is a few hundred bytes): not read",
                response,
            )
        try:
            body = json.loads(data)
        except (ValueError, RecursionError):
            raise RetriableAPIError(
                f"{VENDOR} answered the login with a body that is not JSON (cut short, or "
                "nested too deep)",
                response,
            ) from None
        if not isinstance(body, dict):
            raise RetriableAPIError(f"{VENDOR} answered the login with no token", response)
        return body


def _message(members: t.Mapping[str, t.Any]) -> str:
    for key in ("message", "msg", "error", "errors"):
        value = members.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("msg") or value
        if value not in (None, "", True, False):
            return scrub(str(value))
    return ""


def _reports_failure(members: t.Mapping[str, t.Any]) -> bool:
    """`status: false`, or an error member with a value."""
    error = any(members.get(key) not in (None, "", False) for key in ("error", "errors"))
    return members.get("status") is False or error


# -- bodies --------------------------------------------------------------------------------


def iter_query_records(
    chunks: t.Iterable[bytes], *, array_key: str | None = None
) -> t.Iterator[dict[str, t.Any]]:
    """The records of a Chat-Tonic body, which fails if the body reports a failed query.

    The body is read by the core's `iter_enveloped_records`; Chat-Tonic's rule on top: once
    `status: false` or an error member has been read, no further record is passed on, and the
    body ends in `BodyError` with the vendor's message (never "no data").
    """
    members: dict[str, t.Any] = {}
    try:
        for record in iter_enveloped_records(chunks, members=members, array_key=array_key):
            if not _reports_failure(members):
                yield record
    except BodyError:
        if not _reports_failure(members):
            raise
    if _reports_failure(members):
        message = _message(members) or "status: false"
        raise BodyError(f"{VENDOR} reported a failed query in a 200 response: {message}")


# -- streams -------------------------------------------------------------------------------


class ChattonicStream(VendorStream):
    """A Chat-Tonic stats endpoint read over windows of whole local days."""

    vendor = VENDOR
    #: The endpoint under `/api/v1/{codename}/stats/`.
    endpoint: str = ""

    @property
    @override
    def path(self) -> str:  # type: ignore[override]
        """The endpoint of the account named by `codename`."""
        return f"/api/v1/{path_segment(self.config['codename'])}/stats/{self.endpoint}"

    @property
    @override
    def authenticator(self) -> ChattonicAuthenticator:
        """The run's token, shared by every stream of the tap."""
        return self.run_scope.shared(
            ChattonicAuthenticator,
            lambda: ChattonicAuthenticator(self.config, self.owning_tap.logger),
        )

    @property
    @override
    def auth_settings(self) -> tuple[str, ...]:  # type: ignore[override]
        """The settings named when the token is refused."""
        return self.authenticator.settings

    @property
    @override
    def http_headers(self) -> dict[str, str]:
        """JSON, as the API documents."""
        return {**super().http_headers, "Accept": "application/json"}

    @override
    def send_request(
        self, prepared_request: requests.PreparedRequest, context: t.Any
    ) -> requests.Response:
        """Log in first when there is no token (inside the retries, so a failed login is
        retried; sent the SDK's way, so it is in the request metrics); the SDK then applies
        the authenticator to the attempt.
        """
        send = super().send_request

        def send_login(login: requests.Request) -> requests.Response:
            # prepared like every request (the session's headers, the SDK's User-Agent)
            prepared = self.build_prepared_request(
                login.method, login.url, headers=login.headers, json=login.json
            )
            return send(prepared, context)

        self.authenticator.bearer_token(send_login)
        return send(prepared_request, context)

    @override
    def retry_delay(self, exception: BaseException | None, attempt: int) -> float:
        """A renewed token is tried at once; other failures wait as usual."""
        if isinstance(exception, TokenRenewalError):
            return 0.0
        return super().retry_delay(exception, attempt)

    @override
    def validate_response(self, response: requests.Response) -> None:
        """A 401 renews the token once (the SDK retries the request); the rest as usual.

        The login's answer is read by the authenticator (its own refusals name the login).
        """
        if self.authenticator.is_login(response.request):
            return
        header = response.request.headers.get("Authorization", "") if response.request else ""
        token = str(header).removeprefix("Bearer ") or None
        if response.status_code != HTTPStatus.UNAUTHORIZED:
            self.authenticator.accepted(token)
            super().validate_response(response)
            return
        message = (
            f"{VENDOR} refused the credentials (HTTP 401) for stream '{self.name}': check "
            f"the setting(s) {' and '.join(self.auth_settings)}. "
            f"{VENDOR} said: {vendor_message(response)}"
        )
        if not self.authenticator.refused(token):
            raise FatalAPIError(message)
        self.logger.info("%s: %s refused the token; logging in again", self.name, VENDOR)
        raise TokenRenewalError(message, response)

    def request_instants(self, window: DateWindow) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) asked for a window: its local days."""
        return window.instants(self.window_tz)

    @override
    def window_request(self, context: t.Any, window: DateWindow, page: t.Any) -> WindowRequest:
        """The window as UTC instants, the end being its last millisecond."""
        start, end = inclusive_range(*self.request_instants(window))
        return WindowRequest(params={"startDate": start, "endDate": end})

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        """Records as the body streams in; a failure reported in the body is raised."""
        return iter_query_records(
            response.iter_content(chunk_size=64 * 1024), array_key=self.records_array_key
        )
