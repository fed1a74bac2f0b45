"""A date window's bounds for an API whose date range includes its end.

Windows are half-open (`DateWindow.instants`: from the first day's local midnight to the one
after the last day). Chat-Tonic, JAICP and 8x8 Analytics take a range that includes both
ends, in UTC with milliseconds: the end sent is the next window's start minus one
millisecond, so a row stamped exactly on a boundary is read by one window, never two, and
none falls between them.
"""

from __future__ import annotations

import datetime as dt
import typing as t

if t.TYPE_CHECKING:
    from tapkit.window_plan import DateWindow

#: the resolution of the APIs' instants: the gap between one window's end and the next start
ONE_MILLISECOND = dt.timedelta(milliseconds=1)


def utc_milliseconds(instant: dt.datetime) -> str:
    """An instant in UTC to the millisecond, `2021-11-01T03:00:00.000Z` (microseconds cut)."""
    # isoformat, not strftime: glibc's %Y writes year 999 as "999", which the APIs refuse
    utc = instant.astimezone(dt.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"


def inclusive_range(start: dt.datetime, end: dt.datetime) -> tuple[str, str]:
    """[start, end) as the first and last millisecond an inclusive range names."""
    return utc_milliseconds(start), utc_milliseconds(end - ONE_MILLISECOND)


def inclusive_window(window: DateWindow, tz: dt.tzinfo) -> tuple[str, str]:
    """The first and last millisecond of `window`'s days in `tz`, as an inclusive range."""
    return inclusive_range(*window.instants(tz))
