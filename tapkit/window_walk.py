"""A stream's date windowing, declared as data and walked by one object the stream composes.

A windowed stream says what its vendor accepts (`Windowing`: the longest window, the history
limit, the calendar its days are counted in) and turns one window and page into a request
(`VendorStream.window_request` → `WindowRequest`). Everything else is done here, once:
`WindowWalk` plans the run's windows from the settings and the bookmark, hands the paginator
to the page loop, and when the loop reports a window complete (`page_read`) bookmarks it,
writes STATE at once and logs the progress line.
"""

from __future__ import annotations

import datetime as dt
import time
import typing as t
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from tapkit.paging import DateWindowPaginator
from tapkit.settings import check_timezone

if t.TYPE_CHECKING:
    import logging

    from tapkit.paging import Page
    from tapkit.throttle import MinIntervalThrottle
    from tapkit.window_plan import DateWindow, WindowPlan, WindowToken

Config = t.Mapping[str, t.Any]


def utc_calendar(config: Config) -> dt.tzinfo:
    """Days counted in UTC."""
    return dt.UTC


@dataclass(frozen=True)
class ZoneSetting:
    """Days counted in the IANA zone named by a setting (checked by `check_timezone`)."""

    setting: str
    default: str = "UTC"
    #: A zone named in the error message.
    example: str = "Europe/Madrid"

    def __call__(self, config: Config) -> dt.tzinfo:
        """The zone of this run's settings."""
        return ZoneInfo(self.name(config))

    def name(self, config: Config) -> str:
        """The zone name this run's settings give."""
        return str(config.get(self.setting) or self.default)

    def check(self, config: Config) -> list[str]:
        """An error naming the setting when it is not an IANA time zone name."""
        return check_timezone(self.name(config), self.setting, example=self.example)


@dataclass(frozen=True)
class UtcOffsetSetting:
    """Days counted at a fixed offset, in whole hours from UTC, named by a setting."""

    setting: str

    def __call__(self, config: Config) -> dt.tzinfo:
        """The offset of this run's settings."""
        return dt.timezone(dt.timedelta(hours=int(config.get(self.setting, 0))))


@dataclass(frozen=True)
class Windowing:
    """What a vendor accepts as a date range, for one stream."""

    #: The vendor's longest window, in days (a run may lower it with `window_days`).
    max_days: int
    #: The vendor's history limit, in days before today (None: no limit).
    horizon_days: int | None = None
    #: The calendar the vendor's days are counted in, from the settings.
    calendar: t.Callable[[Config], dt.tzinfo] = utc_calendar
    #: When there is neither bookmark nor `start_date`, how far back a first run starts.
    default_history_days: int = 30


@dataclass(frozen=True)
class WindowRequest:
    """What one request for a window (and a page inside it) sends."""

    params: dict[str, t.Any] = field(default_factory=dict)
    body: dict[str, t.Any] | None = None


class WindowStream(t.Protocol):
    """What a `WindowWalk` needs from the stream it walks for."""

    name: str
    replication_key: str | None

    @property
    def logger(self) -> logging.Logger: ...

    @property
    def throttle(self) -> MinIntervalThrottle | None: ...

    @property
    def window_days(self) -> int: ...

    def walk_state(self, context: t.Any) -> tuple[dict[str, t.Any], str]: ...

    def write_state_now(self) -> None: ...

    def next_page_in_window(self, response: t.Any, page: Page) -> t.Any: ...


class WindowWalk:
    """One run of one stream (context) over its planned windows."""

    def __init__(self, stream: WindowStream, plan: WindowPlan, context: t.Any) -> None:
        self.stream = stream
        self.plan = plan
        self.context = context
        #: records read in the current window, for its progress line
        self.records = 0
        self._started = time.monotonic()
        #: windows completed, and when the first was started: the time-left estimate
        self._done = 0
        self._walk_started = self._started

    def paginator(self) -> DateWindowPaginator:
        """The paginator over the plan's windows (and the pages inside each)."""
        self._announce()
        return DateWindowPaginator(self.plan.windows, next_page=self.stream.next_page_in_window)

    def page_read(self, window: DateWindow, records: int, next_token: WindowToken | None) -> None:
        """A page of `window` was read whole (`records` emitted) and the paginator moved to
        `next_token` (None: the walk is over): a window left behind is complete.
        """
        self.records += records
        if next_token is None or next_token.window != window:
            self.window_done(window)

    def window_done(self, window: DateWindow) -> None:
        """Bookmark the end of `window` and write STATE now."""
        state, key = self.stream.walk_state(self.context)
        if key == "replication_key_value":
            state["replication_key"] = self.stream.replication_key
        state[key] = self.plan.bookmark_after(window).isoformat()
        state.pop("progress_markers", None)
        self.stream.write_state_now()
        self._log_progress(window)

    def _announce(self) -> None:
        self._started = self._walk_started = time.monotonic()
        stream, plan = self.stream, self.plan
        if not plan.windows:
            stream.logger.info("%s: nothing to read, already up to date", stream.name)
            return
        first, last = plan.windows[0].first, plan.windows[-1].last
        message = (
            f"{stream.name}: reading {first.isoformat()}..{last.isoformat()} in "
            f"{len(plan.windows)} window(s) of up to {stream.window_days} day(s)"
        )
        throttle = stream.throttle
        if throttle and throttle.interval:
            minutes = (len(plan.windows) - 1) * throttle.interval / 60
            message += (
                f"; at one request every {throttle.interval:g} s this stream needs at "
                f"least {minutes:.1f} min"
            )
        stream.logger.info(message)

    def _log_progress(self, window: DateWindow) -> None:
        stream = self.stream
        elapsed = time.monotonic() - self._started
        message = f"{stream.name} {window}: {self.records:,} records in {elapsed:.1f} s"
        throttle = stream.throttle
        if throttle and window != self.plan.windows[-1]:
            message += f"; next request in {throttle.seconds_until_free():.0f} s"
        self._done += 1
        message += f"; {self._time_left()}"
        stream.logger.info(message)
        self.records = 0
        self._started = time.monotonic()

    def _time_left(self) -> str:
        """`window 3 of 12, about 9 min left at one request a minute`: the pace so far, and
        never faster than the throttle allows.
        """
        total = len(self.plan.windows)
        left = total - self._done
        counted = f"window {self._done} of {total}"
        if left <= 0:
            return f"{counted}, the last"
        per_window = (time.monotonic() - self._walk_started) / self._done
        interval = self.stream.throttle.interval if self.stream.throttle else 0.0
        estimate = f"{counted}, about {format_duration(left * max(per_window, interval))} left"
        if interval >= 1:
            pace = "a minute" if interval == 60 else f"every {interval:g} s"
            estimate += f" at one request {pace}"
        return estimate


def format_duration(seconds: float) -> str:
    """A wait as a person says it: `40 s`, `9 min`, `2 h 05 min`."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60:02d} min"
