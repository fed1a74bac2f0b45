"""tap-jaicp's own hard parts: paging inside windows, boundaries, messages per session."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
import subprocess
import tempfile
import typing as t
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from emulators.framework import EmulatorServer, Fault
from emulators.jaicp import JaicpData, JaicpEmulator, parse_iso_ms, without_nulls
from tests.meltano_support import meltano_env, meltano_run, warehouse_keys
from tests.support import (
    PinnedDay,
    TapRun,
    _parse,
    run_tap_killed_after_states,
    tap_command,
    tap_env,
)
from tests.tap_cases import TAP_CASES

# through the registry: importing tests.cases.jaicp first would import it twice over
JAICP = next(case for case in TAP_CASES if case.tap == "tap-jaicp")
JAICP_TOKEN = JAICP.secrets[0]
jaicp_truth = JAICP.truth

SESSIONS = "/sessions/filter"
MESSAGES = "/messages/by-session"
CLIENTS = "/clients/filter"


PIN = PinnedDay(dt.UTC)
pinned_today = PIN.fixture()
today = PIN.today


def start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@pytest.fixture
def emulator():
    with EmulatorServer(JAICP.make_app()) as server:
        yield server


def config(server: EmulatorServer, days_back: int, **changes) -> dict:
    day = today()
    settings = JAICP.through(JAICP.config(server.url, day - dt.timedelta(days=days_back)), day)
    settings.update(changes)
    return settings


def by_session(server: EmulatorServer, days_back: int, **changes) -> dict:
    """Settings reading messages per session (`messages_mode: by_session`)."""
    return config(server, days_back, messages_mode="by_session", **changes)


def session_truth(app: JaicpEmulator, first: dt.date, last: dt.date) -> dict[str, set[tuple]]:
    return jaicp_truth(app, first, last, messages_mode="by_session")


def run(settings: dict, *, state: dict | None = None, catalog: dict | None = None, **kw) -> TapRun:
    """Run the tap as Meltano does, optionally with a catalog (stream selection)."""
    with tempfile.TemporaryDirectory() as tmp:
        command = tap_command("tap-jaicp", settings, state, Path(tmp))
        if catalog is not None:
            path = Path(tmp) / "catalog.json"
            path.write_text(json.dumps(catalog))
            command += ["--catalog", str(path)]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=tap_env(kw.get("loglevel", "INFO")),
            timeout=300,
            check=False,
        )
    return TapRun(result.returncode, result.stdout, result.stderr, _parse(result.stdout))


def catalog_selecting(settings: dict, selected: set[str]) -> dict:
    """The tap's discovered catalog with only `selected` streams selected."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [*tap_command("tap-jaicp", settings, None, Path(tmp)), "--discover"]
        catalog = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in selected
    return catalog


