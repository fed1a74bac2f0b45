"""The REST stream every tap builds on: HTTP conventions, windows, typing, per-run objects.

What the SDK leaves to each tap (see docs/development.md), done once, each concern in its module:
- `tapkit.httperrors`: the error ladder and the waits between attempts (`Retry-After`, up to
  `max_attempts`, a 429 waits at least the vendor's interval); 401/403 fail at once naming
  the settings to check;
- `tapkit.throttle` / `tapkit.runscope`: a throttle per credential shared by a run's streams;
- `tapkit.pageloop`: the page loop: bodies are parsed as they stream in, and a body that is
  not what the endpoint returns (HTML with status 200, cut short, an error object) is
  re-read, never taken as "no data"; each page reaches the stream's `parse_page` hook as a
  `Page` (context, window, token), never as an attribute of the stream;
- `tapkit.windowing`: a stream that declares `windowing` is walked over date windows oldest
  first, an empty window does not end it, and a STATE message follows every completed
  window, whose end (never past the open day) is the bookmark;
- `tapkit.records`: every declared field typed from the schema, the rest kept in `_extra`;
- `tapkit.sdk_compat`: the few SDK internals all of this needs.
"""

from __future__ import annotations

import datetime as dt
import random
import typing as t
from functools import cached_property
from http import HTTPStatus

import requests
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import SinglePagePaginator
from typing_extensions import override

from tapkit.accounts import account_of, tag_record
from tapkit.deadline import Deadline, watch_connections
from tapkit.drift import DriftGuard
from tapkit.httperrors import backoff_delay, check_response, describe_failure
from tapkit.jsonbody import iter_json_records
from tapkit.limits import Limits
from tapkit.pageloop import PageLoop
from tapkit.records import RecordTyper, any_to_iso
from tapkit.redirects import guard_redirects
from tapkit.runscope import RunScope
from tapkit.sanity import clamp_future_bookmark, parse_bookmark
from tapkit.scrub import scrub_exception
from tapkit.sdk_compat import CompatStream
from tapkit.settings import (
    DEFAULT_ON_INVALID_KEY,
    DEFAULT_ON_SCHEMA_DRIFT,
    parse_datetime_setting,
)
from tapkit.windowing import Windowing, WindowRequest, WindowWalk
from tapkit.windows import DateWindow, WindowPlan, WindowToken, plan_windows

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tapkit.paging import Page
    from tapkit.throttle import MinIntervalThrottle


#: the longest end-of-stream findings line (100,000 undeclared field names made one of 2 MB)
SUMMARY_CHARS = 4000


def _bounded(line: str) -> str:
    if len(line) <= SUMMARY_CHARS:
        return line
    return (
        f"{line[:SUMMARY_CHARS]}... ({len(line) - SUMMARY_CHARS:,} more characters not shown; "
        "every record keeps its undeclared fields in _extra)"
    )


