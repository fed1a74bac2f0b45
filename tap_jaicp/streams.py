"""JAICP streams: sessions (date windows, pages inside), their messages, and clients."""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property

from singer_sdk import typing as th
from typing_extensions import override

from tap_jaicp.client import JaicpPagedStream, JaicpStream
from tapkit.prefetch import Prefetcher
from tapkit.records import extra_property, to_text
from tapkit.windowing import Windowing, WindowRequest

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.windows import DateWindow, WindowToken

EXTRA = extra_property("JAICP")
ONE_MS = dt.timedelta(milliseconds=1)

CLIENT = th.ObjectType(
    th.Property("id", th.IntegerType),
    th.Property("clientId", th.StringType),
    th.Property("firstName", th.StringType),
    th.Property("lastName", th.StringType),
    additional_properties=True,
)
LABELS = th.ArrayType(
    th.ObjectType(
        th.Property("id", th.IntegerType),
        th.Property("name", th.StringType),
        th.Property("groupId", th.IntegerType),
        additional_properties=True,
    )
)


def vendor_instant(instant: dt.datetime) -> str:
    """`yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, the format of the API's date-time filters."""
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def window_instants(window: DateWindow) -> tuple[str, str]:
    """`from` and `to` of a window of UTC days; the API includes both ends, so `to` is the
    next window's `from` minus one millisecond: a session on a boundary is read once.
    """
    start, end = window.instants(dt.UTC)
    return vendor_instant(start), vendor_instant(end - ONE_MS)


#: at most this many requests at once (the keep-alive pool holds 10 connections per host)
MAX_PARALLEL_REQUESTS = 10


class SessionsStream(JaicpStream):
    """Sessions by start time, in windows of whole UTC days, paged inside each window."""

    name = "sessions"
    path = "/sessions/filter"
    http_method = "POST"
    primary_keys = ("sessionId",)
    replication_key = "startTime"
    records_array_key = "sessions"
    windowing = Windowing(max_days=31)
    time_fields = ("startTime",)
    duration_fields = ("duration",)
    nested_fields = ("client", "labels")
    schema = th.PropertiesList(
        th.Property("sessionId", th.StringType, required=True),
        th.Property("botId", th.StringType),
        th.Property("channelType", th.StringType),
        th.Property("client", CLIENT, description="The client of the session."),
        th.Property("startTime", th.DateTimeType, description="Start of the session (UTC)."),
        th.Property("duration", th.IntegerType, description="Seconds."),
        th.Property("messageCount", th.IntegerType),
        th.Property("firstPhrase", th.StringType),
        th.Property("lastPhrase", th.StringType),
        th.Property("labels", LABELS, description="Session labels."),
        EXTRA,
    ).to_dict()

    @override
    def window_request(
        self, context: Context | None, window: DateWindow, page: t.Any
    ) -> WindowRequest:
        """The page inside the window; the window as a SESSION_START_TIME range."""
        first, last = window_instants(window)
        time_range = {"key": "SESSION_START_TIME", "type": "DATE_TIME_RANGE"}
        return WindowRequest(
            params=self.page_params(page),
            body={"filters": [{**time_range, "from": first, "to": last}]},
        )

    @override
    def next_page_in_window(self, response: requests.Response, token: WindowToken) -> t.Any:
        """The next page of this window, or None."""
        return self.next_page_number(token.page)

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        """A page of sessions; with `max_parallel_requests` above 1, their messages are
        requested before the sessions are emitted (see `tapkit.prefetch`).
        """
        records = super().parse_response(response)
        prefetcher = self._messages_prefetcher
        if prefetcher is None:
            yield from records
            return
        page = list(records)  # one page (at most `page_size` sessions), read whole first
        for record in page:
            session_id = to_text(record.get("sessionId"))
            if session_id:
                prefetcher.submit(session_id, {"sessionId": session_id})
        yield from page

    @cached_property
    def _messages_prefetcher(self) -> Prefetcher | None:
        workers = int(self.config.get("max_parallel_requests", 4))
        messages = [s for s in self.child_streams if isinstance(s, MessagesStream)]
        if workers <= 1 or not messages or not messages[0].selected:
            return None
        messages[0].prefetcher = Prefetcher(messages[0], workers)
        return messages[0].prefetcher

    @override
    def get_child_context(
        self, record: dict[str, t.Any], context: Context | None
    ) -> dict[str, t.Any]:
        """Each session's messages are read as the session is emitted."""
        return {"sessionId": record["sessionId"]}


class MessagesStream(JaicpPagedStream):
    """The messages of each session read by `sessions` (a child stream).

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
    time_fields = ("timestamp",)
    nested_fields = ("labels",)
    schema = th.PropertiesList(
        th.Property("sessionId", th.StringType, required=True),
        th.Property("questionId", th.StringType, required=True),
        th.Property("clientId", th.StringType),
        th.Property("channelType", th.StringType),
        th.Property("timestamp", th.DateTimeType, description="When the message arrived (UTC)."),
        th.Property("query", th.StringType, description="What the client wrote or said."),
        th.Property("answer", th.StringType, description="What the bot answered."),
        th.Property(
            "status",
            th.StringType,
            description="SENT, NOT_SENT, DELIVERED, NOT_DELIVERED or READ (some channels).",
        ),
        th.Property("responseTime", th.IntegerType, description="Milliseconds, as sent."),
        th.Property("labels", LABELS, description="Message labels."),
        EXTRA,
    ).to_dict()

    #: The SDK would write this child's SCHEMA on every parent record; once is enough.
    schema_once_per_run = True
    #: set by the parent when messages are read ahead
    prefetcher: Prefetcher | None = None

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
    """Every client of the project (full table)."""

    name = "clients"
    path = "/clients/filter"
    http_method = "POST"
    primary_keys = ("id",)
    records_array_key = "clients"
    schema = th.PropertiesList(
        th.Property("id", th.IntegerType, required=True),
        th.Property("clientId", th.StringType),
        th.Property("firstName", th.StringType),
        th.Property("lastName", th.StringType),
        th.Property("channelType", th.StringType),
        th.Property("blocked", th.BooleanType),
        EXTRA,
    ).to_dict()

    @override
    def prepare_request_payload(
        self, context: Context | None, next_page_token: int | None
    ) -> dict[str, t.Any]:
        """No filter: every client."""
        return {"filters": []}