def window_ranges(server: EmulatorServer) -> list[tuple[dt.datetime, dt.datetime]]:
    """The distinct SESSION_START_TIME ranges asked for, in order."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    for request in server.served(SESSIONS):
        item = request.json()["filters"][0]
        assert (item["key"], item["type"]) == ("SESSION_START_TIME", "DATE_TIME_RANGE")
        pair = (parse_iso_ms(item["from"]), parse_iso_ms(item["to"]))
        if not ranges or ranges[-1] != pair:
            ranges.append(pair)
    return ranges


def pages_needed(count: int, size: int) -> int:
    """Requests for a list of `count` records: one even when empty, never an empty extra."""
    return max(1, math.ceil(count / size))


def test_windows_cover_time_without_gap_or_overlap_to_is_next_from_minus_1ms(emulator):
    result = run(config(emulator, days_back=20, window_days=7))
    assert result.returncode == 0, result.stderr[-2000:]
    ranges = window_ranges(emulator)
    assert len(ranges) == 3, "21 days in 7-day windows"
    assert ranges[0][0] == start_of(today() - dt.timedelta(days=20))
    assert ranges[-1][1] == start_of(today() + dt.timedelta(days=1)) - dt.timedelta(milliseconds=1)
    for (_, previous_to), (next_from, _) in itertools.pairwise(ranges):
        assert next_from - previous_to == dt.timedelta(milliseconds=1)
    raw = emulator.served(SESSIONS)[0].json()["filters"][0]["to"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT23:59:59\.999Z", raw)


def test_a_session_starting_at_midnight_on_a_window_boundary_is_read_exactly_once(emulator):
    result = run(config(emulator, days_back=6, window_days=1))
    assert result.returncode == 0
    ids = [r["sessionId"] for r in result.records("sessions")]
    assert len(ids) == len(set(ids)), "a session was read twice"
    midnight = [r for r in result.records("sessions") if r["startTime"].endswith("T00:00:00+00:00")]
    assert len(midnight) >= 5, "every day with sessions has one starting at midnight"
    truth = jaicp_truth(emulator.app, today() - dt.timedelta(days=6), today())
    assert {(i,) for i in ids} == truth["sessions"]


@pytest.mark.parametrize("paging_last", [False, True], ids=["paging first", "paging last"])
@pytest.mark.parametrize("page_size", [1, 3, 4])
def test_pages_inside_a_window_stop_on_a_short_page_or_at_the_total(page_size, paging_last):
    app = JaicpEmulator(api_token=JAICP_TOKEN, paging_last=paging_last)
    with EmulatorServer(app) as server:
        settings = config(server, days_back=6, window_days=1, page_size=page_size)
        result = run(settings, catalog=catalog_selecting(settings, {"sessions"}))
        assert result.returncode == 0, result.stderr[-2000:]
        ranges = window_ranges(server)
        expected = 0
        for first, last in ranges:
            count = len(app.data.sessions(first, last))
            expected += pages_needed(count, page_size)
        pages = [r.query["page"] for r in server.served(SESSIONS)]
    assert len(pages) == expected, "one request per page, no empty page after a full total"
    assert any(len(app.data.sessions(f, t)) == 0 for f, t in ranges), "an empty window"
    assert any(len(app.data.sessions(f, t)) > page_size for f, t in ranges), "a multi-page one"
    truth = jaicp_truth(app, today() - dt.timedelta(days=6), today())
    assert result.keys("sessions", ("sessionId",)) == truth["sessions"]


def test_sessions_arriving_during_the_walk_do_not_push_any_session_out_of_it(emulator):
    # Newest first: three sessions arriving after the first page shift every older one three
    # places back; a walk bounded by the first page's totalCount would miss the last three.
    emulator.app.schedule_arrivals(3)
    settings = config(emulator, days_back=3, window_days=7, page_size=4)
    before = jaicp_truth(emulator.app, today() - dt.timedelta(days=3), today())["sessions"]

    result = run(settings)

    assert result.returncode == 0
    assert emulator.app.data.arrived, "sessions arrived during the walk"
    assert before <= result.keys("sessions", ("sessionId",))


def test_every_message_of_every_session_is_read_paged_one_session_at_a_time(emulator):
    page_size = 5
    result = run(by_session(emulator, days_back=4, page_size=page_size))
    assert result.returncode == 0, result.stderr[-2000:]
    sessions = emulator.app.data.sessions_on_days(today() - dt.timedelta(days=4), today())
    truth = session_truth(emulator.app, today() - dt.timedelta(days=4), today())
    assert result.keys("messages", ("sessionId", "questionId")) == truth["messages"]
    empty = [s for s in sessions if s["questionCount"] == 0]
    assert empty, "the data holds sessions without messages"
    requests = emulator.served(MESSAGES)
    assert len(requests) == sum(pages_needed(s["questionCount"], page_size) for s in sessions)
    asked = {r.json()["sessionId"] for r in requests}
    assert asked == {s["sessionId"] for s in sessions}, "each session's messages were asked for"
    assert all(r.method == "POST" for r in requests)


def test_a_window_s_messages_are_emitted_before_that_window_s_state(emulator):
    result = run(by_session(emulator, days_back=5, window_days=1))
    assert result.returncode == 0
    starts = {r["sessionId"]: r["startTime"] for r in result.records("sessions")}
    bookmark = None
    checked = 0
    for message in result.messages:
        if message["type"] == "STATE":
            value = message["value"]["bookmarks"].get("sessions", {})
            bookmark = value.get("replication_key_value", bookmark)
        elif message["type"] == "RECORD" and message["stream"] == "messages":
            start = dt.datetime.fromisoformat(starts[message["record"]["sessionId"]])
            # the message's window is not bookmarked yet when the message is emitted
            assert bookmark is None or start >= dt.datetime.fromisoformat(bookmark)
            checked += 1
    assert checked == len(result.records("messages")) > 0
    assert "partitions" not in result.states()[-1]["bookmarks"].get("messages", {}), (
        "no per-session state entries"
    )
    schemas = [m for m in result.messages if m["type"] == "SCHEMA" and m["stream"] == "messages"]
    assert len(schemas) == 1, "the messages SCHEMA is written once, not once per session"


def test_messages_selected_without_sessions_still_arrive_complete(emulator):
    settings = by_session(emulator, days_back=4)
    catalog = catalog_selecting(settings, {"messages"})

    result = run(settings, catalog=catalog)

    assert result.returncode == 0, result.stderr[-2000:]
    truth = session_truth(emulator.app, today() - dt.timedelta(days=4), today())
    assert result.keys("messages", ("sessionId", "questionId")) == truth["messages"]
    assert result.records("sessions") == [] and result.records("clients") == []
    assert not [m for m in result.messages if m.get("stream") == "sessions"]
    assert emulator.served(CLIENTS) == []
    # the walk is bookmarked in the messages' state, so a rerun resumes; the sessions'
    # bookmark does not move past sessions never emitted (see tests/core/test_sanity.py)
    assert result.bookmarks("sessions") == []
    assert result.states()[-1]["bookmarks"]["messages"]["parent_replication_key_value"]


MESSAGE_FAULTS = {
    "500": Fault(kind="status", status=500, times=2, path=MESSAGES, after=3),
    "body cut mid-transfer": Fault(kind="truncate", times=2, path=MESSAGES, after=3),
    "truncated JSON": Fault(kind="cut_json", times=2, path=MESSAGES, after=3),
    "HTML with status 200": Fault(kind="html", times=2, path=MESSAGES, after=3),
}


@pytest.mark.parametrize("fault", MESSAGE_FAULTS.values(), ids=MESSAGE_FAULTS.keys())
def test_a_failed_messages_request_is_retried_and_no_message_is_missing(emulator, fault):
    emulator.inject(fault)
    result = run(by_session(emulator, days_back=3, page_size=5))
    assert result.returncode == 0, result.stderr[-2000:]
    assert emulator.faults == [], "the fault was served"
    truth = session_truth(emulator.app, today() - dt.timedelta(days=3), today())
    assert result.keys("messages", ("sessionId", "questionId")) == truth["messages"]


def test_messages_that_keep_failing_fail_the_run_without_bookmarking_their_window(emulator):
    emulator.inject(Fault(kind="status", status=500, times=1000, path=MESSAGES))
    result = run(by_session(emulator, days_back=3, window_days=1, max_attempts=2))
    assert result.returncode != 0
    assert "ERROR" in result.stderr and "Traceback" not in result.stderr
    assert result.bookmarks("sessions") == [], "a window whose messages failed is read again"


def test_a_killed_run_resumes_with_every_message(emulator):
    settings = by_session(emulator, days_back=6, window_days=1)
    catalog = catalog_selecting(settings, {"sessions", "messages"})
    killed = run_tap_killed_after_states("tap-jaicp", settings, states=2, catalog=catalog)
    assert killed.returncode != 0

    resumed = run(settings, state=killed.states()[-1], catalog=catalog)

    assert resumed.returncode == 0
    keys = ("sessionId", "questionId")
    truth = session_truth(emulator.app, today() - dt.timedelta(days=6), today())
    assert killed.keys("messages", keys) | resumed.keys("messages", keys) == truth["messages"]
    assert resumed.keys("messages", keys) != truth["messages"], "the resumed run did not redo all"


def test_a_lookback_rereads_the_sessions_and_their_messages(emulator):
    bookmark = start_of(today() - dt.timedelta(days=2))
    state = {
        "bookmarks": {
            "sessions": {
                "replication_key": "startTime",
                "replication_key_value": bookmark.isoformat(),
            }
        }
    }
    result = run(by_session(emulator, days_back=30, lookback_days=1), state=state)
    assert result.returncode == 0
    first = today() - dt.timedelta(days=3)
    assert window_ranges(emulator)[0][0] == start_of(first)
    truth = session_truth(emulator.app, first, today())
    assert result.keys("sessions", ("sessionId",)) == truth["sessions"]
    assert result.keys("messages", ("sessionId", "questionId")) == truth["messages"]


def test_clients_are_read_whole_page_by_page(emulator):
    result = run(config(emulator, days_back=1, page_size=7))
    assert result.returncode == 0
    clients = emulator.app.data.clients()
    assert {r["id"] for r in result.records("clients")} == {c["id"] for c in clients}
    assert len(emulator.served(CLIENTS)) == pages_needed(len(clients), 7)


def test_records_are_typed_and_keep_unknown_fields(emulator):
    result = run(config(emulator, days_back=10))
    assert result.returncode == 0, result.stderr[-2000:]
    sessions = result.records("sessions")
    raw = {s["sessionId"]: s for s in emulator.app.data.sessions_on_days(today(), today())}
    for session in sessions:
        assert dt.datetime.fromisoformat(session["startTime"]).utcoffset() == dt.timedelta(0)
        assert isinstance(session["client"], dict) and isinstance(session["labels"], list)
        assert isinstance(session["client"]["id"], str), "client ids are strings (the spec)"
        assert all(isinstance(label["id"], int) for label in session["labels"]), "nested typed"
        assert all(isinstance(label["priority"], int) for label in session["labels"])
        assert isinstance(session["duration"], int) and isinstance(session["questionCount"], int)
        if session["sessionId"] in raw:
            # whole seconds in integer arithmetic, half a second up (issue 22)
            assert session["duration"] == (raw[session["sessionId"]]["duration"] + 500) // 1000
            # nothing lost (the emulator leaves out members that would be null)
            assert session["client"] == without_nulls(raw[session["sessionId"]]["client"])
    assert {"experimentId": 7} in [s["_extra"] for s in sessions]
    messages = result.records("messages")
    assert {"nluIntent": "/greeting"} in [m["_extra"] for m in messages]
    # issue 22: a blank JSON string is kept as sent, no longer turned into null
    assert "" in [m["textAnswer"] for m in messages], "an empty answer stays empty"
    assert all(m["question"] and isinstance(m["processingTime"], int) for m in messages)
    assert all(isinstance(m["client"]["id"], str) and m["sessionStartTime"] for m in messages)
    grouped = [label for m in messages for label in m["labels"]]
    assert grouped and all(isinstance(label["group"]["priority"], int) for label in grouped)
    assert all(isinstance(m["nlpInfo"]["confidence"], float) for m in messages)
    clients = result.records("clients")
    assert all(isinstance(c["isBlocked"], bool) and isinstance(c["id"], str) for c in clients)
    assert any(not c["id"].isdigit() for c in clients) and any(c["id"].isdigit() for c in clients)
    assert "undeclared fields kept in _extra: experimentId (" in result.stderr
    assert "messages: undeclared fields kept in _extra: nluIntent (" in result.stderr
    assert "clients: no undeclared fields seen" in result.stderr


def test_v1_style_sends_a_bearer_header_and_never_the_token_in_a_url(emulator):
    result = run(by_session(emulator, days_back=3, api_style="v1"))
    assert result.returncode == 0, result.stderr[-2000:]
    truth = session_truth(emulator.app, today() - dt.timedelta(days=3), today())
    assert result.keys("messages", ("sessionId", "questionId")) == truth["messages"]
    for request in emulator.requests:
        assert request.path.startswith("/api/v1/reporter/")
        assert request.headers["authorization"] == f"Bearer {JAICP_TOKEN}"
        assert quote(JAICP_TOKEN, safe="") not in request.path + json.dumps(request.query)
    messages = emulator.served(MESSAGES)
    assert messages and all(r.method == "GET" and r.query["sessionId"] for r in messages)


def test_legacy_style_puts_the_url_encoded_token_in_the_path(emulator):
    result = run(config(emulator, days_back=1))
    assert result.returncode == 0
    prefix = f"/api/reporter/p/{quote(JAICP_TOKEN, safe='')}/"
    assert all(r.path.startswith(prefix) for r in emulator.requests)
    assert all("authorization" not in r.headers for r in emulator.requests)


@pytest.mark.parametrize("api_style", ["legacy", "v1"])
def test_the_token_is_masked_in_every_spelling_even_at_debug_with_faults(emulator, api_style):
    emulator.inject(Fault(kind="reset", after=2))
    emulator.inject(Fault(kind="status", status=500, after=3, path=MESSAGES))
    result = run(by_session(emulator, days_back=2, api_style=api_style), loglevel="DEBUG")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "urllib3" in result.stderr
    for spelling in {JAICP_TOKEN, quote(JAICP_TOKEN, safe=""), quote(JAICP_TOKEN)}:
        assert spelling not in result.output


@pytest.mark.parametrize("parallel", [1, 4])
def test_one_kept_alive_connection_serves_a_stream_s_many_requests(emulator, parallel):
    settings = by_session(emulator, days_back=6, max_parallel_requests=parallel)
    result = run(settings, loglevel="DEBUG")
    assert result.returncode == 0
    connections = len(re.findall(r"Starting new HTTP connection", result.stderr))
    assert len(emulator.served(MESSAGES)) > 20
    # one connection per stream (sessions, messages, clients, message_labels and the two
    # statistics); messages read ahead keep one per request in flight
    assert connections <= 5 + parallel


def _output(result: TapRun) -> list:
    """The messages a target would receive, without the instants of the run's clock."""
    output = []
    for message in result.messages:
        if message["type"] == "STATE":
            bookmarks = message["value"]["bookmarks"]
            value = {
                stream: {k: v for k, v in entry.items() if k != "replication_key_signpost"}
                for stream, entry in bookmarks.items()
            }
            output.append(("STATE", value))
        elif message["type"] == "RECORD":
            output.append((message["stream"], message["record"]))
    return output


