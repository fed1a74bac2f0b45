"""State, catalog and setting names are checked before the first request (`tapkit.sanity`).

Judged as an operator would: a corrupt bookmark fails at once with one line and no request
sent; a bookmark in the future is said and the stream is still read; a typo in a setting
name is pointed out with the intended name; a child selected without its parent does not
move the parent's bookmark, so selecting the parent later loads all of it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from emulators.framework import EmulatorServer
from tapkit.errors import StateError
from tapkit.sanity import clamp_future_bookmark, parse_bookmark
from tapkit.sanity import unknown_setting_warnings as unknown
from tests.cases.jaicp import JAICP
from tests.taps.test_tap_jaicp import catalog_selecting, run

DAYS = 4


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def jaicp_settings(server: EmulatorServer, last: dt.date | None = None, **changes) -> dict:
    """Settings reading `DAYS` days back; with `last`, read through that day and no further
    (a test comparing with the ground truth takes its day once, before the runs)."""
    day = last or today()
    settings = {**JAICP.config(server.url, day - dt.timedelta(days=DAYS)), **changes}
    return JAICP.through(settings, day) if last else settings


def sessions_state(value: str) -> dict:
    return {
        "bookmarks": {"sessions": {"replication_key": "startTime", "replication_key_value": value}}
    }


def test_units():
    with pytest.raises(StateError, match="'sessions' is not a date-time: 'abc'"):
        parse_bookmark("abc", stream="sessions")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    later = now + dt.timedelta(days=400)
    assert clamp_future_bookmark(later, now=now, stream="s")[0] == now
    assert clamp_future_bookmark(now, now=now, stream="s") == (now, None)
    assert unknown({"windows_days": 3, "window_days": 1}, ["window_days", "start_date"]) == [
        "unknown setting 'windows_days' is ignored; did you mean 'window_days'?"
    ]


def test_a_bookmark_that_is_not_a_date_fails_before_the_first_request():
    with EmulatorServer(JAICP.make_app()) as server:
        result = run(jaicp_settings(server), state=sessions_state("not-a-date"))
        assert result.returncode != 0
        assert "bookmark of stream 'sessions' is not a date-time: 'not-a-date'" in result.stderr
        assert "Traceback" not in result.stderr
        assert server.requests == []  # not even the clients (read before sessions)


def test_a_bookmark_in_the_future_is_said_and_the_stream_is_still_read():
    with EmulatorServer(JAICP.make_app()) as server:
        settings = jaicp_settings(server)
        result = run(settings, state=sessions_state("2999-01-01T00:00:00+00:00"))
        assert result.returncode == 0, result.stderr[-2000:]
        assert "is later than now" in result.stderr
        assert "already up to date" not in result.stderr
        assert result.records("sessions")
        # the first STATE echoes the state given; the last one is back on the calendar
        assert result.bookmarks("sessions")[-1] < "2999"


def test_messages_alone_leave_the_sessions_bookmark_so_sessions_selected_later_load_whole():
    day = today()
    with EmulatorServer(JAICP.make_app()) as server:
        settings = jaicp_settings(server, day)
        alone = run(settings, catalog=catalog_selecting(settings, {"messages"}))
        assert alone.returncode == 0, alone.stderr[-2000:]
        state = alone.states()[-1]
        assert "replication_key_value" not in state["bookmarks"].get("sessions", {})

        both = run(
            settings, state=state, catalog=catalog_selecting(settings, {"sessions", "messages"})
        )
        assert both.returncode == 0, both.stderr[-2000:]
        truth = JAICP.truth(server.app, day - dt.timedelta(days=DAYS), day)
        assert both.keys("sessions", ("sessionId",)) == truth["sessions"]


def test_an_unknown_setting_name_is_warned_with_the_closest_known_one():
    with EmulatorServer(JAICP.make_app()) as server:
        result = run(jaicp_settings(server, windows_days=2))
        assert result.returncode == 0, result.stderr[-2000:]
        assert "unknown setting 'windows_days' is ignored; did you mean 'window_days'?" in (
            result.stderr
        )


def test_a_catalog_selecting_nothing_is_warned():
    with EmulatorServer(JAICP.make_app()) as server:
        settings = jaicp_settings(server)
        result = run(settings, catalog=catalog_selecting(settings, set()))
        assert result.returncode == 0
        assert "the catalog selects no stream" in result.stderr
        assert server.requests == []


def test_a_bookmark_of_another_replication_key_is_said_and_does_not_skip_data():
    # a bookmark copied from another stream or tap: used silently, it skipped 494 sessions
    day = today()
    yesterday = f"{day - dt.timedelta(days=1)}T00:00:00+00:00"
    state = {
        "bookmarks": {
            "sessions": {"replication_key": "creationDate", "replication_key_value": yesterday}
        }
    }
    with EmulatorServer(JAICP.make_app()) as server:
        result = run(jaicp_settings(server, day), state=state)
        assert result.returncode == 0, result.stderr[-2000:]
        assert (
            "bookmark of stream 'sessions' was recorded for replication key 'creationDate', "
            "not this stream's 'startTime'"
        ) in result.stderr
        assert "read from start_date" in result.stderr
        truth = JAICP.truth(server.app, day - dt.timedelta(days=DAYS), day)
        assert result.keys("sessions", ("sessionId",)) == truth["sessions"]


def test_bookmarks_of_unknown_streams_are_said():
    state = sessions_state(f"{today() - dt.timedelta(days=1)}T00:00:00+00:00")
    state["bookmarks"]["chats"] = {"replication_key_value": "2026-01-01T00:00:00+00:00"}
    with EmulatorServer(JAICP.make_app()) as server:
        result = run(jaicp_settings(server), state=state)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "bookmarks of stream(s) this tap does not have: 'chats'" in result.stderr


def test_a_meltano_wrapped_state_is_said_and_its_bookmarks_used():
    bookmark = f"{today() - dt.timedelta(days=1)}T00:00:00+00:00"
    wrapped = {"completed": {"singer_state": sessions_state(bookmark)}, "partial": {}}
    with EmulatorServer(JAICP.make_app()) as server:
        settings = jaicp_settings(server, lookback_days=0)
        result = run(settings, state=wrapped)
        assert result.returncode == 0, result.stderr[-2000:]
        assert "wrapped the way Meltano stores it" in result.stderr
        assert "'completed.singer_state'" in result.stderr
        # the bookmark is used: no session before it is read again
        starts = [r["startTime"] for r in result.records("sessions")]
        assert starts and min(starts) >= bookmark[:10]


def test_a_start_date_in_the_future_is_said():
    with EmulatorServer(JAICP.make_app()) as server:
        future = f"{today() + dt.timedelta(days=30)}T00:00:00Z"
        result = run(jaicp_settings(server, start_date=future))
        assert result.returncode == 0, result.stderr[-2000:]
        assert "start_date (" in result.stderr
        assert "is later than now" in result.stderr
        assert "read nothing until then" in result.stderr
