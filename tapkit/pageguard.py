"""The page guard: a run's pages counted per window, and a page that repeats refused.

A server that never stops paging (the same full page again and again, a `totalCount` that
keeps growing) would otherwise hold a run for ever. `PageGuard` stops a window at
`max_pages_per_window` pages (`tapkit.limits`) and at the first page that holds exactly the
records of the page before it, each with one error naming what happened and the setting.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from tapkit.errors import LimitExceededError

if t.TYPE_CHECKING:
    from tapkit.limits import Limits


def too_deep(stream: str) -> LimitExceededError:
    """The error of a record nested deeper than Python can render (thousands of levels)."""
    return LimitExceededError(
        f"stream '{stream}': a record nests values too deep to be written (more than about "
        "a thousand levels): refused as hostile input"
    )


def render(record: t.Any, stream: str) -> str:
    """`repr(record)`, or `too_deep` for a record nested beyond the interpreter's limit."""
    try:
        return repr(record)
    except RecursionError:
        raise too_deep(stream) from None


@dataclass
class PageSummary:
    """What identifies a page's content cheaply: its count, first and last record."""

    records: int = 0
    first: str = ""
    last: t.Any = None

    def fingerprint(self, stream: str = "") -> tuple[int, str, str]:
        """Equal for two pages that hold the same records (the last one rendered late: rows
        are post-processed in place, the same way on every page).
        """
        return (self.records, self.first, render(self.last, stream))


@dataclass
class PageGuard:
    """Counts the pages of each window and refuses a page that repeats the one before.

    One per walk (a thread reading ahead has its own). `scope` is the window of a window
    token, or None for a list read without windows.
    """

    limits: Limits
    vendor: str
    stream: str
    _pages: dict[t.Any, int] = field(default_factory=dict)
    _previous: dict[t.Any, tuple[int, str, str]] = field(default_factory=dict)

    def next_request(self, token: t.Any) -> None:
        """Account for the page about to be requested; refuse one beyond the window's limit."""
        scope = getattr(token, "window", None)
        pages = self._pages.get(scope, 0) + 1
        if pages > self.limits.max_pages_per_window:
            raise LimitExceededError(
                f"{self.vendor}: stream '{self.stream}' read max_pages_per_window "
                f"({self.limits.max_pages_per_window}) pages for {_where(scope)} and the "
                "server still offers more; raise that setting or use shorter windows "
                "(window_days)"
            )
        self._pages[scope] = pages

    def page_read(self, token: t.Any, summary: PageSummary | None) -> None:
        """Compare the page just read at `token` with the one before it in the same window."""
        if summary is None:
            return
        scope = getattr(token, "window", None)
        fingerprint = summary.fingerprint(self.stream)
        if summary.records and self._previous.get(scope) == fingerprint:
            raise LimitExceededError(
                f"{self.vendor}: stream '{self.stream}' got page {self._pages.get(scope, 0)} "
                f"of {_where(scope)} with exactly the {summary.records} records of the page "
                "before: the server is not paging; stopped instead of reading the same "
                "records for ever"
            )
        self._previous[scope] = fingerprint


def _where(scope: t.Any) -> str:
    return f"window {scope}" if scope is not None else "the list"
