"""Planning date windows: lengths, edges, bookmarks, lookback, the vendor's horizon."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tapkit.paging import DateWindowPaginator, Page
from tapkit.window_plan import DateWindow, plan_windows

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=UTC)


def plan(**kwargs):
    defaults = {
        "now_utc": NOW,
        "tz": UTC,
        "max_days": 31,
        "start_date": None,
        "end_date": None,
        "bookmark": None,
        "lookback_days": 1,
    }
    return plan_windows(**{**defaults, **kwargs})


def test_windows_cover_start_to_today_without_gap_or_overlap_and_respect_the_maximum():
    result = plan(start_date=dt.datetime(2026, 1, 1, tzinfo=UTC), max_days=31)
    assert [str(w) for w in result.windows] == [
        "2026-01-01..2026-01-31",
        "2026-02-01..2026-03-03",
        "2026-03-04..2026-03-15",
    ]


def test_without_start_date_a_first_run_reads_the_last_30_days():
    result = plan(max_days=100)
    assert result.windows == (DateWindow(dt.date(2026, 2, 13), dt.date(2026, 3, 15)),)


def test_a_bookmark_restarts_lookback_days_before_it_but_not_before_start_date():
    bookmark = dt.datetime(2026, 3, 10, tzinfo=UTC)
    assert plan(bookmark=bookmark, lookback_days=2).windows[0].first == dt.date(2026, 3, 8)
    late_start = dt.datetime(2026, 3, 9, tzinfo=UTC)
    assert plan(bookmark=bookmark, lookback_days=3, start_date=late_start).windows[0].first == (
        dt.date(2026, 3, 9)
    )


def test_end_date_ends_the_last_window_and_is_bookmarked_as_the_next_midnight():
    result = plan(
        start_date=dt.datetime(2026, 1, 1, tzinfo=UTC),
        end_date=dt.datetime(2026, 1, 10, 18, tzinfo=UTC),
    )
    assert result.windows[-1].last == dt.date(2026, 1, 10)
    assert result.bookmark_after(result.windows[-1]) == dt.datetime(2026, 1, 11, tzinfo=UTC)


def test_the_open_day_is_read_but_the_bookmark_stops_at_its_midnight():
    result = plan(start_date=dt.datetime(2026, 3, 1, tzinfo=UTC))
    assert result.windows[-1].last == dt.date(2026, 3, 15)
    assert result.bookmark_after(result.windows[-1]) == dt.datetime(2026, 3, 15, tzinfo=UTC)


def test_a_start_beyond_the_vendors_horizon_is_clamped_with_a_note():
    result = plan(start_date=dt.datetime(2024, 1, 1, tzinfo=UTC), horizon_days=364)
    assert result.windows[0].first == dt.date(2025, 3, 16)
    assert "history limit" in result.notes[0]


def test_days_are_counted_in_the_vendors_calendar():
    tokyo = dt.timezone(dt.timedelta(hours=9))
    late_evening_utc = dt.datetime(2026, 3, 15, 20, 0, tzinfo=UTC)  # already the 16th in Tokyo
    result = plan(
        now_utc=late_evening_utc,
        tz=tokyo,
        start_date=None,
        max_days=1,
        bookmark=dt.datetime(2026, 3, 16, tzinfo=tokyo),
        lookback_days=0,
    )
    assert result.windows == (DateWindow(dt.date(2026, 3, 16), dt.date(2026, 3, 16)),)


def test_a_dst_day_is_still_one_day():
    amsterdam = ZoneInfo("Europe/Amsterdam")
    now = dt.datetime(2026, 3, 31, 12, tzinfo=UTC)
    result = plan(
        now_utc=now, tz=amsterdam, max_days=1, start_date=dt.datetime(2026, 3, 28, tzinfo=amsterdam)
    )
    assert [w.first.day for w in result.windows] == [28, 29, 30, 31]
    bookmark = result.bookmark_after(result.windows[1])  # after the 23-hour day
    assert bookmark.isoformat() == "2026-03-30T00:00:00+02:00"


def test_nothing_to_read_when_the_bookmark_is_past_end_date():
    result = plan(
        end_date=dt.datetime(2026, 1, 1, tzinfo=UTC),
        bookmark=dt.datetime(2026, 2, 1, tzinfo=UTC),
        lookback_days=0,
    )
    assert result.windows == ()


def test_max_days_must_be_positive():
    with pytest.raises(ValueError, match="max_days"):
        plan(max_days=0)


def test_the_paginator_walks_each_window_s_pages_and_continues_over_empty_ones():
    windows = [DateWindow(dt.date(2026, 1, d), dt.date(2026, 1, d)) for d in (1, 2, 3)]
    pages = {windows[1]: [2, None]}  # the middle window has a second page
    told: list[Page] = []

    def next_page(response, page):
        told.append(page)
        queue = pages.get(page.window, [None])
        return queue.pop(0) if queue else None

    paginator = DateWindowPaginator(windows, next_page=next_page)
    tokens = []
    while not paginator.finished:
        tokens.append(paginator.current_value)
        paginator.advance_past(None, Page(None, paginator.current_value))
    assert [(t.window.first.day, t.page) for t in tokens] == [
        (1, None),
        (2, None),
        (2, 2),
        (3, None),
    ]
    assert [page.token for page in told] == tokens, "each page is handed to the paging hook"
    assert [page.vendor_token for page in told] == [None, None, 2, None]


def test_a_page_paginator_is_told_the_page_it_moves_past():
    paginator = DateWindowPaginator([DateWindow(dt.date(2026, 1, 1), dt.date(2026, 1, 1))])
    with pytest.raises(TypeError, match="advance_past"):
        paginator.advance(None)


def test_a_paginator_with_no_windows_is_finished_at_once():
    assert DateWindowPaginator([]).finished
