"""Date windows: the unit in which every windowed vendor API is read and bookmarked.

The SDK has no date-window paginator, and its default pagination stops at the first empty
page. Vendors here cap the range of one request (31 days, 2 days, one day...), so a backfill
is a sequence of windows of whole local days, walked oldest first. This module plans that
sequence from the settings and the bookmark, and defines the token of a windowed page (the
window, plus an optional page inside it) that `tapkit.paging.DateWindowPaginator` walks.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass

from typing_extensions import override

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class DateWindow:
    """A run of whole local days, both ends inclusive."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        """Number of days covered."""
        return (self.last - self.first).days + 1

    @override
    def __str__(self) -> str:
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    def instants(self, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the window's days in `tz`, as UTC instants.

        From the first day's local midnight to the local midnight after the last day (23 or
        25 hours for a day with a DST change). Where a DST change skips midnight itself, the
        day begins at the jump, which is the instant returned (zoneinfo reads the skipped
        00:00 with the offset in force before it).
        """
        return local_midnight(self.first, tz), local_midnight(self.last + ONE_DAY, tz)


def local_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The instant (UTC) at which `day` begins in `tz`."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


@dataclass(frozen=True)
class WindowPlan:
    """What one run of one stream will read: the windows, and the day that is still open."""

    windows: tuple[DateWindow, ...]
    today: dt.date
    tz: dt.tzinfo
    notes: tuple[str, ...] = ()

    def bookmark_after(self, window: DateWindow) -> dt.datetime:
        """The bookmark once `window` is read: the next day's local midnight, never past today.

        A window that reaches today ends at today's midnight, so the day still in progress is
        read again on the next run.
        """
        next_day = min(window.last + ONE_DAY, self.today)
        return dt.datetime.combine(next_day, dt.time(), tzinfo=self.tz)


def local_today(now_utc: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The calendar date in `tz` at the instant `now_utc`."""
    return now_utc.astimezone(tz).date()


def plan_windows(
    *,
    now_utc: dt.datetime,
    tz: dt.tzinfo,
    max_days: int,
    start_date: dt.datetime | None,
    end_date: dt.datetime | None,
    bookmark: dt.datetime | None,
    lookback_days: int,
    default_history_days: int = 30,
    horizon_days: int | None = None,
) -> WindowPlan:
    """Plan the windows of one run.

    - With a bookmark, the run starts `lookback_days` before it (never before `start_date`);
      without one, at `start_date` or `default_history_days` before today.
    - `horizon_days` is the vendor's history limit: an older start is clamped, with a note.
    - The run ends at `end_date` or today (the open day is read, but never bookmarked).
    """
    if max_days < 1:
        raise ValueError("max_days must be at least 1")
    today = local_today(now_utc, tz)
    notes: list[str] = []
    # a start or end after tomorrow means the same as tomorrow here (nothing, or up to
    # today), and near year 9999 a shift into `tz` would overflow
    horizon = now_utc + 2 * ONE_DAY
    start_date = min(start_date, horizon) if start_date else None
    end_date = min(end_date, horizon) if end_date else None
    configured_first = start_date.astimezone(tz).date() if start_date else None
    if bookmark is not None:
        first = bookmark.astimezone(tz).date() - dt.timedelta(days=lookback_days)
        if configured_first and first < configured_first:
            first = configured_first
    else:
        first = configured_first or today - dt.timedelta(days=default_history_days)
    last = min(end_date.astimezone(tz).date(), today) if end_date else today
    if horizon_days is not None:
        earliest = today - dt.timedelta(days=horizon_days)
        if first < earliest:
            notes.append(
                f"start {first.isoformat()} is older than the vendor's history limit of "
                f"{horizon_days} days; starting at {earliest.isoformat()} instead"
            )
            first = earliest
    windows: list[DateWindow] = []
    cursor = first
    while cursor <= last:
        window_last = min(cursor + dt.timedelta(days=max_days - 1), last)
        windows.append(DateWindow(cursor, window_last))
        cursor = window_last + ONE_DAY
    return WindowPlan(windows=tuple(windows), today=today, tz=tz, notes=tuple(notes))


@dataclass(frozen=True)
class WindowToken:
    """Pagination token: a window, and the vendor's page token inside it (None = first page)."""

    window: DateWindow
    page: t.Any = None
