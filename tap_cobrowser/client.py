"""CoBrowser.net's HTTP conventions: one CSV endpoint, credentials in the query, days ago.

Every export is `GET /generic/api/csv.php?user=…&apiKey=…&c=COMMAND`; dated commands take
`start`/`stop` as whole days *ago*, counted in the server's calendar, at most 2 days per
request. The body is CSV (quoted, a configurable separator, maybe a BOM), or, when the
vendor refuses a request, a line of text such as "Error: Invalid user or apiKey" sent with
status 200. That text is recognised and reported as what it is, never read as "no rows".
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from typing_extensions import override

from tapkit.converters import rfc2822_to_iso
from tapkit.csvbody import declared_charset, iter_csv_records
from tapkit.errors import NotCsvError
from tapkit.stream import VendorStream
from tapkit.window_plan import DateWindow, local_today
from tapkit.window_walk import Windowing, WindowRequest, ZoneSetting

if t.TYPE_CHECKING:
    import requests

DEFAULT_BASE_URL = "https://client.cobrowser.net"
PATH = "/generic/api/csv.php"
CHUNK_BYTES = 64 * 1024
#: The server counts its days in `server_timezone`.
SERVER_CALENDAR = ZoneSetting("server_timezone", "Europe/Amsterdam", example="Europe/Amsterdam")

#: Vendor messages (sent instead of CSV) and what they mean.
CREDENTIALS_REFUSED = re.compile(r"user|api\s*key|login|auth|credential|permission", re.IGNORECASE)
CCC_REFUSED = re.compile(r"\bccc\b", re.IGNORECASE)
RANGE_REFUSED = re.compile(r"range|start|stop|days?\b", re.IGNORECASE)


def rfc2822_to_utc_iso(value: t.Any) -> str | None:
    """'Wed, 14 Mar 2012 16:16:11 +0100' → '2012-03-14T15:16:11+00:00'; blank → None.

    In UTC rather than the server's offset: some targets (target-duckdb) drop the offset
    when loading, and then the hour that repeats when DST ends (02:00 +02:00, then 02:00
    +01:00) would load as one hour twice and break the hourly streams' keys.
    """
    text = rfc2822_to_iso(value)
    if text is None:
        return None
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat()


def days_ago(window: DateWindow, today: dt.date) -> tuple[int, int]:
    """`start`/`stop` for a window of local dates, as days before the server's `today`."""
    start, stop = (today - window.first).days, (today - window.last).days
    if stop < 0:
        raise ValueError(f"window {window} ends after the server's today {today}")
    return start, stop


@dataclass
class CoBrowserRunFlags:
    """What one stream learns about the account and the others act on, within a run."""

    #: The vendor refused a CCC-only command: the other CCC-only streams are skipped.
    ccc_refused: bool = False