def _run_with_faults(emulator: EmulatorServer, parallel: int) -> TapRun:
    emulator.reset()
    # refused requests, retried; (a body cut short is read again whole, its first rows
    # twice, at a place that depends on which request arrived 21st: same keys, not the
    # same sequence; see test_a_failed_messages_request_is_retried_and_no_message_is_missing)
    emulator.inject(Fault(kind="status", status=503, times=3, after=5, path=MESSAGES))
    emulator.inject(Fault(kind="reset", after=20, path=MESSAGES))
    return run(by_session(emulator, days_back=5, window_days=1, max_parallel_requests=parallel))


def test_messages_read_in_parallel_give_exactly_the_serial_output(emulator):
    parallel = _run_with_faults(emulator, 8)
    serial = _run_with_faults(emulator, 1)
    assert parallel.returncode == serial.returncode == 0, parallel.stderr[-2000:]
    assert _output(parallel) == _output(serial), "same records, same STATE, same order"
    assert len(parallel.records("messages")) > 50


def test_a_killed_parallel_run_resumes_with_every_message(emulator):
    settings = by_session(emulator, days_back=6, window_days=1, max_parallel_requests=8)
    catalog = catalog_selecting(settings, {"sessions", "messages"})
    killed = run_tap_killed_after_states("tap-jaicp", settings, states=2, catalog=catalog)
    assert killed.returncode != 0

    resumed = run(settings, state=killed.states()[-1], catalog=catalog)

    assert resumed.returncode == 0
    keys = ("sessionId", "questionId")
    truth = session_truth(emulator.app, today() - dt.timedelta(days=6), today())
    assert killed.keys("messages", keys) | resumed.keys("messages", keys) == truth["messages"]
    assert resumed.keys("messages", keys) != truth["messages"], "the resumed run did not redo all"


