"""tap-chattonic's `conversations` (the wiki's `GET /query`): the newest-first walk and its
stop rule, paging by skip/limit, following conversations still open at the previous run,
what a conversation resolved later than that shows, and faults."""

from __future__ import annotations

import datetime as dt
import json

import pytest

# The cases registry first: it imports every case module, this one's included.
import tests.tap_cases  # noqa: F401
from emulators.chattonic import ChattonicData
from emulators.framework import EmulatorServer, Fault
from tests.cases.chattonic import chattonic_config, make_app
from tests.support import TapRun, run_tap

TAP = "tap-chattonic"
QUERY = "/query"


#: time passing between two runs (or during a walk)
LATER = dt.timedelta(hours=3)


def busy_hour() -> dt.datetime:
    """A whole hour, `LATER` and more before now, on a UTC day with conversations before and
    after it (the emulator keeps two quiet UTC days in seven), at which some conversation
    older than the newest is still open and moves on within `LATER` (the data of some hours
    has none, and the tests below need one whatever the time of day they run)."""
    hour = (dt.datetime.now(dt.UTC) - LATER - dt.timedelta(hours=1)).replace(
        minute=0, second=0, microsecond=0
    )
    while (
        hour.date().toordinal() % 7 in (3, 4)
        or not 2 <= hour.hour <= 20
        or not older_conversations_move_on(hour)
    ):
        hour -= dt.timedelta(hours=1)
    return hour


def older_conversations_move_on(until: dt.datetime) -> bool:
    """Some conversation listed at `until`, older than the newest, changes status by
    `until + LATER`."""
    before = ChattonicData(per_hour=12, until=until).query_objects()
    after = {
        r["_id"]: r["status"]
        for r in ChattonicData(per_hour=12, until=until + LATER).query_objects()
    }
    if not before:
        return False
    newest = max(r["createdAt"] for r in before)
    return any(r["createdAt"] < newest and after.get(r["_id"]) != r["status"] for r in before)


#: the emulator's clock at the first run
T0 = busy_hour()


def serve(until: dt.datetime = T0, **changes) -> EmulatorServer:
    data = ChattonicData(per_hour=12, until=until)
    return EmulatorServer(make_app(data=data, **changes)).start()


@pytest.fixture
def emulator():
    server = serve()
    yield server
    server.stop()


def config(server: EmulatorServer, days_back: int, **changes) -> dict:
    settings = chattonic_config(server.url, dt.date.today() - dt.timedelta(days=days_back))
    settings.update(changes)
    return settings


