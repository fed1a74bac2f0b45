"""tap-cobrowser's own hard parts: days ago in the server's calendar, CSV, refusals, CCC."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import typing as t
from zoneinfo import ZoneInfo

import pytest

import tests.tap_cases  # noqa: F401  (loads every case before one is imported alone)
from emulators.framework import EmulatorServer
from tap_cobrowser.client import days_ago, rfc2822_to_utc_iso
from tap_cobrowser.streams import STREAM_TYPES
from tap_cobrowser.tap import TapCoBrowser
from tapkit.window_plan import DateWindow, WindowToken, plan_windows
from tests.cases.cobrowser import (
    COBROWSER,
    COBROWSER_KEY,
    COBROWSER_TZ,
    COBROWSER_USER,
    FULL_TABLE,
    WINDOWED,
    full_table_truth,
    make_app,
)
from tests.support import run_tap

TZ = ZoneInfo(COBROWSER_TZ)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
D = dt.date


def today() -> dt.date:
    return dt.datetime.now(TZ).date()


@pytest.fixture
def emulator():
    with EmulatorServer(make_app()) as server:
        yield server


def config(server: EmulatorServer, days_back: int, last: dt.date | None = None, **changes) -> dict:
    """Settings reading `days_back` days before today; with `last`, read through that day
    and no further (a test comparing with the ground truth takes its day once, before the
    run, so a run crossing the server's midnight reads the days the truth covers)."""
    day = last or today()
    settings = COBROWSER.config(server.url, day - dt.timedelta(days=days_back))
    settings.update(changes)
    return COBROWSER.through(settings, day) if last else settings


def ranges(server: EmulatorServer, command: str) -> list[tuple[int, int]]:
    return [
        (int(r.query["start"]), int(r.query["stop"]))
        for r in server.requests
        if r.query.get("c") == command
    ]


# -- days ago ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "server_today", "expected"),
    [
        (D(2026, 2, 27), D(2026, 2, 28), D(2026, 3, 1), (2, 1)),  # month end
        (D(2028, 2, 28), D(2028, 2, 29), D(2028, 3, 1), (2, 1)),  # leap day
        (D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 1), (1, 0)),  # year end, today
        (D(2026, 3, 31), D(2026, 3, 31), D(2026, 4, 1), (1, 1)),  # yesterday only
        (D(2026, 3, 1), D(2026, 3, 1), D(2026, 3, 1), (0, 0)),  # today only
    ],
)
def test_days_ago_of_a_window(first, last, server_today, expected):
    assert days_ago(DateWindow(first, last), server_today) == expected


@pytest.mark.parametrize(
    ("sent", "emitted"),
    [
        ("Wed, 14 Mar 2012 16:16:11 +0100", "2012-03-14T15:16:11+00:00"),
        # the hour that repeats when DST ends stays two distinct instants
        ("Sun, 25 Oct 2026 02:00:00 +0200", "2026-10-25T00:00:00+00:00"),
        ("Sun, 25 Oct 2026 02:00:00 +0100", "2026-10-25T01:00:00+00:00"),
        ("Mon, 3 Jan 2022 10:00:00 +0530", "2022-01-03T04:30:00+00:00"),
        (None, None),  # an empty CSV cell: None from the CSV parser (docs/values.md)
    ],
)
def test_rfc2822_times_become_iso_8601_in_utc(sent, emitted):
    assert rfc2822_to_utc_iso(sent) == emitted


def test_a_window_after_the_servers_today_is_refused():
    with pytest.raises(ValueError):
        days_ago(DateWindow(D(2026, 3, 1), D(2026, 3, 2)), D(2026, 3, 1))


@pytest.mark.parametrize(
    ("now_utc", "server_today", "note"),
    [
        # 00:30 CEST on the day after clocks went forward: UTC is still on the 29th
        (dt.datetime(2026, 3, 29, 22, 30, tzinfo=dt.UTC), D(2026, 3, 30), "after spring DST"),
        # 00:30 CET on the day after clocks went back
        (dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC), D(2026, 10, 26), "after autumn DST"),
        # 23:30 CET on the 25-hour day itself
        (dt.datetime(2026, 10, 25, 22, 30, tzinfo=dt.UTC), D(2026, 10, 25), "DST day itself"),
    ],
)
def test_days_are_counted_in_the_servers_calendar_across_dst(now_utc, server_today, note):
    plan = plan_windows(
        now_utc=now_utc,
        tz=AMSTERDAM,
        max_days=2,
        start_date=dt.datetime.combine(server_today - dt.timedelta(days=5), dt.time(), AMSTERDAM),
        end_date=None,
        bookmark=None,
        lookback_days=1,
    )
    assert plan.today == server_today, note
    offsets = [days_ago(window, plan.today) for window in plan.windows]
    assert offsets == [(5, 4), (3, 2), (1, 0)], note


def test_the_emulator_has_23_and_25_hour_days_at_dst_changes():
    app = make_app(timezone="Europe/Amsterdam")
    spring = list(app.data.rows("accountspecshourly", D(2026, 3, 29), D(2026, 3, 29)))
    autumn = list(app.data.rows("accountspecshourly", D(2026, 10, 25), D(2026, 10, 25)))
    assert len(spring) == 23 * 3 and len(autumn) == 25 * 3
    assert len({row["hourBegin_time"] for row in autumn}) == 25, "the repeated hour is distinct"