def test_the_message_requests_of_a_backfill_are_one_per_session_page():
    """The request budget of a 7-day backfill at the default page size (see docs/settings.md)."""
    data = JaicpData()
    app = JaicpEmulator(api_token=JAICP_TOKEN, data=data)
    with EmulatorServer(app) as server:
        settings = by_session(server, days_back=6, page_size=100)
        result = run(settings)
        assert result.returncode == 0
        sessions = data.sessions_on_days(today() - dt.timedelta(days=6), today())
        counts = {p: len(server.served(p)) for p in (SESSIONS, MESSAGES, CLIENTS)}
    assert counts == {
        SESSIONS: pages_needed(len(sessions), 100),
        MESSAGES: sum(pages_needed(s["questionCount"], 100) for s in sessions),
        CLIENTS: 1,
    }
    assert len(result.records("sessions")) == len(sessions)


@pytest.mark.e2e
def test_meltano_loads_messages_and_clients_and_a_rerun_upserts_them(postgres, tmp_path, emulator):
    database = "tap_jaicp_children_e2e"
    postgres.create_database(database)
    days = 10
    settings = by_session(emulator, days_back=days, window_days=3, page_size=4)
    env = meltano_env(JAICP, settings, postgres, database, tmp_path / "meltano.db")
    truth = session_truth(emulator.app, today() - dt.timedelta(days=days), today())

    for attempt in ("first run", "rerun from the saved state"):
        already_asked = len(emulator.served(SESSIONS))
        messages_asked = len(emulator.served(MESSAGES))
        meltano_run(JAICP, env)
        messages = warehouse_keys(
            postgres, database, "tap_jaicp", "messages", ("sessionId", "questionId")
        )
        assert len(messages) == len(set(messages)), f"{attempt}: duplicate messages"
        assert set(messages) == truth["messages"], attempt
        clients = warehouse_keys(postgres, database, "tap_jaicp", "clients", ("id",))
        assert sorted(clients) == sorted((c["id"],) for c in emulator.app.data.clients())
    rerun = emulator.served(SESSIONS)[already_asked:]
    assert (
        rerun[0]
        .json()["filters"][0]["from"]
        .startswith((today() - dt.timedelta(days=1)).isoformat())
    ), "the rerun resumed at the lookback day"
    rerun_sessions = {
        s["sessionId"]
        for s in emulator.app.data.sessions_on_days(today() - dt.timedelta(days=1), today())
    }
    asked = {r.json()["sessionId"] for r in emulator.served(MESSAGES)[messages_asked:]}
    assert rerun_sessions and asked == rerun_sessions, "the rerun re-read exactly their messages"


