"""The large marts build incrementally, and an incremental build equals a full rebuild.

A contact center with years of history must not rebuild every conversation on every run
(issue 28, docs/incremental.md). The team project of tests/analytics/test_dbt_package.py (the
package installed from transform/, Oct8ne's raw tables) is built once, on DuckDB and on PostgreSQL,
from rows loaded by an hourly schedule over ten days; then the loader brings what a later
run of the tap brings: an old session re-read with new values (upserted in place), another
one appended as a new version (load_method append-only), and a new day of sessions. The next
`dbt build` re-reads only what was loaded since the last build (less the one-day lookback),
and its marts hold, row for row, what `dbt run --full-refresh` builds from all of history.

The same for JAICP (the bench's generated history, scripts/bench_dbt.py): fct_messages and
fct_conversations incremental, and fct_bot_days, a table that counts fct_conversations' JAICP
sessions, right even for a day no loaded row names (a re-read session that moved day).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import typing as t
from pathlib import Path

import duckdb
import psycopg
import pytest
import yaml
from psycopg.types.json import Jsonb

from tests.analytics.test_dbt_package import RAW_SCHEMA, load_raw_oct8ne, scratch_project
from tests.meltano_support import ROOT, utility_command

MARTS = "team_marts"
UTILITIES = ROOT / ".meltano" / "utilities"
#: the two re-read sessions: the oldest one, upserted; the next oldest, appended again
REREAD_SESSIONS = f"""select "sessionId" from {RAW_SCHEMA}.sessions
    order by "startDate", "sessionId" limit 2"""
NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Warehouse:
    """The team's warehouse: where dbt builds, and plain SQL on it (`%s` parameters)."""

    kind: str

    def __init__(self, database: Path) -> None:
        self.database = database

    @property
    def dbt(self) -> Path:
        """The dbt of Meltano's utility for this warehouse (`make .meltano/.installed`)."""
        return UTILITIES / f"dbt-{self.kind}" / "venv" / "bin" / "dbt"

    def output(self) -> dict[str, t.Any]:
        """The dbt profile's output."""
        raise NotImplementedError

    def connect(self) -> t.Any:
        """A connection that commits on leaving its `with` block."""
        raise NotImplementedError

    def query(self, sql: str, *params: t.Any) -> list[tuple]:
        """The rows of one statement (none for an update)."""
        with self.connect() as connection:
            cursor = connection.execute(self.placeholders(sql), list(params) or None)
            return cursor.fetchall() if cursor.description else []

    def columns(self, sql: str, *params: t.Any) -> list[dict[str, t.Any]]:
        """The rows of one select, by column."""
        with self.connect() as connection:
            cursor = connection.execute(self.placeholders(sql), list(params) or None)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def insert(self, table: str, rows: list[dict[str, t.Any]]) -> None:
        """Rows into a raw table, by column."""
        names = list(rows[0])
        quoted = ", ".join(f'"{name}"' for name in names)
        values = ", ".join("%s" for _ in names)
        with self.connect() as connection:
            connection.cursor().executemany(
                self.placeholders(f"insert into {table} ({quoted}) values ({values})"),
                [[self.value(row[name]) for name in names] for row in rows],
            )

    def placeholders(self, sql: str) -> str:
        """`sql` in this driver's parameter style."""
        return sql

    def value(self, value: t.Any) -> t.Any:
        """A value read from a raw table, as this driver writes it back."""
        return value


class DuckDB(Warehouse):
    """The team's DuckDB file, in the format of dbt-duckdb's DuckDB (as test_dbt_package)."""

    kind = "duckdb"

    def output(self) -> dict[str, t.Any]:
        return {"type": "duckdb", "path": str(self.database), "schema": MARTS, "threads": 1}

    def connect(self) -> t.Any:
        return duckdb.connect(
            str(self.database), config={"storage_compatibility_version": "v1.4.0"}
        )

    def placeholders(self, sql: str) -> str:
        return sql.replace("%s", "?")


