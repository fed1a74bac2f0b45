"""tap-chattonic's own hard parts: local days across DST, the login and its renewal, failures
reported inside a 200, and today's figures read again until the day is over."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from zoneinfo import ZoneInfo

import pytest
from singer_sdk.exceptions import FatalAPIError

# The cases registry first: it imports every case module, this one's included.
import tests.tap_cases  # noqa: F401
from emulators.chattonic import API_INSTANT, ChattonicEmulator
from emulators.framework import EmulatorServer, Fault
from tap_chattonic.client import iter_query_records
from tapkit.errors import BodyError
from tests.cases.chattonic import (
    CASE,
    CHATTONIC_CODENAME,
    CHATTONIC_PASSWORD,
    CHATTONIC_TZ,
    CHATTONIC_USER,
    chattonic_config,
    make_app,
)
from tests.support import run_tap

TAP = "tap-chattonic"
ACCESS_TOKEN = "test-chattonic-access-token-93c1d7"
#: Figures that depend on the range asked.
FIGURES = ("queriesAssigned", "queriesResolved", "sumDuration", "numberOfResponsesNps")


def serve(**changes) -> EmulatorServer:
    return EmulatorServer(make_app(**changes)).start()


@pytest.fixture
def emulator():
    server = serve()
    yield server
    server.stop()


def fixed_range(server: EmulatorServer, tz: str, first: str, last: str, **changes) -> dict:
    """Config reading the local days first..last (in the past) of `tz`."""
    zone = ZoneInfo(tz)
    config = chattonic_config(server.url, dt.date.fromisoformat(first))
    end = dt.datetime.combine(dt.date.fromisoformat(last), dt.time(12), tzinfo=zone)
    config.update(
        timezone=tz,
        start_date=dt.datetime.combine(dt.date.fromisoformat(first), dt.time(), zone).isoformat(),
        end_date=end.isoformat(),
    )
    config.update(changes)
    return {key: value for key, value in config.items() if value is not None}


def requested_ranges(
    server: EmulatorServer, endpoint: str
) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        tuple(
            dt.datetime.strptime(r.query[name], API_INSTANT).replace(tzinfo=dt.UTC)
            for name in ("startDate", "endDate")
        )
        for r in server.served(f"/stats/{endpoint}")
        if r.status == 200
    ]


def figures_by_day(records: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["operator_id"], r["date"]): {f: r[f] for f in FIGURES} for r in records}


def truth_by_day(app: ChattonicEmulator, tz: str, first: str, last: str) -> dict:
    zone = ZoneInfo(tz)
    day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    truth = {}
    while day <= end:
        for operator_id, row in app.data.operator_day(day, zone).items():
            truth[(operator_id, day.isoformat())] = {f: row[f] for f in FIGURES}
        day += dt.timedelta(days=1)
    return truth


@pytest.mark.parametrize(
    ("tz", "first", "last", "hours"),
    [
        ("Europe/Madrid", "2026-03-28", "2026-03-30", [24, 23, 24]),  # spring forward
        ("Europe/Madrid", "2026-10-24", "2026-10-26", [24, 25, 24]),  # fall back
        ("America/Sao_Paulo", "2018-11-03", "2018-11-05", [24, 23, 24]),  # midnight skipped
        ("America/Sao_Paulo", "2019-02-15", "2019-02-17", [24, 25, 24]),  # 23:00 twice
    ],
    ids=["madrid-march", "madrid-october", "sao-paulo-no-midnight", "sao-paulo-2300-twice"],
)
def test_each_local_day_is_one_request_of_23_24_or_25_hours_and_its_figures_are_right(
    emulator, tz, first, last, hours
):
    run = run_tap(TAP, fixed_range(emulator, tz, first, last))

    assert run.returncode == 0, run.stderr[-3000:]
    ranges = requested_ranges(emulator, "operator")
    assert [round((end - start).total_seconds() / 3600) for start, end in ranges] == hours
    for (_, previous_end), (next_start, _) in itertools.pairwise(ranges):
        # the end is the window's last millisecond: no gap, no overlap
        assert next_start - previous_end == dt.timedelta(milliseconds=1)
    assert [start.astimezone(ZoneInfo(tz)).strftime("%H:%M") for start, _ in ranges] in (
        ["00:00"] * 3,
        ["00:00", "01:00", "00:00"],  # the day whose midnight the clocks skipped
    )
    records = run.records("operator_stats_daily")
    assert figures_by_day(records) == truth_by_day(emulator.app, tz, first, last)
    assert sum(r["queriesAssigned"] for r in records) > 0


def test_dashboard_hours_are_utc_timestamps_with_the_figures_of_the_whole_hour(emulator):
    run = run_tap(TAP, fixed_range(emulator, "Europe/Madrid", "2026-10-24", "2026-10-26"))

    assert run.returncode == 0, run.stderr[-3000:]
    rows = run.records("dashboard_hourly")
    expected = emulator.app.data.dashboard_hours(
        dt.date(2026, 10, 24), dt.date(2026, 10, 26), ZoneInfo("Europe/Madrid")
    )
    assert {dt.datetime.fromisoformat(r["hour"]) for r in rows} == expected
    for row in rows:
        hour = dt.datetime.fromisoformat(row["hour"])
        assert hour.utcoffset() == dt.timedelta(0)
        truth = emulator.app.data.dashboard_hour(hour)
        assert {k: row[k] for k in ("activeUsers", "messagesReceived", "resolved")} == {
            k: truth[k] for k in ("activeUsers", "messagesReceived", "resolved")
        }
        assert isinstance(row["userEfficiency"], float)
    request = emulator.served("/stats/bigquery")[0].query
    assert (request["queryName"], request["dateFormatGroup"]) == ("dashboard", "%Y-%m-%d %H")


def test_in_a_half_hour_zone_an_hour_cut_by_midnight_is_still_read_whole(emulator):
    config = fixed_range(emulator, "Asia/Kolkata", "2026-06-01", "2026-06-03", window_days=1)
    run = run_tap(TAP, config)

    assert run.returncode == 0, run.stderr[-3000:]
    rows = run.records("dashboard_hourly")
    assert rows
    for row in rows:  # every emitted version of an hour, boundary hours included
        truth = emulator.app.data.dashboard_hour(dt.datetime.fromisoformat(row["hour"]))
        assert row["activeUsers"] == truth["activeUsers"]
        assert row["messagesSent"] == truth["messagesSent"]
    for start, end in requested_ranges(emulator, "bigquery"):
        assert (start.minute, end.minute, end.second) == (0, 59, 59)


def test_todays_rows_are_read_again_next_run_and_upsert_by_operator_and_date(emulator):
    # "today" taken once: both runs read through it and no further
    day = CASE.today(chattonic_config(emulator.url, dt.date.today()))
    config = CASE.through(chattonic_config(emulator.url, day), day)
    config["start_date"] = (
        dt.datetime.now(ZoneInfo(CHATTONIC_TZ)) - dt.timedelta(days=3)
    ).isoformat()
    today = day.isoformat()
    first = run_tap(TAP, config)
    assert first.returncode == 0, first.stderr[-3000:]
    requests_before = len(emulator.served("/stats/operator"))

    second = run_tap(TAP, config, state=first.states()[-1])

    assert second.returncode == 0, second.stderr[-3000:]
    assert len(emulator.served("/stats/operator")) - requests_before == 2  # lookback + today
    for run in (first, second):
        assert today in {r["date"] for r in run.records("operator_stats_daily")}
        # the open day is bookmarked at its start; once the local midnight has passed (a run
        # crossing it), the day is closed and bookmarked at its end
        open_or_closed = {day} if CASE.today(config) == day else {day, day + dt.timedelta(days=1)}
        bookmark = dt.datetime.fromisoformat(run.bookmarks("operator_stats_daily")[-1])
        assert bookmark.date() in open_or_closed


def test_an_expired_token_is_renewed_by_logging_in_again_and_nothing_is_lost():
    server = serve(token_lifetime=3)
    try:
        config = fixed_range(server, CHATTONIC_TZ, "2026-11-01", "2026-11-10", window_days=1)
        run = run_tap(TAP, config)
    finally:
        server.stop()

    assert run.returncode == 0, run.stderr[-3000:]
    assert figures_by_day(run.records("operator_stats_daily")) == truth_by_day(
        server.app, CHATTONIC_TZ, "2026-11-01", "2026-11-10"
    )
    statuses = [(r.path.endswith("/login"), r.status) for r in server.requests]
    refused = [i for i, (_, status) in enumerate(statuses) if status == 401]
    assert len(refused) >= 5, "20 windows with tokens good for 3 requests"
    for i in refused:
        assert statuses[i + 1] == (True, 200), "a 401 is followed by one login"
        assert statuses[i + 2] == (False, 200), "then the same request, accepted"
    assert server.app.logins == len(refused) + 1
    assert "refused the token; logging in again" in run.stderr
    assert CHATTONIC_PASSWORD not in run.output and "issued-chattonic-token" not in run.output


def test_a_login_that_meets_a_server_error_is_retried(emulator):
    emulator.app.token_lifetime = None  # one login for the run (the conversations walk is long)
    emulator.inject(Fault(kind="status", status=503, times=2, path="/login"))
    run = run_tap(TAP, fixed_range(emulator, CHATTONIC_TZ, "2026-11-01", "2026-11-02"))

    assert run.returncode == 0, run.stderr[-3000:]
    assert [r.status for r in emulator.served("/login")] == [503, 503, 200]
    assert figures_by_day(run.records("operator_stats_daily")) == truth_by_day(
        emulator.app, CHATTONIC_TZ, "2026-11-01", "2026-11-02"
    )


def test_the_login_is_timed_in_the_sdk_request_metrics_like_every_request(emulator):
    emulator.app.token_lifetime = None  # one login for the run (the conversations walk is long)
    # METRIC lines are logged at LOGLEVEL=DEBUG (or with METRICS_LOGLEVEL=INFO)
    config = fixed_range(emulator, CHATTONIC_TZ, "2026-11-01", "2026-11-02")
    run = run_tap(TAP, config, loglevel="DEBUG")

    assert run.returncode == 0, run.stderr[-3000:]
    timed = [
        json.loads(line.split("METRIC: ", 1)[1])
        for line in run.stderr.splitlines()
        if "METRIC: " in line and '"http_request_duration"' in line
    ]
    assert len(emulator.served("/login")) == 1
    assert len(timed) == len(emulator.requests), "one timer per request sent, the login's too"


def test_a_token_refused_twice_ends_the_run_naming_the_settings():
    server = serve(token_lifetime=0)
    try:
        run = run_tap(TAP, fixed_range(server, CHATTONIC_TZ, "2026-11-01", "2026-11-03"))
    finally:
        server.stop()

    assert run.returncode != 0
    assert "username and password" in run.stderr
    assert "Traceback" not in run.stderr
    assert [(r.path.endswith("/login"), r.status) for r in server.requests] == [
        (True, 200),
        (False, 401),
        (True, 200),
        (False, 401),
    ]


def test_an_access_token_is_sent_as_bearer_without_any_login():
    server = serve(access_token=ACCESS_TOKEN)
    try:
        config = fixed_range(
            server, "UTC", "2026-11-01", "2026-11-02", username=None, password=None
        )
        config["access_token"] = ACCESS_TOKEN
        run = run_tap(TAP, config, loglevel="DEBUG")
    finally:
        server.stop()

    assert run.returncode == 0, run.stderr[-3000:]
    assert server.requests and not server.served("/login")
    assert {r.headers["authorization"] for r in server.requests} == {f"Bearer {ACCESS_TOKEN}"}
    assert ACCESS_TOKEN not in run.output


def test_a_refused_access_token_is_replaced_by_a_login_when_a_password_is_given(emulator):
    emulator.app.token_lifetime = None  # one login for the run (the conversations walk is long)
    config = fixed_range(emulator, "UTC", "2026-11-01", "2026-11-02")
    config["access_token"] = "test-chattonic-stale-token-0000"
    run = run_tap(TAP, config)

    assert run.returncode == 0, run.stderr[-3000:]
    assert [r.status for r in emulator.requests[:3]] == [401, 200, 200]
    assert len(emulator.served("/login")) == 1


def test_a_refused_access_token_alone_fails_at_once_naming_access_token(emulator):
    config = fixed_range(emulator, "UTC", "2026-11-01", "2026-11-02", username=None, password=None)
    config["access_token"] = "test-chattonic-wrong-token-0000"
    run = run_tap(TAP, config)

    assert run.returncode != 0
    assert "access_token" in run.stderr and "Traceback" not in run.stderr
    assert len(emulator.requests) == 1


def test_status_false_in_a_200_is_retried_and_not_taken_for_an_empty_day(emulator):
    emulator.app.fail_next(2, "BigQuery job exceeded its quota")
    config = fixed_range(emulator, CHATTONIC_TZ, "2026-11-01", "2026-11-04")
    run = run_tap(TAP, config)

    assert run.returncode == 0, run.stderr[-3000:]
    assert "BigQuery job exceeded its quota" in run.stderr
    assert figures_by_day(run.records("operator_stats_daily")) == truth_by_day(
        emulator.app, CHATTONIC_TZ, "2026-11-01", "2026-11-04"
    )


def test_status_false_that_persists_fails_with_the_vendors_message_and_no_bookmark(emulator):
    emulator.app.fail_next(100, "BigQuery job exceeded its quota")
    run = run_tap(
        TAP, fixed_range(emulator, CHATTONIC_TZ, "2026-11-01", "2026-11-04", max_attempts=2)
    )

    assert run.returncode != 0
    error_lines = [line for line in run.stderr.splitlines() if "ERROR" in line]
    assert any("BigQuery job exceeded its quota" in line for line in error_lines)
    assert "Traceback" not in run.stderr
    assert run.records("operator_stats_daily") == run.records("dashboard_hourly") == []
    assert run.bookmarks("operator_stats_daily") == run.bookmarks("dashboard_hourly") == []


def test_operator_rows_are_typed_flattened_and_keep_unknown_fields(emulator):
    run = run_tap(TAP, fixed_range(emulator, CHATTONIC_TZ, "2026-11-01", "2026-11-02"))

    rows = run.records("operator_stats_daily")
    assert rows
    for row in rows:
        assert "_id" not in row and row["operator_id"]
        assert row["given_name"] == row["name"]["givenName"]
        assert row["family_name"] == row["name"]["familyName"]
        if row["lastConnection"] is not None:
            assert dt.datetime.fromisoformat(row["lastConnection"]).utcoffset() == dt.timedelta(0)
    assert {"department": "Ventas online"} in [r["_extra"] for r in rows]
    assert {r.get("status") for r in rows} == {None, "online"}


def body(payload) -> list[bytes]:
    text = json.dumps(payload).encode()
    return [text[i : i + 7] for i in range(0, len(text), 7)]  # small chunks, as on the wire


def test_bodies_bare_or_enveloped_give_their_records():
    rows = [{"date": "2026-11-01 03", "newUsers": 1}, {"date": "2026-11-01 04", "newUsers": 2}]
    assert list(iter_query_records(body(rows))) == rows
    enveloped = {"status": True, "operators": rows, "queryPending": 0}
    assert list(iter_query_records(body(enveloped), array_key="operators")) == rows
    assert list(iter_query_records(body({"data": rows}))) == rows
    assert list(iter_query_records(body({"status": True, "operators": []}))) == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"status": False, "message": "Query failed"}, "Query failed"),
        ({"operators": [{"_id": "a"}], "status": False, "message": "Late failure"}, "Late failure"),
        ({"error": {"code": 500, "message": "Backend error"}}, "Backend error"),
        ({"status": True}, "holds no list"),
        ({"status": True, "operators": [1, 2]}, "expected objects"),
    ],
    ids=["status-false", "status-false-after-records", "error-object", "no-list", "not-objects"],
)
def test_a_body_reporting_a_failure_or_holding_no_records_raises(payload, message):
    with pytest.raises(BodyError, match=message):
        list(iter_query_records(body(payload), array_key="operators"))


def test_a_dashboard_without_the_hourly_grouping_is_a_clear_error():
    from tap_chattonic.tap import TapChattonic

    tap = TapChattonic(
        config={
            "base_url": "http://127.0.0.1:1",
            "codename": CHATTONIC_CODENAME,
            "username": CHATTONIC_USER,
            "password": CHATTONIC_PASSWORD,
        }
    )
    stream = tap.streams["dashboard_hourly"]
    with pytest.raises(FatalAPIError, match="hourly grouping was not applied"):
        stream.post_process({"date": "0", "newUsers": 3})