def created(row: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(row["createdAt"])


def listed_since(server: EmulatorServer, since: dt.datetime) -> dict[str, dict]:
    """The emulator's conversations created at or after `since`, by id (ground truth)."""
    return {r["_id"]: r for r in server.app.data.query_objects() if created(r) >= since}


def conversations_only(result: TapRun) -> list[dict]:
    return result.records("conversations")


def conversation_state(result: TapRun) -> dict:
    return result.states()[-1]["bookmarks"]["conversations"]


def test_a_first_run_reads_newest_first_by_pages_of_100_down_to_start_date(emulator):
    settings = config(emulator, days_back=3)
    start = dt.datetime.fromisoformat(settings["start_date"])

    result = run_tap(TAP, settings)

    assert result.returncode == 0, result.stderr[-2000:]
    truth = listed_since(emulator, start)
    rows = conversations_only(result)
    assert [r["_id"] for r in rows] == sorted(truth, key=lambda i: created(truth[i]))[::-1]
    served = emulator.served(QUERY)
    assert [int(r.query["skip"]) for r in served] == [100 * n for n in range(len(served))]
    assert all(r.query["limit"] == "100" for r in served)
    assert all(json.loads(r.query["sort"]) == {"createdAt": -1} for r in served)
    assert len(served) == len(truth) // 100 + 1, "it stops on the page that crosses start_date"
    state = conversation_state(result)
    assert state["replication_key_value"] == max(created(r) for r in rows).isoformat()


def test_per_status_dates_are_typed_utc_instants(emulator):
    result = run_tap(TAP, config(emulator, days_back=2))
    assert result.returncode == 0, result.stderr[-2000:]
    rows = conversations_only(result)
    assert {r["status"] for r in rows} == {"pending", "progress", "resolved"}
    for row in rows:
        dates = {k: dt.datetime.fromisoformat(v) for k, v in row["dates"].items() if v}
        assert all(d.utcoffset() == dt.timedelta(0) for d in dates.values())
        assert dates["pending"] == created(row)
        assert row["status"] in dates, "the current status has its date"
        if "resolved" in dates and "progress" in dates:
            assert dates["pending"] <= dates["progress"] <= dates["resolved"]
    assert any("ventas" in (r["_extra"] or {}).values() for r in rows), "undeclared kept"


def test_conversations_still_open_at_the_last_run_get_their_final_status_next_run():
    server = serve()
    try:
        first = run_tap(TAP, config(server, days_back=4))
        assert first.returncode == 0, first.stderr[-2000:]
        state = {"bookmarks": {"conversations": conversation_state(first)}}
        open_before = {r["_id"]: r for r in conversations_only(first) if r["status"] != "resolved"}
        server.app.data.until = T0 + LATER  # time passes

        second = run_tap(TAP, config(server, days_back=4, lookback_days=0), state=state)

        assert second.returncode == 0, second.stderr[-2000:]
        now = {r["_id"]: r for r in server.app.data.query_objects()}
        rows = {r["_id"]: r for r in conversations_only(second)}
        changed = [i for i in open_before if now[i]["status"] != open_before[i]["status"]]
        assert changed, "some conversations open at the first run moved on since"
        for identifier in changed:
            assert rows[identifier]["status"] == now[identifier]["status"]
            assert rows[identifier]["dates"].get("resolved") or now[identifier]["status"] != (
                "resolved"
            )
        oldest_open = min(created(r) for r in open_before.values())
        assert all(created(r) >= oldest_open for r in rows.values()), "read no further back"
        new = [i for i in now if created(now[i]) > T0]
        assert new and set(new) <= set(rows), "conversations created since are read"
    finally:
        server.stop()


def test_a_conversation_resolved_beyond_open_conversation_days_keeps_its_last_status():
    """What the docs tell a user: with `open_conversation_days` 0 (and no lookback) a
    conversation open at the last run is not read again; a full refresh brings it."""
    server = serve()
    try:
        settings = config(server, days_back=4, lookback_days=0, open_conversation_days=0)
        first = run_tap(TAP, settings)
        state = {"bookmarks": {"conversations": conversation_state(first)}}
        bookmark = dt.datetime.fromisoformat(
            state["bookmarks"]["conversations"]["replication_key_value"]
        )
        server.app.data.until = T0 + LATER
        now = {r["_id"]: r for r in server.app.data.query_objects()}
        stale = [
            r["_id"]
            for r in conversations_only(first)
            if created(r) < bookmark and r["status"] != now[r["_id"]]["status"]
        ]
        assert stale, "a conversation created before the bookmark moved on since"

        second = run_tap(TAP, settings, state=state)
        refreshed = run_tap(TAP, settings)  # a full refresh: no state

        assert second.returncode == refreshed.returncode == 0
        assert not set(stale) & {r["_id"] for r in conversations_only(second)}
        after_refresh = {r["_id"]: r["status"] for r in conversations_only(refreshed)}
        assert all(after_refresh[i] == now[i]["status"] for i in stale)
    finally:
        server.stop()


def test_conversations_arriving_during_the_walk_are_neither_lost_nor_sent_twice():
    server = serve()
    try:
        server.app.time_passes_after_page = LATER
        settings = config(server, days_back=3)
        start = dt.datetime.fromisoformat(settings["start_date"])
        before = listed_since(server, start)

        result = run_tap(TAP, settings)

        assert result.returncode == 0, result.stderr[-2000:]
        ids = [r["_id"] for r in conversations_only(result)]
        assert len(ids) == len(set(ids)), "a conversation pushed to the next page came twice"
        assert set(before) <= set(ids)
        assert len(listed_since(server, start)) > len(before), "conversations arrived"
    finally:
        server.stop()


def test_a_list_that_ignores_the_sort_fails_with_a_clear_error_instead_of_a_wrong_stop():
    server = serve(ignore_sort=True)
    try:
        result = run_tap(TAP, config(server, days_back=2))
        assert result.returncode != 0
        assert "out of order" in result.stderr and "sort=" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        server.stop()


def test_a_walk_that_keeps_failing_moves_no_bookmark(emulator):
    emulator.inject(Fault(kind="status", status=500, times=1000, after=1, path=QUERY))
    result = run_tap(TAP, config(emulator, days_back=6, max_attempts=2))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    states = [s["bookmarks"].get("conversations", {}) for s in result.states()]
    assert not any("replication_key_value" in s for s in states)


def test_a_run_after_a_failed_walk_reads_every_conversation(emulator):
    emulator.inject(Fault(kind="cut_json", times=2, after=1, path=QUERY))
    settings = config(emulator, days_back=5)
    result = run_tap(TAP, settings)
    assert result.returncode == 0, result.stderr[-2000:]
    start = dt.datetime.fromisoformat(settings["start_date"])
    assert {r["_id"] for r in conversations_only(result)} == set(listed_since(emulator, start))
