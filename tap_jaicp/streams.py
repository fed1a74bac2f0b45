"""JAICP streams: sessions and messages (date windows, pages inside), clients, the message
label catalog, and two statistics a bot's analyst needs: sessions per session label and
sessions switched from the bot to an operator, per day.

`messages` is read by message time (`messages_mode: by_time`, the default) or per session
as a child of `sessions` (`by_session`); both have the same schema.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property

from singer_sdk import typing as th
from typing_extensions import override

from tap_jaicp.client import JaicpPagedStream, JaicpStream
from tapkit.converters import to_text
from tapkit.jsonbody import iter_json_records
from tapkit.prefetch import Prefetcher
from tapkit.records import extra_property
from tapkit.window_walk import Windowing, WindowRequest
from tapkit.windowbounds import inclusive_window

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.paging import Page
    from tapkit.window_plan import DateWindow

EXTRA = extra_property("JAICP")

# The schemas follow the vendor's OpenAPI description of the Reporter API
# (`reporter-api.yml`, components named below; the public copy used and each component's
# field list are written down in tests/taps/test_jaicp_spec.py, which holds these schemas to it).
#: `ObjectNode` / `JsonNode`: free-form objects, loaded as sent
FREE_FORM = th.ObjectType(additional_properties=True)
#: `ClientInfo` (the client of a session or message; `id` is a string)
CLIENT_INFO = th.ObjectType(
    th.Property("id", th.StringType),
    th.Property("firstName", th.StringType),
    th.Property("lastName", th.StringType),
    th.Property("username", th.StringType),
    additional_properties=True,
)
#: `SessionLabelDto`
SESSION_LABELS = th.ArrayType(
    th.ObjectType(
        th.Property("id", th.IntegerType),
        th.Property("name", th.StringType),
        th.Property("priority", th.IntegerType),
        additional_properties=True,
    )
)
#: `MessageLabelGroupDto`
MESSAGE_LABEL_GROUP = th.ObjectType(
    th.Property("id", th.IntegerType),
    th.Property("name", th.StringType),
    th.Property("priority", th.IntegerType),
    additional_properties=True,
)
#: `MessageLabelDto`, its `group` a `MessageLabelGroupDto`
MESSAGE_LABEL_PROPERTIES = (
    th.Property("id", th.IntegerType),
    th.Property("name", th.StringType),
    th.Property("priority", th.IntegerType),
    th.Property("group", MESSAGE_LABEL_GROUP),
)
MESSAGE_LABELS = th.ArrayType(th.ObjectType(*MESSAGE_LABEL_PROPERTIES, additional_properties=True))
#: `OperatorInfo` (the live-chat operator who answered)
OPERATOR_INFO = th.ObjectType(
    th.Property("id", th.StringType),
    th.Property("firstName", th.StringType),
    th.Property("lastName", th.StringType),
    th.Property("photoUrl", th.StringType),
    th.Property("channelType", th.StringType),
    additional_properties=True,
)
#: `NlpInfo`
NLP_INFO = th.ObjectType(
    th.Property("nlpState", th.StringType),
    th.Property("nlpClass", th.StringType),
    th.Property("fromState", th.StringType),
    th.Property("pattern", th.StringType),
    th.Property("effectivePattern", th.StringType),
    th.Property("confidence", th.NumberType),
    th.Property("rule", th.StringType),
    th.Property("ruleType", th.StringType),
    additional_properties=True,
)

#: `ExtendedMessage` (messages by filter) and `status`, which only `Message` (by session)
#: has: one schema for both modes, so the warehouse's columns do not depend on the mode; by
#: session the session's fields (client, channel...) are null, by time `status` is
EXTENDED_MESSAGE = [
    th.Property("sessionId", th.StringType, required=True),
    th.Property("projectShortName", th.StringType),
    th.Property("channelType", th.StringType),
    th.Property("botId", th.StringType),
    th.Property("client", CLIENT_INFO, description="The client of the session."),
    th.Property("sessionStartTime", th.DateTimeType, description="Start of the session (UTC)."),
    th.Property("timestamp", th.DateTimeType, description="When the message arrived (UTC)."),
    th.Property("questionId", th.StringType, required=True),
    th.Property("isLivechat", th.BooleanType),
    th.Property("question", th.StringType, description="What the client wrote or said."),
    th.Property("textAnswer", th.StringType, description="What the bot answered."),
    th.Property("event", th.StringType),
    th.Property("operatorInfo", OPERATOR_INFO),
    th.Property("nlpInfo", NLP_INFO),
    th.Property("pageName", th.StringType),
    th.Property("previousPageName", th.StringType),
    th.Property("callTaskId", th.IntegerType),
    th.Property("isCallIncoming", th.BooleanType),
    th.Property("requestData", FREE_FORM),
    th.Property("data", FREE_FORM),
    th.Property("responseData", FREE_FORM),
    th.Property("utterancesJson", FREE_FORM),
    th.Property("exception", th.StringType),
    th.Property("processingTime", th.IntegerType, description="As sent (milliseconds)."),
    th.Property("labels", MESSAGE_LABELS, description="Message labels."),
    th.Property("sessionLabels", SESSION_LABELS, description="Labels of the session."),
    th.Property("cleaned", th.BooleanType),
    th.Property("comment", th.StringType),
]
MESSAGE_STATUS = th.Property(
    "status",
    th.StringType,
    description="SENT, DELIVERED, READ, NOT_SENT or NOT_DELIVERED (`Message` only).",
)


def range_filter(key: str, window: DateWindow) -> dict[str, t.Any]:
    """A `FiltersDto` holding one DATE_TIME_RANGE on `key` covering the window."""
    # the API includes both ends: a session on a boundary is read by one window
    first, last = inclusive_window(window, dt.UTC)
    return {"filters": [{"key": key, "type": "DATE_TIME_RANGE", "from": first, "to": last}]}


def epoch_ms_to_iso(value: t.Any) -> str | None:
    """`TimestampToValue.ts` (epoch milliseconds, an interval's start) as a UTC date-time;
    None when it is not a whole number (the row keeps `ts` as sent, typed by the core).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    seconds, millis = divmod(value, 1000)
    try:
        instant = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return (instant + dt.timedelta(milliseconds=millis)).isoformat()


#: at most this many requests at once (the keep-alive pool holds 10 connections per host)
MAX_PARALLEL_REQUESTS = 10


class JaicpWindowedStream(JaicpStream):
    """A `…/filter` list read by a `DATE_TIME_RANGE` filter on `filter_key`, in windows of
    whole UTC days, paged inside each window, a STATE after every window.
    """

    http_method = "POST"
    windowing = Windowing(max_days=31)
    #: the `FilterKey` whose range is the window
    filter_key: str = ""
    #: query parameters sent with every page besides `page` and `size`
    query_flags: t.ClassVar[dict[str, str]] = {}

    @override
    def window_request(
        self, context: Context | None, window: DateWindow, page: t.Any
    ) -> WindowRequest:
        """The page inside the window; the window as a DATE_TIME_RANGE on `filter_key`."""
        return WindowRequest(
            params={**self.page_params(page), **self.query_flags},
            body=range_filter(self.filter_key, window),
        )

    @override
    def next_page_in_window(self, response: requests.Response, page: Page) -> t.Any:
        """The next page of this window, or None."""
        return self.next_page_number(page.vendor_token, page)


class SessionsStream(JaicpWindowedStream):
    """Sessions (`SessionInfo`) by start time.

    Sent with the spec's optional flags `needToReturnSessionLabels` and
    `needToReturnSessionData`: without them a server may leave `labels` and `sessionData`
    out of every session.
    """

    name = "sessions"
    path = "/sessions/filter"
    filter_key = "SESSION_START_TIME"
    query_flags: t.ClassVar[dict[str, str]] = {
        "needToReturnSessionLabels": "true",
        "needToReturnSessionData": "true",
    }
    primary_keys = ("sessionId",)
    replication_key = "startTime"
    records_array_key = "sessions"
    time_fields = ("startTime",)
    duration_fields = ("duration",)
    schema = th.PropertiesList(
        th.Property("sessionId", th.StringType, required=True),
        th.Property("projectShortName", th.StringType),
        th.Property("channelType", th.StringType),
        th.Property("botId", th.StringType),
        th.Property("client", CLIENT_INFO, description="The client of the session."),
        th.Property("startTime", th.DateTimeType, description="Start of the session (UTC)."),
        th.Property("firstQuestion", th.StringType),
        th.Property("lastQuestion", th.StringType),
        th.Property("questionCount", th.IntegerType),
        th.Property("duration", th.IntegerType, description="Seconds (sent in milliseconds)."),
        th.Property("callTaskId", th.IntegerType),
        th.Property("isCallIncoming", th.BooleanType),
        th.Property("sessionResult", th.StringType),
        th.Property("audioFileUrl", th.StringType),
        th.Property("responseData", FREE_FORM),
        th.Property("customFields", FREE_FORM),
        th.Property("sessionData", FREE_FORM),
        th.Property("isLivechat", th.BooleanType),
        th.Property("labels", SESSION_LABELS, description="Session labels."),
        EXTRA,
    ).to_dict()

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """A page of sessions; with `max_parallel_requests` above 1, their messages are
        requested before the sessions are emitted (see `tapkit.prefetch`).
        """
        records = super().parse_page(response, page)
        prefetcher = self._messages_prefetcher
        if prefetcher is None:
            return records
        return self._messages_requested(records, prefetcher)

    @staticmethod
    def _messages_requested(
        records: t.Iterable[dict[str, t.Any]], prefetcher: Prefetcher
    ) -> t.Iterator[dict[str, t.Any]]:
        """The page's sessions, once each one's messages are requested."""
        rows = list(records)  # one page (at most `page_size` sessions), read whole first
        for record in rows:
            session_id = to_text(record.get("sessionId"))
            if session_id and session_id.strip():  # a blank id is skipped or fails as a key
                prefetcher.submit(session_id, {"sessionId": session_id})
        yield from rows

    @cached_property
    def _messages_prefetcher(self) -> Prefetcher | None:
        messages = [s for s in self.child_streams if isinstance(s, MessagesBySessionStream)]
        return messages[0].prefetcher if messages else None

    @override
    def get_child_context(
        self, record: dict[str, t.Any], context: Context | None
    ) -> dict[str, t.Any]:
        """Each session's messages are read as the session is emitted."""
        return {"sessionId": record["sessionId"]}


class MessagesByTimeStream(JaicpWindowedStream):
    """Messages (`ExtendedMessage`) by the time they were sent (`messages_mode: by_time`).

    `POST …/messages/filter` with a `MESSAGE_TIME` range: ⌈messages / page_size⌉ requests
    per window instead of one or more per session, with its own bookmark, and messages
    written after their session was first read are caught by the next window or lookback.
    """

    name = "messages"
    path = "/messages/filter"
    filter_key = "MESSAGE_TIME"
    primary_keys = ("sessionId", "questionId")
    replication_key = "timestamp"
    records_array_key = "messages"
    time_fields = ("timestamp", "sessionStartTime")
    schema = th.PropertiesList(*EXTENDED_MESSAGE, MESSAGE_STATUS, EXTRA).to_dict()


class MessagesBySessionStream(JaicpPagedStream):
    """The messages (`Message`) of each session read by `sessions` (a child stream;
    `messages_mode: by_session`).

    It follows its parent: a session re-read in a lookback re-reads its messages, and the
    messages of a window are emitted before that window's STATE. Selected alone, the
    sessions are still walked (without being emitted) to know which sessions to read.
    """

    name = "messages"
    path = "/messages/by-session"
    parent_stream_type = SessionsStream
    primary_keys = ("sessionId", "questionId")
    records_array_key = "messages"
    #: one state entry for the stream, not one per session (state would grow without end)
    state_partitioning_keys: t.ClassVar[list[str]] = []
    time_fields = ("timestamp", "sessionStartTime")
    schema = th.PropertiesList(*EXTENDED_MESSAGE, MESSAGE_STATUS, EXTRA).to_dict()

    #: The SDK would write this child's SCHEMA on every parent record; once is enough.
    schema_once_per_run = True

    @property
    def prefetcher(self) -> Prefetcher | None:
        """The run's reader of messages ahead, shared with the parent through the run scope;
        None when messages are read one session at a time (`max_parallel_requests` 1) or
        not selected.
        """
        workers = int(self.config.get("max_parallel_requests", 4))
        if workers <= 1 or not self.selected:
            return None
        return self.run_scope.shared(
            Prefetcher, lambda: Prefetcher(self, workers), key="messages_by_session"
        )

    @override
    def request_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """The session's messages: already read ahead if the parent asked, else read now."""
        if self.prefetcher is not None:
            records = self.prefetcher.take(self._session_id(context))
            if records is not None:
                yield from records
                return
        yield from super().request_records(context)

    @property  # type: ignore[misc]  # the SDK declares a plain attribute; a setting decides
    @override
    def http_method(self) -> str:
        """POST with a JSON body (legacy) or GET with a query parameter (v1)."""
        return "GET" if self.api_style == "v1" else "POST"

    @property
    @override
    def emit_activate_version_messages(self) -> bool:
        """Never: each read covers a few sessions, not the whole table."""
        return False

    @override
    def get_url_params(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any]:
        """The page, and the session in v1 style."""
        params: dict[str, t.Any] = self.page_params(next_page_token)
        if self.api_style == "v1":
            params["sessionId"] = self._session_id(context)
        return params

    @override
    def prepare_request_payload(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any] | None:
        """`{"sessionId": ...}` in legacy style."""
        if self.api_style == "v1":
            return None
        return {"sessionId": self._session_id(context)}

    @staticmethod
    def _session_id(context: Context | None) -> str:
        assert context and context.get("sessionId"), "messages are read per session"
        return str(context["sessionId"])

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """A message without its session id gets the one it was read for."""
        if context and not row.get("sessionId"):
            row["sessionId"] = context["sessionId"]
        return super().post_process(row, context)


class ClientsStream(JaicpPagedStream):
    """Every client of the project (`ClientExtendedInfo`; full table)."""

    name = "clients"
    path = "/clients/filter"
    http_method = "POST"
    primary_keys = ("id",)
    records_array_key = "clients"
    time_fields = ("joinDate", "lastVisitDate", "blockDate")
    schema = th.PropertiesList(
        th.Property("id", th.StringType, required=True),
        th.Property("firstName", th.StringType),
        th.Property("lastName", th.StringType),
        th.Property("username", th.StringType),
        th.Property("accountId", th.IntegerType),
        th.Property("projectShortName", th.StringType),
        th.Property("channelType", th.StringType),
        th.Property("botId", th.StringType),
        th.Property("lastSessionId", th.StringType),
        th.Property("joinDate", th.DateTimeType),
        th.Property("lastVisitDate", th.DateTimeType),
        th.Property("isBlocked", th.BooleanType),
        th.Property("blockReason", th.StringType),
        th.Property("blockedBy", th.IntegerType),
        th.Property("blockDate", th.DateTimeType),
        EXTRA,
    ).to_dict()

    @override
    def prepare_request_payload(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any]:
        """No filter: every client."""
        return {"filters": []}


class JaicpStatsStream(JaicpStream):
    """A statistics endpoint (no paging), read in windows of whole UTC days.

    No `Timezone` header is sent (the spec names it but not its unit), so days and `ts`
    are UTC; each daily interval lies inside one window, and a window re-read in the
    lookback upserts its days.
    """

    windowing = Windowing(max_days=31)
    records_array_key = "stats"

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """The objects of the `stats` array, as the body streams in."""
        chunks = response.iter_content(chunk_size=64 * 1024)
        return iter_json_records(chunks, array_key=self.records_array_key)


class MessageLabelsStream(JaicpStream):
    """The message label catalog (`GET …/message/labels`: an array of `MessageLabelDto`,
    each with its `group`, a `MessageLabelGroupDto`); a full table.
    """

    name = "message_labels"
    path = "/message/labels"
    http_method = "GET"
    primary_keys = ("id",)
    schema = th.PropertiesList(*MESSAGE_LABEL_PROPERTIES, EXTRA).to_dict()

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """The labels of the bare array, as the body streams in."""
        return iter_json_records(response.iter_content(chunk_size=64 * 1024))


class SessionLabelStatsStream(JaicpStatsStream):
    """Sessions per session label and day (`POST …/stats/session-labels`,
    `SessionLabelStatsDto`: per label a `SessionLabelStats` whose `tsToValues` are
    `TimestampToValue`s), one row per label and day.

    Asked with `intervalType=DAY&step=1` and the window as a `SESSION_START_TIME` range.
    A row is the label (`SessionLabelDto`) and one interval (`ts`, `value`), plus the
    tap's `labelId` (the key) and `intervalStart` (`ts` as a UTC date-time). The spec's
    `totalCount` sums the request's whole range, which depends on `window_days`: it is not
    a column (the sum of `value` gives it for any range).
    """

    name = "session_label_stats"
    path = "/stats/session-labels"
    http_method = "POST"
    primary_keys = ("labelId", "ts")
    replication_key = "intervalStart"
    schema = th.PropertiesList(
        th.Property("labelId", th.IntegerType, required=True, description="label.id"),
        th.Property("label", SESSION_LABELS.wrapped_type, description="`SessionLabelDto`."),
        th.Property(
            "ts", th.IntegerType, required=True, description="Interval start, epoch ms (UTC)."
        ),
        th.Property("value", th.NumberType, description="Sessions with the label."),
        th.Property("intervalStart", th.DateTimeType, description="`ts` as a UTC date-time."),
        th.Property("intervalType", th.StringType, description="The interval asked: DAY."),
        EXTRA,
    ).to_dict()

    @override
    def window_request(
        self, context: Context | None, window: DateWindow, page: t.Any
    ) -> WindowRequest:
        """Daily intervals over the window's sessions."""
        return WindowRequest(
            params={"intervalType": "DAY", "step": 1},
            body=range_filter("SESSION_START_TIME", window),
        )

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """One row per label and interval."""
        for stat in super().parse_page(response, page):
            label = stat.get("label")
            intervals = stat.get("tsToValues")
            if not isinstance(intervals, list):
                intervals = []
            around = {k: v for k, v in stat.items() if k not in ("tsToValues", "totalCount")}
            for interval in intervals:
                ts = interval.get("ts") if isinstance(interval, dict) else None
                yield {
                    **around,
                    **(interval if isinstance(interval, dict) else {"value": interval}),
                    "labelId": label.get("id") if isinstance(label, dict) else None,
                    "intervalStart": epoch_ms_to_iso(ts),
                    "intervalType": "DAY",
                }


class SwitchedSessionsDailyStream(JaicpStatsStream):
    """Sessions switched from the bot to an operator, per UTC day and transfer method
    (`GET …/stats/switched-sessions`, `TimestampToValueStatsDto`, whose `stats` are
    `TimestampToValue`s).

    `transferToOperatorMethod` is required and takes one value per request: each window is
    asked twice, `SWITCH` (the bot's switch to an operator) then `TEXT` (a bot answer that
    counts as a transfer, the text given by the optional `transfer_text` setting as
    `textForTransfer`). `dateFrom`/`dateTo` are `format: date`, both read as inclusive.
    """

    name = "switched_sessions_daily"
    path = "/stats/switched-sessions"
    http_method = "GET"
    primary_keys = ("transferToOperatorMethod", "date")
    replication_key = "date"
    METHODS = ("SWITCH", "TEXT")
    schema = th.PropertiesList(
        th.Property(
            "transferToOperatorMethod",
            th.StringType,
            required=True,
            description="SWITCH or TEXT, as asked.",
        ),
        th.Property("date", th.DateType, required=True, description="The UTC day of `ts`."),
        th.Property("ts", th.IntegerType, description="Day start, epoch ms (UTC)."),
        th.Property("value", th.NumberType, description="Sessions switched that day."),
        EXTRA,
    ).to_dict()

    @override
    def window_request(
        self, context: Context | None, window: DateWindow, page: t.Any
    ) -> WindowRequest:
        """The window's days, for one transfer method (the page token)."""
        params: dict[str, t.Any] = {
            "dateFrom": window.first.isoformat(),
            "dateTo": window.last.isoformat(),
            "transferToOperatorMethod": page or self.METHODS[0],
        }
        if self.config.get("transfer_text"):
            params["textForTransfer"] = self.config["transfer_text"]
        return WindowRequest(params=params)

    @override
    def next_page_in_window(self, response: requests.Response, page: Page) -> t.Any:
        """The other method, once the first is read."""
        method = page.vendor_token or self.METHODS[0]
        following = self.METHODS.index(method) + 1
        return self.METHODS[following] if following < len(self.METHODS) else None

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """Each day, stamped with the method it was asked for."""
        token = page.token
        method = getattr(token, "page", None) or self.METHODS[0]
        for interval in super().parse_page(response, page):
            start = epoch_ms_to_iso(interval.get("ts"))
            yield {
                **interval,
                "transferToOperatorMethod": method,
                "date": start[:10] if start else None,
            }