class Postgres(Warehouse):
    """A database of the test PostgreSQL holding the same raw tables, copied from DuckDB."""

    kind = "postgres"
    #: DuckDB's column types as target-postgres gives them
    TYPES: t.ClassVar[dict[str, str]] = {
        "VARCHAR": "text",
        "TIMESTAMP": "timestamp",
        "BIGINT": "bigint",
        "DOUBLE": "double precision",
        "BOOLEAN": "boolean",
        "JSON": "jsonb",
        "INTEGER": "integer",
        "DATE": "date",
    }

    def __init__(
        self, database: Path, server: t.Any, name: str, raw_schema: str = RAW_SCHEMA
    ) -> None:
        super().__init__(database)
        self.server, self.name = server, name
        server.create_database(name)
        self.copy_raw_tables(raw_schema)

    def output(self) -> dict[str, t.Any]:
        return {
            "type": "postgres",
            "host": "127.0.0.1",
            "port": self.server.port,
            "user": self.server.user,
            "password": "",
            "dbname": self.name,
            "schema": MARTS,
            "threads": 1,
        }

    def connect(self) -> t.Any:
        return psycopg.connect(self.server.url(self.name))

    def value(self, value: t.Any) -> t.Any:
        return Jsonb(value) if isinstance(value, dict | list) else value

    def copy_raw_tables(self, schema: str) -> None:
        """The raw tables of `schema` written to DuckDB, created and filled here."""
        source = DuckDB(self.database)
        with source.connect() as connection:
            tables = connection.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
            described = {
                table: connection.execute(f"describe {schema}.{table}").fetchall()
                for (table,) in tables
            }
        self.query(f"create schema {schema}")
        for table, columns in described.items():
            types = ", ".join(f'"{c[0]}" {self.TYPES[c[1]]}' for c in columns)
            self.query(f"create table {schema}.{table} ({types})")
            rows = source.columns(f"select * from {schema}.{table}")
            self.insert(f"{schema}.{table}", rows)


def run_dbt(
    warehouse: Warehouse, project: Path, *args: str, command: t.Sequence[str] = ()
) -> subprocess.CompletedProcess:
    """dbt in the scratch project on `warehouse`, whatever its outcome: `args` to its `dbt`,
    or added to `command` (one of meltano.yml's, `utility_command`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return subprocess.run(
        [
            *(command or [str(warehouse.dbt)]),
            *args,
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def dbt(warehouse: Warehouse, project: Path, *args: str) -> None:
    """dbt in the scratch project on `warehouse`; must succeed."""
    result = run_dbt(warehouse, project, *args)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def load_as_a_live_schedule(warehouse: Warehouse) -> None:
    """The rows loaded so far arrived as an hourly schedule loads them: each an hour after it
    started (an hour ago at the latest), so most were loaded long before the lookback."""
    for table, started in (("sessions", '"startDate"'), ("leads", '"creationDate"')):
        warehouse.query(
            f"update {RAW_SCHEMA}.{table} set _sdc_batched_at = "
            f"least({started} + interval '1 hour', %s)",
            NOW - dt.timedelta(hours=1),
        )


def load_the_next_run(warehouse: Warehouse) -> tuple[str, str]:
    """What the tap's next run loads: two old sessions re-read with their final values (one
    upserted, one appended as a new version) and a new day of sessions. Returns the two ids."""
    upserted, appended = (row[0] for row in warehouse.query(REREAD_SESSIONS))
    warehouse.query(
        f"""update {RAW_SCHEMA}.sessions set "attended" = true, "assistanceRequested" = true,
            rating = 5, "waitingTime" = 7, "agentId" = 'agent-late', "agentType" = 'Human',
            _sdc_batched_at = %s where "sessionId" = %s""",
        NOW,
        upserted,
    )
    (version,) = warehouse.columns(
        f'select * from {RAW_SCHEMA}.sessions where "sessionId" = %s', appended
    )
    version.update(attended=True, rating=2, agentId="agent-late", _sdc_batched_at=NOW)
    # a new day: the last day's sessions again, a day later, under new ids
    last_day = warehouse.columns(
        f'select * from {RAW_SCHEMA}.sessions where cast("startDate" as date) = '
        f'(select max(cast("startDate" as date)) from {RAW_SCHEMA}.sessions)'
    )
    day = dt.timedelta(days=1)
    new_day = [
        {
            **row,
            "sessionId": f"next-{row['sessionId']}",
            "startDate": row["startDate"] + day,
            "endDate": row["endDate"] + day,
            "_sdc_batched_at": NOW,
        }
        for row in last_day
    ]
    warehouse.insert(f"{RAW_SCHEMA}.sessions", [version, *new_day])
    return upserted, appended


def marts(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every table of the team's marts schema: its rows, sorted, every column."""
    tables = warehouse.query(
        "select table_name from information_schema.tables "
        f"where table_schema = '{MARTS}' and table_type = 'BASE TABLE' order by 1"
    )
    return {
        table: sorted(warehouse.query(f"select * from {MARTS}.{table}"), key=repr)
        for (table,) in tables
    }


