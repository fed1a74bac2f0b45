"""The page loop: requests a stream's pages, parses each body as it streams in, re-reads a body
that fails mid-way.

A body cut short or malformed is noticed while parsing, after its request was accepted. The
page's request and its body are one attempt of one retry budget (`PageRequests.attempts`,
the SDK's retry made a loop of attempts): a body that fails is a failed attempt like a 503,
so a page is sent at most `max_attempts` times in all, with one wait schedule and one line
per retry (`HttpStream.backoff_handler`). Such a page is re-read whole: records are keyed, so
rows emitted twice upsert in the warehouse.

What one page is — its stream context, its token (a date window and a page inside it), what
its body held — travels as a `Page` (`tapkit.paging`) passed to the stream's `parse_page`
hook and then to the paginator (`advance_past`), never as an attribute of the stream or of
the response: a stream read in several threads at once (`tapkit.prefetch`) keeps no
per-request state. A windowed stream's window is bookmarked by the loop once the paginator
has moved past it (`WindowWalk.page_read`).
"""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import FatalAPIError

from tapkit.drift import SAMPLE_RECORDS, DriftGuard
from tapkit.errors import PageBodyError
from tapkit.httperrors import BODY_FAILURES, describe_failure
from tapkit.pageguard import PageGuard, render
from tapkit.paging import Page, advance_past
from tapkit.responseguard import ResponseGuard
from tapkit.scrub import scrub_exception
from tapkit.window_plan import WindowToken

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.limits import Limits
    from tapkit.sdk_compat import PageRequests
    from tapkit.window_walk import WindowWalk


_UNCHECKED = object()


class PagedStream(t.Protocol):
    """What the page loop asks of the stream it reads (`VendorStream` is one): the loop
    lives below the stream and is handed it, so it never imports it.
    """

    name: str
    vendor: str

    @property
    def limits(self) -> Limits: ...

    @property
    def drift_guard(self) -> DriftGuard: ...

    def window_walk(self, context: Context | None) -> WindowWalk | None: ...

    def get_new_paginator(self) -> t.Any: ...

    def page_requests(
        self, context: Context | None, *, counted: bool = True
    ) -> t.ContextManager[PageRequests]: ...

    def parse_page(
        self, response: requests.Response, page: Page
    ) -> t.Iterable[dict[str, t.Any]]: ...


class PageLoop:
    """Reads the pages of one stream; composed by `VendorStream`."""

    def __init__(self, stream: PagedStream) -> None:
        self.stream = stream

    def records(self, context: Context | None) -> t.Iterator[dict[str, t.Any]]:
        """Every record of `context`, page by page (windows first when the stream has them),
        counted in the SDK's request metrics.
        """
        stream = self.stream
        walk = stream.window_walk(context)
        paginator = walk.paginator() if walk else stream.get_new_paginator()
        pages = PageGuard(stream.limits, stream.vendor, stream.name)
        drift = stream.drift_guard
        checked: t.Any = _UNCHECKED  # the window (None: the list) whose records were checked
        with stream.page_requests(context) as sender:
            while not paginator.finished:
                token = paginator.current_value
                pages.next_request(token)
                page = self.read_page(context, token, sender)
                window = token.window if isinstance(token, WindowToken) else None
                if window != checked:  # a window's (a list's) first page: held and checked
                    checked = window
                    where = f"in window {window}" if window else "in its first page"
                    page = drift.held(page, where)
                response, read_page, read = yield from page
                pages.page_read(token, read_page.summary)
                advance_past(paginator, response, read_page)
                if walk and window:
                    walk.page_read(
                        window, read, None if paginator.finished else paginator.current_value
                    )

    def read_all(self, context: Context | None) -> list[dict[str, t.Any]]:
        """Every record of one context, outside the SDK's request metrics (which are not
        thread-safe): safe in a worker thread.
        """
        stream = self.stream
        paginator = stream.get_new_paginator()
        pages = PageGuard(stream.limits, stream.vendor, stream.name)
        records: list[dict[str, t.Any]] = []
        with stream.page_requests(context, counted=False) as sender:
            while not paginator.finished:
                pages.next_request(paginator.current_value)
                page = self.read_page(context, paginator.current_value, sender)
                while True:
                    try:
                        records.append(next(page))
                    except StopIteration as done:
                        response, read_page, _ = done.value
                        pages.page_read(paginator.current_value, read_page.summary)
                        advance_past(paginator, response, read_page)
                        break
        stream.drift_guard.check(records[:SAMPLE_RECORDS], f"for {context}")
        return records

    def read_page(
        self,
        context: Context | None,
        token: t.Any,
        sender: PageRequests,
    ) -> t.Generator[dict[str, t.Any], None, tuple[requests.Response, Page, int]]:
        """Yield one page's records; return its response, the `Page` read whole, and the
        records read (re-reads included).

        A request and its body are one attempt of one budget (`sender.attempts`): a body
        that fails is a failed attempt like an HTTP failure, so a page is sent at most
        `max_attempts` times, with one wait schedule and one line per retry.
        """
        prepared = sender.build(token)
        read = tries = 0
        try:
            for attempt in sender.attempts((PageBodyError,)):
                tries += 1
                with attempt:
                    response = sender.send(prepared)
                    page = Page(context, token)
                    try:
                        emitted = yield from self._records_of(response, page)
                    except PageBodyError as failed:
                        read += failed.records
                        raise
                    return response, page, read + emitted
        except PageBodyError as failed:
            raise FatalAPIError(
                f"{self.stream.vendor}: stream '{self.stream.name}' could not read a complete "
                f"response after {tries} attempts: {describe_failure(failed.cause)}"
            ) from None
        raise AssertionError("unreachable: the last failed attempt raises")

    def _records_of(
        self, response: requests.Response, page: Page
    ) -> t.Generator[dict[str, t.Any], None, int]:
        """Yield the records of `response` as its body streams in, noted in `page`; return
        how many. A body that fails raises `PageBodyError` (the records passed on, the cause).
        """
        stream = self.stream
        guard = ResponseGuard(response, stream.limits, vendor=stream.vendor, stream=stream.name)
        summary = page.summary
        emitted = 0
        try:
            records = stream.parse_page(response, page)
            if isinstance(records, list):  # a page read whole: nothing can fail any more
                if records:
                    summary.first = render(records[0], stream.name)
                    summary.last = records[-1]
                yield from records
                summary.records = len(records)
                return len(records)
            records = iter(records)
            for record in records:  # the first: rendered before it is post-processed
                summary.first = render(record, stream.name)
                emitted = 1
                yield record
                break
            for record in records:
                emitted += 1
                yield record
            if emitted:
                summary.last = record
        except BODY_FAILURES as exc:
            response.close()
            scrub_exception(exc)
            raise PageBodyError(exc, emitted) from exc
        finally:
            guard.close()
        summary.records = emitted
        return emitted
