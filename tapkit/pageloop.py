"""The page loop: requests a stream's pages, parses each body as it streams in, re-reads a body
that fails mid-way.

The SDK retries only the request itself; a body cut short or malformed is noticed while
parsing, after the SDK's retry has returned. Such a page is re-read whole: records are keyed,
so rows emitted twice upsert in the warehouse.

What one page is — its stream context, its token (a date window and a page inside it), what
its body held — travels as a `Page` (`tapkit.paging`) passed to the stream's `parse_page`
hook and then to the paginator (`advance_past`), never as an attribute of the stream or of
the response: a stream read in several threads at once (`tapkit.prefetch`) keeps no
per-request state. A windowed stream's window is bookmarked by the loop once the paginator
has moved past it (`WindowWalk.page_read`).
"""

from __future__ import annotations

import time
import typing as t

from singer_sdk.exceptions import FatalAPIError

from tapkit.drift import SAMPLE_RECORDS, DriftGuard
from tapkit.httperrors import BODY_FAILURES, describe_failure
from tapkit.pageguard import PageGuard, render
from tapkit.paging import Page, advance_past
from tapkit.responseguard import ResponseGuard
from tapkit.scrub import scrub_exception
from tapkit.windows import WindowToken

if t.TYPE_CHECKING:
    import logging

    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.limits import Limits
    from tapkit.sdk_compat import PageRequests
    from tapkit.throttle import MinIntervalThrottle
    from tapkit.windowing import WindowWalk


_UNCHECKED = object()


class PagedStream(t.Protocol):
    """What the page loop asks of the stream it reads (`VendorStream` is one): the loop
    lives below the stream and is handed it, so it never imports it.
    """

    name: str
    vendor: str

    @property
    def logger(self) -> logging.Logger: ...

    @property
    def limits(self) -> Limits: ...

    @property
    def throttle(self) -> MinIntervalThrottle | None: ...

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

    def backoff_max_tries(self) -> int: ...

    def backoff_jitter(self, value: float) -> float: ...

    def retry_delay(self, exception: BaseException | None, attempt: int) -> float: ...


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
        """
        stream = self.stream
        max_attempts = stream.backoff_max_tries()
        attempt = 1
        read = 0
        while True:
            response = sender.send(sender.build(token))
            emitted = 0
            guard = ResponseGuard(response, stream.limits, vendor=stream.vendor, stream=stream.name)
            page = Page(context, token)
            summary = page.summary
            try:
                for record in stream.parse_page(response, page):
                    emitted += 1
                    if emitted == 1:
                        summary.first = render(record, stream.name)
                    summary.last = record
                    yield record
                summary.records = emitted
            except BODY_FAILURES as exc:
                read += emitted
                response.close()
                scrub_exception(exc)
                if attempt >= max_attempts:
                    raise FatalAPIError(
                        f"{stream.vendor}: stream '{stream.name}' could not read a complete "
                        f"response after {attempt} attempts: {describe_failure(exc)}"
                    ) from None
                delay = stream.backoff_jitter(stream.retry_delay(exc, attempt))
                stream.logger.warning(
                    "%s: response %s after %d records (%s); re-reading it in %.1f s "
                    "(rows read twice upsert by key), attempt %d of %d",
                    stream.name,
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
                return response, page, read + emitted
            finally:
                guard.close()
                if stream.throttle:
                    stream.throttle.finished()