class VendorStream(CompatStream):
    """A stream of one vendor endpoint; the tap's `client.py` sets the vendor's conventions."""

    #: Name of the vendor, for messages ("Oct8ne answered ...").
    vendor: str = "the API"
    #: Settings to check when the vendor refuses the credentials (401/403).
    auth_settings: tuple[str, ...] = ()
    #: The member holding the records when a JSON body is an object (None: detect).
    records_array_key: str | None = None
    #: Fields whose conversion the schema cannot tell (local times, "hh:mm:ss"...).
    converters: t.ClassVar[dict[str, t.Callable[[t.Any], t.Any]]] = {}
    extra_retry_statuses = (HTTPStatus.TOO_MANY_REQUESTS,)
    #: `post_process` (the `RecordTyper`) already gives every declared field its JSON type
    #: and moves the rest to `_extra`; the SDK's second, recursive pass over every value
    #: takes a third of a tap's time (`make bench`, BENCHMARKS.md).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    #: The window loop writes STATE itself; the SDK's every-10,000-records STATE would carry a
    #: half-read window's bookmark.
    STATE_MSG_FREQUENCY = 10**12

    # -- HTTP conventions ------------------------------------------------------------------

    @property
    @override
    def url_base(self) -> str:
        """The vendor host (or the `base_url` override)."""
        return str(self.config["base_url"]).rstrip("/")

    @property
    @override
    def timeout(self) -> float:  # type: ignore[override]
        """Per-request timeout from `request_timeout`."""
        return float(self.config.get("request_timeout", 120))

    @property
    @override
    def requests_session(self) -> requests.Session:
        """One keep-alive session per stream, reading bodies as they arrive."""
        session = watch_connections(guard_redirects(super().requests_session))
        session.stream = True
        return session

    @property
    def run_scope(self) -> RunScope:
        """The objects shared by every stream of this run (see `tapkit.runscope`)."""
        scope = getattr(self.owning_tap, "run_scope", None)
        if not isinstance(scope, RunScope):
            raise TypeError(f"stream '{self.name}' must belong to a tapkit VendorTap")
        return scope

    @property
    def throttle(self) -> MinIntervalThrottle | None:
        """The shared throttle for this stream's credential, if the vendor has a rate limit."""
        return None

    @cached_property
    def limits(self) -> Limits:
        """The bounds on waits, pages and bodies (`tapkit.limits`), from the settings."""
        return Limits.from_config(self.config)

    @override
    def backoff_max_tries(self) -> int:
        """Attempts per request: `max_attempts`."""
        return int(self.config.get("max_attempts", 8))

    @override
    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:
        """Waits between attempts: `Retry-After` when given, else exponential (capped)."""
        attempt = 0
        exception = yield  # type: ignore[misc]
        while True:
            attempt += 1
            exception = yield self.retry_delay(exception, attempt)

    @override
    def backoff_jitter(self, value: float) -> float:
        """A little jitter, never shortening a vendor's `Retry-After`."""
        return value + random.uniform(0, min(1.0, value * 0.1))  # noqa: S311 (jitter, not a secret)

    def retry_delay(self, exception: BaseException | None, attempt: int) -> float:
        """Seconds to wait before attempt `attempt + 1` after `exception`."""
        return backoff_delay(exception, attempt, self.throttle, retry_after_cap=self._capped_wait)

    def _capped_wait(self, seconds: float) -> float:
        """A `Retry-After` within `max_retry_after_seconds`, else the run stops, saying so."""
        return self.limits.check_retry_after(seconds, vendor=self.vendor, stream=self.name)

    @override
    def backoff_handler(self, details: t.Any) -> None:
        """One readable line per retry, without the request's URL, naming the wait that will
        really happen: the backoff's, or the throttle's next free slot when that is later.
        """
        exception = details.get("exception")
        wait = float(details.get("wait", 0.0))
        throttled = self.throttle.seconds_until_free() if self.throttle else 0.0
        why = ""
        if throttled > wait and self.throttle:
            why = f" (one request every {self.throttle.interval:g} s allowed)"
        self.logger.warning(
            "%s: attempt %d of %d failed (%s); retrying in %.1f s%s",
            self.name,
            details.get("tries", 0),
            self.backoff_max_tries(),
            describe_failure(exception),
            max(wait, throttled),
            why,
        )

    @override
    def around_attempt(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Each attempt waits for the throttle, runs under its deadline; errors leave masked."""

        def throttled(prepared_request: requests.PreparedRequest, context: t.Any) -> t.Any:
            if self.throttle:
                self.throttle.acquire()
            try:
                return self.send_under_deadline(func, prepared_request, context)
            except Exception as exc:
                scrub_exception(exc)
                raise
            finally:
                if self.throttle:
                    self.throttle.finished()

        return throttled

    def send_under_deadline(
        self,
        send: t.Callable[..., t.Any],
        prepared_request: requests.PreparedRequest,
        context: t.Any,
    ) -> t.Any:
        """One attempt (a login first, if any) under one `Deadline` of `max_response_seconds`.

        The deadline covers connect, status line, headers, an error body read by
        `validate_response`, and, handed on with the response, the body read by the page
        loop (`ResponseGuard` stops it); a `send` that reads its answer whole (8x8's report
        flow) does so inside the deadline. A late attempt fails as `DeadlineExceededError`,
        retried like a timeout.
        """
        deadline = Deadline(self.limits.max_response_seconds)
        try:
            with deadline.watching():
                response = send(prepared_request, context)
        except FatalAPIError:
            deadline.close()
            raise
        except Exception:
            deadline.close()
            if deadline.expired:
                raise deadline.exceeded() from None
            raise
        if deadline.expired:  # headers cut short by the deadline
            deadline.close()
            response.close()
            raise deadline.exceeded()
        if not isinstance(response, requests.Response):
            # `send` read its (small) answer whole inside the deadline: nothing left to watch
            deadline.close()
            return response
        response.tapkit_deadline = deadline  # type: ignore[attr-defined]
        return response

    @override
    def validate_response(self, response: requests.Response) -> None:
        """401/403 name the settings; other 4xx carry the vendor's message; 429/5xx retry."""
        check_response(
            response,
            vendor=self.vendor,
            stream=self.name,
            auth_settings=self.auth_settings,
            retry_statuses=self.extra_retry_statuses,
        )

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
