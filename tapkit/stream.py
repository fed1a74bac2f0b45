"""The REST stream every tap builds on: retries, throttle, streamed bodies, windows, STATE.

What the SDK leaves to each tap (see SDK-NOTES.md), done once:
- retries honour `Retry-After`, back off up to `max_attempts` and, for a 429, wait at least
  the vendor's request interval; 401/403 fail at once naming the settings to check;
- a shared throttle spaces requests that use one credential;
- bodies are parsed as they stream in, and a body that is not what the endpoint returns
  (HTML with status 200, cut short, an error object) is retried, never taken as "no data";
- date windows are walked oldest first, an empty window does not end the stream, and a
  STATE message follows every completed window, whose end (never past the open day) is the
  bookmark;
- every undeclared vendor field is kept in `_extra`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import sys
import time
import typing as t
from functools import cached_property
from http import HTTPStatus

import backoff
import requests
import singer_sdk.singerlib as singer
from singer_sdk import RESTStream
from singer_sdk.contrib.msgspec import MsgSpecWriter, serialize_jsonl
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.pagination import SinglePagePaginator
from singer_sdk.streams.rest import PageContext

from tapkit.jsonbody import BodyError, iter_json_records
from tapkit.limits import Limits, PageGuard, PageSummary, ResponseGuard, render
from tapkit.records import RecordTyper
from tapkit.redirects import guard_redirects
from tapkit.sanity import clamp_future_bookmark, parse_bookmark
from tapkit.scrub import scrub, scrub_exception
from tapkit.settings import parse_datetime_setting
from tapkit.throttle import MinIntervalThrottle
from tapkit.windows import DateWindow, DateWindowPaginator, WindowPlan, WindowToken, plan_windows
from tapkit.writer import NUL_ESCAPE, CleanTextWriter

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

MAX_BACKOFF_SECONDS = 60.0
_ERROR_BODY_CHARS = 500

#: Failures of a request that are worth another attempt (as in the SDK).
RETRIABLE_REQUEST_FAILURES: tuple[type[BaseException], ...] = (
    ConnectionResetError,
    RetriableAPIError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

#: Failures while reading a body that was accepted: retried by re-requesting the page.
BODY_FAILURES: tuple[type[BaseException], ...] = (
    BodyError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    ConnectionResetError,
)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class VendorStream(RESTStream):
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
    #: took a third of a tap's time (`make bench`, BENCHMARKS.md).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    #: The window loop writes STATE itself; the SDK's every-10,000-records STATE would carry a
    #: half-read window's bookmark.
    STATE_MSG_FREQUENCY = 10**12

    # -- HTTP conventions ------------------------------------------------------------------

    @property
    def url_base(self) -> str:
        """The vendor host (or the `base_url` override)."""
        return str(self.config["base_url"]).rstrip("/")

    @property
    def timeout(self) -> float:  # type: ignore[override]
        """Per-request timeout from `request_timeout`."""
        return float(self.config.get("request_timeout", 120))

    @property
    def requests_session(self) -> requests.Session:
        """One keep-alive session per stream, reading bodies as they arrive."""
        session = guard_redirects(super().requests_session)
        session.stream = True
        return session

    @property
    def throttle(self) -> MinIntervalThrottle | None:
        """The shared throttle for this stream's credential, if the vendor has a rate limit."""
        return None

    @cached_property
    def limits(self) -> Limits:
        """The bounds on waits, pages and bodies (`tapkit.limits`), from the settings."""
        return Limits.from_config(self.config)

    def backoff_max_tries(self) -> int:
        """Attempts per request: `max_attempts`."""
        return int(self.config.get("max_attempts", 8))

    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:
        """Waits between attempts: `Retry-After` when given, else exponential (capped)."""
        attempt = 0
        exception = yield  # type: ignore[misc]
        while True:
            attempt += 1
            exception = yield self.retry_delay(exception, attempt)

    def backoff_jitter(self, value: float) -> float:
        """A little jitter, never shortening a vendor's `Retry-After`."""
        return value + random.uniform(0, min(1.0, value * 0.1))

    def retry_delay(self, exception: BaseException | None, attempt: int) -> float:
        """Seconds to wait before attempt `attempt + 1` after `exception`."""
        response = getattr(exception, "response", None)
        delay = min(float(2 ** (attempt - 1)), MAX_BACKOFF_SECONDS)
        if response is not None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                delay = self.limits.check_retry_after(
                    retry_after, vendor=self.vendor, stream=self.name
                )
            elif response.status_code == HTTPStatus.TOO_MANY_REQUESTS and self.throttle:
                delay = max(delay, self.throttle.interval)
        if self.throttle:
            self.throttle.defer(delay)
        return delay

    def backoff_handler(self, details: t.Any) -> None:
        """One readable line per retry, without the request's URL."""
        exception = details.get("exception")
        self.logger.warning(
            "%s: attempt %d of %d failed (%s); retrying in %.1f s",
            self.name,
            details.get("tries", 0),
            self.backoff_max_tries(),
            describe_failure(exception),
            details.get("wait", 0.0),
        )

    def request_decorator(self, func: t.Callable) -> t.Callable:
        """Retry per `backoff_*`; each attempt waits for the throttle; errors leave masked.

        Built here rather than by the SDK so the `backoff` library does not log a second,
        less readable line for each retry (see `backoff_handler`).
        """

        def throttled(prepared_request: requests.PreparedRequest, context: t.Any) -> t.Any:
            if self.throttle:
                self.throttle.acquire()
            try:
                return func(prepared_request, context)
            except Exception as exc:
                scrub_exception(exc)
                raise
            finally:
                if self.throttle:
                    self.throttle.finished()

        return backoff.on_exception(
            self.backoff_wait_generator,
            RETRIABLE_REQUEST_FAILURES,
            max_tries=self.backoff_max_tries,
            on_backoff=self.backoff_handler,
            jitter=self.backoff_jitter,
            logger=None,
        )(throttled)

    def validate_response(self, response: requests.Response) -> None:
        """401/403 name the settings; other 4xx carry the vendor's message; 429/5xx retry."""
        status = response.status_code
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            settings = " and ".join(self.auth_settings) or "the credentials"
            raise FatalAPIError(
                f"{self.vendor} refused the credentials (HTTP {status}) for stream "
                f"'{self.name}': check the setting(s) {settings}. "
                f"{self.vendor} said: {vendor_message(response)}"
            )
        if status in self.extra_retry_statuses or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(
                f"{self.vendor} answered HTTP {status} for stream '{self.name}': "
                f"{vendor_message(response)}",
                response,
            )
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(
                f"{self.vendor} rejected the request of stream '{self.name}' (HTTP {status}): "
                f"{vendor_message(response)}"
            )
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower():
            raise RetriableAPIError(
                f"{self.vendor} answered an HTML page instead of data for stream "
                f"'{self.name}' (a proxy or maintenance page?)",
                response,
            )

    # -- records ---------------------------------------------------------------------------

    def parse_response(self, response: requests.Response) -> t.Iterable[dict]:
        """Records of a JSON body, as it streams in."""
        return iter_json_records(
            response.iter_content(chunk_size=64 * 1024), array_key=self.records_array_key
        )

    @cached_property
    def record_typer(self) -> RecordTyper:
        """Types declared fields and keeps undeclared ones in `_extra`."""
        return RecordTyper(
            self.schema,
            overrides=self.converters,
            stream_name=self.name,
            key_fields=self.key_fields,
        )

    @property
    def key_fields(self) -> tuple[str, ...]:
        """Primary and replication keys: a value that does not fit them stops the stream."""
        return (
            *(self.primary_keys or ()),
            *((self.replication_key,) if self.replication_key else ()),
        )

    def sync(self, context: Context | None = None) -> None:
        """Sync as the SDK does, then log what the vendor sent beyond the schema.

        The line is written once per top-level stream, for it and its child streams (a
        child's `sync` runs once per parent record).
        """
        try:
            super().sync(context)
        finally:
            if self.parent_stream_type is None:
                for stream in (self, *self.child_streams):
                    stream.log_schema_findings()

    def log_schema_findings(self) -> None:
        """The end-of-stream line of `RecordTyper.summary` (if any record was typed)."""
        typer = self.__dict__.get("record_typer")
        if isinstance(typer, RecordTyper):
            self.logger.info("%s", typer.summary())

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Type the row from the schema; undeclared fields go to `_extra`."""
        return self.record_typer(row)

    @cached_property
    def _selects_every_property(self) -> bool:
        return all(self.mask.values())

    def _generate_record_messages(self, record: dict) -> t.Generator[t.Any, None, None]:
        """RECORD messages, without the SDK's per-record walk when nothing is deselected.

        With every property selected, `pop_deselected_record_properties` removes nothing
        but still cost a tenth of a tap's time (`make bench`); and with type conformance
        off the SDK would hand the record on unchanged. A catalog that deselects anything
        takes the SDK's own path.
        """
        if not self._selects_every_property:
            yield from super()._generate_record_messages(record)
            return
        for stream_map in self.stream_maps:
            mapped_record = stream_map.transform(record)
            if mapped_record is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped_record,
                    version=self._stream_version,
                    time_extracted=utc_now(),
                )

    @cached_property
    def _record_line_stream(self) -> str | None:
        """The stream name of RECORD lines encoded here, byte for byte as the SDK would.

        None (the SDK's path) unless: the SDK's msgspec writer, every property selected, and
        no stream map or flattening (the one map is the SDK's pass-through).
        """
        maps = self.stream_maps
        if (
            type(self._tap.message_writer) in (MsgSpecWriter, CleanTextWriter)
            and self._selects_every_property
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and not (maps[0].flattening_options and maps[0].flattening_enabled)
        ):
            return maps[0].stream_alias
        return None

    def _write_record_message(self, record: dict) -> None:
        """A RECORD line encoded and written here, without the SDK's per-record objects.

        The line is the SDK's own (`RecordMessage.to_dict` through its msgspec encoder), but
        the SDK builds a message object, a dict from it, and flushes stdout for every record;
        here the line is written to stdout's buffer and flushed with the next other message
        (the SDK flushes each one), so a STATE still follows every record before it.
        """
        stream = self._record_line_stream
        if stream is None:
            super()._write_record_message(record)
            return
        message: dict[str, t.Any] = {"type": "RECORD", "stream": stream, "record": record}
        if self._stream_version is not None:
            message["version"] = self._stream_version
        message["time_extracted"] = dt.datetime.now(dt.UTC)
        try:
            line = serialize_jsonl(message)
        except RecursionError:  # the writer names the stream in its error
            line = None
        if line is None or NUL_ESCAPE in line:  # the writer cleans (and counts) NUL
            super()._write_record_message(record)
            return
        sys.stdout.buffer.write(line)
        self.state_manager.is_flushed = False

    def _process_record(
        self,
        record: dict,
        child_context: Context | None = None,
        partition_context: Context | None = None,
    ) -> None:
        """Nothing to do for a record of a stream without children or partition keys.

        The SDK's step adds the partition's keys to the record and syncs the children of
        it; with neither, it still copied every record and walked an empty list of children
        (a twentieth of a tap's time, `make bench`).
        """
        if self.child_streams or partition_context:
            super()._process_record(
                record, child_context=child_context, partition_context=partition_context
            )

    def get_new_paginator(self) -> t.Any:
        """One request unless the stream pages or walks windows."""
        return SinglePagePaginator()

    def request_records(self, context: Context | None) -> t.Iterable[dict]:
        """Walk the pages; a page whose body fails mid-way is requested again.

        The SDK retries only the request itself; a body cut short or malformed is noticed
        while parsing, after the SDK's retry has returned. Such a page is re-read whole:
        records are keyed, so rows emitted twice upsert in the warehouse.
        """
        self._request_context = context
        paginator = self.get_new_paginator()
        decorated_request = self.request_decorator(self._request)
        pages = PageGuard(self.limits, self.vendor, self.name)
        with self.get_http_request_counter() as request_counter:
            request_counter.with_context(context)
            while not paginator.finished:
                pages.next_request(paginator.current_value)
                response = yield from self._read_page(
                    context, paginator.current_value, decorated_request, request_counter
                )
                pages.page_read(paginator.current_value, getattr(response, "page_summary", None))
                paginator.advance(response)

    def _read_page(
        self,
        context: Context | None,
        token: t.Any,
        decorated_request: t.Callable,
        request_counter: t.Any,
    ) -> t.Generator[dict, None, requests.Response]:
        max_attempts = self.backoff_max_tries()
        attempt = 1
        while True:
            prepared = self.build_page_request(context, token)
            response = decorated_request(prepared, context)
            request_counter.increment()
            emitted = 0
            guard = ResponseGuard(response, self.limits, vendor=self.vendor, stream=self.name)
            summary = PageSummary()
            try:
                for record in self.parse_response(response):
                    emitted += 1
                    self._page_records += 1
                    if emitted == 1:
                        summary.first = render(record, self.name)
                    summary.last = record
                    yield record
                summary.records = emitted
                response.page_summary = summary  # type: ignore[attr-defined]
            except BODY_FAILURES as exc:
                response.close()
                scrub_exception(exc)
                if attempt >= max_attempts:
                    raise FatalAPIError(
                        f"{self.vendor}: stream '{self.name}' could not read a complete "
                        f"response after {attempt} attempts: {describe_failure(exc)}"
                    ) from None
                delay = self.backoff_jitter(self.retry_delay(exc, attempt))
                self.logger.warning(
                    "%s: response %s after %d records (%s); re-reading it in %.1f s "
                    "(rows read twice upsert by key), attempt %d of %d",
                    self.name,
                    "broke off" if emitted else "was unusable",
                    emitted,
                    describe_failure(exc),
                    delay,
                    attempt + 1,
                    max_attempts,
                )
                time.sleep(delay)
                attempt += 1
            else:
                return response
            finally:
                guard.close()
                if self.throttle:
                    self.throttle.finished()

    _page_records = 0

    def read_all_pages(self, context: Context | None) -> list[dict]:
        """Every record of one context, page by page, parsed but not yet post-processed.

        Safe in a worker thread (the SDK's `request_records` keeps per-stream state): it is
        how `tapkit.prefetch` reads a child's records ahead while the parent is emitted.
        Retries and re-read pages work as in `request_records`.
        """
        paginator = self.get_new_paginator()
        decorated_request = self.request_decorator(self._request)
        counter = _UncountedRequests()
        pages = PageGuard(self.limits, self.vendor, self.name)
        records: list[dict] = []
        while not paginator.finished:
            pages.next_request(paginator.current_value)
            page = self._read_page(context, paginator.current_value, decorated_request, counter)
            while True:
                try:
                    records.append(next(page))
                except StopIteration as done:
                    summary = getattr(done.value, "page_summary", None)
                    pages.page_read(paginator.current_value, summary)
                    paginator.advance(done.value)
                    break
        return records

    def build_page_request(self, context: Context | None, token: t.Any) -> requests.PreparedRequest:
        """The prepared request for one page (through the SDK's `get_http_request`)."""
        http_request = self.get_http_request(
            page=PageContext(stream_context=context, next_page_token=token)
        )
        body_key = "json" if self.payload_as_json else "data"
        return self.build_prepared_request(
            method=http_request.method,
            url=http_request.url,
            params=http_request.encode_params(),
            headers=http_request.headers,
            **{body_key: http_request.data},
        )


class WindowedStream(VendorStream):
    """A stream read over date windows of whole local days, bookmarked per window."""

    #: The vendor's longest window, in days (a tap may lower it with `window_days`).
    max_window_days: int = 1
    #: The vendor's history limit in days before today (None: no limit).
    horizon_days: int | None = None
    #: When the vendor has no notion of "now", how far back a first run starts.
    default_history_days = 30
    is_sorted = False

    @property
    def window_days(self) -> int:
        """Length of one window: `window_days` if set, never above the vendor's maximum."""
        return min(int(self.config.get("window_days", self.max_window_days)), self.max_window_days)

    @property
    def window_tz(self) -> dt.tzinfo:
        """The calendar the vendor's days are counted in."""
        return dt.UTC

    @property
    def run_clock(self) -> dt.datetime:
        """One clock reading for the whole run (taken by the tap), so every stream agrees on
        which day is today even when the run crosses midnight."""
        return getattr(self._tap, "run_started_at", None) or dt.datetime.now(dt.UTC)

    # The bookmark is the end of the last complete window, written by `_window_done`; a
    # record's own timestamp never moves it (records inside a window are unsorted, and the
    # open day must not be bookmarked).
    def _increment_stream_state(self, latest_record: dict, *, context: t.Any = None) -> None:
        return None

    #: where the walk is bookmarked when this stream is read only for its children
    WALK_KEY = "parent_replication_key_value"

    def _walk_state(self, context: Context | None) -> tuple[dict, str]:
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
        """The bookmark of this walk, a `StateError` if it is not a date-time."""
        state, key = self._walk_state(context)
        return parse_bookmark(state.get(key), stream=self.name)

    def window_plan(self, context: Context | None) -> WindowPlan:
        """The windows of this run, from the settings and the bookmark."""
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
            default_history_days=self.default_history_days,
            horizon_days=self.horizon_days,
        )
        for note in plan.notes:
            self.logger.warning("%s: %s", self.name, note)
        return plan

    def get_new_paginator(self) -> DateWindowPaginator:
        """A paginator over this run's windows; each completed window is bookmarked."""
        context = getattr(self, "_request_context", None)
        self._plan = self.window_plan(context)
        self._page_records = 0
        self._window_started = time.monotonic()
        self._announce_plan(self._plan)
        return DateWindowPaginator(
            self._plan.windows,
            on_window_done=self._window_done,
            next_page=self.next_page_in_window,
        )

    def next_page_in_window(self, response: requests.Response, token: WindowToken) -> t.Any:
        """The token of the next page inside the same window, or None (no paging)."""
        return None

    def _announce_plan(self, plan: WindowPlan) -> None:
        if not plan.windows:
            self.logger.info("%s: nothing to read, already up to date", self.name)
            return
        first, last = plan.windows[0].first, plan.windows[-1].last
        message = (
            f"{self.name}: reading {first.isoformat()}..{last.isoformat()} in "
            f"{len(plan.windows)} window(s) of up to {self.window_days} day(s)"
        )
        if self.throttle and self.throttle.interval:
            minutes = (len(plan.windows) - 1) * self.throttle.interval / 60
            message += (
                f"; at one request every {self.throttle.interval:g} s this stream needs at "
                f"least {minutes:.1f} min"
            )
        self.logger.info(message)

    def _window_done(self, window: DateWindow) -> None:
        context = getattr(self, "_request_context", None)
        state, key = self._walk_state(context)
        if key == "replication_key_value":
            state["replication_key"] = self.replication_key
        state[key] = self._plan.bookmark_after(window).isoformat()
        state.pop("progress_markers", None)
        self.state_manager.is_flushed = False
        self._write_state_message()
        self._log_window_progress(window)

    def _log_window_progress(self, window: DateWindow) -> None:
        elapsed = time.monotonic() - self._window_started
        message = f"{self.name} {window}: {self._page_records:,} records in {elapsed:.1f} s"
        if self.throttle and window != self._plan.windows[-1]:
            message += f"; next request in {self.throttle.seconds_until_free():.0f} s"
        self.logger.info(message)
        self._page_records = 0
        self._window_started = time.monotonic()


class _UncountedRequests:
    """Stands in for the SDK's request counter in worker threads (its metrics are not
    thread-safe)."""

    def increment(self) -> None:
        return None


def vendor_message(response: requests.Response) -> str:
    """The vendor's error text, short and with secrets masked."""
    try:
        text = response.text
    except Exception:  # the body could not be read; the status says enough
        return response.reason or "(no message)"
    text = " ".join(text.split())[:_ERROR_BODY_CHARS] or response.reason or "(no message)"
    return scrub(text)


def describe_failure(exc: BaseException | None) -> str:
    """A one-line description of a failed attempt, secrets masked."""
    if exc is None:
        return "unknown error"
    response = getattr(exc, "response", None)
    if isinstance(exc, (RetriableAPIError, FatalAPIError)):
        return scrub(str(exc))
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.ConnectionError) and response is None:
        return f"connection failed: {type(exc).__name__}"
    return scrub(f"{type(exc).__name__}: {exc}")