def conversation(warehouse: Warehouse, session_id: str) -> dict[str, t.Any]:
    """One Oct8ne conversation of fct_conversations, by column."""
    (row,) = warehouse.columns(
        f"select * from {MARTS}.fct_conversations where conversation_id = %s", session_id
    )
    return row


def mark_conversation(warehouse: Warehouse, session_id: str, visitor: str | None) -> str:
    """Set one conversation's visitor_or_client_id in the mart (a column no other mart reads);
    returns the value it had."""
    before = conversation(warehouse, session_id)["visitor_or_client_id"]
    warehouse.query(
        f"update {MARTS}.fct_conversations set visitor_or_client_id = %s "
        "where conversation_id = %s",
        visitor,
        session_id,
    )
    return before


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    """The team's raw Oct8ne tables on each warehouse dbt builds in the tests."""
    database = tmp_path / "team.duckdb"
    load_raw_oct8ne(database)
    if request.param == "duckdb":
        return DuckDB(database)
    return Postgres(database, request.getfixturevalue("postgres"), "team_incremental")


def test_an_incremental_build_picks_up_late_updates_and_equals_a_full_refresh(
    warehouse: Warehouse, tmp_path: Path
):
    if not warehouse.dbt.exists():
        pytest.fail(f"dbt-{warehouse.kind} is not installed: run `make .meltano/.installed`")
    project = tmp_path / "team_analytics"
    project.mkdir()
    scratch_project(project, warehouse.database)
    profiles = yaml.safe_load((project / "profiles.yml").read_text())
    profiles["team"]["outputs"]["dev"] = warehouse.output()
    (project / "profiles.yml").write_text(yaml.safe_dump(profiles))
    (sessions,) = warehouse.query(f"select count(*) from {RAW_SCHEMA}.sessions")[0]
    load_as_a_live_schedule(warehouse)
    dbt(warehouse, project, "deps")
    dbt(warehouse, project, "run")
    # an old conversation nobody re-reads, marked in the mart: a run that rebuilt history
    # (rather than only the rows loaded since the last build) would erase the mark
    ((untouched,),) = warehouse.query(
        f"select conversation_id from {MARTS}.fct_conversations "
        f"where conversation_id not in ({REREAD_SESSIONS}) "
        "order by started_at, conversation_id limit 1"
    )
    visitor = mark_conversation(warehouse, untouched, "not re-read")
    upserted, appended = load_the_next_run(warehouse)

    # the incremental run, with the marts' tests (grains, every staged key kept)
    dbt(warehouse, project, "build")
    assert conversation(warehouse, untouched)["visitor_or_client_id"] == "not re-read"
    # the re-read sessions carry their final values, each once; the new day is there
    assert conversation(warehouse, upserted)["rating"] == 5
    assert conversation(warehouse, upserted)["wait_seconds"] == 7
    assert conversation(warehouse, appended)["rating"] == 2
    assert conversation(warehouse, appended)["agent_id"] == "agent-late"
    mark_conversation(warehouse, untouched, visitor)
    incremental = marts(warehouse)
    new_day = [row for row in incremental["fct_conversations"] if "next-" in repr(row)]
    assert len(new_day) > 0
    assert len(incremental["fct_conversations"]) == sessions + len(new_day)

    dbt(warehouse, project, "run", "--full-refresh")
    # every mart of the incremental build is the full rebuild's, row for row
    full = marts(warehouse)
    assert {"fct_conversations", "fct_queue_intervals", "fct_agent_days"} <= set(full)
    assert full == incremental


#: JAICP's raw tables as scripts/bench_dbt.py generates them, in its schema
JAICP_SCHEMA = "bench_jaicp"


