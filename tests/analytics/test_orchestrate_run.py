"""Three Chat-Tonic accounts x three days through Dagster, Meltano and dbt, into DuckDB.

The emulators serve three different data sets with the same operator ids and hours; two of
the accounts are read with one shared token (`credential: shared`), the third with its own;
a fourth account is configured with a token its emulator refuses. Each (account, day)
partition is a Dagster run with the multiprocess executor (`orchestrate.backfill`), then the
dbt models downstream of the loaded tables in the asset graph (staging and the marts) are
built, as a deployment that loads only Chat-Tonic does it (`CHAT_TAPS_DBT_VARS` switches the
other vendors off, so the marts union Chat-Tonic alone). That runs sharing a credential
never overlap (and others do) is proven through the daemon's run queue in
tests/analytics/test_orchestrate_concurrency.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess

import duckdb
import pytest

from emulators.chattonic import ChattonicData, hour_floor
from emulators.framework import EmulatorServer
from tests.analytics.test_orchestrate import ORCHESTRATE_BIN, ROOT
from tests.cases.chattonic import make_app

MELTANO_INSTALLED = ROOT / ".meltano" / ".installed"
# past days of the accounts' calendar (UTC), each surely complete and holding data
DAYS = [dt.datetime.now(dt.UTC).date() - dt.timedelta(days=n) for n in (6, 5, 4)]
SHARED_TOKEN = "test-chattonic-shared-token-7e1a"
#: the Chat-Tonic windowed job's tables: the dbt run builds what lineage puts below them
LOADED = "chattonic/operator_stats_daily,chattonic/dashboard_hourly"
#: this deployment loads Chat-Tonic only: the other vendors' switches off
DBT_VARS = {
    f"contact_center__{vendor}_enabled": False
    for vendor in ("oct8ne", "cobrowser", "eight_by_eight", "jaicp")
}
ACCOUNTS = {  # name -> (seed, token it is configured with, token its emulator accepts)
    "client-1": (1, SHARED_TOKEN, SHARED_TOKEN),
    "client-2": (2, SHARED_TOKEN, SHARED_TOKEN),
    "client-3": (3, "test-chattonic-own-token-3c9f", "test-chattonic-own-token-3c9f"),
    "client-bad": (4, "test-chattonic-refused-token", "test-chattonic-right-token-0d2b"),
}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (ORCHESTRATE_BIN / "dagster").exists() or not MELTANO_INSTALLED.exists(),
        reason="needs the Dagster environment and the Meltano plugins (make test installs both)",
    ),
]


@pytest.fixture(scope="module")
def emulators():
    servers = {
        name: EmulatorServer(make_app(data=ChattonicData(seed=seed), access_token=accepted)).start()
        for name, (seed, _token, accepted) in ACCOUNTS.items()
    }
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def backfill(emulators, tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster-run")
    accounts = home / "accounts.yml"
    entries = {
        "tap-chattonic": [
            {
                "name": name,
                **({"credential": "shared"} if token == SHARED_TOKEN else {}),
                "env": {"access_token": f"{name.upper().replace('-', '_')}_TOKEN"},
                "settings": {
                    "base_url": emulators[name].url,
                    "codename": "acme-test",
                    "timezone": "UTC",
                },
            }
            for name, (_seed, token, _accepted) in ACCOUNTS.items()
        ]
    }
    accounts.write_text(json.dumps(entries))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGSTER_", "TAP_"))}
    env.update(
        {f"{name.upper().replace('-', '_')}_TOKEN": t for name, (_s, t, _a) in ACCOUNTS.items()}
    )
    warehouse = home / "warehouse.duckdb"
    env.update(
        DAGSTER_HOME=str(home),
        CHAT_TAPS_ACCOUNTS_FILE=str(accounts),
        CHAT_TAPS_DBT_TARGET=str(home / "dbt-target"),
        CHAT_TAPS_LOADER="target-duckdb",
        TARGET_DUCKDB_FILEPATH=str(warehouse),
        DBT_DUCKDB_PATH=str(warehouse),
        CHAT_TAPS_DBT_VARS=json.dumps(DBT_VARS),
        MELTANO_ENVIRONMENT="dev",
        MELTANO_DATABASE_URI=f"sqlite:///{home / 'meltano.db'}",
        MELTANO_SEND_ANONYMOUS_USAGE_STATS="false",
        PYTHONWARNINGS="ignore",
    )
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # the refused account: one day is enough
    partitions = [
        f"{name}|{day.isoformat()}"
        for name in ACCOUNTS
        for day in (DAYS[:1] if name == "client-bad" else DAYS)
    ]
    loads = backfill_cli(env, "load_tap_chattonic__windowed", *partitions, timeout=1500)
    runs = runs_printed(loads)
    assert len(runs) == len(partitions), (loads.stdout + loads.stderr)[-4000:]
    transform = build_models_below_loaded(env)
    return runs, transform, warehouse, env


def backfill_cli(
    env: dict[str, str], *args: str, timeout: int = 900
) -> subprocess.CompletedProcess:
    """`python -m orchestrate.backfill ARGS` in the Dagster environment, whatever its outcome."""
    return subprocess.run(
        [str(ORCHESTRATE_BIN / "python"), "-m", "orchestrate.backfill", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def runs_printed(result: subprocess.CompletedProcess) -> list[dict]:
    """The runs `orchestrate.backfill` printed, one JSON line each."""
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def build_models_below_loaded(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The dbt models Dagster's lineage puts below the loaded tables, built once."""
    return backfill_cli(env, "transform", "--downstream-of", LOADED)


