"""tap-8x8's hard parts: snapshots that build history, response shapes, auth, busy server.

The contract suite already checks the generic promises (faults, secrets, settings); these
tests check what an 8x8 user relies on: one typed row per agent and queue per run, all rows
of a response stamped alike, codes labelled, every shape of the body read, one request per
stream, and two scheduled runs through Meltano giving two snapshots per agent in PostgreSQL.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING

import psycopg
import pytest

from emulators.eight_by_eight import EightByEightData, EightByEightEmulator
from emulators.framework import EmulatorServer
from tap_8x8.body import parse_records, snake_case
from tap_8x8.client import utc_seconds_to_iso
from tapkit.errors import BodyError
from tests.meltano_support import meltano_env, meltano_run
from tests.support import run_tap
from tests.tap_cases import TAP_CASES

if TYPE_CHECKING:
    from pathlib import Path

# Through the registry (not `tests.cases.eight_by_eight` directly): importing a case module
# first would load the registry while that module is half-initialised.
CASE = next(case for case in TAP_CASES if case.tap == "tap-8x8")
_CASE_CONFIG = CASE.config("http://127.0.0.1:1", dt.date.today())
EIGHT_TENANT, EIGHT_TOKEN = _CASE_CONFIG["tenant"], _CASE_CONFIG["api_token"]

ALL_AGENTS = EightByEightData().agent_ids()
ALL_QUEUES = {str(queue_id) for queue_id in EightByEightData().queue_ids()}


def config_for(server: EmulatorServer, **changes) -> dict:
    config = {"tenant": EIGHT_TENANT, "api_token": EIGHT_TOKEN, "base_url": server.url}
    config.update(changes)
    return config


def serve(**options) -> EmulatorServer:
    return EmulatorServer(
        EightByEightEmulator(tenant=EIGHT_TENANT, api_token=EIGHT_TOKEN, **options)
    )


# -- a run ----------------------------------------------------------------------------------


def test_a_run_appends_one_typed_labelled_row_per_agent_and_queue_from_one_request_each():
    with serve() as emulator:
        run = run_tap("tap-8x8", config_for(emulator))

        assert run.returncode == 0, run.stderr[-3000:]
        assert [r.path for r in emulator.requests] == [
            "/api/rtstats/stats/agents.json",
            "/api/rtstats/stats/queues.json",
        ]
        expected_auth = base64.b64encode(f"{EIGHT_TENANT}:{EIGHT_TOKEN}".encode()).decode()
        assert {r.headers["authorization"] for r in emulator.requests} == {f"Basic {expected_auth}"}

    agents = {r["agent_id"]: r for r in run.records("agents")}
    queues = {r["queue_id"]: r for r in run.records("queues")}
    assert set(agents) == ALL_AGENTS and len(run.records("agents")) == len(ALL_AGENTS)
    assert set(queues) == ALL_QUEUES
    for rows in (run.records("agents"), run.records("queues")):
        assert len({r["snapshot_at"] for r in rows}) == 1, "one snapshot_at per response"
        assert rows[0]["snapshot_at"].endswith("+00:00")

    marie = agents["ag1001"]
    assert marie["agent_name"] == "Marie Sanders"
    assert marie["last_login_time"] == "2026-11-02T08:00:00+00:00"
    assert isinstance(marie["time_in_status"], int) and isinstance(marie["group_id"], str)
    assert (
        marie["agent_status_label"]
        == {
            0: "available",
            1: "transaction offered",
            2: "busy",
            3: "post processing",
            4: "on break",
            5: "work offline",
            9: "logged out",
        }[marie["agent_status"]]
    )
    assert marie["_extra"] == {"skills_summary": "sales,support"}, "undeclared fields kept"
    assert marie["status_code_item_id"] is None, "an empty value is null"

    never_logged_in = agents["ag1003"]
    assert never_logged_in["last_login_time"] is None, "-1 means no record: null"
    assert never_logged_in["agent_status"] == 9
    assert never_logged_in["agent_status_label"] == "logged out"
    assert never_logged_in["status_code_item_label"] is not None
    lines = {a["phone_line2_status"]: a["phone_line2_status_label"] for a in agents.values()}
    assert lines[-1] == "not in use"
    assert all(a["agent_media_label"] for a in agents.values())

    quiet, busy = queues["117"], queues["116"]
    assert quiet["agent_count_logged_out"] == 2
    assert quiet["thirty_min_sla_activity"] is None, "-1 means no SLA activity: null"
    assert isinstance(busy["thirty_min_sla_activity"], float)
    assert isinstance(busy["day_sla_activity"], float) and isinstance(busy["queue_size"], int)


def test_two_runs_give_two_snapshots_of_each_agent_with_moving_figures():
    with serve() as emulator:
        first = run_tap("tap-8x8", config_for(emulator))
        second = run_tap("tap-8x8", config_for(emulator))

    assert first.returncode == 0 and second.returncode == 0, second.stderr[-3000:]
    one = {r["agent_id"]: r for r in first.records("agents")}
    two = {r["agent_id"]: r for r in second.records("agents")}
    assert set(one) == set(two) == ALL_AGENTS
    keys = first.keys("agents", ("agent_id", "snapshot_at")) | second.keys(
        "agents", ("agent_id", "snapshot_at")
    )
    assert len(keys) == 2 * len(ALL_AGENTS), "each run is a new snapshot of every agent"
    assert one["ag1001"]["time_in_status"] != two["ag1001"]["time_in_status"]


def test_listed_ids_are_fetched_one_by_one_and_an_unknown_one_is_skipped_with_a_warning():
    with serve() as emulator:
        run = run_tap(
            "tap-8x8",
            config_for(emulator, agent_ids=["ag1002", "ag1005", "gone-agent"], queue_ids=[118]),
        )
        paths = [r.path for r in emulator.requests]

    assert run.returncode == 0, run.stderr[-3000:]
    assert paths == [
        "/api/rtstats/stats/agent/ag1002.json",
        "/api/rtstats/stats/agent/ag1005.json",
        "/api/rtstats/stats/agent/gone-agent.json",
        "/api/rtstats/stats/queue/118.json",
    ]
    assert run.keys("agents", ("agent_id",)) == {("ag1002",), ("ag1005",)}
    assert run.keys("queues", ("queue_id",)) == {("118",)}
    assert "'gone-agent'" in run.stderr and "agent_ids" in run.stderr


# -- shapes ---------------------------------------------------------------------------------


def test_a_nested_single_object_and_an_empty_list_are_read():
    data = EightByEightData(agents=1, queues=0)
    with serve(data=data, json_shape="nested") as emulator:
        # one agent: {"agents": {"agent": {...}}}; no queue: {"queues": {"queue": ""}}
        run = run_tap("tap-8x8", config_for(emulator))

    assert run.returncode == 0, run.stderr[-3000:]
    assert run.keys("agents", ("agent_id",)) == {("ag1001",)}
    assert run.records("queues") == []


def test_xml_from_a_proxy_that_strips_the_suffix_gives_the_same_records_as_json():
    runs = {}
    for name, options in {"json": {}, "xml": {"strip_suffix": True}}.items():
        with serve(**options) as emulator:
            runs[name] = run_tap("tap-8x8", config_for(emulator))
        assert runs[name].returncode == 0, runs[name].stderr[-3000:]

    for stream in ("agents", "queues"):
        as_json, as_xml = (
            [{k: v for k, v in r.items() if k != "snapshot_at"} for r in runs[n].records(stream)]
            for n in ("json", "xml")
        )
        assert as_xml == as_json and as_json


AGENT = {"agent-id": "jdoe", "agent-status": "9"}
OTHER = {"agent-id": "asmith", "agent-status": "0"}


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        (b'{"agent": [{"agent-id": "jdoe"}, {"agent-id": "asmith"}]}', ["jdoe", "asmith"]),
        (
            b'{"agents": {"agent": [{"agent-id": "jdoe"}, {"agent-id": "asmith"}]}}',
            ["jdoe", "asmith"],
        ),
        (b'{"agents": [{"agent-id": "jdoe"}]}', ["jdoe"]),
        (b'{"agent": {"agent-id": "jdoe"}}', ["jdoe"]),
        (b'{"agents": {"agent": {"agent-id": "jdoe"}}}', ["jdoe"]),
        (b'{"agent-id": "jdoe"}', ["jdoe"]),
        (b'[{"agent-id": "jdoe"}]', ["jdoe"]),
        (b'""', []),
        (b'{"agent": ""}', []),
        (b'{"agents": ""}', []),
        (b'{"agents": {"agent": ""}}', []),
        (b'{"agents": {"agent": []}}', []),
        (
            b'<?xml version="1.0"?><agents><agent><agent-id>jdoe</agent-id></agent>'
            b"<agent><agent-id>asmith</agent-id></agent></agents>",
            ["jdoe", "asmith"],
        ),
        (b"<agent><agent-id>jdoe</agent-id><status-code-item-id/></agent>", ["jdoe"]),
        (b"<stats><agents><agent><agent-id>jdoe</agent-id></agent></agents></stats>", ["jdoe"]),
        (b"<agents/>", []),
        (b'\xef\xbb\xbf  {"agent": {"agent-id": "jdoe"}}', ["jdoe"]),
    ],
    ids=[
        "list",
        "nested list",
        "list under the plural",
        "single object",
        "nested single object",
        "bare object",
        "bare list",
        "empty string",
        "empty string under agent",
        "empty string under agents",
        "nested empty string",
        "nested empty list",
        "xml list",
        "xml single with empty element",
        "xml nested deeper",
        "xml empty",
        "bom and spaces",
    ],
)
def test_every_documented_and_assumed_shape_is_read(body: bytes, ids: list[str]):
    records = parse_records(body, singular="agent", plural="agents")
    assert [r["agent-id"] for r in records] == ids


def test_an_empty_xml_element_is_an_empty_value():
    [record] = parse_records(
        b"<agent><agent-id>jdoe</agent-id><status-code-item-id/></agent>",
        singular="agent",
        plural="agents",
    )
    # 8x8's "no value" (an empty element, or "" in its JSON rendering) is null (docs/values.md)
    assert record == {"agent-id": "jdoe", "status-code-item-id": None}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'{"error": "Internal error"}',
        b'{"agent": [{"agent-id": "jdoe"}, ',
        b'{"agent": ["jdoe"]}',
        b"<agents><agent><agent-id>jdoe</agent-id></age",
        b"<html><body>Bad gateway</body></html>",
        b'<!DOCTYPE x [<!ENTITY a "b">]><agents/>',
        b"<error>Server busy</error>",
        b"Server busy",
    ],
    ids=[
        "empty body",
        "error object",
        "cut json",
        "not objects",
        "cut xml",
        "html",
        "doctype",
        "xml error",
        "text",
    ],
)
def test_a_body_that_is_not_the_statistics_is_an_error_to_retry(body: bytes):
    with pytest.raises(BodyError):
        parse_records(body, singular="agent", plural="agents")


@pytest.mark.parametrize(
    ("vendor", "column"),
    [
        ("agent-id", "agent_id"),
        ("agent-count-loggedOut", "agent_count_logged_out"),
        ("agent-count-waitTransact", "agent_count_wait_transact"),
        ("Agent-sub-status", "agent_sub_status"),
        ("phone-line1-status-time", "phone_line1_status_time"),
        ("thirty-min-sla-activity", "thirty_min_sla_activity"),
    ],
)
def test_field_names_become_snake_case(vendor: str, column: str):
    assert snake_case(vendor) == column


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("1793606400", "2026-11-02T08:00:00+00:00"),
        (1793606400, "2026-11-02T08:00:00+00:00"),
        (1793606400123, "2026-11-02T08:00:00+00:00"),
        ("-1", None),
        (-1, None),
        (None, None),  # "" is read as null by the body parser (docs/values.md)
    ],
    ids=["text", "number", "milliseconds", "-1 as text", "-1", "empty"],
)
def test_last_login_time_in_utc_seconds_becomes_a_date_time_and_minus_one_null(value, iso):
    assert utc_seconds_to_iso(value) == iso


# -- auth and busy --------------------------------------------------------------------------


def test_a_refused_token_fails_at_once_naming_tenant_and_api_token():
    with serve() as emulator:
        run = run_tap("tap-8x8", config_for(emulator, api_token="wrong-token-0000"))
        requests = len(emulator.requests)

    assert run.returncode != 0
    assert requests == 1
    error = [line for line in run.stderr.splitlines() if "ERROR" in line][-1]
    assert "403" in error and "tenant" in error and "api_token" in error
    assert "Traceback" not in run.stderr


def test_server_busy_is_retried_with_backoff_and_the_snapshot_completes():
    with serve() as emulator:
        emulator.app.make_busy(1)
        run = run_tap("tap-8x8", config_for(emulator))
        statuses = [(r.path, r.status) for r in emulator.requests]

    assert run.returncode == 0, run.stderr[-3000:]
    assert statuses[:2] == [
        ("/api/rtstats/stats/agents.json", 503),
        ("/api/rtstats/stats/agents.json", 200),
    ]
    assert "HTTP 503" in run.stderr and "Server busy" in run.stderr and "retrying in" in run.stderr
    assert run.keys("agents", ("agent_id",)) == {(a,) for a in ALL_AGENTS}


# -- end to end -----------------------------------------------------------------------------


@pytest.mark.e2e
def test_two_meltano_runs_load_two_snapshots_of_each_agent_into_postgres(postgres, tmp_path: Path):
    database = "tap_8x8_snapshots_e2e"
    postgres.create_database(database)
    with serve() as emulator:
        env = meltano_env(CASE, config_for(emulator), postgres, database, tmp_path / "meltano.db")
        meltano_run(CASE, env)
        meltano_run(CASE, env)
        assert len(emulator.requests) == 4, "one request per stream per run"

    with psycopg.connect(postgres.url(database)) as connection:
        agents = connection.execute(
            "select agent_id, count(distinct snapshot_at), count(*), "
            "count(distinct time_in_status) from tap_8x8.agents group by agent_id"
        ).fetchall()
        queues = connection.execute(
            "select queue_id, count(*) from tap_8x8.queues group by queue_id"
        ).fetchall()
        labels = connection.execute(
            "select distinct agent_status_label from tap_8x8.agents where agent_status = 9"
        ).fetchall()

    assert {row[0] for row in agents} == ALL_AGENTS
    assert all(row[1:] == (2, 2, 2) for row in agents), agents
    assert sorted(queues) == sorted((queue_id, 2) for queue_id in ALL_QUEUES)
    assert labels == [("logged out",)]


class TenantStatusCodes(EightByEightData):
    """The first agent on a tenant's own status code (as 8x8's developer docs show them),
    the second on a media code 8x8 does not document."""

    def agent(self, index: int, tick: int) -> dict:
        row = super().agent(index, tick)
        if index == 0:
            row |= {
                "agent-status": 4,
                "status-code-item-id": 1726,
                "status-code-item-short-code": "Train",
                "status-code-list-id": 801,
            }
        elif index == 1:
            row["agent-media-id"] = 7
        return row


def test_a_tenant_status_code_loads_without_label_or_warning_an_undocumented_code_warns():
    with serve(data=TenantStatusCodes()) as emulator:
        run = run_tap("tap-8x8", config_for(emulator))

    assert run.returncode == 0, run.stderr[-3000:]
    agents = sorted(run.records("agents"), key=lambda r: r["agent_id"])
    training, odd_media = agents[0], agents[1]
    assert training["status_code_item_id"] == 1726 and training["status_code_item_label"] is None
    assert training["status_code_item_short_code"] == "Train"
    assert training["status_code_list_id"] == "801", "an identifier, loaded as a string"
    assert odd_media["agent_media_id"] == 7 and odd_media["agent_media_label"] is None
    assert "status_code_item_id" not in run.stderr, "a tenant's own codes are expected"
    assert "agent_media_id 7 is not in 8x8's documented codes" in run.stderr