class CoBrowserStream(VendorStream):
    """One `csv.php` command read in a single request (the reference lists)."""

    vendor = "CoBrowser"
    auth_settings = ("user", "api_key")
    path = PATH
    #: The `c=` command of this stream.
    command: str = ""
    #: Commands that only CCC agents may call.
    ccc_only = False
    #: `post_process` already gives every declared column its JSON type (and moves the rest
    #: to `_extra`); the SDK's second, recursive pass over every value costs more time than
    #: reading and typing the CSV (measured on a 277,639-row window).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    @property
    def separator(self) -> str:
        """The CSV separator asked for (and expected back)."""
        return str(self.config.get("csv_separator", ";"))

    @property
    @override
    def datetime_converter(self) -> t.Callable[[t.Any], t.Any]:
        """Date-times are RFC 2822 ("Wed, 14 Mar 2012 16:16:11 +0100"); emitted in UTC."""
        return rfc2822_to_utc_iso

    @override
    def validate_response(self, response: requests.Response) -> None:
        """Statuses as usual; a 200 is judged by its body, not by its Content-Type.

        `csv.php` is a PHP script: its CSV and its "Error: …" lines may both come labelled
        text/html. The body decides: the expected CSV header, a vendor message, or (an
        HTML page, anything else) a body error that is retried.
        """
        content_type = response.headers.get("Content-Type", "").lower()
        if response.status_code < HTTPStatus.BAD_REQUEST and "html" in content_type:
            return
        super().validate_response(response)

    @override
    def get_url_params(self, context: t.Any, next_page_token: t.Any) -> dict[str, t.Any]:
        """Credentials, command and separator (secrets are masked in every log line)."""
        return {
            "user": self.config["user"],
            "apiKey": self.config["api_key"],
            "c": self.command,
            "csvseperator": self.separator,
            **super().get_url_params(context, next_page_token),
        }

    @property
    def run_flags(self) -> CoBrowserRunFlags:
        """What this run's streams learned about the account, shared by all of them."""
        return self.run_scope.shared(CoBrowserRunFlags, CoBrowserRunFlags)

    @override
    def get_records(self, context: t.Any) -> t.Iterable[dict[str, t.Any]]:
        """Skip a CCC-only command once the account proved not to be a CCC account."""
        if self.ccc_only and self.run_flags.ccc_refused:
            self.logger.info("%s: skipped, the account is not a CCC account", self.name)
            return
        yield from super().get_records(context)

    @override
    def parse_response(self, response: requests.Response) -> t.Iterator[dict[str, t.Any]]:
        """The CSV rows as they stream in; a vendor message instead of CSV is reported."""
        try:
            yield from iter_csv_records(
                response.iter_content(chunk_size=CHUNK_BYTES),
                delimiter=self.separator,
                expected_columns=self.primary_keys or (),
                encoding=declared_charset(response.headers.get("Content-Type")),
                max_field_mb=self.limits.max_field_mb,
                max_csv_line_mb=self.limits.max_csv_line_mb,
            )
        except NotCsvError as exc:
            self.refused(exc, response)

    def refused(self, exc: NotCsvError, response: requests.Response) -> None:
        """Act on a vendor message: CCC refusal → warning; credentials/range → fatal.

        Any other text is raised again as a body error: it is retried, and the run fails
        with the text if it persists.
        """
        message = " ".join(exc.text.split())
        if not message.lower().startswith("error"):
            raise exc
        if self.ccc_only and CCC_REFUSED.search(message):
            self.run_flags.ccc_refused = True
            self.logger.warning(
                "%s: CoBrowser refused the CCC-only commands (%r): the account is not a CCC "
                "account, so ccc_agents, ccc_agent_groups, ccc_group_accounts and "
                "ccc_slots_activity are skipped; the other streams go on",
                self.name,
                message,
            )
            return
        if CREDENTIALS_REFUSED.search(message):
            raise FatalAPIError(
                f"CoBrowser refused the credentials for stream '{self.name}': check the "
                f"settings user and api_key. CoBrowser said: {message!r}"
            )
        if RANGE_REFUSED.search(message):
            raise FatalAPIError(
                f"CoBrowser refused the date range of stream '{self.name}' "
                f"({self.describe_range(response)}): lower window_days. CoBrowser said: "
                f"{message!r}"
            )
        raise FatalAPIError(f"CoBrowser refused stream '{self.name}': {message!r}")

    def describe_range(self, response: requests.Response) -> str:
        """The range of the request that was refused, for the message: read from the
        request itself, so a stream keeps no per-request state.
        """
        query = parse_qs(urlsplit(response.request.url or "").query)
        if not {"start", "stop"} <= query.keys():
            return "no range"
        start, stop = int(query["start"][0]), int(query["stop"][0])
        return f"start={start}, stop={stop}: {start - stop + 1} day(s)"


class CoBrowserWindowedStream(CoBrowserStream):
    """A dated command, read over windows of at most 2 whole days of the server's calendar."""

    windowing = Windowing(max_days=2, calendar=SERVER_CALENDAR)
    _announced_anchor: dt.date | None = None

    def now_utc(self) -> dt.datetime:
        """The clock at the moment a request is built."""
        return dt.datetime.now(dt.UTC)

    def server_today(self) -> dt.date:
        """The day the server counts "days ago" from, when it receives the next request.

        The run's dates are fixed once, from the run's single clock reading. The server
        evaluates "days ago" when the request arrives, though: after its midnight,
        yesterday is 2 days ago. Counting from the later of the run's today and the
        server's current today keeps asking for the same dates, so a run that crosses
        midnight neither skips nor repeats a day.
        """
        planned = local_today(self.run_clock, self.window_tz)
        current = local_today(self.now_utc(), self.window_tz)
        if current > planned and self._announced_anchor != current:
            self._announced_anchor = current
            self.logger.info(
                "%s: the server's day changed during the run (%s → %s); days ago are now "
                "counted from %s so the same dates are read",
                self.name,
                planned,
                current,
                current,
            )
        return max(planned, current)

    @override
    def window_request(self, context: t.Any, window: DateWindow, page: t.Any) -> WindowRequest:
        """The window's first and last dates as days ago."""
        start, stop = days_ago(window, self.server_today())
        return WindowRequest(params={"start": start, "stop": stop})