def utc_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    return start, start + dt.timedelta(hours=23, minutes=59, seconds=59)


def test_one_account_with_a_refused_token_fails_alone(backfill, emulators):
    runs, _transform, _warehouse, _env = backfill
    failed = {run["partition"] for run in runs if not run["success"]}
    assert failed == {f"client-bad|{DAYS[0].isoformat()}"}
    # and is not tried again: a failed load's second attempt (LOAD_RETRY) comes 10 s later,
    # a refused credential has none
    asked = [request.at for request in emulators["client-bad"].served()]
    assert asked, "the refused account was never read"
    assert max(asked) - min(asked) < 10, "the refused credentials were tried twice"
    credentials = {run["account"]: run["credential"] for run in runs}
    assert credentials["client-1"] == credentials["client-2"] != credentials["client-3"]


def test_every_row_of_every_account_loaded_once_with_its_account(backfill, emulators):
    _runs, _transform, warehouse, _env = backfill
    with duckdb.connect(str(warehouse), read_only=True) as db:
        daily = db.execute(
            'select "_account_id", operator_id, cast("date" as varchar), count(*) '
            "from tap_chattonic.operator_stats_daily group by all"
        ).fetchall()
        hourly = db.execute(
            'select "_account_id", "hour", count(*) '
            "from tap_chattonic.dashboard_hourly group by all"
        ).fetchall()
    assert all(count == 1 for *_key, count in daily + hourly)
    counts = {}
    for name in ("client-1", "client-2", "client-3"):
        data = emulators[name].app.data
        expected_daily = {
            (operator["_id"], day.isoformat())
            for day in DAYS
            for operator in data.operator_rows(*utc_range(day))
        }
        expected_hours = {
            hour_floor(c.at).replace(tzinfo=None)
            for day in DAYS
            for c in data.conversations(*utc_range(day))
        }
        loaded_daily = {(op, day) for account, op, day, _ in daily if account == name}
        loaded_hours = {hour.replace(tzinfo=None) for account, hour, _ in hourly if account == name}
        assert loaded_daily == expected_daily, name
        assert loaded_hours == expected_hours, name
        counts[name] = (len(loaded_daily), len(loaded_hours))
    assert not {account for account, *_ in daily} - set(counts)  # nothing of client-bad
    print("rows per account (operator_stats_daily, dashboard_hourly):", counts)


