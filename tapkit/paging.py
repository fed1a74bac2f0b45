"""What one page is, and the paginators that are told it.

The SDK's paginators see only the response (`BaseAPIPaginator.get_next(response)`). What our
vendors page by is mostly what the page held once read whole (its records, the total its
body stated) and what it was read for (the date window, the vendor's token inside it): the
page loop (`tapkit.pageloop`) hands that `Page` to a `PagePaginator` explicitly
(`advance_past`), never as an attribute of the response, and a stream read in several
threads at once keeps no per-request state.
"""

from __future__ import annotations

import abc
import typing as t
from dataclasses import dataclass, field

from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

from tapkit.pageguard import PageSummary
from tapkit.window_plan import DateWindow, WindowToken

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

TToken = t.TypeVar("TToken")


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
    #: the vendor's token of the next page, when the body states one (set by `parse_page`,
    #: e.g. by `tapkit.page_envelope.PageEnvelope.read`)
    cursor: t.Any = None

    @property
    def window(self) -> DateWindow | None:
        """The date window this page belongs to, or None for a stream without windows."""
        return self.token.window if isinstance(self.token, WindowToken) else None

    @property
    def vendor_token(self) -> t.Any:
        """The vendor's token of this page: inside a date window, the window's page token
        (None for a window's first page); otherwise the paginator's token itself.
        """
        return self.token.page if isinstance(self.token, WindowToken) else self.token

    @property
    def records(self) -> int:
        """Records the body held (0 until it is read whole)."""
        return self.summary.records


class PagePaginator(BaseAPIPaginator[TToken]):
    """A paginator whose next token is decided from the page just read (`next_token`)."""

    _page: Page | None = None

    def advance_past(self, response: requests.Response, page: Page) -> None:
        """Move to the token after `page` (the SDK's `advance`: its loop check, and the end
        when `next_token` gives None).
        """
        self._page = page
        try:
            self.advance(response)
        finally:
            self._page = None

    @override
    def get_next(self, response: requests.Response) -> TToken | None:
        if self._page is None:
            raise TypeError(f"{type(self).__name__} is advanced by advance_past(response, page)")
        return self.next_token(response, self._page)

    @abc.abstractmethod
    def next_token(self, response: requests.Response, page: Page) -> TToken | None:
        """The token of the page after `page`, or None when the list is read."""


def advance_past(
    paginator: BaseAPIPaginator[t.Any], response: requests.Response, page: Page
) -> None:
    """Move `paginator` past `page`: a `PagePaginator` is told the page, the SDK's own
    paginators see the response only.
    """
    if isinstance(paginator, PagePaginator):
        paginator.advance_past(response, page)
    else:
        paginator.advance(response)


class DateWindowPaginator(PagePaginator[WindowToken | None]):
    """Walks the windows of a plan oldest first, and the pages inside each window.

    `next_page` (optional) reads a page and returns the vendor's token of the next page
    within the same window, or None when the window is exhausted. An empty window never
    ends the walk. The page loop bookmarks a window once the paginator has left it
    (`tapkit.window_walk.WindowWalk.page_read`).
    """

    def __init__(
        self,
        windows: t.Sequence[DateWindow],
        *,
        next_page: t.Callable[[requests.Response, Page], t.Any] | None = None,
    ) -> None:
        self._windows = list(windows)
        self._index = 0
        self._next_page = next_page
        super().__init__(WindowToken(self._windows[0]) if self._windows else None)

    @property
    @override
    def finished(self) -> bool:
        """True once the last window is read, and from the start when there is none."""
        return not self._windows or super().finished

    @override
    def next_token(self, response: requests.Response, page: Page) -> WindowToken | None:
        """The next page of this window, or the first page of the next window."""
        current = self.current_value
        assert current is not None
        following = self._next_page(response, page) if self._next_page else None
        if following is not None:
            return WindowToken(current.window, following)
        self._index += 1
        if self._index >= len(self._windows):
            return None
        return WindowToken(self._windows[self._index])
