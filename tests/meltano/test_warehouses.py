"""The Meltano project as a data team runs it: jobs, shared state, split workers, Snowflake.

Every test here runs real `meltano` commands of this project against the taps' emulators on
loopback and the test PostgreSQL (the `postgres` fixture), as a team's orchestrator would:
- the `all-to-postgres` job loads every stream of the five taps, and a second run adds
  nothing (the taps' primary keys make the target upsert) but tap-8x8's next snapshot;
- with Meltano's system database on PostgreSQL, a second machine (a fresh copy of the
  project that shares only that database) resumes from the first one's bookmarks;
- tap-cobrowser split in two inherited plugins, run at the same time into one schema, loads
  every row once, each half with its own state id;
- the recipe of docs/operating.md for re-syncing one stream (drop its bookmark) reads only
  that stream;
- Snowflake: the same job against a real account, only when one is configured (no Snowflake
  is reachable from here; see docs/operating.md).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import subprocess
import threading
import typing as t
from pathlib import Path

import psycopg
import pytest
import yaml

from emulators.framework import EmulatorServer
from tests.analytics.test_dbt_package import answer_readme_questions
from tests.analytics.test_report import assert_report_matches_marts
from tests.cases.cobrowser import full_table_truth
from tests.meltano_support import (
    MELTANO,
    ROOT,
    assert_rerun_added_only_snapshots,
    assert_tables_hold_the_truth,
    meltano_env,
    warehouse_keys,
)
from tests.tap_cases import TAP_CASES, TapCase

#: days loaded by the job tests: enough for several windows of every tap, short enough to
#: keep the whole-project runs quick
DAYS = 3

pytestmark = pytest.mark.e2e


#: one case per tap for the whole-project jobs: the last of each tap (tap-8x8's Analytics case
#: points both of its credential groups at one emulator, so every stream is loaded)
PER_TAP = list({case.tap: case for case in TAP_CASES}.values())


def case_named(tap: str) -> TapCase:
    """The TapCase of one tap."""
    return next(case for case in TAP_CASES if case.tap == tap)


def schema_of(tap: str) -> str:
    """The schema a tap loads into: its namespace (meltano.yml's default_target_schema)."""
    return tap.replace("-", "_")


@contextlib.contextmanager
def running_emulators(cases: t.Sequence[TapCase]) -> t.Iterator[dict[str, EmulatorServer]]:
    """One emulator per tap, stopped whatever happens."""
    with contextlib.ExitStack() as stack:
        yield {case.tap: stack.enter_context(EmulatorServer(case.make_app())) for case in cases}


def local_today(case: TapCase, server: EmulatorServer) -> dt.date:
    """Today in the tap's calendar, taken once per emulator: the runs read through it and
    the ground truth ends on it, even when the test crosses the tap's midnight."""
    day: dt.date | None = getattr(server, "pinned_today", None)
    if day is None:
        day = case.today(case.config(server.url, dt.date.today()))
        setattr(server, "pinned_today", day)  # noqa: B010  (a test's note on the emulator)
    return day


def project_env(
    cases: t.Sequence[TapCase],
    servers: dict[str, EmulatorServer],
    postgres,
    database: str,
    system_db: str,
    overrides: dict[str, dict] | None = None,
    *,
    workdir: Path,
) -> dict[str, str]:
    """Environment pointing every tap at its emulator (DAYS back) and the target at `database`.

    `system_db` is Meltano's database URI, where it keeps state; Meltano's system directory
    (run directories) is in the test's `workdir` (meltano_support.checkout_sys_dir).
    """
    env: dict[str, str] = {}
    for case in cases:
        server = servers[case.tap]
        today = local_today(case, server)
        config = case.through(case.config(server.url, today - dt.timedelta(days=DAYS)), today)
        config = {**config, **(overrides or {}).get(case.tap, {})}
        # each call starts from os.environ without TAP_*/TARGET_*; their union holds every tap
        env.update(meltano_env(case, config, postgres, database, workdir / "unused.db"))
    env["MELTANO_DATABASE_URI"] = system_db
    return env


def meltano(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """One `meltano` command of the project at `cwd`, which must succeed."""
    result = subprocess.run(
        [str(MELTANO), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def postgres_system_db(postgres, name: str) -> str:
    """A new database for Meltano's system tables (state), as a SQLAlchemy URL."""
    postgres.create_database(name)
    return f"postgresql+psycopg://{postgres.user}@127.0.0.1:{postgres.port}/{name}"


def table_rows(postgres, database: str, schema: str) -> dict[str, int]:
    """table → rows, for every table of a schema."""
    with psycopg.connect(postgres.url(database)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = %s",
                (schema,),
            ).fetchall()
        ]
        return {
            table: connection.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for table in tables
        }


def expected_keys(case: TapCase, server: EmulatorServer) -> dict[str, set[tuple]]:
    """stream → keys the emulator holds for the DAYS loaded (reference lists included)."""
    today = local_today(case, server)
    truth = dict(case.truth(server.app, today - dt.timedelta(days=DAYS), today))
    if case.tap == "tap-cobrowser":
        truth.update(full_table_truth(server.app))
    return truth


def assert_warehouse_holds_the_truth(
    postgres, database: str, case: TapCase, truth: dict[str, set[tuple]]
) -> None:
    """Each stream's table has exactly the emulator's rows, once each."""
    schema = schema_of(case.tap)
    assert_tables_hold_the_truth(
        case,
        truth,
        table_rows(postgres, database, schema),
        lambda table, fields: warehouse_keys(postgres, database, schema, table, fields),
    )


#: dbt tests at least (grains, accepted values, relationships, the row-count test)
MIN_DBT_TESTS = 60


def assert_dbt_built_and_tested_the_marts(
    target: Path, postgres, database: str, raw_rows: dict[str, dict[str, int]]
) -> None:
    """dbt-postgres:build ran every model and test, all passed, and no conversation was lost."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = [r["unique_id"] for r in results if r["status"] not in ("success", "pass")]
    assert not failed, f"dbt nodes not passing: {failed}"
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    models = {r["unique_id"].rsplit(".", 1)[1] for r in results if r["unique_id"][:6] == "model."}
    assert len(tests) >= MIN_DBT_TESTS, len(tests)
    assert {"fct_conversations", "fct_messages", "fct_agent_days", "fct_queue_snapshots"} <= models
    assert {"fct_queue_intervals", "fct_satisfaction", "fct_bot_days"} <= models
    # the KPI formulas' dbt unit tests ran in the build
    assert any(r["unique_id"].startswith("unit_test.") for r in results)
    assert "dim_agents" in models and "assert_marts_keep_every_staged_key" in str(results)
    with psycopg.connect(postgres.url(database)) as connection:
        per_platform = dict(
            connection.execute(
                "select platform, count(*) from analytics.fct_conversations group by 1"
            ).fetchall()
        )
    assert per_platform == {
        "oct8ne": raw_rows["tap-oct8ne"]["sessions"],
        "cobrowser": raw_rows["tap-cobrowser"]["conversations"],
        "jaicp": raw_rows["tap-jaicp"]["sessions"],
        "8x8": raw_rows["tap-8x8"]["interactions"],
        "chattonic": raw_rows["tap-chattonic"]["conversations"],
    }


def assert_the_report_renders_every_chart(postgres, database: str, workdir: Path) -> None:
    """The report built from these marts shows each of its charts in a real Chromium, and each
    KPI tile the number a query on the marts gives."""
    with psycopg.connect(postgres.url(database)) as connection:
        today = dt.datetime.now(dt.UTC).date()
        assert_report_matches_marts(connection, "analytics", today, workdir)
        answers = answer_readme_questions(connection, "analytics")
    # the five questions of docs/analytics.md each have an answer on every tap's rows
    assert all(answers.values()), answers


def test_all_to_postgres_job_loads_every_stream_of_the_five_taps_and_a_rerun_adds_nothing(
    postgres, tmp_path: Path
):
    database = "job_all_to_postgres"
    postgres.create_database(database)
    with running_emulators(PER_TAP) as servers:
        env = project_env(
            PER_TAP,
            servers,
            postgres,
            database,
            f"sqlite:///{tmp_path / 'meltano.db'}",
            workdir=tmp_path,
        )
        truth = {case.tap: expected_keys(case, servers[case.tap]) for case in PER_TAP}

        # Meltano reads a setting from PLUGIN_SETTING; dbt then gets it as DBT_TARGET_PATH
        env["DBT_POSTGRES_TARGET_PATH"] = str(tmp_path / "dbt")
        meltano("run", "all-to-postgres", env=env)
        for case in PER_TAP:
            assert_warehouse_holds_the_truth(postgres, database, case, truth[case.tap])
        first = {case.tap: table_rows(postgres, database, schema_of(case.tap)) for case in PER_TAP}
        assert_dbt_built_and_tested_the_marts(tmp_path / "dbt", postgres, database, first)
        assert_the_report_renders_every_chart(postgres, database, tmp_path)

        meltano("run", "all-to-postgres", env=env)
        second = {case.tap: table_rows(postgres, database, schema_of(case.tap)) for case in PER_TAP}
    assert_rerun_added_only_snapshots(PER_TAP, first, second)
    assert_source_freshness_follows_the_load_time(postgres, database, env, tmp_path / "dbt")


def source_freshness(env: dict[str, str], target: Path) -> tuple[int, dict[str, str]]:
    """`meltano invoke dbt-postgres:freshness`: its exit code, and each source table's
    status (`pass`, `warn`, `error`) as dbt wrote it to `sources.json`.
    """
    result = subprocess.run(
        [str(MELTANO), "invoke", "dbt-postgres:freshness"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    results = json.loads((target / "sources.json").read_text())["results"]
    return result.returncode, {r["unique_id"].split(".", 2)[2]: r["status"] for r in results}


def assert_source_freshness_follows_the_load_time(
    postgres, database: str, env: dict[str, str], target: Path
) -> None:
    """Just loaded, every source passes; one whose rows were loaded three days ago fails
    the run (the thresholds: warn after 26 hours, error after 50).
    """
    code, fresh = source_freshness(env, target)
    assert code == 0 and set(fresh.values()) == {"pass"}, fresh
    assert {"oct8ne.sessions", "cobrowser.conversations", "jaicp.messages"} <= set(fresh)
    with psycopg.connect(postgres.url(database)) as connection:
        connection.execute(
            "update tap_oct8ne.sessions set _sdc_batched_at = _sdc_batched_at - interval '3 days'"
        )
    code, stale = source_freshness(env, target)
    assert code != 0 and stale["oct8ne.sessions"] == "error", stale
    assert {source for source, status in stale.items() if status != "pass"} == {"oct8ne.sessions"}


def _extra_column_type(postgres, database: str, schema: str, table: str) -> str:
    with psycopg.connect(postgres.url(database)) as connection:
        (data_type,) = connection.execute(
            "select data_type from information_schema.columns "
            "where table_schema = %s and table_name = %s and column_name = '_extra'",
            (schema, table),
        ).fetchone()
    return data_type


def fresh_project_copy(directory: Path) -> Path:
    """A second machine's checkout of the project: meltano.yml and installed plugins only.

    The plugins are what `meltano install` gives every worker, so they are linked from this
    project rather than reinstalled; nothing else of `.meltano/` (no system database, no
    run directories) comes along.
    """
    directory.mkdir()
    shutil.copy(ROOT / "meltano.yml", directory / "meltano.yml")
    (directory / ".meltano").mkdir()
    for kind in ("extractors", "loaders"):
        (directory / ".meltano" / kind).symlink_to(ROOT / ".meltano" / kind)
    return directory


def test_a_second_machine_sharing_only_the_postgres_system_database_resumes_from_its_state(
    postgres, tmp_path: Path
):
    case = case_named("tap-oct8ne")
    database = "shared_state_data"
    postgres.create_database(database)
    system_db = postgres_system_db(postgres, "shared_state_meltano")
    other_machine = fresh_project_copy(tmp_path / "worker-b")
    with running_emulators([case]) as servers:
        emulator = servers[case.tap]
        # one-day windows: a backfill makes many requests, a resumed run very few
        env = project_env(
            [case],
            servers,
            postgres,
            database,
            system_db,
            {case.tap: case.smallest_window},
            workdir=tmp_path,
        )
        meltano("run", "tap-oct8ne", "target-postgres", env=env)
        backfill_requests = case.window_requests(emulator)

        # the second machine's Meltano uses its own `.meltano`, not this checkout's
        other_env = {k: v for k, v in env.items() if k != "MELTANO_SYS_DIR_ROOT"}
        listed = meltano("state", "list", env=other_env, cwd=other_machine).stdout
        assert "dev:tap-oct8ne-to-target-postgres" in listed
        meltano("run", "tap-oct8ne", "target-postgres", env=other_env, cwd=other_machine)
        resumed_requests = case.window_requests(emulator) - backfill_requests
        truth = expected_keys(case, emulator)

    assert not (other_machine / ".meltano" / "meltano.db").exists(), "state went to a local file"
    # lookback_days (1) plus the open day, per stream: the second machine resumed
    assert resumed_requests <= 2 * len(case.windowed_streams) < backfill_requests
    assert_warehouse_holds_the_truth(postgres, database, case, truth)
    assert _extra_column_type(postgres, database, "tap_oct8ne", "sessions") == "jsonb"


def state_of(state_id: str, env: dict[str, str]) -> dict:
    """The state Meltano holds under `state_id`."""
    return json.loads(meltano("state", "get", state_id, env=env).stdout)


def test_resyncing_one_stream_by_removing_its_bookmark_rereads_only_that_stream(
    postgres, tmp_path: Path
):
    """docs/operating.md's recipe: `state get`, drop one stream's bookmark, `state set`, run."""
    case = case_named("tap-oct8ne")
    database = "resync_one_stream"
    postgres.create_database(database)
    state_id = "dev:tap-oct8ne-to-target-postgres"
    with running_emulators([case]) as servers:
        emulator = servers[case.tap]
        env = project_env(
            [case],
            servers,
            postgres,
            database,
            f"sqlite:///{tmp_path / 'meltano.db'}",
            {case.tap: case.smallest_window},
            workdir=tmp_path,
        )
        meltano("run", "tap-oct8ne", "target-postgres", env=env)
        backfill = {stream: len(emulator.served(stream)) for stream in ("sessions", "leads")}

        state = state_of(state_id, env)
        del state["singer_state"]["bookmarks"]["leads"]
        trimmed = tmp_path / "state.json"
        trimmed.write_text(json.dumps(state))
        meltano("state", "set", "--force", state_id, "--input-file", str(trimmed), env=env)
        meltano("run", "tap-oct8ne", "target-postgres", env=env)
        resync = {stream: len(emulator.served(stream)) - backfill[stream] for stream in backfill}
        truth = expected_keys(case, emulator)

    assert resync["leads"] == backfill["leads"], "leads was not read again from start_date"
    assert resync["sessions"] <= 2 < backfill["sessions"], "sessions did not resume"
    assert_warehouse_holds_the_truth(postgres, database, case, truth)


#: tap-cobrowser--stats's exports; every other command is tap-cobrowser--activity's
STATS_COMMANDS = {"accountspecshourly", "hostspecshourly", "filterstatshourly"}


class MeetingPoint:
    """Holds each half's first request until the other half has asked too.

    The emulator answers in milliseconds, so two workers started together could still
    extract one after the other; this makes their runs overlap for sure (a hold is bounded).
    """

    def __init__(self, app: t.Any, hold_seconds: float = 60) -> None:
        self.arrived = {"stats": threading.Event(), "activity": threading.Event()}
        self.hold_seconds = hold_seconds
        self._handle = app.handle
        app.handle = self.handle

    def handle(self, request: t.Any) -> t.Any:
        """Note which half asks, wait for the other one, then answer as the emulator."""
        half = "stats" if request.query.get("c") in STATS_COMMANDS else "activity"
        other = "activity" if half == "stats" else "stats"
        self.arrived[half].set()
        self.arrived[other].wait(self.hold_seconds)
        return self._handle(request)

    def both_met(self) -> bool:
        """Both halves made a request (so each one's first waited for the other)."""
        return all(event.is_set() for event in self.arrived.values())


def test_cobrowser_split_in_two_jobs_run_at_once_loads_every_row_once_with_two_states(
    postgres, tmp_path: Path
):
    case = case_named("tap-cobrowser")
    database = "split_jobs"
    postgres.create_database(database)
    system_db = postgres_system_db(postgres, "split_jobs_meltano")
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    halves = {
        plugin["name"]: {pattern.split(".")[0] for pattern in plugin["select"]}
        for plugin in project["plugins"]["extractors"]
        if plugin.get("inherit_from") == case.tap
    }
    assert set(halves) == {"tap-cobrowser--activity", "tap-cobrowser--stats"}
    with running_emulators([case]) as servers:
        # one-day windows: each half makes enough requests for the two to overlap
        env = project_env(
            [case],
            servers,
            postgres,
            database,
            system_db,
            {case.tap: case.smallest_window},
            workdir=tmp_path,
        )
        meeting = MeetingPoint(servers[case.tap].app)
        # Meltano creates its system tables on first use; two workers starting at once on a
        # new database could both try, so (as in production) one command sets it up first.
        meltano("state", "list", env=env)
        workers = [
            subprocess.Popen(
                [str(MELTANO), "run", job],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for job in ("cobrowser-activity-to-postgres", "cobrowser-stats-to-postgres")
        ]
        for worker in workers:
            _, stderr = worker.communicate(timeout=900)
            assert worker.returncode == 0, stderr[-4000:]
        truth = expected_keys(case, servers[case.tap])
        requests = list(servers[case.tap].requests)

    assert meeting.both_met(), "the two halves were never extracting at the same time"
    assert {r.query.get("c") for r in requests} >= STATS_COMMANDS
    all_streams = set(case.windowed_streams) | set(full_table_truth(servers[case.tap].app))
    assert set.union(*halves.values()) == all_streams
    assert not set.intersection(*halves.values()), "a stream is selected in both halves"
    assert_warehouse_holds_the_truth(postgres, database, case, truth)
    for plugin, streams in halves.items():
        bookmarks = state_of(f"dev:{plugin}-to-target-postgres", env)["singer_state"]["bookmarks"]
        windowed = streams & set(case.windowed_streams)
        assert windowed <= set(bookmarks) <= streams, f"{plugin}: {sorted(bookmarks)}"


SNOWFLAKE_VARIABLES = (
    "TARGET_SNOWFLAKE_ACCOUNT",
    "TARGET_SNOWFLAKE_USER",
    "TARGET_SNOWFLAKE_DATABASE",
    "TARGET_SNOWFLAKE_WAREHOUSE",
)


def snowflake_configured() -> bool:
    """A real account is configured: the variables above and a key or a password."""
    credential = os.environ.get("TARGET_SNOWFLAKE_PRIVATE_KEY_PATH") or os.environ.get(
        "TARGET_SNOWFLAKE_PASSWORD"
    )
    return bool(credential) and all(os.environ.get(name) for name in SNOWFLAKE_VARIABLES)


SNOWFLAKE_COUNT = """
import json, os, sys
import snowflake.connector
from cryptography.hazmat.primitives import serialization
params = {name: os.environ[f"TARGET_SNOWFLAKE_{name.upper()}"]
          for name in ("account", "user", "database", "warehouse")}
if os.environ.get("TARGET_SNOWFLAKE_PRIVATE_KEY_PATH"):
    with open(os.environ["TARGET_SNOWFLAKE_PRIVATE_KEY_PATH"], "rb") as handle:
        passphrase = os.environ.get("TARGET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")
        key = serialization.load_pem_private_key(
            handle.read(), passphrase.encode() if passphrase else None)
    params["private_key"] = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
else:
    params["password"] = os.environ["TARGET_SNOWFLAKE_PASSWORD"]
if os.environ.get("TARGET_SNOWFLAKE_ROLE"):
    params["role"] = os.environ["TARGET_SNOWFLAKE_ROLE"]
with snowflake.connector.connect(**params) as connection:
    if sys.argv[1] == "drop":
        connection.cursor().execute(f"drop schema if exists {sys.argv[2]}")
    else:
        counts = {table: connection.cursor().execute(
            f"select count(*) from {sys.argv[2]}.{table}").fetchone()[0] for table in sys.argv[3:]}
        print(json.dumps(counts))
"""


@pytest.mark.skipif(
    not snowflake_configured(),
    reason="no Snowflake account: set TARGET_SNOWFLAKE_ACCOUNT, _USER, _DATABASE, _WAREHOUSE "
    "and _PRIVATE_KEY_PATH (or _PASSWORD) to run tap-oct8ne into it",
)
def test_tap_oct8ne_loads_into_a_real_snowflake_account_and_a_rerun_adds_nothing(
    postgres, tmp_path: Path
):
    case = case_named("tap-oct8ne")
    meltano("install", "--plugin-type", "loader", "target-snowflake", env=dict(os.environ))
    # a schema of this run's own, so that a shared account's other data is never touched
    schema = f"CHAT_TAPS_TEST_{os.getpid()}"
    with running_emulators([case]) as servers:
        env = project_env(
            [case],
            servers,
            postgres,
            "unused",
            f"sqlite:///{tmp_path / 'meltano.db'}",
            workdir=tmp_path,
        )
        env.update({k: v for k, v in os.environ.items() if k.startswith("TARGET_SNOWFLAKE_")})
        env["TARGET_SNOWFLAKE_DEFAULT_TARGET_SCHEMA"] = schema
        truth = expected_keys(case, servers[case.tap])
        python = ROOT / ".meltano" / "loaders" / "target-snowflake" / "venv" / "bin" / "python"
        counts = []
        try:
            for _ in range(2):
                meltano("run", "tap-oct8ne", "target-snowflake", env=env)
                result = subprocess.run(
                    [str(python), "-c", SNOWFLAKE_COUNT, "count", schema, *truth],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                counts.append(json.loads(result.stdout))
        finally:
            subprocess.run(
                [str(python), "-c", SNOWFLAKE_COUNT, "drop", schema], env=env, check=False
            )
    expected = {stream.upper(): len(keys) for stream, keys in truth.items()}
    assert {k.upper(): v for k, v in counts[0].items()} == expected
    assert counts[1] == counts[0]


def test_meltano_yml_has_the_jobs_schedules_and_a_prod_environment_without_secrets():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    jobs = {job["name"]: job["tasks"] for job in project["jobs"]}
    taps = sorted({case.tap for case in TAP_CASES})
    for target in ("target-postgres", "target-snowflake", "target-duckdb"):
        job = f"all-to-{target.removeprefix('target-')}"
        loads = [task for task in jobs[job] if not task.startswith("dbt-")]
        assert sorted(loads) == [f"{tap} {target}" for tap in taps]
    assert jobs["all-to-postgres"][-1] == "dbt-postgres:build"
    assert jobs["all-to-duckdb"][-1] == "dbt-duckdb:build"
    schedules = {s["name"]: s for s in project["schedules"]}
    assert schedules["snapshots-to-postgres"]["interval"] == "*/5 * * * *"
    # tap-8x8's real-time snapshots every five minutes; its Analytics history daily
    assert jobs[schedules["snapshots-to-postgres"]["job"]] == ["tap-8x8--snapshots target-postgres"]
    daily = schedules["daily-to-postgres"]
    assert len(daily["interval"].split()) == 5 and daily["interval"].split()[2:] == ["*"] * 3
    windowed = sorted({case.tap for case in TAP_CASES if case.windowed})
    *loads, transform = jobs[daily["job"]]
    assert sorted(task.split()[0].split("--")[0] for task in loads) == windowed
    # the daily build leaves the tests of all history to a weekly run of them
    assert transform == "dbt-postgres:build-daily"
    weekly = schedules["whole-history-tests-postgres"]
    assert jobs[weekly["job"]] == ["dbt-postgres:test-whole-history"]
    assert weekly["interval"].split()[2:] == ["*", "*", "0"]
    # every dbt command runs dbt's command line through transform/run_dbt.py, under the
    # utility's Python (dbt's modules kept out of the garbage collector)
    launcher = "$MELTANO_PROJECT_ROOT/transform/run_dbt.py"
    for warehouse in ("duckdb", "postgres", "snowflake"):
        utility = next(
            u for u in project["plugins"]["utilities"] if u["name"] == f"dbt-{warehouse}"
        )
        assert utility["executable"] == "dbt"
        commands = utility["commands"]
        assert {c.get("executable") for c in commands.values()} == {"python"}
        assert all(c["args"].startswith(f"{launcher} ") for c in commands.values())
        assert commands["build-daily"]["args"] == f"{launcher} build --exclude tag:whole_history"
        assert commands["test-whole-history"]["args"] == (
            f"{launcher} test --select tag:whole_history"
        )
    prod = next(e for e in project["environments"] if e["name"] == "prod")
    sensitive = {
        setting["name"]
        for kind in ("extractors", "loaders")
        for plugin in project["plugins"][kind]
        for setting in plugin.get("settings", [])
        if setting.get("sensitive")
    }
    prod_plugins = prod.get("config", {}).get("plugins", {})
    for kind in ("extractors", "loaders"):
        for plugin in prod_plugins.get(kind, []):
            assert not sensitive & set(plugin.get("config", {})), plugin["name"]
