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

import typing as t

import requests
from singer_sdk.exceptions import FatalAPIError
from typing_extensions import override

from tapkit.errors import BodyError
from tapkit.jsonenvelope import iter_enveloped_records
from tapkit.renewable_token import (
    RenewableToken,
    RenewableTokenStream,
    Send,
    TokenAnswer,
    read_token_answer,
)
from tapkit.scrub import register_secret, scrub
from tapkit.settings import path_segment
from tapkit.window_walk import WindowRequest, ZoneSetting
from tapkit.windowbounds import inclusive_range

if t.TYPE_CHECKING:
    import datetime as dt

    from tapkit.window_plan import DateWindow

VENDOR = "Chat-Tonic"
#: Chat-Tonic's days are those of the account's `timezone`.
CALENDAR = ZoneSetting("timezone", default="UTC")
LOGIN_PATH = "/api/v1/user/login"
#: the most of a login answer read (it holds a token and a status)
LOGIN_BODY_BYTES = 64 * 1024
#: Members of a JSON envelope that tell whether the vendor's query worked.


# -- credentials ---------------------------------------------------------------------------


class ChattonicAuthenticator(RenewableToken):
    """The bearer token of a run, shared by its streams: given, or obtained by logging in.

    The renewal is the core's (`tapkit.renewable_token`): logging in happens lazily, inside
    the attempt, sent by the stream the SDK's way, so a login that meets a 5xx, a reset or a
    garbled answer is retried like any request; a token is renewed once per refusal and a
    fresh token refused again ends the run naming the settings. What is Chat-Tonic's: the
    login itself (a JSON body), refused (401/403, or `status: false`) naming `username` and
    `password`, and a given `access_token` that cannot be renewed without them.
    """

    refused_credential = "the credentials"
    settings_label = "setting(s)"
    renewal = "logging in again"

    def __init__(self, config: t.Mapping[str, t.Any], logger: t.Any) -> None:
        base_url = str(config["base_url"]).rstrip("/")
        self.username = config.get("username") or None
        self.password = config.get("password") or None
        token = config.get("access_token") or None
        names = ("access_token",) if token is not None else ()
        super().__init__(
            token_url=f"{base_url}{LOGIN_PATH}",
            vendor=VENDOR,
            settings=names + (("username", "password") if self.can_renew else ()),
            logger=logger,
            token=token,
        )

    @property
    @override
    def can_renew(self) -> bool:
        """Whether a refused or missing token can be replaced by logging in."""
        return bool(self.username and self.password)

    @property
    def answer(self) -> TokenAnswer:
        """The login's answer: an HTML page is retried, a body over 64 KiB is not read, and
        another 4xx points at `base_url`.
        """
        return TokenAnswer(
            vendor=VENDOR,
            request="the login",
            refused=f"the login of user {self.username!r}",
            settings="username and password",
            rejected_hint="; check base_url",
            refuses_html=True,
            max_bytes=LOGIN_BODY_BYTES,
            not_json="a body that is not JSON (cut short, or nested too deep)",
        )

    @override
    def request_token(self, send: Send) -> str:
        """A token from logging in as `username`."""
        login = requests.Request(
            "POST",
            self.token_url,
            json={"username": self.username, "password": self.password},
            headers={"Accept": "application/json"},
        )
        with send(login) as response:
            body = read_token_answer(response, self.answer)
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


class ChattonicStream(RenewableTokenStream):
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
