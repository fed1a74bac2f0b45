"""JAICP's HTTP conventions: where the token goes, `page`/`size` paging, the paging member.

The Reporter API takes the token either in the URL path (`api_style: legacy`, as the vendor
doc shows) or as a Bearer header (`v1`). A token in the path is masked like any registered
secret (the setting is `secret=True`), URL-encoded spellings included.

Every list answers `{"paging": {"pageNum", "pageSize", "totalCount"}, "<records>": [...]}`.
The records are parsed as the body streams in, and the small `paging` member is read by a
second parser fed the same chunks, so it is found whether it comes before or after the
array. A walk stops on a short page (counted from the records actually parsed) or once the
latest page's `totalCount` is reached: the total is only an upper bound, re-read on every
page, so sessions arriving during a walk (pushing older ones to later pages) are not
skipped.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property

from typing_extensions import override

from tapkit.converters import INT64_TEST, any_to_utc_iso, inline_form, to_int
from tapkit.errors import DoesNotFitError
from tapkit.page_envelope import PageEnvelope
from tapkit.paging import Page, PagePaginator
from tapkit.settings import path_segment
from tapkit.stream import VendorStream

if t.TYPE_CHECKING:
    import requests

DEFAULT_BASE_URL = "https://app.jaicp.com"
DEFAULT_PAGE_SIZE = 100
#: the largest page the tap asks for: the tap's own bound, as a page is decoded whole (the
#: spec states only `size` >= 1)
MAX_PAGE_SIZE = 1000


@inline_form(INT64_TEST, "({v} + 500) // 1000")
def ms_to_seconds(value: t.Any) -> int | None:
    """A duration in milliseconds (the vendor's unit) as whole seconds, half a second up.

    In integer arithmetic: a float division is off by a second for values beyond 2^53.
    """
    millis = to_int(value)
    return None if millis is None else (millis + 500) // 1000


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def epoch_ms_or_iso(value: t.Any) -> str | None:
    """A date-time as ISO 8601 in UTC (the spec's times are UTC), from ISO text (every
    RFC 3339 spelling, any offset) or epoch milliseconds (exact: no float division).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return (EPOCH + dt.timedelta(milliseconds=value)).isoformat()
        except OverflowError:
            raise DoesNotFitError(f"{value!r} ms is out of the date range") from None
    return any_to_utc_iso(value)


class JaicpStream(VendorStream):
    """A Reporter API list: the token in the path or a header, pages of `page_size`."""

    vendor = "JAICP"
    auth_settings = ("api_token", "api_style")
    #: date-time fields (ISO text expected; epoch milliseconds accepted)
    time_fields: tuple[str, ...] = ()
    #: duration fields, sent in milliseconds
    duration_fields: tuple[str, ...] = ()

    @property
    def api_style(self) -> str:
        """`legacy` (token in the path) or `v1` (Bearer header)."""
        return str(self.config.get("api_style") or "legacy")

    @property
    @override
    def url_base(self) -> str:
        """The Reporter API root for the chosen style."""
        base = str(self.config.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        if self.api_style == "v1":
            return f"{base}/api/v1/reporter"
        return f"{base}/api/reporter/p/{path_segment(self.config['api_token'])}"

    @property
    @override
    def http_headers(self) -> dict[str, t.Any]:
        """The Bearer header in `v1` style."""
        headers = dict(super().http_headers)
        if self.api_style == "v1":
            headers["Authorization"] = f"Bearer {self.config['api_token']}"
        return headers

    @property
    def page_size(self) -> int:
        """Records asked per page."""
        return int(self.config.get("page_size", DEFAULT_PAGE_SIZE))

    @property
    @override
    def datetime_converter(self) -> t.Callable[[t.Any], t.Any]:
        """Every date-time in UTC (the schemas describe JAICP's times as UTC), epoch
        milliseconds accepted.
        """
        return epoch_ms_or_iso

    @property
    @override
    def converters(self) -> dict[str, t.Callable[[t.Any], t.Any]]:  # type: ignore[override]
        """Times accept epoch milliseconds too; durations become seconds (objects and arrays
        are typed by the core, at every depth).
        """
        converters: dict[str, t.Callable[[t.Any], t.Any]] = dict.fromkeys(
            self.time_fields, epoch_ms_or_iso
        )
        converters.update(dict.fromkeys(self.duration_fields, ms_to_seconds))
        return converters

    def page_params(self, page: int | None) -> dict[str, int]:
        """`page` (from 0) and `size`."""
        return {"page": page or 0, "size": self.page_size}

    @cached_property
    def envelope(self) -> PageEnvelope:
        """Every list answers `{"paging": {..., "totalCount"}, "<records>": [...]}`."""
        return PageEnvelope(array_key=self.records_array_key, total_at=("paging", "totalCount"))

    @override
    def parse_page(self, response: requests.Response, page: Page) -> t.Iterable[dict[str, t.Any]]:
        """The records as they stream in; the `paging` member's `totalCount` is `page.total`
        (a page holds at most `MAX_PAGE_SIZE` rows: decoded whole).
        """
        return self.envelope.read(response, page, stream=self.name, logger=self.logger)

    def next_page_number(self, number: int | None, read: Page) -> int | None:
        """The page after page `number`, or None when `read` (that page) was short or the
        total is read.
        """
        number = number or 0
        if read.records < self.page_size:
            return None
        before = number if isinstance(number, PageNumber) else None
        stated = before.stated if before is not None else None
        earlier = before.total if before is not None else None
        totals = [n for n in (read.total, earlier) if n is not None]
        total = max(totals, default=None)
        if stated is not None and read.total is not None and read.total < stated:
            self.logger.warning(
                "%s: totalCount went down from %d to %d between pages (records deleted "
                "meanwhile?); reading on up to %d records or a short page",
                self.name,
                stated,
                read.total,
                total,
            )
        if total is not None and (number + 1) * self.page_size >= total:
            return None
        return PageNumber(number + 1, total=total, stated=read.total)


class PageNumber(int):
    """A page number that remembers the largest `totalCount` the pages before it stated (and
    the last one): a total that shrinks between pages must not end the walk early (records
    would be lost).
    """

    total: int | None
    stated: int | None

    def __new__(cls, number: int, *, total: int | None, stated: int | None) -> PageNumber:
        page = super().__new__(cls, number)
        page.total, page.stated = total, stated
        return page


class PageNumberPaginator(PagePaginator[int]):
    """Pages 0, 1, 2... of a stream, until `stream.next_page_number` says the list is read."""

    def __init__(self, stream: JaicpStream) -> None:
        super().__init__(0)
        self._stream = stream

    @override
    def next_token(self, response: requests.Response, page: Page) -> int | None:
        """The next page number, or None."""
        return self._stream.next_page_number(self.current_value, page)


class JaicpPagedStream(JaicpStream):
    """A list read page by page (no date windows)."""

    @override
    def get_new_paginator(self) -> PageNumberPaginator:
        """Page numbers from 0."""
        return PageNumberPaginator(self)

    @override
    def get_url_params(self, context: t.Any, next_page_token: int | None) -> dict[str, t.Any]:
        """`page` and `size`."""
        return self.page_params(next_page_token)