def jaicp_history(database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small JAICP history (the bench's generator): 300 sessions of 4 messages over ten
    days, each loaded an hour after it started (an hour ago at the latest)."""
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import bench_dbt

    assert bench_dbt.RAW == JAICP_SCHEMA
    bench_dbt.generate_history(database, sessions=300, messages=1200, days=10)
    latest = NOW - dt.timedelta(hours=1)
    with DuckDB(database).connect() as connection:
        for table in ("sessions", "messages"):
            connection.execute(
                f"update {JAICP_SCHEMA}.{table} set _sdc_batched_at = least(_sdc_batched_at, ?)",
                [latest],
            )


def jaicp_project(project: Path, warehouse: Warehouse) -> None:
    """The team's project with JAICP on (its raw schema the bench's) and Oct8ne off."""
    scratch_project(project, warehouse.database)
    config = yaml.safe_load((project / "dbt_project.yml").read_text())
    config["vars"].update(
        contact_center__oct8ne_enabled=False,
        contact_center__jaicp_enabled=True,
        contact_center__jaicp_schema=JAICP_SCHEMA,
    )
    (project / "dbt_project.yml").write_text(yaml.safe_dump(config))
    profiles = yaml.safe_load((project / "profiles.yml").read_text())
    profiles["team"]["outputs"]["dev"] = warehouse.output()
    (project / "profiles.yml").write_text(yaml.safe_dump(profiles))


def bot_sessions(warehouse: Warehouse) -> dict[dt.date, int]:
    """fct_bot_days' sessions per day."""
    return dict(warehouse.query(f"select activity_date, bot_sessions from {MARTS}.fct_bot_days"))


def insert_a_day_later(warehouse: Warehouse, table: str, rows: list[dict], time_column: str):
    """Load `rows` again into the JAICP `table` as new sessions' rows a day later, now."""
    warehouse.insert(
        f"{JAICP_SCHEMA}.{table}",
        [
            {
                **row,
                "sessionId": f"next-{row['sessionId']}",
                time_column: row[time_column] + dt.timedelta(days=1),
                "_sdc_batched_at": NOW,
            }
            for row in rows
        ],
    )


def load_the_next_jaicp_run(warehouse: Warehouse) -> tuple[str, dt.date, dt.date]:
    """What tap-jaicp's next run loads: the oldest session re-read with a start a day later
    (so it moves from one day to another: the day it leaves is not among the days loaded),
    a new day of sessions with their messages, the switched sessions of an old day
    corrected and of the new day. Returns the moved session and its old and new day."""
    ((moved, started),) = warehouse.query(
        f'select "sessionId", "startTime" from {JAICP_SCHEMA}.sessions '
        'order by "startTime", "sessionId" limit 1'
    )
    warehouse.query(
        f'update {JAICP_SCHEMA}.sessions set "startTime" = %s, duration = 999, '
        '_sdc_batched_at = %s where "sessionId" = %s',
        started + dt.timedelta(days=1),
        NOW,
        moved,
    )
    day = dt.timedelta(days=1)
    (last,) = warehouse.query(f'select max("startTime") from {JAICP_SCHEMA}.sessions')[0]
    last_day = warehouse.columns(
        f'select * from {JAICP_SCHEMA}.sessions where "startTime" >= %s',
        last - dt.timedelta(hours=12),
    )
    insert_a_day_later(warehouse, "sessions", last_day, "startTime")
    ids = [row["sessionId"] for row in last_day]
    messages = warehouse.columns(
        f'select * from {JAICP_SCHEMA}.messages where "sessionId" in '
        f"({', '.join('%s' for _ in ids)})",
        *ids,
    )
    insert_a_day_later(warehouse, "messages", messages, "timestamp")
    switched = warehouse.columns(
        f"select * from {JAICP_SCHEMA}.switched_sessions_daily order by date limit 1"
    )[0]
    warehouse.query(
        f"update {JAICP_SCHEMA}.switched_sessions_daily set value = 9, _sdc_batched_at = %s "
        "where date = %s",
        NOW,
        switched["date"],
    )
    new_day = (last + day).date()
    warehouse.insert(
        f"{JAICP_SCHEMA}.switched_sessions_daily",
        [{**switched, "date": new_day, "value": 3, "_sdc_batched_at": NOW}],
    )
    return moved, started.date(), (started + day).date()


@pytest.fixture(params=["duckdb", "postgres"])
def jaicp_warehouse(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Warehouse:
    """The team's raw JAICP tables on each warehouse dbt builds in the tests."""
    database = tmp_path / "team.duckdb"
    jaicp_history(database, monkeypatch)
    if request.param == "duckdb":
        return DuckDB(database)
    return Postgres(database, request.getfixturevalue("postgres"), "team_jaicp", JAICP_SCHEMA)


def test_jaicp_marts_built_incrementally_equal_a_full_refresh_even_when_a_session_moves_day(
    jaicp_warehouse: Warehouse, tmp_path: Path
):
    warehouse = jaicp_warehouse
    if not warehouse.dbt.exists():
        pytest.fail(f"dbt-{warehouse.kind} is not installed: run `make .meltano/.installed`")
    project = tmp_path / "team_analytics"
    project.mkdir()
    jaicp_project(project, warehouse)
    dbt(warehouse, project, "deps")
    dbt(warehouse, project, "run")
    before = bot_sessions(warehouse)
    moved, left, joined = load_the_next_jaicp_run(warehouse)

    # the incremental run, with the marts' tests (grains, every staged key kept)
    dbt(warehouse, project, "build")
    after = bot_sessions(warehouse)
    # fct_bot_days counts the sessions of fct_conversations as its incremental run left
    # them: the day the re-read session left has one session fewer, though no row of that
    # day was loaded
    assert after[left] == before[left] - 1
    assert after[joined] == before[joined] + 1
    ((duration,),) = warehouse.query(
        f"select duration_seconds from {MARTS}.fct_conversations where conversation_id = %s",
        moved,
    )
    assert duration == 999
    incremental = marts(warehouse)
    assert any("next-" in repr(row) for row in incremental["fct_messages"])

    dbt(warehouse, project, "run", "--full-refresh")
    full = marts(warehouse)
    assert {"fct_conversations", "fct_messages", "fct_bot_days"} <= set(full)
    assert full == incremental


def statuses_of_tests(project: Path) -> dict[str, str]:
    """The last dbt command's tests: name -> status (pass, fail, warn, error)."""
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[2]: r["status"]
        for r in results
        if r["unique_id"].startswith("test.")
    }


def test_the_daily_build_tests_the_day_and_the_weekly_run_all_of_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    database = tmp_path / "team.duckdb"
    jaicp_history(database, monkeypatch)
    warehouse = DuckDB(database)
    if not warehouse.dbt.exists():
        pytest.fail("dbt-duckdb is not installed: run `make .meltano/.installed`")
    project = tmp_path / "team_analytics"
    project.mkdir()
    jaicp_project(project, warehouse)
    dbt(warehouse, project, "deps")
    dbt(warehouse, project, "run")
    # the oldest message doubled in the mart, far behind what the daily build re-reads
    warehouse.query(
        f"insert into {MARTS}.fct_messages "
        f"(select * from {MARTS}.fct_messages order by _loaded_at, message_id limit 1)"
    )
    load_the_next_jaicp_run(warehouse)
    target, log = project / "target", project / "logs" / "dbt.log"
    for artifact in (target / "manifest.json", target / "run_results.json", log):
        artifact.unlink()

    daily = run_dbt(warehouse, project, command=utility_command("dbt-duckdb", "build-daily"))
    assert daily.returncode == 0, (daily.stdout + daily.stderr)[-4000:]
    # through transform/run_dbt.py, dbt still writes its artifacts (run_results.json: what the
    # runs are checked by) and its log with the lines scripts/bench_dbt.py splits a run by
    assert (target / "manifest.json").exists() and (target / "run_results.json").exists()
    logged = log.read_text()
    assert "Running with dbt=" in logged and "[info ] [MainThread]: Found " in logged
    ran = statuses_of_tests(project)
    # the marts' own tests ran on the day's build; none that reads every row of history
    assert ran and set(ran.values()) == {"pass"}
    assert "not_null_fct_messages_message_id" in ran
    assert not any(name.startswith(("unique_key_fct_messages", "assert_marts")) for name in ran)
    assert not any("_stg_" in name or name.startswith("unique_key_stg") for name in ran)
    assert any("next-" in repr(row) for row in marts(warehouse)["fct_messages"])

    weekly = run_dbt(
        warehouse, project, command=utility_command("dbt-duckdb", "test-whole-history")
    )
    assert weekly.returncode != 0
    failed = {name for name, status in statuses_of_tests(project).items() if status == "fail"}
    assert failed == {
        "unique_key_fct_messages_platform__source_account__message_id",
        "assert_marts_keep_every_staged_key",
    }
