"""The REST stream every tap builds on: HTTP conventions, windows, typing, per-run objects.

What the SDK leaves to each tap (see docs/development.md), done once, each concern in its module:
- `tapkit.http_stream` (`HttpStream`, which this class builds on): one request sent, under a
  deadline, throttled and retried; the error ladder and the waits between attempts
  (`tapkit.httperrors`: `Retry-After`, up to `max_attempts`, a 429 waits at least the
  vendor's interval; 401/403 fail at once naming the settings to check);
- `tapkit.throttle` / `tapkit.runscope`: a throttle per credential shared by a run's streams;
- `tapkit.pageloop`: the page loop: bodies are parsed as they stream in, and a body that is
  not what the endpoint returns (HTML with status 200, cut short, an error object) is
  re-read, never taken as "no data", within the page's one budget of `max_attempts`
  (a request and its body together); each page reaches the stream's `parse_page` hook as a
  `Page` (context, window, token), never as an attribute of the stream;
- `tapkit.window_walk`: a stream that declares `windowing` is walked over date windows oldest
  first, an empty window does not end it, and a STATE message follows every completed
  window, whose end (never past the open day) is the bookmark;
- `tapkit.records`: every declared field typed from the schema, the rest kept in `_extra`;
- `tapkit.sdk_compat`: the few SDK internals all of this needs.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property

from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import SinglePagePaginator
from typing_extensions import override

from tapkit.accounts import account_of, tag_record
from tapkit.converters import any_to_iso
from tapkit.datetimes import parse_datetime_setting
from tapkit.drift import DriftGuard
from tapkit.http_stream import HttpStream
from tapkit.jsonbody import iter_json_records
from tapkit.pageloop import PageLoop
from tapkit.records import RecordTyper
from tapkit.sanity import clamp_future_bookmark, parse_bookmark
from tapkit.settings import DEFAULT_ON_INVALID_KEY, DEFAULT_ON_SCHEMA_DRIFT
from tapkit.window_plan import DateWindow, WindowPlan, WindowToken, plan_windows
from tapkit.window_walk import Windowing, WindowRequest, WindowWalk

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.paging import Page


#: the longest end-of-stream findings line (100,000 undeclared field names made one of 2 MB)
SUMMARY_CHARS = 4000


def _bounded(line: str) -> str:
    if len(line) <= SUMMARY_CHARS:
        return line
    return (
        f"{line[:SUMMARY_CHARS]}... ({len(line) - SUMMARY_CHARS:,} more characters not shown; "
        "every record keeps its undeclared fields in _extra)"
    )


class VendorStream(HttpStream):
    """A stream of one vendor endpoint; the tap's `client.py` sets the vendor's conventions."""

    #: The member holding the records when a JSON body is an object (None: detect).
    records_array_key: str | None = None
    #: Fields whose conversion the schema cannot tell (local times, "hh:mm:ss"...).
    converters: t.ClassVar[dict[str, t.Callable[[t.Any], t.Any]]] = {}
    #: `post_process` (the `RecordTyper`) already gives every declared field its JSON type
    #: and moves the rest to `_extra`; the SDK's second, recursive pass over every value
    #: takes a third of a tap's time (`make bench`, BENCHMARKS.md).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    #: The window loop writes STATE itself; the SDK's every-10,000-records STATE would carry a
    #: half-read window's bookmark.
    STATE_MSG_FREQUENCY = 10**12

    # -- date windows (when `windowing` is declared) ---------------------------------------

    #: The stream's date windowing as data; None: the stream is not read by date window.
    windowing: t.ClassVar[Windowing | None] = None

    @property
    def window_days(self) -> int:
        """Length of one window: `window_days` if set, never above the vendor's maximum."""
        limit = self.windowing.max_days if self.windowing else 1
        return min(int(self.config.get("window_days", limit)), limit)

    @property
    def window_tz(self) -> dt.tzinfo:
        """The calendar the vendor's days are counted in (from the windowing's calendar)."""
        return self.windowing.calendar(self.config) if self.windowing else dt.UTC

    @property
    def run_clock(self) -> dt.datetime:
        """One clock reading for the whole run, so every stream agrees on which day is today
        even when the run crosses midnight.
        """
        return self.run_scope.started_at

    @override
    def records_move_bookmark(self) -> bool:
        """Not for a windowed stream: the end of its last complete window is the bookmark
        (records inside a window are unsorted, and the open day must not be bookmarked).
        """
        return self.windowing is None

    #: where the walk is bookmarked when this stream is read only for its children
    WALK_KEY = "parent_replication_key_value"

    def walk_state(self, context: Context | None) -> tuple[dict[str, t.Any], str]:
        """The state entry and key holding this walk's bookmark.

        Read only for selected children (the stream itself deselected), the walk is
        bookmarked in the child's state: this stream's own bookmark must not move past
        records it never emitted, or selecting it later would skip them.
        """
        if self.selected:
            return self.get_context_state(context), "replication_key_value"
        children = [c for c in self.child_streams if c.selected or c.has_selected_descendents]
        if not children:
            return self.get_context_state(context), "replication_key_value"
        return children[0].stream_state, self.WALK_KEY

    def checked_bookmark(self, context: Context | None = None) -> dt.datetime | None:
        """The bookmark of this walk, a `StateError` if it is not a date-time (windowed
        streams only: a record-driven bookmark is the vendor's value, whatever its type).
        """
        if self.windowing is None:
            return None
        state, key = self.walk_state(context)
        return parse_bookmark(state.get(key), stream=self.name)

    def window_plan(self, context: Context | None) -> WindowPlan:
        """The windows of this run, from the settings and the bookmark."""
        if self.windowing is None:
            raise TypeError(f"stream '{self.name}' declares no windowing")
        bookmark, future = clamp_future_bookmark(
            self.checked_bookmark(context), now=self.run_clock, stream=self.name
        )
        if future:
            self.logger.warning("%s: %s", self.name, future)
        plan = plan_windows(
            now_utc=self.run_clock,
            tz=self.window_tz,
            max_days=self.window_days,
            start_date=parse_datetime_setting(self.config.get("start_date")),
            end_date=parse_datetime_setting(self.config.get("end_date")),
            bookmark=bookmark,
            lookback_days=int(self.config.get("lookback_days", 1)),
            default_history_days=self.windowing.default_history_days,
            horizon_days=self.windowing.horizon_days,
        )
        for note in plan.notes:
            self.logger.warning("%s: %s", self.name, note)
        return plan

    def window_walk(self, context: Context | None) -> WindowWalk | None:
        """The walk over this run's windows, or None for a stream without windowing."""
        if self.windowing is None:
            return None
        return WindowWalk(self, self.window_plan(context), context)

    def window_request(
        self, context: Context | None, window: DateWindow, page: t.Any
    ) -> WindowRequest:
        """The query parameters and body asking for `window` (and `page` inside it)."""
        raise NotImplementedError(f"stream '{self.name}' declares windowing: define this")

    def next_page_in_window(self, response: requests.Response, page: Page) -> t.Any:
        """The vendor's token of the page after `page` inside its window, or None (no paging)."""
        return None

    @override
    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """A window's parameters (`window_request`); none otherwise."""
        if isinstance(next_page_token, WindowToken):
            token = next_page_token
            return self.window_request(context, token.window, token.page).params
        return {}

    @override
    def prepare_request_payload(
        self, context: Context | None, next_page_token: t.Any
    ) -> dict[str, t.Any] | None:
        """A window's body (`window_request`); none otherwise."""
        if isinstance(next_page_token, WindowToken):
            token = next_page_token
            return self.window_request(context, token.window, token.page).body
        return None

    # -- records ---------------------------------------------------------------------------

    @override
    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        """Records of a JSON body, as it streams in."""
        return iter_json_records(
            response.iter_content(chunk_size=64 * 1024), array_key=self.records_array_key
        )

    @property
    def datetime_converter(self) -> t.Callable[[t.Any], t.Any]:
        """How the vendor's date-time fields become ISO 8601 (a vendor's `client.py` may
        say UTC, or RFC 2822).
        """
        return any_to_iso

    @cached_property
    def record_typer(self) -> RecordTyper:
        """Types declared fields and keeps undeclared ones in `_extra`."""
        return RecordTyper(
            self.schema,
            overrides=self.converters,
            datetime_converter=self.datetime_converter,
            stream_name=self.name,
            key_fields=self.key_fields,
            skip_invalid_keys=self.config.get("on_invalid_key", DEFAULT_ON_INVALID_KEY) == "skip",
        )

    @cached_property
    def drift_guard(self) -> DriftGuard:
        """Checks the first records of each window against the schema (`tapkit.drift`)."""
        return DriftGuard(
            self.name,
            self.record_typer.declared,
            str(self.config.get("on_schema_drift", DEFAULT_ON_SCHEMA_DRIFT)),
            self.logger,
        )

    @property
    def key_fields(self) -> tuple[str, ...]:
        """Primary and replication keys: a value that does not fit them stops the stream."""
        return (
            *(self.primary_keys or ()),
            *((self.replication_key,) if self.replication_key else ()),
        )

    @override
    def after_sync(self, context: Context | None) -> None:
        """Log what the vendor sent beyond the schema, once per top-level stream, for it and
        its child streams (a child's `sync` runs once per parent record).
        """
        if self.parent_stream_type is None:
            for stream in (self, *self.child_streams):
                if isinstance(stream, VendorStream):
                    stream.log_schema_findings()

    def log_schema_findings(self) -> None:
        """The end-of-stream line of `RecordTyper.summary` (if any record was typed): a
        warning when rows were skipped for their key.
        """
        typer = self.__dict__.get("record_typer")
        if isinstance(typer, RecordTyper):
            summary = _bounded(typer.summary())
            if typer.skipped_counts:
                self.logger.warning("%s", summary)
            else:
                self.logger.info("%s", summary)

    @override
    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Type the row from the schema; undeclared fields go to `_extra`; with `account`
        set, the row carries the account's name (`tapkit.accounts`).
        """
        return self.record_typer(tag_record(row, self.account))

    @cached_property
    def account(self) -> str | None:
        """The account this run reads (the `account` setting), or None."""
        return account_of(self.config)

    @override
    def get_new_paginator(self) -> t.Any:
        """One request unless the stream pages or walks windows."""
        return SinglePagePaginator()

    @override
    def request_records(self, context: Context | None) -> t.Iterable[dict[str, t.Any]]:
        """Walk the pages (`tapkit.pageloop`); a page whose body fails mid-way is re-read."""
        return self.page_loop.records(context)

    @cached_property
    def page_loop(self) -> PageLoop:
        """The page loop reading this stream."""
        return PageLoop(self)

    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """The records of one page's body; `page` says which page (context, window, token)
        and takes what the body tells beyond its records (`Page.total`).
        """
        return self.parse_response(response)

    def read_all_pages(self, context: Context | None) -> list[dict[str, t.Any]]:
        """Every record of one context, page by page, parsed but not yet post-processed.

        Safe in a worker thread (the SDK's `request_records` keeps per-stream state): it is
        how `tapkit.prefetch` reads a child's records ahead while the parent is emitted.
        Retries and re-read pages work as in `request_records`.
        """
        if self.windowing is not None:
            raise TypeError(f"{self.name}: a windowed stream is read by request_records")
        return self.page_loop.read_all(context)