def stream_at(run_started_at: dt.datetime, request_time: dt.datetime, window: DateWindow):
    tap = TapCoBrowser(
        config={"user": COBROWSER_USER, "api_key": COBROWSER_KEY, "server_timezone": COBROWSER_TZ},
        validate_config=True,
    )
    tap.run_scope.started_at = run_started_at
    stream = tap.streams["conversations"]
    stream.now_utc = lambda: request_time  # type: ignore[method-assign]
    return stream.get_url_params(None, WindowToken(window))


def test_a_run_across_the_servers_midnight_asks_for_the_same_dates():
    before_midnight = dt.datetime(2026, 5, 31, 23, 59, 58, tzinfo=TZ)
    after_midnight = dt.datetime(2026, 6, 1, 0, 0, 3, tzinfo=TZ)
    window = DateWindow(D(2026, 5, 30), D(2026, 5, 31))

    same_day = stream_at(before_midnight, before_midnight, window)
    next_day = stream_at(before_midnight, after_midnight, window)

    assert (same_day["start"], same_day["stop"]) == (1, 0)
    assert (next_day["start"], next_day["stop"]) == (2, 1)
    # and the server, whose day has changed, serves exactly the planned dates either way
    served = []
    for now, params in ((before_midnight, same_day), (after_midnight, next_day)):
        app = make_app(clock=lambda now=now: now.astimezone(dt.UTC))
        served.append(app.days({"start": str(params["start"]), "stop": str(params["stop"])}))
    assert served == [(window.first, window.last)] * 2


# -- runs against the emulator -------------------------------------------------------------


def test_a_30_day_backfill_makes_the_minimum_number_of_requests(emulator):
    run = run_tap("tap-cobrowser", config(emulator, days_back=30))
    assert run.returncode == 0, run.stderr[-2000:]
    for command, _ in WINDOWED.values():
        offsets = ranges(emulator, command)
        # 31 days (30 back and today) in 2-day windows, oldest first, no gap, no overlap
        assert offsets[0] == (30, 29) and offsets[-1] == (0, 0)
        assert len(offsets) == 16
        for (_, stop), (start, _) in itertools.pairwise(offsets):
            assert start == stop - 1
    assert len(emulator.requests) == 8 * 16 + 7 == 135


def test_an_incremental_run_rereads_lookback_days_and_today(emulator):
    bookmark = dt.datetime.combine(today(), dt.time(), TZ).isoformat()
    keys = {stream.name: stream.replication_key for stream in STREAM_TYPES}
    state = {
        "bookmarks": {
            stream: {"replication_key": keys[stream], "replication_key_value": bookmark}
            for stream in WINDOWED
        }
    }
    run = run_tap("tap-cobrowser", config(emulator, days_back=30, lookback_days=1), state=state)
    assert run.returncode == 0, run.stderr[-2000:]
    for command, _ in WINDOWED.values():
        assert ranges(emulator, command) == [(1, 0)]


def test_the_reference_lists_are_read_in_full_once(emulator):
    run = run_tap("tap-cobrowser", config(emulator, days_back=1))
    assert run.returncode == 0, run.stderr[-2000:]
    truth = full_table_truth(emulator.app)
    for stream, (command, keys) in FULL_TABLE.items():
        assert run.keys(stream, keys) == truth[stream], stream
        requests = [r for r in emulator.requests if r.query["c"] == command]
        assert len(requests) == 1 and "start" not in requests[0].query


@pytest.mark.parametrize("separator", [";", ",", ":", "|"])
def test_each_separator_reaches_the_api_and_values_holding_it_survive(separator: str):
    day = today()
    with EmulatorServer(make_app()) as server:
        run = run_tap("tap-cobrowser", config(server, 3, day, csv_separator=separator))
        assert run.returncode == 0, run.stderr[-2000:]
        assert {r.query["csvseperator"] for r in server.requests} == {separator}
        truth = COBROWSER.truth(server.app, day - dt.timedelta(days=3), day)
    for stream, keys in COBROWSER.windowed_streams.items():
        assert run.keys(stream, keys) == truth[stream]
    emails = run.records("emails")
    assert emails and all("\nThank you, | :)" in e["subject"] for e in emails)
    assert all(";ref=a,b|c:d" in c["acceptUrl"] for c in run.records("conversations"))
    names = {a["name"] for a in run.records("accounts")}
    assert {"Boutique Française; Paris", 'Kundendienst "Süd" GmbH'} <= names