BY_TIME = "/messages/filter"


def message_windows(server: EmulatorServer) -> list[tuple[dt.datetime, dt.datetime]]:
    """The distinct MESSAGE_TIME ranges asked for, in order."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    for request in server.served(BY_TIME):
        (item,) = request.json()["filters"]
        assert (item["key"], item["type"]) == ("MESSAGE_TIME", "DATE_TIME_RANGE")
        pair = (parse_iso_ms(item["from"]), parse_iso_ms(item["to"]))
        if not ranges or ranges[-1] != pair:
            ranges.append(pair)
    return ranges


@pytest.mark.parametrize("api_style", ["legacy", "v1"])
def test_messages_by_time_are_read_by_message_time_windows_paged(emulator, api_style):
    page_size = 7
    settings = config(emulator, days_back=5, window_days=2, page_size=page_size)
    result = run(settings | {"api_style": api_style})
    assert result.returncode == 0, result.stderr[-2000:]
    assert emulator.served(MESSAGES) == [], "no request per session"
    ranges = message_windows(emulator)
    assert len(ranges) == 3, "6 days in 2-day windows"
    assert ranges[0][0] == start_of(today() - dt.timedelta(days=5))
    for (_, previous_to), (next_from, _) in itertools.pairwise(ranges):
        assert next_from - previous_to == dt.timedelta(milliseconds=1)
    data = emulator.app.data
    assert len(emulator.served(BY_TIME)) == sum(
        pages_needed(len(data.messages_between(f, t)), page_size) for f, t in ranges
    ), "⌈messages / page_size⌉ requests per window"
    assert all(r.method == "POST" for r in emulator.served(BY_TIME))
    truth = jaicp_truth(emulator.app, today() - dt.timedelta(days=5), today())
    keys = ("sessionId", "questionId")
    assert result.keys("messages", keys) == truth["messages"]
    assert len(result.records("messages")) == len(truth["messages"]), "each message read once"
    bookmarks = [b for b in result.bookmarks("messages") if b]
    assert len(bookmarks) == len(ranges), "a STATE after every messages window"


def test_messages_by_time_resume_from_their_own_bookmark(emulator):
    bookmark = start_of(today() - dt.timedelta(days=2))
    state = {
        "bookmarks": {
            "messages": {
                "replication_key": "timestamp",
                "replication_key_value": bookmark.isoformat(),
            }
        }
    }
    result = run(config(emulator, days_back=20, lookback_days=1), state=state)
    assert result.returncode == 0, result.stderr[-2000:]
    first = today() - dt.timedelta(days=3)
    assert message_windows(emulator)[0][0] == start_of(first), "bookmark minus the lookback"
    assert window_ranges(emulator)[0][0] == start_of(today() - dt.timedelta(days=20))
    truth = jaicp_truth(emulator.app, first, today())
    assert result.keys("messages", ("sessionId", "questionId")) == truth["messages"]


def test_backfill_request_counts_by_time_and_by_session():
    """A 30-day backfill's requests in both modes, from the emulator's request log."""
    counts, pages = {}, 0
    for mode in ("by_time", "by_session"):
        app = JaicpEmulator(api_token=JAICP_TOKEN, data=JaicpData(messages_per_session=20))
        with EmulatorServer(app) as server:
            settings = config(server, days_back=29, page_size=100, messages_mode=mode)
            result = run(settings)
            assert result.returncode == 0, result.stderr[-2000:]
            counts[mode] = {p: len(server.served(p)) for p in (SESSIONS, MESSAGES, BY_TIME)}
            messages = len(result.records("messages"))
            pages = (
                pages
                if mode == "by_session"
                else sum(
                    pages_needed(len(app.data.messages_between(f, t)), 100)
                    for f, t in message_windows(server)
                )
            )
    print(f"30-day backfill, {messages} messages, requests: {counts}")
    assert counts["by_time"][MESSAGES] == 0 and counts["by_session"][BY_TIME] == 0
    sessions = counts["by_session"][MESSAGES]  # one page each: 20 messages < page_size
    assert counts["by_time"][BY_TIME] == pages, "⌈messages / page_size⌉ per window"
    assert counts["by_time"][BY_TIME] < sessions / 4, "a few requests per window, not per session"


ODD = {"plain", "nested"}


def test_values_that_do_not_fit_are_kept_in_extra_under_their_dotted_path():
    app = JaicpEmulator(api_token=JAICP_TOKEN, data=JaicpData(odd=ODD))
    with EmulatorServer(app) as server:
        result = run(config(server, days_back=2))
    assert result.returncode == 0, result.stderr[-2000:]
    sessions = [s for s in result.records("sessions") if s["sessionId"].endswith("-001")]
    assert sessions
    for session in sessions:
        assert session["questionCount"] is None, "a plain field that does not fit is null"
        assert session["_extra"]["questionCount"].endswith(" questions"), "kept as sent"
        assert session["labels"][0]["priority"] is None and session["labels"][0]["id"] == 2
        assert session["_extra"]["labels.0.priority"] == "high", "nested: its dotted path"
    lines = result.stderr.splitlines()
    warnings = [line for line in lines if "| sessions: field" in line and "does not fit" in line]
    assert len(warnings) == 2, "one warning per field"
    assert "values not fitting their declared type kept in _extra:" in result.stderr
    assert "labels.priority (" in result.stderr and "questionCount (" in result.stderr


def test_a_key_that_does_not_fit_fails_the_stream_before_any_null_key_is_written():
    app = JaicpEmulator(api_token=JAICP_TOKEN, data=JaicpData(odd={"client_key"}))
    with EmulatorServer(app) as server:
        result = run(config(server, days_back=1, on_invalid_key="fail"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert any("'clients'" in e and "'id'" in e and "JSON object" in e for e in errors), errors
    clients = result.records("clients")
    assert len(clients) == 5, "the clients before the odd one were written"
    assert all(c["id"] is not None for c in clients), "no null key"


@pytest.mark.e2e
def test_meltano_loads_sessions_messages_by_time_and_clients_with_string_ids(
    postgres, tmp_path, emulator
):
    database = "tap_jaicp_by_time_e2e"
    postgres.create_database(database)
    days = 6
    settings = config(emulator, days_back=days, window_days=2, page_size=9)
    env = meltano_env(JAICP, settings, postgres, database, tmp_path / "meltano.db")
    truth = jaicp_truth(emulator.app, today() - dt.timedelta(days=days), today())

    meltano_run(JAICP, env)

    sessions = warehouse_keys(postgres, database, "tap_jaicp", "sessions", ("sessionId",))
    assert set(sessions) == truth["sessions"] and len(sessions) == len(set(sessions))
    messages = warehouse_keys(
        postgres, database, "tap_jaicp", "messages", ("sessionId", "questionId")
    )
    assert set(messages) == truth["messages"] and len(messages) == len(set(messages))
    clients = warehouse_keys(postgres, database, "tap_jaicp", "clients", ("id",))
    expected = {(c["id"],) for c in emulator.app.data.clients()}
    assert set(clients) == expected and len(clients) == len(expected), "one row per client"
    assert all(isinstance(key, str) for (key,) in clients), "client ids load as text"
    assert any(not key.isdigit() for (key,) in clients)
    assert emulator.served(MESSAGES) == [], "messages were read by time"


# -- issue 22: the spec's optional flags, its shapes, and the statistics streams -------------

STATS_LABELS = "/stats/session-labels"
SWITCHED = "/stats/switched-sessions"
LABELS = "/message/labels"


def emulator_post(server: EmulatorServer, route: str, body: t.Any = None, **params: t.Any):
    """A v1 request to the emulator, as any client of the published spec would send it."""
    url = f"{server.url}/api/v1/reporter/{route}"
    headers = {"Authorization": f"Bearer {JAICP_TOKEN}"}
    if body is None:
        return requests.post(url, params=params, headers=headers, timeout=10)
    return requests.post(url, params=params, json=body, headers=headers, timeout=10)


def day_filter(first: str, last: str, key: str = "SESSION_START_TIME") -> dict:
    return {"filters": [{"key": key, "type": "DATE_TIME_RANGE", "from": first, "to": last}]}


def test_sessions_ask_for_labels_and_session_data_which_a_server_leaves_out_otherwise(emulator):
    yesterday = (today() - dt.timedelta(days=1)).isoformat()
    body = day_filter(f"{yesterday}T00:00:00.000Z", f"{yesterday}T23:59:59.999Z")
    bare = emulator_post(emulator, "sessions/filter", body).json()["sessions"]
    assert bare and not any("labels" in s or "sessionData" in s for s in bare)
    asked_before = len(emulator.served(SESSIONS))

    result = run(config(emulator, days_back=2))

    assert result.returncode == 0, result.stderr[-2000:]
    for request in emulator.served(SESSIONS)[asked_before:]:
        assert request.query["needToReturnSessionLabels"] == "true"
        assert request.query["needToReturnSessionData"] == "true"
    sessions = result.records("sessions")
    assert any(s["labels"] for s in sessions), "labels arrive when asked for"
    assert any(s["sessionData"] for s in sessions), "session data arrives when asked for"


@pytest.mark.parametrize(
    "spelling",
    [
        "{day}T00:00:00.000Z",
        "{day}t00:00:00z",
        "{day}T00:00:00Z",
        "{day}T02:00:00.000000+02:00",
        "{prev}T23:59:60Z",
        "{day}T00:00:00.000000001Z",
    ],
)
def test_the_emulator_takes_every_rfc_3339_spelling_of_a_filter_date_time(emulator, spelling):
    day = today() - dt.timedelta(days=1)
    start = spelling.format(day=day.isoformat(), prev=(day - dt.timedelta(days=1)).isoformat())
    body = day_filter(start, f"{day.isoformat()}T23:59:59.999Z")
    reply = emulator_post(emulator, "sessions/filter", body, size=1000)
    assert reply.status_code == 200, reply.text
    got = {s["sessionId"] for s in reply.json()["sessions"]}
    assert got == {s["sessionId"] for s in emulator.app.data.sessions_on_days(day, day)}


def test_the_emulator_answers_as_the_spec_declares(emulator):
    # the filter body is optional, and `size` has no upper bound in the spec
    reply = emulator_post(emulator, "sessions/filter", size=5000)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"paging", "sessions", "filterSetId"}
    assert len(body["sessions"]) == body["paging"]["totalCount"] > 0

    def nulls(value: t.Any) -> int:
        if isinstance(value, dict):
            return sum((v is None) + nulls(v) for v in value.values())
        if isinstance(value, list):
            return sum(nulls(v) for v in value)
        return 0

    assert nulls(body) == 0, "the spec declares no nullable property"
    orders = {tuple(s) for s in body["sessions"]}
    assert len(orders) > 1, "members come in no fixed order"
    # by session (v1: GET) the reply is `MessagesForSessionDto`, its session included
    session = next(s for s in body["sessions"] if s["questionCount"])
    url = f"{emulator.url}/api/v1/reporter/messages/by-session"
    headers = {"Authorization": f"Bearer {JAICP_TOKEN}"}
    by_session = requests.get(url, params={"sessionId": session["sessionId"]}, headers=headers)
    assert by_session.status_code == 200
    assert by_session.json()["session"]["sessionId"] == session["sessionId"]
    posted = requests.post(url, params={"sessionId": session["sessionId"]}, headers=headers)
    assert posted.status_code == 405, "the spec's method is GET"


def test_message_labels_are_the_whole_catalog_with_groups_in_one_request(emulator):
    result = run(config(emulator, days_back=1))
    assert result.returncode == 0, result.stderr[-2000:]
    labels = result.records("message_labels")
    assert {label["id"] for label in labels} == {11, 12, 13, 14, 15}
    assert {label["group"]["name"] for label in labels} == {"topics", "escalation"}
    served = emulator.served(LABELS)
    assert len(served) == 1 and served[0].method == "GET"


def test_session_label_stats_count_each_labels_sessions_per_day_window_by_window(emulator):
    days = 9
    result = run(config(emulator, days_back=days, window_days=4))
    assert result.returncode == 0, result.stderr[-2000:]
    first = today() - dt.timedelta(days=days)
    sessions = emulator.app.data.sessions_on_days(first, today())
    expected: dict[tuple[int, str], int] = {}
    for n in range(1, 5):
        for offset in range(days + 1):
            day = first + dt.timedelta(days=offset)
            expected[(n, day.isoformat())] = sum(
                1
                for s in sessions
                if s["startTime"].startswith(day.isoformat())
                and any(str(label["id"]) == str(n) for label in s.get("labels", []))
            )
    rows = result.records("session_label_stats")
    got = {(r["labelId"], r["intervalStart"][:10]): r["value"] for r in rows}
    assert got == expected
    assert sum(expected.values()) > 0
    assert all(r["intervalStart"].endswith("T00:00:00+00:00") for r in rows)
    served = emulator.served(STATS_LABELS)
    assert len(served) == 3, "10 days in windows of 4"
    for request in served:
        assert request.method == "POST"
        assert request.query == {"intervalType": "DAY", "step": "1"}
        assert request.json()["filters"][0]["key"] == "SESSION_START_TIME"
    assert result.bookmarks("session_label_stats")[-1].startswith(today().isoformat())


def test_switched_sessions_are_read_for_both_methods_per_window_and_match_each_day(emulator):
    days = 6
    settings = config(emulator, days_back=days, window_days=7, transfer_text="Connecting you")
    result = run(settings)
    assert result.returncode == 0, result.stderr[-2000:]
    first = today() - dt.timedelta(days=days)
    served = emulator.served(SWITCHED)
    assert [r.query["transferToOperatorMethod"] for r in served] == ["SWITCH", "TEXT"]
    for request in served:
        assert request.method == "GET"
        assert (request.query["dateFrom"], request.query["dateTo"]) == (
            first.isoformat(),
            today().isoformat(),
        )
        assert request.query["textForTransfer"] == "Connecting you"
    got = {
        (r["transferToOperatorMethod"], r["date"]): r["value"]
        for r in result.records("switched_sessions_daily")
    }
    expected = {
        (method, (first + dt.timedelta(days=n)).isoformat()): len(
            emulator.app.data.switched_on_day(first + dt.timedelta(days=n), method)
        )
        for method in ("SWITCH", "TEXT")
        for n in range(days + 1)
    }
    assert got == expected
    assert sum(v for (m, _), v in expected.items() if m == "SWITCH") > 0
    assert sum(v for (m, _), v in expected.items() if m == "TEXT") > 0


def test_a_statistics_window_that_keeps_failing_is_not_bookmarked(emulator):
    emulator.inject(Fault(kind="status", status=500, times=1000, path=SWITCHED))
    result = run(config(emulator, days_back=3, window_days=1, max_attempts=2))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.bookmarks("switched_sessions_daily") == []
