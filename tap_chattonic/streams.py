"""Chat-Tonic streams: each operator's figures per local day, and the hourly dashboard."""

from __future__ import annotations

import datetime as dt
import typing as t

from singer_sdk import typing as th
from singer_sdk.exceptions import FatalAPIError
from typing_extensions import override

from tap_chattonic.client import CALENDAR, VENDOR, ChattonicStream
from tapkit.records import extra_property
from tapkit.window_walk import Windowing, WindowRequest

if t.TYPE_CHECKING:
    import requests

    from tapkit.paging import Page
    from tapkit.window_plan import DateWindow

HOUR_LABEL = "%Y-%m-%d %H"
ONE_HOUR = dt.timedelta(hours=1)

EXTRA = extra_property("Chat-Tonic")


class OperatorStatsDailyStream(ChattonicStream):
    """One row per operator per local day.

    The API aggregates over whatever range it is asked, so each request is one local day
    (midnight to midnight in `timezone`) and each row is stamped with that `date`. Today's
    figures are incomplete: today is read again next run and its rows upsert by key.
    """

    name = "operator_stats_daily"
    endpoint = "operator"
    records_array_key = "operators"
    primary_keys = ("operator_id", "date")
    replication_key = "date"
    windowing = Windowing(max_days=1, calendar=CALENDAR)
    schema = th.PropertiesList(
        th.Property("operator_id", th.StringType, required=True, description="The `_id`."),
        th.Property(
            "date", th.DateType, required=True, description="The local day (in `timezone`)."
        ),
        th.Property(
            "name",
            th.ObjectType(
                th.Property("givenName", th.StringType),
                th.Property("familyName", th.StringType),
                additional_properties=True,
            ),
            description="The name object as sent.",
        ),
        th.Property("given_name", th.StringType, description="name.givenName"),
        th.Property("family_name", th.StringType, description="name.familyName"),
        th.Property("displayName", th.StringType),
        th.Property("origins", th.ArrayType(th.StringType)),
        th.Property("originsName", th.StringType),
        th.Property("profile", th.IntegerType),
        th.Property("status", th.StringType, description="Connection status, when sent."),
        th.Property("onlineTime", th.IntegerType),
        th.Property("awayTime", th.IntegerType),
        th.Property("freeTime", th.IntegerType),
        th.Property("queriesResolved", th.IntegerType),
        th.Property("avgDurationResolved", th.NumberType),
        th.Property("queriesAssigned", th.IntegerType),
        th.Property("sumDuration", th.IntegerType),
        th.Property("nps", th.NumberType),
        th.Property("lastConnection", th.DateTimeType),
        th.Property("numberOfResponsesNps", th.IntegerType),
        th.Property("queryInProgress", th.IntegerType),
        EXTRA,
    ).to_dict()

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """Each row is stamped with the day of the window it was read for (its `date`)."""
        if page.window is None:
            raise TypeError(f"stream '{self.name}' is read by date window only")
        day = page.window.first.isoformat()
        for row in super().parse_page(response, page):
            row["date"] = day
            yield row

    @override
    def post_process(self, row: dict[str, t.Any], context: t.Any = None) -> dict[str, t.Any] | None:
        """Key the row by operator and day; flatten the name; then type it."""
        operator_id = row.pop("_id", None)
        if operator_id in (None, ""):
            raise FatalAPIError(f"{VENDOR} sent an operator row without `_id`: cannot key it")
        row["operator_id"] = str(operator_id)
        row["date"] = row.pop("date")  # after operator_id, the columns' order as always sent
        name = row.get("name")
        if isinstance(name, dict):
            row["given_name"] = name.get("givenName")
            row["family_name"] = name.get("familyName")
        return super().post_process(row, context)


class DashboardHourlyStream(ChattonicStream):
    """The dashboard (`stats/bigquery?queryName=dashboard`) grouped by hour.

    Groups are labelled `%Y-%m-%d %H`, read as UTC hours (BigQuery's default); `hour` is that
    label as a timestamp and the key. A local midnight that falls inside a UTC hour (zones
    with a half-hour offset) would cut that hour in two partial rows, the second overwriting
    the first; so each request is widened to whole UTC hours, and an hour at a window
    boundary is read whole by both windows (identical rows that upsert).
    """

    name = "dashboard_hourly"
    endpoint = "bigquery"
    primary_keys = ("hour",)
    replication_key = "hour"
    windowing = Windowing(max_days=31, calendar=CALENDAR)
    schema = th.PropertiesList(
        th.Property("hour", th.DateTimeType, required=True, description="The UTC hour."),
        th.Property("date", th.StringType, description="The group label as sent."),
        th.Property("totalUsers", th.IntegerType),
        th.Property("newUsers", th.IntegerType),
        th.Property("activeUsers", th.IntegerType),
        th.Property("totalMessagesReceived", th.IntegerType),
        th.Property("messagesReceived", th.IntegerType),
        th.Property("totalMessagesSent", th.IntegerType),
        th.Property("messagesSent", th.IntegerType),
        th.Property("pending", th.IntegerType),
        th.Property("progress", th.IntegerType),
        th.Property("resolved", th.IntegerType),
        th.Property("failed", th.IntegerType),
        th.Property("userEfficiency", th.NumberType),
        th.Property("attention", th.NumberType),
        th.Property("resolution", th.NumberType),
        th.Property("attentionAndResolution", th.NumberType),
        th.Property("nps", th.NumberType),
        th.Property("csat", th.NumberType),
        EXTRA,
    ).to_dict()

    @override
    def request_instants(self, window: DateWindow) -> tuple[dt.datetime, dt.datetime]:
        """The window's local days, widened to whole UTC hours."""
        start, end = super().request_instants(window)
        start_hour = start.replace(minute=0, second=0, microsecond=0)
        end_hour = end.replace(minute=0, second=0, microsecond=0)
        return start_hour, end_hour if end_hour == end else end_hour + ONE_HOUR

    @override
    def window_request(self, context: t.Any, window: DateWindow, page: t.Any) -> WindowRequest:
        """The dashboard query, grouped by hour, over the window."""
        over_window = super().window_request(context, window, page).params
        return WindowRequest(
            params={"queryName": "dashboard", "dateFormatGroup": HOUR_LABEL, **over_window}
        )

    @override
    def post_process(self, row: dict[str, t.Any], context: t.Any = None) -> dict[str, t.Any] | None:
        """Key the row by its hour; then type it."""
        label = row.get("date")
        try:
            hour = dt.datetime.strptime(str(label), HOUR_LABEL).replace(tzinfo=dt.UTC)
        except ValueError:
            raise FatalAPIError(
                f"{VENDOR} sent a dashboard row labelled {label!r}, not an hour "
                f"({HOUR_LABEL}): the hourly grouping was not applied"
            ) from None
        row["hour"] = hour.isoformat()
        return super().post_process(row, context)