def expected_operator_days(emulators) -> dict[str, set[tuple[str, str]]]:
    """Ground truth: each good account's (operator, day) rows over the loaded days."""
    return {
        name: {
            (operator["_id"], day.isoformat())
            for day in DAYS
            for operator in emulators[name].app.data.operator_rows(*utc_range(day))
        }
        for name in ("client-1", "client-2", "client-3")
    }


def test_dbt_models_run_after_the_loads_and_carry_every_account(backfill, emulators):
    """The staging models and the marts below the loaded tables (dagster-dbt's lineage),
    built in one run after the loads: each mart holds every account's rows, and nothing of
    the refused account.
    """
    _runs, transform, warehouse, _env = backfill
    assert transform.returncode == 0, (transform.stdout + transform.stderr)[-4000:]
    built = runs_printed(transform)
    assert [run["success"] for run in built] == [True], transform.stdout[-4000:]
    expected = expected_operator_days(emulators)
    with duckdb.connect(str(warehouse), read_only=True) as db:
        staged = dict(
            db.execute(
                "select source_account, count(*) "
                "from analytics.stg_chattonic__operator_stats_daily group by all"
            ).fetchall()
        )
        agent_days = db.execute(
            "select source_account, agent_id, cast(activity_date as varchar), agent_key "
            "from analytics.fct_agent_days where platform = 'chattonic'"
        ).fetchall()
        agents = db.execute(
            "select source_account, agent_id, agent_key from analytics.dim_agents "
            "where platform = 'chattonic'"
        ).fetchall()
    assert staged == {name: len(rows) for name, rows in expected.items()}
    counts = {}
    for name, rows in expected.items():
        mart_rows = [(agent, day) for account, agent, day, _key in agent_days if account == name]
        assert sorted(mart_rows) == sorted(rows), name
        mart_agents = {(agent, key) for account, agent, key in agents if account == name}
        assert {agent for agent, _key in mart_agents} == {agent for agent, _day in rows}, name
        counts[name] = {"fct_agent_days": len(mart_rows), "dim_agents": len(mart_agents)}
    assert {account for account, *_ in agent_days} == set(expected)  # nothing of client-bad
    assert {account for account, *_ in agents} == set(expected)
    # the same operator ids in three accounts stay three agents
    assert len({key for *_rest, key in agents}) == len(agents)
    assert len({(key, day) for _a, _id, day, key in agent_days}) == len(agent_days)
    print("mart rows per account:", counts)


def weekly_tests(env: dict[str, str]) -> list[bool]:
    """The code location's weekly job of the tests that read all of history: each run's
    success."""
    result = backfill_cli(env, "whole_history_tests_job")
    runs = runs_printed(result)
    assert runs, (result.stdout + result.stderr)[-4000:]
    return [run["success"] for run in runs]


def test_the_weekly_job_checks_all_of_history(backfill, tmp_path):
    """The eager builds leave out the tests of all of history (their asset checks are not
    defined, tests/analytics/test_orchestrate.py); the weekly job runs those of the models
    this deployment built (Chat-Tonic's windowed streams only: no conversations): it passes
    on the warehouse as built and fails once an old raw row has lost its day."""
    _runs, transform, warehouse, env = backfill
    assert transform.returncode == 0, (transform.stdout + transform.stderr)[-4000:]
    assert weekly_tests(env) == [True]
    # a copy under the same file name: DuckDB names the database, which the views name, by it
    broken = tmp_path / warehouse.name
    shutil.copy(warehouse, broken)
    with duckdb.connect(str(broken)) as db:
        # the raw table as a loader without constraints holds it (append-only, another tool)
        raw = "tap_chattonic.operator_stats_daily"
        db.execute(f"create table {raw}_copy as select * from {raw}")
        db.execute(f"drop table {raw}")
        db.execute(f"alter table {raw}_copy rename to operator_stats_daily")
        db.execute(f'update {raw} set "date" = null where rowid = (select min(rowid) from {raw})')
    assert weekly_tests({**env, "DBT_DUCKDB_PATH": str(broken)}) == [False]
