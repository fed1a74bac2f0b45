"""Many accounts of one vendor in one warehouse (`tapkit.accounts`, the `account` setting).

Three Chat-Tonic accounts whose emulators serve three different data sets with the same
operator ids and hours: with `account` set, each row carries its account and every key leads
with it, so no account's rows share a key with another's; without it, nothing changes.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

import tests.tap_cases  # noqa: F401  (the cases registry first)
from emulators.chattonic import ChattonicData
from emulators.framework import EmulatorServer
from tap_chattonic.tap import TapChattonic
from tapkit.accounts import ACCOUNT_FIELD
from tests.cases.chattonic import chattonic_config, chattonic_truth, make_app
from tests.support import run_tap

TAP = "tap-chattonic"
FIRST = dt.date.today() - dt.timedelta(days=5)
LAST = FIRST + dt.timedelta(days=1)
STREAM_KEYS = {"operator_stats_daily": ("operator_id", "date"), "dashboard_hourly": ("hour",)}


def account_config(server: EmulatorServer, account: str | None) -> dict:
    config = chattonic_config(server.url, FIRST)
    config["end_date"] = dt.datetime.combine(LAST, dt.time(12), dt.UTC).isoformat()
    if account is not None:
        config["account"] = account
    return config


@pytest.fixture(scope="module")
def accounts():
    """Three accounts: emulators with seeds 1..3 (same operators and hours, other figures)."""
    servers = {
        f"client-{seed}": EmulatorServer(make_app(data=ChattonicData(seed=seed))).start()
        for seed in (1, 2, 3)
    }
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def runs(accounts):
    return {name: run_tap(TAP, account_config(server, name)) for name, server in accounts.items()}


def test_every_row_carries_its_account_and_keys_lead_with_it(accounts, runs):
    for name, run in runs.items():
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.schema_violations() == []
        truth = chattonic_truth(accounts[name].app, FIRST, LAST)
        for message in run.messages:
            if message["type"] == "SCHEMA":
                assert message["key_properties"][0] == ACCOUNT_FIELD
                assert ACCOUNT_FIELD in message["schema"]["required"]
        for stream, key in STREAM_KEYS.items():
            records = run.records(stream)
            assert {r[ACCOUNT_FIELD] for r in records} == {name}
            assert {tuple(r[k] for k in key) for r in records} >= truth[stream]


def test_accounts_share_ids_yet_never_a_key(runs):
    """The data sets differ, their natural keys collide, the account keys do not."""
    natural: dict[str, list[set]] = {stream: [] for stream in STREAM_KEYS}
    figures: set[str] = set()
    seen: set[tuple] = set()
    for run in runs.values():
        for stream, key in STREAM_KEYS.items():
            records = run.records(stream)
            natural[stream].append({tuple(r[k] for k in key) for r in records})
            keys = {(stream, r[ACCOUNT_FIELD], *(r[k] for k in key)) for r in records}
            assert not keys & seen
            seen |= keys
        daily = run.records("operator_stats_daily")
        rows = [{k: v for k, v in r.items() if k != ACCOUNT_FIELD} for r in daily]
        figures.add(json.dumps(sorted(json.dumps(r, sort_keys=True) for r in rows)))
    assert set.intersection(*natural["operator_stats_daily"])  # the same operators and days
    assert len(figures) == 3  # three distinct data sets (the account column aside)


def test_without_account_the_output_has_no_account(accounts):
    server = accounts["client-1"]
    plain = run_tap(TAP, account_config(server, None))
    blank = run_tap(TAP, {**account_config(server, None), "account": ""})
    assert plain.returncode == blank.returncode == 0
    for run in (plain, blank):
        assert ACCOUNT_FIELD not in run.stdout
        schemas = {m["stream"]: m for m in run.messages if m["type"] == "SCHEMA"}
        for stream, key in STREAM_KEYS.items():
            assert schemas[stream]["key_properties"] == list(key)
            assert (
                schemas[stream]["schema"]
                == TapChattonic(config=account_config(server, None), validate_config=False)
                .streams[stream]
                .schema
            )

    def without_times(run):  # the records and schemas (STATE holds the run's clock)
        return [
            {k: v for k, v in m.items() if k != "time_extracted"}
            for m in run.messages
            if m["type"] != "STATE"
        ]

    assert without_times(plain) == without_times(blank)


def test_discovery_shows_the_account_column(accounts):
    config = account_config(accounts["client-1"], "client-1")
    catalog = TapChattonic(config=config, validate_config=False).catalog_dict
    for entry in catalog["streams"]:
        assert entry["key_properties"][0] == ACCOUNT_FIELD
        assert entry["schema"]["properties"][ACCOUNT_FIELD] == {"type": ["string"]}
    # the stream classes' schemas, shared by every tap instance, are left untouched
    plain = TapChattonic(config=account_config(accounts["client-1"], None), validate_config=False)
    assert all(ACCOUNT_FIELD not in s.schema["properties"] for s in plain.streams.values())


@pytest.mark.parametrize("bad", ["client 1", "-leading", "a" * 64, "acme/eu"])
def test_an_account_name_that_cannot_be_a_key_is_refused(bad):
    with EmulatorServer(make_app()) as server:
        run = run_tap(TAP, account_config(server, bad))
        assert run.returncode != 0
        assert "account must be 1 to 63 letters" in run.output
        assert not server.served()
