"""The page loop: requests a stream's pages, parses each body as it streams in, re-reads a body
that fails mid-way.

The SDK retries only the request itself; a body cut short or malformed is noticed while
parsing, after the SDK's retry has returned. Such a page is re-read whole: records are keyed,
so rows emitted twice upsert in the warehouse.

What one page is — its stream context, its token (a date window and a page inside it), what
its body held — travels as a `Page` passed to the stream's `parse_page` hook and carried by
the page's response to the paginator (the SDK's paginators see only the response), never as
an attribute of the stream: a stream read in several threads at once (`tapkit.prefetch`)
keeps no per-request state.
"""

from __future__ import annotations

import time
import typing as t
from dataclasses import dataclass, field

from singer_sdk.exceptions import FatalAPIError

from tapkit.drift import SAMPLE_RECORDS, DriftGuard
from tapkit.httperrors import BODY_FAILURES, describe_failure
from tapkit.limits import PageGuard, PageSummary, ResponseGuard, render
from tapkit.scrub import scrub_exception
from tapkit.windows import DateWindow, WindowToken

if t.TYPE_CHECKING:
    import logging

    import requests
    from singer_sdk.helpers.types import Context

    from tapkit.limits import Limits
    from tapkit.sdk_compat import PageRequests
    from tapkit.throttle import MinIntervalThrottle
    from tapkit.windowing import WindowWalk


_UNCHECKED = object()


@dataclass
class Page:
    """One attempt at reading one page: what the stream's hooks and its paginator are told."""

    #: the stream context the page is read for (a partition, a parent record)
    context: Context | None
    #: the paginator's token: a `WindowToken` for a windowed stream, else the vendor's
    token: t.Any
    #: the records of the body once it is read whole, for the paginator and `PageGuard`
    summary: PageSummary = field(default_factory=PageSummary)
    #: how many records the whole list holds, when the body says (set by `parse_page`)
    total: int | None = None

    @property
    def window(self) -> DateWindow | None:
        """The date window this page belongs to, or None for a stream without windows."""
        return self.token.window if isinstance(self.token, WindowToken) else None

    @property
    def records(self) -> int:
        """Records the body held (0 until it is read whole)."""
        return self.summary.records


def page_of(response: requests.Response) -> Page:
    """The `Page` a response of the page loop was read as."""
    page = getattr(response, "tapkit_page", None)
    if not isinstance(page, Page):
        raise TypeError("this response was not read by tapkit's page loop")
    return page


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
                response, read = yield from page
                pages.page_read(paginator.current_value, page_of(response).summary)
                if walk:
                    walk.records += read
                paginator.advance(response)

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
                        response = done.value[0]
                        pages.page_read(paginator.current_value, page_of(response).summary)
                        paginator.advance(response)
                        break
        stream.drift_guard.check(records[:SAMPLE_RECORDS], f"for {context}")
        return records

    def read_page(
        self,
        context: Context | None,
        token: t.Any,
        sender: PageRequests,
    ) -> t.Generator[dict[str, t.Any], None, tuple[requests.Response, int]]:
        """Yield one page's records; return its response and the records read (re-reads
        included).
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
                response.tapkit_page = page  # type: ignore[attr-defined]
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
                return response, read + emitted
            finally:
                guard.close()
                if stream.throttle:
                    stream.throttle.finished()
