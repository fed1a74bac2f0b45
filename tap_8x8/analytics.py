"""8x8 Analytics for Contact Center: the Historical Metrics API v8 conventions.

What 8x8 publishes (8x8Cloud/public-developer-docs, commit 859e59a3; docs/8x8-analytics.md):
- OAuth client credentials: `POST {analytics_base_url}/oauth/v2/token` with basic auth
  `key:secret` → `access_token`, `expires_in` (seconds, as a string). One token per run,
  reused until a minute before it expires, renewed once on a 401 (`tapkit.oauth`,
  `tapkit.renewable_token`).
- Reports under `{analytics_base_url}[/eu|/au|/ca]/analytics/cc/v8/historical-metrics`,
  with `X-Tenant-Info: {tenant_id}` for multi-tenant customers.
- A report is created for a date range (`POST /` summary, `POST /detailed-reports` detailed),
  its status polled until DONE (`GET /{id}/status`; the guide asks for no tight loop), and
  its data read: summary pages `GET /{id}/data?page&size` (JSON capped at 10,000 records),
  detailed pages `GET /detailed-reports/{id}/data?size&lastDocumentId` (no cap; the next
  cursor in the `Last-Document-Id` header, absent on the last page).
- Rows are `{"items": [{"key", "label", "value"}]}` (OpenAPI `Row` / `DetailedRow`): each is
  pivoted into one record keyed by `key`.

Windows are whole days of `timezone` (the report's time zone; 8x8 refuses a zone the tenant
has not configured), one report per day and stream: 30-minute granularity is accepted only
for ranges up to a week, and a day keeps a summary report far under the cap (48 intervals per
queue or agent). A window whose summary data reaches the cap fails instead of losing rows.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import typing as t
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from typing_extensions import override

from tapkit.converters import to_seconds
from tapkit.errors import BodyError
from tapkit.httperrors import vendor_message
from tapkit.jsonbody import iter_json_records
from tapkit.oauth import ClientCredentialsToken
from tapkit.renewable_token import RenewableTokenStream
from tapkit.reports import PollPolicy, ReportTicket, run_report
from tapkit.responseguard import read_whole
from tapkit.window_plan import DateWindow, WindowToken
from tapkit.window_walk import Windowing, ZoneSetting
from tapkit.windowbounds import inclusive_window

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.paging import Page

VENDOR = "8x8 Analytics"
DEFAULT_BASE_URL = "https://api.8x8.com"
TOKEN_PATH = "/oauth/v2/token"  # noqa: S105 (a path, not a password)
HISTORICAL_PATH = "/analytics/cc/v8/historical-metrics"
REGION_PREFIX = {"us": "", "eu": "/eu", "au": "/au", "ca": "/ca"}
#: the summary guide: "Data (JSON) results are capped at 10,000 records"
JSON_CAP = 10_000
PAGE_SIZE = 1000
CALENDAR = ZoneSetting("timezone", default="UTC", example="America/New_York")
CREDENTIALS = ("analytics_api_key", "analytics_api_secret")
_REPORT_ID = re.compile(r"/(\d+)/data")


def analytics_base(config: t.Mapping[str, t.Any]) -> str:
    """`analytics_base_url` without a trailing slash."""
    return str(config.get("analytics_base_url") or DEFAULT_BASE_URL).rstrip("/")


# -- values --------------------------------------------------------------------------------


def ms_to_seconds(value: t.Any) -> t.Any:
    """Milliseconds (a number or numeric string) → whole seconds, half up; "hh:mm:ss" read
    as such; anything else returned as sent (the typing rule keeps it in `_extra`).
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        if ":" in text:
            try:
                return to_seconds(text)
            except (TypeError, ValueError):
                return value
        try:
            value = float(text)
        except ValueError:
            return value
    if isinstance(value, (int, float)) and math.isfinite(value) and abs(value) < 1e18:
        return int((value + 500) // 1000)
    return value


def to_utc_iso(value: t.Any) -> t.Any:
    """An ISO 8601 time with an offset (`2023-07-03T16:02:27.576+03:00`) → the same instant
    in UTC; anything else as sent.
    """
    if not isinstance(value, str) or not value.strip():
        return value if value != "" else None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if parsed.tzinfo is None:
        return value
    return parsed.astimezone(dt.UTC).isoformat()


def unwrap_progress(value: t.Any) -> tuple[t.Any, bool]:
    """`{"value": v, "ongoing": b}` → (v, b); a plain value → (value, False)."""
    if isinstance(value, dict) and "value" in value and set(value) <= {"value", "ongoing"}:
        return value.get("value"), value.get("ongoing") is True
    return value, False


@dataclass(frozen=True)
class Pivot:
    """How the items of one row become a record's fields."""

    durations: frozenset[str] = frozenset()
    times: frozenset[str] = frozenset()
    #: a list of objects whose fields follow the same rules (interaction participants)
    nested: frozenset[str] = frozenset()
    #: add `ongoing`: whether any `{value, ongoing}` item said the row is not final
    track_ongoing: bool = False

    def record(self, row: t.Any) -> dict[str, t.Any] | None:
        """The record of one `Row`/`DetailedRow`; None for a subtotal or grand total row."""
        if not isinstance(row, dict) or not isinstance(row.get("items"), list):
            raise BodyError(f"a report row without items: {str(row)[:200]!r}")
        if row.get("totals") or row.get("total"):
            return None
        fields: dict[str, t.Any] = {}
        for item in row["items"]:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                fields[item["key"]] = item.get("value")
        record, ongoing = self.convert(fields)
        if self.track_ongoing:
            record["ongoing"] = ongoing
        return record

    def convert(self, fields: dict[str, t.Any]) -> tuple[dict[str, t.Any], bool]:
        """Durations in seconds, times in UTC, progress objects unwrapped."""
        ongoing = False
        record: dict[str, t.Any] = {}
        for key, raw in fields.items():
            value, still = unwrap_progress(raw)
            ongoing = ongoing or still
            if key in self.durations:
                value = ms_to_seconds(value)
            elif key in self.times:
                value = to_utc_iso(value)
            elif key in self.nested and isinstance(value, list):
                converted = []
                for part in value:
                    if isinstance(part, dict):
                        inner, inner_ongoing = self.convert(part)
                        ongoing = ongoing or inner_ongoing
                        converted.append(inner)
                    else:
                        converted.append(part)
                value = converted
            record[key] = value
        return record, ongoing


# -- the report flow -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPage:
    """A page of a report's data: the report, and the page index or the document cursor."""

    report_id: str
    cursor: t.Any = None


class AnalyticsApiStream(RenewableTokenStream):
    """A stream of one of 8x8's Analytics APIs: OAuth token, region, tenant, time zone."""

    vendor = VENDOR
    auth_settings = CREDENTIALS
    credential_group = "analytics"
    #: the API under the region prefix (`/analytics/cc/v8/historical-metrics`)
    api_path: str = HISTORICAL_PATH

    @property
    @override
    def url_base(self) -> str:
        """`{analytics_base_url}[/eu|/au|/ca]{api_path}`."""
        region = str(self.config.get("analytics_region") or "us")
        return f"{analytics_base(self.config)}{REGION_PREFIX[region]}{self.api_path}"

    @property
    @override
    def http_headers(self) -> dict[str, str]:
        """JSON, and the tenant for multi-tenant customers."""
        headers = {**super().http_headers, "Accept": "application/json"}
        if self.config.get("tenant_id"):
            headers["X-Tenant-Info"] = str(self.config["tenant_id"])
        return headers

    # -- credentials ---------------------------------------------------------------------

    @property
    @override
    def authenticator(self) -> ClientCredentialsToken:
        """The run's token, shared by every analytics stream."""
        return self.run_scope.shared(
            ClientCredentialsToken,
            lambda: ClientCredentialsToken(
                token_url=f"{analytics_base(self.config)}{TOKEN_PATH}",
                client_id=str(self.config["analytics_api_key"]),
                client_secret=str(self.config["analytics_api_secret"]),
                vendor=VENDOR,
                settings=CREDENTIALS,
                logger=self.owning_tap.logger,
            ),
            key="8x8-analytics",
        )

    @override
    def validate_accepted_response(self, response: requests.Response) -> None:
        """A refused time zone, tenant or region names its setting; the rest as usual."""
        status = response.status_code
        if status == HTTPStatus.BAD_REQUEST:
            said = vendor_message(response)
            lowered = said.lower()
            if "timezone" in lowered or "time zone" in lowered:
                raise FatalAPIError(
                    f"{VENDOR} refused the report time zone {CALENDAR.name(self.config)!r} "
                    f"for stream '{self.name}': check the setting timezone (8x8 accepts only "
                    f"zones configured on the tenant). {VENDOR} said: {said}"
                )
            if "x-tenant-info" in lowered:
                raise FatalAPIError(
                    f"{VENDOR} refused the tenant for stream '{self.name}': check the setting "
                    f"tenant_id (required for multi-tenant customers). {VENDOR} said: {said}"
                )
        if status == HTTPStatus.NOT_FOUND:
            raise FatalAPIError(
                f"{VENDOR} answered HTTP 404 for stream '{self.name}': check the setting "
                f"analytics_region (the tenant's region: us, eu, au or ca) and "
                f"analytics_base_url. {VENDOR} said: {vendor_message(response)}"
            )
        super().validate_accepted_response(response)

    @override
    def request_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """Nothing when the analytics credentials are not set (the tap says so once)."""
        if not all(self.config.get(name) for name in CREDENTIALS):
            return iter(())
        return super().request_records(context)


class AnalyticsStream(AnalyticsApiStream):
    """One report type, read per day of `timezone` with the create → status → data flow."""

    report_type: str = ""
    detailed: bool = True
    pivot: t.ClassVar[Pivot] = Pivot()
    windowing = Windowing(max_days=1, calendar=CALENDAR)

    @property
    @override
    def path(self) -> str:  # type: ignore[override]
        """Where this stream's reports are created (the request metrics' endpoint)."""
        return "/detailed-reports" if self.detailed else "/"

    @cached_property
    def poll_policy(self) -> PollPolicy:
        """Status checks from `report_poll_seconds`, bounded by `report_timeout_seconds`."""
        return PollPolicy(
            first_delay=float(self.config.get("report_poll_seconds", 2)),
            timeout=float(self.config.get("report_timeout_seconds", 900)),
            attempts=max(1, min(3, self.backoff_max_tries())),
        )

    # -- the report's definition ---------------------------------------------------------

    def report_definition(self, window: DateWindow) -> dict[str, t.Any]:
        """The body creating this stream's report for `window` (its days in `timezone`)."""
        start, end = inclusive_window(window, self.window_tz)
        return {
            "type": self.report_type,
            "title": f"tap-8x8 {self.name} {window.first.isoformat()}",
            "dateRange": {"start": start, "end": end},
            "timezone": CALENDAR.name(self.config),
        }

    # -- requests ------------------------------------------------------------------------

    @override
    def build_page_request(self, context: Context | None, token: t.Any) -> requests.PreparedRequest:
        """The first page of a window creates its report and waits for it; every page then
        reads the report's data.
        """
        if not isinstance(token, WindowToken):
            raise TypeError(f"{self.name}: a report stream is read by date window")
        page = token.page if isinstance(token.page, ReportPage) else None
        if page is None:
            page = ReportPage(self.ready_report(context, token.window))
        return self.build_prepared_request(
            "GET",
            self.data_url(page.report_id),
            params=self.data_params(page),
            headers=self.http_headers,
        )

    def ready_report(self, context: Context | None, window: DateWindow) -> str:
        """Create the window's report and wait until it is DONE; its id."""
        fetch = self.request_decorator(self.send_for_json)
        what = f"{self.name} {window}"

        def create() -> ReportTicket:
            url = f"{self.url_base}{self.path}"
            prepared = self.build_prepared_request(
                "POST", url, json=self.report_definition(window), headers=self.http_headers
            )
            body = fetch(prepared, context)
            first = body[0] if isinstance(body, list) and body else body
            if not isinstance(first, dict) or first.get("id") in (None, ""):
                raise FatalAPIError(f"{what}: {VENDOR} created no report: {str(body)[:200]}")
            return ReportTicket(str(first["id"]), str(first.get("status") or "IN_PROGRESS"))

        def status(report_id: str) -> str:
            prepared = self.build_prepared_request(
                "GET", f"{self.url_base}/{report_id}/status", headers=self.http_headers
            )
            body = fetch(prepared, context)
            return str(body.get("status") or "") if isinstance(body, dict) else ""

        return run_report(create, status, policy=self.poll_policy, what=what, logger=self.logger)

    def send_for_json(self, prepared: requests.PreparedRequest, context: t.Any) -> t.Any:
        """Send one request of the report flow and read its JSON answer (a body that is not
        JSON is retried like a failed request).
        """
        with self.send_request(prepared, context) as response:
            body = read_whole(response, self.limits, vendor=VENDOR, stream=self.name)
            try:
                return json.loads(body)
            except ValueError:
                raise RetriableAPIError(
                    f"{VENDOR} answered stream '{self.name}' with a body that is not JSON "
                    "(cut short?)",
                    response,
                ) from None

    def data_url(self, report_id: str) -> str:
        """Where the report's data is read."""
        if self.detailed:
            return f"{self.url_base}/detailed-reports/{report_id}/data"
        return f"{self.url_base}/{report_id}/data"

    def data_params(self, page: ReportPage) -> dict[str, t.Any]:
        """The page size, and the cursor (detailed) or page index (summary)."""
        if self.detailed:
            params: dict[str, t.Any] = {"size": PAGE_SIZE}
            if page.cursor is not None:
                params["lastDocumentId"] = page.cursor
            return params
        return {"page": page.cursor or 0, "size": PAGE_SIZE}

    @override
    def next_page_in_window(self, response: requests.Response, page: Page) -> t.Any:
        """The next cursor (`Last-Document-Id`) or page (`X-Page` + 1 < `X-Total-Pages`)."""
        found = _REPORT_ID.search(response.url or "")
        if found is None:
            return None
        report_id = found.group(1)
        if self.detailed:
            cursor = response.headers.get("Last-Document-Id")
            return ReportPage(report_id, cursor) if cursor else None
        try:
            number = int(response.headers.get("X-Page", "0"))
            pages = int(response.headers.get("X-Total-Pages", "1"))
        except ValueError:
            return None
        return ReportPage(report_id, number + 1) if number + 1 < pages else None

    # -- records ---------------------------------------------------------------------------

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """The page's rows pivoted into records; a summary window at the cap fails first."""
        if not self.detailed:
            self.check_cap(response, page)
        for row in iter_json_records(response.iter_content(chunk_size=64 * 1024)):
            record = self.pivot.record(row)
            if record is not None:
                yield record

    def check_cap(self, response: requests.Response, page: Page) -> None:
        """Fail when a summary report's JSON data reached 8x8's 10,000-record cap."""
        try:
            total = int(response.headers.get("X-Total-Elements", "0"))
        except ValueError:
            return
        if total >= JSON_CAP:
            raise FatalAPIError(
                f"{self.name} {page.window}: the report holds {total:,} rows, 8x8's cap on "
                f"JSON report data ({JSON_CAP:,}); rows beyond it would be lost. Narrow the "
                "report (fewer queues or agents per tenant_id) or ask 8x8 about the CSV download"
            )
