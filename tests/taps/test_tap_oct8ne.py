"""tap-oct8ne's own hard parts: 31-day windows, the one-year horizon, one request a minute."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
import requests

from emulators.framework import EmulatorServer
from emulators.oct8ne import Oct8neEmulator
from tap_oct8ne.tap import TapOct8ne
from tests.cases.oct8ne import OCT8NE, OCT8NE_DOMAIN, OCT8NE_OFFSET, OCT8NE_TOKEN
from tests.support import PinnedDay, run_tap

TZ = dt.timezone(dt.timedelta(hours=OCT8NE_OFFSET))


PIN = PinnedDay(TZ)
pinned_today = PIN.fixture()
today = PIN.today


def mdy(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")


def parse_mdy(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%m/%d/%Y").date()


@pytest.fixture
def emulator():
    with EmulatorServer(OCT8NE.make_app()) as server:
        yield server


def config(server: EmulatorServer, days_back: int, **changes) -> dict:
    day = today()
    settings = OCT8NE.through(OCT8NE.config(server.url, day - dt.timedelta(days=days_back)), day)
    settings.update(changes)
    return settings


def windows_requested(server: EmulatorServer, stream: str) -> list[tuple[dt.date, dt.date]]:
    return [
        (parse_mdy(r.query["startTime"]), parse_mdy(r.query["endTime"]))
        for r in server.served(f"/{stream}/")
        if r.status == 200
    ]


def test_a_backfill_walks_31_day_windows_oldest_first_without_gap_or_overlap(emulator):
    run = run_tap("tap-oct8ne", config(emulator, days_back=70))
    assert run.returncode == 0, run.stderr[-2000:]
    for stream in ("sessions", "leads"):
        windows = windows_requested(emulator, stream)
        assert len(windows) == 3, "71 days need exactly three 31-day requests"
        assert windows[0][0] == today() - dt.timedelta(days=70)
        assert windows[-1][1] == today()
        for first, last in windows:
            assert (last - first).days + 1 <= 31
        for (_, previous_last), (next_first, _) in itertools.pairwise(windows):
            assert next_first == previous_last + dt.timedelta(days=1)


def test_each_request_carries_the_offset_and_asks_for_seconds(emulator):
    run = run_tap("tap-oct8ne", config(emulator, days_back=3))
    assert run.returncode == 0
    for request in emulator.requests:
        assert request.query["utcOffset"] == str(OCT8NE_OFFSET)
        assert request.query["durationFormat"] == "1"
        assert request.query["domainId"] == OCT8NE_DOMAIN


def test_records_are_typed_with_the_domains_offset_and_keep_unknown_fields(emulator):
    run = run_tap("tap-oct8ne", config(emulator, days_back=10))
    sessions = run.records("sessions")
    assert sessions
    for session in sessions:
        assert dt.datetime.fromisoformat(session["startDate"]).utcoffset() == TZ.utcoffset(None)
        assert isinstance(session["duration"], int)
        assert isinstance(session["attended"], bool)
    assert {"campaign": "winter-sale"} in [s["_extra"] for s in sessions]
    assert None in [s["_extra"] for s in sessions]


def test_a_start_older_than_a_year_is_clamped_with_a_warning(emulator):
    run = run_tap("tap-oct8ne", config(emulator, days_back=800, window_days=31))
    assert run.returncode == 0, run.stderr[-2000:]
    assert re.search(r"WARNING .*older than the vendor's history limit", run.stderr)
    first_window = windows_requested(emulator, "sessions")[0]
    assert first_window[0] == today() - dt.timedelta(days=364)
    assert all(r.status == 200 for r in emulator.requests), "no request was refused"


def test_every_filter_setting_reaches_the_sessions_export(emulator):
    filters = {
        "agent_filter": "2",
        "dept_filter": "1",
        "attention_filter": 1,
        "sale": 0,
        "agent_type": 1,
    }
    run = run_tap("tap-oct8ne", config(emulator, days_back=20, **filters))
    assert run.returncode == 0
    sessions_request = emulator.served("/sessions/")[0].query
    assert {
        k: sessions_request[k]
        for k in ("agentFilter", "deptFilter", "attentionFilter", "sale", "agentType")
    } == {
        "agentFilter": "2",
        "deptFilter": "1",
        "attentionFilter": "1",
        "sale": "0",
        "agentType": "1",
    }
    sessions = run.records("sessions")
    assert sessions and all(s["agentId"] == "2" and s["departmentId"] == "1" for s in sessions)
    assert "agentFilter" not in emulator.served("/leads/")[0].query


def test_both_streams_share_one_request_per_interval():
    interval = 0.4
    app = Oct8neEmulator(api_token=OCT8NE_TOKEN, domain_id=OCT8NE_DOMAIN, interval=interval)
    with EmulatorServer(app) as server:
        settings = config(
            server, days_back=12, window_days=4, min_request_interval_seconds=interval
        )
        run = run_tap("tap-oct8ne", settings)
        assert run.returncode == 0, run.stderr[-2000:]
        arrivals = [r.at for r in server.requests]
        statuses = [r.status for r in server.requests]
    assert len(arrivals) == 8, "4 windows for each of the two streams"
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= interval
    assert 429 not in statuses, "the tap's own spacing must never draw a 429"


def test_a_429_after_another_run_used_the_token_means_wait_and_retry():
    app = Oct8neEmulator(api_token=OCT8NE_TOKEN, domain_id=OCT8NE_DOMAIN, interval=1.5)
    with EmulatorServer(app) as server:
        # another run (an earlier job, a colleague's script) has just used the token
        requests.get(
            f"{server.url}/apidata/export/v2/leads/json",
            params={
                "apiToken": OCT8NE_TOKEN,
                "domainId": OCT8NE_DOMAIN,
                "startTime": mdy(today()),
                "endTime": mdy(today()),
            },
            timeout=5,
        )
        run = run_tap("tap-oct8ne", config(server, days_back=2, min_request_interval_seconds=0.1))
        statuses = [r.status for r in server.requests[1:]]
    assert run.returncode == 0, run.stderr[-2000:]
    assert statuses[0] == 429 and statuses.count(200) == 2
    assert "retrying in" in run.stderr
    assert run.records("sessions") and run.records("leads")


def test_each_window_logs_one_progress_line(emulator):
    run = run_tap("tap-oct8ne", config(emulator, days_back=40))
    lines = re.findall(
        r"sessions (\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d): ([\d,]+) records in [\d.]+ s"
        r"(; next request in \d+ s)?",
        run.stderr,
    )
    assert len(lines) == 2
    assert lines[0][3], "a window followed by another says when the next request goes"
    total = sum(int(count.replace(",", "")) for *_, count, _ in lines)
    assert total == len(run.records("sessions"))


def test_an_incremental_run_rereads_lookback_days_before_the_bookmark(emulator):
    bookmark = dt.datetime.combine(today() - dt.timedelta(days=5), dt.time(), tzinfo=TZ)
    state = {
        "bookmarks": {
            name: {"replication_key": key, "replication_key_value": bookmark.isoformat()}
            for name, key in (("sessions", "startDate"), ("leads", "creationDate"))
        }
    }
    run = run_tap("tap-oct8ne", config(emulator, days_back=60, lookback_days=2), state=state)
    assert run.returncode == 0
    for stream in ("sessions", "leads"):
        assert windows_requested(emulator, stream) == [(today() - dt.timedelta(days=7), today())]


def test_a_fixed_range_backfill_stops_at_end_date_and_bookmarks_it(emulator):
    end = today() - dt.timedelta(days=20)
    settings = config(emulator, days_back=40, end_date=f"{end.isoformat()}T12:00:00+02:00")
    run = run_tap("tap-oct8ne", settings)
    assert run.returncode == 0
    assert windows_requested(emulator, "sessions")[-1][1] == end
    final = dt.datetime.fromisoformat(run.bookmarks("sessions")[-1])
    assert final.date() == end + dt.timedelta(days=1)
    truth = {
        s["sessionId"]
        for s in emulator.app.data.sessions(today() - dt.timedelta(days=40), end, OCT8NE_OFFSET)
    }
    assert {r["sessionId"] for r in run.records("sessions")} == truth


@pytest.mark.parametrize(
    ("region", "host"),
    [("eu", "https://backoffice-eu.oct8ne.com"), ("us", "https://backoffice.oct8ne.com")],
)
def test_the_region_chooses_the_oct8ne_server(region: str, host: str):
    tap = TapOct8ne(config={"api_token": OCT8NE_TOKEN, "domain_id": "1", "region": region})
    assert {stream.url_base for stream in tap.streams.values()} == {host}


class OddDurations(Oct8neEmulator):
    """The first sessions carry durations the strict rules refuse (issue 27 item 4)."""

    ODD = (2**70, "1:2:3:4", "-0:05:00", "00:01:30")

    def _rows(self, kind: str, first: dt.date, last: dt.date, offset: int, q: dict) -> list[dict]:
        rows = super()._rows(kind, first, last, offset, q)
        if kind == "sessions":
            for row, odd in zip(rows, self.ODD, strict=False):
                row["duration"] = odd
        return rows


def test_odd_durations_go_to_extra_with_a_warning_instead_of_being_computed():
    """Beyond 64 bits failed every PostgreSQL load; "1:2:3:4" became 7384, "-0:05:00" +300."""
    app = OddDurations(api_token=OCT8NE_TOKEN, domain_id=OCT8NE_DOMAIN, interval=0.1)
    with EmulatorServer(app) as server:
        # from yesterday: a day that has just begun holds no session yet
        run = run_tap("tap-oct8ne", config(server, days_back=1))
    assert run.returncode == 0, run.stderr[-2000:]
    by_sent = {
        s["_extra"]["duration"]: s["duration"]
        for s in run.records("sessions")
        if s["_extra"] and "duration" in s["_extra"]
    }
    assert by_sent == {2**70: None, "1:2:3:4": None, "-0:05:00": None}
    assert any(s["duration"] == 90 for s in run.records("sessions")), "hh:mm:ss still read"
    warnings = [line for line in run.stderr.splitlines() if "field 'duration'" in line]
    assert len(warnings) == 1 and "WARNING" in warnings[0], "one warning for the field"