def test_records_are_typed_and_unknown_columns_kept(emulator):
    run = run_tap("tap-cobrowser", config(emulator, days_back=6))
    conversations = run.records("conversations")
    assert conversations
    for c in conversations:
        assert c["conversation_start"].endswith("+00:00")
        assert isinstance(c["browse_id"], str) and isinstance(c["duration_secs"], int)
        assert isinstance(c["avgMessageLength"], float)
        assert c["_extra"]["chat_language"] in {"nl", "fr", "de"}
    assert None in {c["assigned_agent_id"] for c in conversations}, "empty → null"
    assert None in {e["bcc"] for e in run.records("emails")}
    agents = run.records("agents")
    assert {a["disabled"] for a in agents} == {True, False}
    assert None in {a["cccagent_id"] for a in agents}
    assert "山田" in {a["lastname"] for a in agents}
    hourly = run.records("host_stats_hourly")
    assert all(isinstance(h["num_vists"], int) for h in hourly)


def test_ccc_only_commands_on_a_non_ccc_account_warn_once_and_the_run_goes_on():
    day = today()
    with EmulatorServer(make_app(ccc=False)) as server:
        run = run_tap("tap-cobrowser", config(server, days_back=3, last=day))
        ccc_requests = [r for r in server.requests if r.query["c"].startswith("ccc")]
        truth = COBROWSER.truth(server.app, day - dt.timedelta(days=3), day)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(re.findall(r"WARNING .*not a CCC account", run.stderr)) == 1
    assert len(ccc_requests) == 1, "once refused, the other CCC commands are not asked"
    for stream in ("ccc_agents", "ccc_agent_groups", "ccc_group_accounts", "ccc_slots_activity"):
        assert run.records(stream) == []
    for stream, keys in COBROWSER.windowed_streams.items():
        assert run.keys(stream, keys) == truth[stream]
    assert run.records("accounts") and run.records("agents") and run.records("hosts")


def test_refused_credentials_name_both_settings_and_quote_the_vendor(emulator):
    run = run_tap("tap-cobrowser", config(emulator, days_back=3, api_key="wrong-key-0000"))
    assert run.returncode != 0
    assert re.search(
        r"ERROR .*check the settings user and api_key.*Invalid user or apiKey", run.stderr
    )
    assert "Traceback" not in run.stderr
    assert len(emulator.requests) == 1


def test_a_refused_range_is_an_error_naming_window_days_never_zero_rows():
    # CoBrowser has lowered its limit before (from 30 days to 2); if it does again
    with EmulatorServer(make_app(max_range_days=1)) as server:
        run = run_tap("tap-cobrowser", config(server, days_back=5, window_days=2))
        assert len(server.requests) == 1, "a refusal is not retried"
    assert run.returncode != 0
    assert re.search(r"ERROR .*date range .*start=5, stop=4: 2 day\(s\).*window_days", run.stderr)
    assert "allowed range between start and stop is 1 days" in run.stderr
    assert "Traceback" not in run.stderr
    assert all(not run.bookmarks(stream) for stream in WINDOWED)


def test_each_window_logs_one_progress_line(emulator):
    run = run_tap("tap-cobrowser", config(emulator, days_back=5))
    lines = re.findall(r"conversations \S+\.\.\S+: ([\d,]+) records in", run.stderr)
    assert len(lines) == 3
    assert sum(int(n.replace(",", "")) for n in lines) == len(run.records("conversations"))


def test_csv_and_errors_labelled_text_html_are_judged_by_their_body():
    day = today()
    with EmulatorServer(make_app(content_type="text/html; charset=UTF-8")) as server:
        run = run_tap("tap-cobrowser", config(server, days_back=3, last=day))
        truth = COBROWSER.truth(server.app, day - dt.timedelta(days=3), day)
        refused = run_tap("tap-cobrowser", config(server, days_back=3, api_key="wrong-key-0000"))
    assert run.returncode == 0, run.stderr[-2000:]
    for stream, keys in COBROWSER.windowed_streams.items():
        assert run.keys(stream, keys) == truth[stream]
    assert refused.returncode != 0
    assert "check the settings user and api_key" in refused.stderr


def _run_with_odd_values(odd: set[str], **changes: t.Any) -> tuple[t.Any, t.Any]:
    app = make_app()
    app.data.odd = frozenset(odd)
    with EmulatorServer(app) as server:
        settings = {**config(server, days_back=1), **changes}
        return run_tap("tap-cobrowser", settings), app


def test_a_csv_value_that_does_not_fit_is_kept_as_sent_in_extra_with_one_warning():
    run, _ = _run_with_odd_values({"plain"})
    assert run.returncode == 0, run.stderr[-2000:]
    odd = [c for c in run.records("conversations") if c["_extra"].get("num_messages") == "n/a"]
    assert odd and all(c["num_messages"] is None for c in odd)
    assert len(re.findall(r"conversations: field 'num_messages' has a value", run.stderr)) == 1
    assert re.search(
        r"conversations: undeclared fields kept in _extra: chat_language \(", run.stderr
    )
    assert "values not fitting their declared type kept in _extra: num_messages (" in run.stderr


def test_a_csv_key_that_does_not_fit_fails_the_stream_naming_stream_field_and_type():
    run, _ = _run_with_odd_values({"key"}, on_invalid_key="fail")
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert re.search(
        r"ERROR.*stream 'conversations': key field 'conversation_start' got a JSON string",
        run.stderr,
    )
    assert all(c["conversation_start"] for c in run.records("conversations")), "no null key"
