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

import datetime as dt
import threading
import typing as t
from functools import cached_property
from http import HTTPStatus
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tapkit.jsonbody import BodyError, iter_enveloped_records
from tapkit.redirects import guard_redirects
from tapkit.scrub import register_secret, scrub
from tapkit.stream import WindowedStream, vendor_message
from tapkit.windows import DateWindow, WindowToken

VENDOR = "Chat-Tonic"
LOGIN_PATH = "/api/v1/user/login"
ONE_DAY = dt.timedelta(days=1)
ONE_MILLISECOND = dt.timedelta(milliseconds=1)
#: Members of a JSON envelope that tell whether the vendor's query worked.


# -- time ranges ---------------------------------------------------------------------------


def local_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The instant (UTC) at which `day` begins in `tz`.

    Where a DST change skips midnight itself (clocks jump from 00:00 to 01:00), the day
    begins at the jump, which is the instant this returns (zoneinfo reads the skipped 00:00
    with the offset in force before it).
    """
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def window_instants(window: DateWindow, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a window of local days, as UTC instants."""
    return local_midnight(window.first, tz), local_midnight(window.last + ONE_DAY, tz)


def api_instant(instant: dt.datetime) -> str:
    """An instant as the API takes it: `2021-11-01T03:00:00.000Z`."""
    utc = instant.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


# -- credentials ---------------------------------------------------------------------------


class TokenRefused(FatalAPIError):
    """Chat-Tonic answered 401 to a request carrying `token`."""

    def __init__(self, message: str, token: str | None) -> None:
        super().__init__(message)
        self.token = token


class ChattonicCredentials:
    """The bearer token of a run, shared by its streams: given, or obtained by logging in.

    Logging in happens lazily, inside the request being retried, so a login that meets a
    5xx, a reset or a garbled answer is retried like any request; a login refused (401/403,
    or `status: false`) ends the run naming `username` and `password`.
    """

    def __init__(self, config: t.Mapping[str, t.Any], logger: t.Any) -> None:
        self.base_url = str(config["base_url"]).rstrip("/")
        self.username = config.get("username") or None
        self.password = config.get("password") or None
        self.timeout = float(config.get("request_timeout", 120))
        self.logger = logger
        self._token: str | None = config.get("access_token") or None
        self.has_access_token = self._token is not None
        self._lock = threading.Lock()
        self._session = guard_redirects(requests.Session())

    @property
    def can_log_in(self) -> bool:
        """Whether a refused or missing token can be replaced by logging in."""
        return bool(self.username and self.password)

    @property
    def settings(self) -> tuple[str, ...]:
        """The settings a user checks when the token is refused."""
        names = ("access_token",) if self.has_access_token else ()
        return names + (("username", "password") if self.can_log_in else ())

    def bearer_token(self) -> str:
        """The current token, logging in first if there is none."""
        with self._lock:
            if self._token is None:
                self._token = self._log_in()
            return self._token

    def forget(self, refused: str | None) -> bool:
        """Drop a refused token; True if a new one can be obtained by logging in."""
        if not self.can_log_in:
            return False
        with self._lock:
            if self._token == refused:
                self._token = None
        return True

    def _log_in(self) -> str:
        response = self._session.post(
            f"{self.base_url}{LOGIN_PATH}",
            json={"username": self.username, "password": self.password},
            headers={"Accept": "application/json"},
            timeout=self.timeout,
        )
        body = self._login_body(response)
        token = body.get("token") if body.get("status", True) is not False else None
        if not isinstance(token, str) or not token:
            raise FatalAPIError(
                f"{VENDOR} refused the login of user {self.username!r}: check the settings "
                f"username and password. {VENDOR} said: {_message(body) or 'no token'}"
            )
        register_secret(token)
        self.logger.info("Logged in to %s as %s", VENDOR, self.username)
        return token

    def _login_body(self, response: requests.Response) -> dict:
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
        try:
            body = response.json()
        except ValueError:
            raise RetriableAPIError(
                f"{VENDOR} answered the login with a body that is not JSON (cut short?)", response
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
) -> t.Iterator[dict]:
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


class ChattonicStream(WindowedStream):
    """A Chat-Tonic stats endpoint read over windows of whole local days."""

    vendor = VENDOR
    #: The endpoint under `/api/v1/{codename}/stats/`.
    endpoint: str = ""

    @property
    def path(self) -> str:  # type: ignore[override]
        """The endpoint of the account named by `codename`."""
        return f"/api/v1/{quote(str(self.config['codename']), safe='')}/stats/{self.endpoint}"

    @cached_property
    def window_tz(self) -> dt.tzinfo:  # type: ignore[override]
        """The calendar of the daily windows: `timezone`."""
        return ZoneInfo(str(self.config.get("timezone") or "UTC"))

    @property
    def credentials(self) -> ChattonicCredentials:
        """The run's token, shared by every stream of the tap."""
        tap = self._tap
        credentials = getattr(tap, "_chattonic_credentials", None)
        if credentials is None:
            credentials = ChattonicCredentials(self.config, tap.logger)
            tap._chattonic_credentials = credentials  # type: ignore[attr-defined]
        return credentials

    @property
    def auth_settings(self) -> tuple[str, ...]:  # type: ignore[override]
        """The settings named when the token is refused."""
        return self.credentials.settings

    @property
    def http_headers(self) -> dict:
        """JSON, as the API documents."""
        return {**super().http_headers, "Accept": "application/json"}

    def _request(self, prepared_request: requests.PreparedRequest, context: t.Any) -> t.Any:
        """Send with the current token; on a 401 log in once more and send again."""
        token = self._authorize(prepared_request)
        try:
            return super()._request(prepared_request, context)
        except TokenRefused:
            if not self.credentials.forget(token):
                raise
            self.logger.info("%s: %s refused the token; logging in again", self.name, VENDOR)
        self._authorize(prepared_request)
        return super()._request(prepared_request, context)

    def _authorize(self, prepared_request: requests.PreparedRequest) -> str:
        token = self.credentials.bearer_token()
        prepared_request.headers["Authorization"] = f"Bearer {token}"
        return token

    def validate_response(self, response: requests.Response) -> None:
        """A 401 is a refused token (see `_request`); the rest as every vendor stream."""
        if response.status_code == HTTPStatus.UNAUTHORIZED:
            header = response.request.headers.get("Authorization", "") if response.request else ""
            raise TokenRefused(
                f"{VENDOR} refused the credentials (HTTP 401) for stream '{self.name}': check "
                f"the setting(s) {' and '.join(self.auth_settings)}. "
                f"{VENDOR} said: {vendor_message(response)}",
                str(header).removeprefix("Bearer ") or None,
            )
        super().validate_response(response)

    def request_instants(self, window: DateWindow) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) asked for a window: its local days."""
        return window_instants(window, self.window_tz)

    def get_url_params(self, context: t.Any, next_page_token: WindowToken | None) -> dict:
        """The window as UTC instants, the end being its last millisecond."""
        assert next_page_token is not None, "Chat-Tonic streams are always read by window"
        self._current_window = next_page_token.window
        start, end = self.request_instants(next_page_token.window)
        return {"startDate": api_instant(start), "endDate": api_instant(end - ONE_MILLISECOND)}

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """Records as the body streams in; a failure reported in the body is raised."""
        return iter_query_records(
            response.iter_content(chunk_size=64 * 1024), array_key=self.records_array_key
        )
