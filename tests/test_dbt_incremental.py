"""The large marts build incrementally, and an incremental build equals a full rebuild.

A contact center with years of history must not rebuild every conversation on every run
(issue 28, docs/incremental.md). The team project of tests/test_dbt_package.py (the package
installed from transform/, Oct8ne's raw tables on DuckDB) is built once from rows loaded
by an hourly schedule over ten days; then the loader brings what a later run of the tap
brings: an old session re-read with new values (upserted in place), another one appended as
a new version (load_method append-only), and a new day of sessions. The next `dbt build`
re-reads only what was loaded since the last build (less the one-day lookback), and its
marts hold, row for row, what `dbt run --full-refresh` builds from all of history.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.test_dbt_package import DBT, RAW_SCHEMA, dbt, load_raw_oct8ne, scratch_project

MARTS = "team_marts"
#: the two re-read sessions: the oldest one, upserted; the next oldest, appended again
REREAD_SESSIONS = f"""select "sessionId" from {RAW_SCHEMA}.sessions
    order by "startDate", "sessionId" limit 2"""


def open_database(path: Path) -> duckdb.DuckDBPyConnection:
    """The team's DuckDB file in the format of dbt-duckdb's DuckDB (as test_dbt_package)."""
    return duckdb.connect(str(path), config={"storage_compatibility_version": "v1.4.0"})


def load_as_a_live_schedule(database: Path) -> None:
    """The rows loaded so far arrived as an hourly schedule loads them: each an hour after it
    started (an hour ago at the latest), so most were loaded long before the lookback."""
    with open_database(database) as connection:
        for table, started in (("sessions", '"startDate"'), ("leads", '"creationDate"')):
            connection.execute(
                f"update {RAW_SCHEMA}.{table} set _sdc_batched_at = least("
                f"{started} + interval 1 hour, now()::timestamp - interval 1 hour)"
            )


def load_the_next_run(database: Path) -> tuple[str, str]:
    """What the tap's next run loads: two old sessions re-read with their final values (one
    upserted, one appended as a new version) and a new day of sessions. Returns the two ids."""
    with open_database(database) as connection:
        upserted, appended = (row[0] for row in connection.execute(REREAD_SESSIONS).fetchall())
        final_values = """"attended" = true, "assistanceRequested" = true, rating = 5,
            "waitingTime" = 7, "agentId" = 'agent-late', "agentType" = 'Human'"""
        connection.execute(
            f"update {RAW_SCHEMA}.sessions set {final_values}, _sdc_batched_at = now() "
            'where "sessionId" = ?',
            [upserted],
        )
        connection.execute(
            f"insert into {RAW_SCHEMA}.sessions select * replace (true as attended, "
            "2 as rating, 'agent-late' as \"agentId\", now()::timestamp as _sdc_batched_at) "
            f'from {RAW_SCHEMA}.sessions where "sessionId" = ?',
            [appended],
        )
        # a new day: the last day's sessions again, a day later, under new ids
        connection.execute(
            f"""insert into {RAW_SCHEMA}.sessions select * replace (
                'next-' || "sessionId" as "sessionId",
                "startDate" + interval 1 day as "startDate",
                "endDate" + interval 1 day as "endDate",
                now()::timestamp as _sdc_batched_at)
            from {RAW_SCHEMA}.sessions
            where cast("startDate" as date) = (select max(cast("startDate" as date))
                                               from {RAW_SCHEMA}.sessions)"""
        )
    return upserted, appended


def marts(database: Path) -> dict[str, list[tuple]]:
    """Every table of the team's marts schema: its rows, sorted, every column."""
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables "
                f"where table_schema = '{MARTS}' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        return {
            table: sorted(
                connection.execute(f"select * from {MARTS}.{table}").fetchall(),
                key=repr,
            )
            for table in tables
        }


def conversation(database: Path, session_id: str) -> dict:
    """One Oct8ne conversation of fct_conversations, by column."""
    with duckdb.connect(str(database), read_only=True) as connection:
        cursor = connection.execute(
            f"select * from {MARTS}.fct_conversations where conversation_id = ?", [session_id]
        )
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def mark_conversation(database: Path, session_id: str, visitor: str | None) -> str | None:
    """Set one conversation's visitor_or_client_id in the mart (a column no other mart reads);
    returns the value it had."""
    with open_database(database) as connection:
        (before,) = connection.execute(
            f"select visitor_or_client_id from {MARTS}.fct_conversations where conversation_id = ?",
            [session_id],
        ).fetchone()
        connection.execute(
            f"update {MARTS}.fct_conversations set visitor_or_client_id = ? "
            "where conversation_id = ?",
            [visitor, session_id],
        )
    return before


def test_an_incremental_build_picks_up_late_updates_and_equals_a_full_refresh(tmp_path: Path):
    if not DBT.exists():
        pytest.fail("dbt-duckdb is not installed: run `make .meltano/.installed`")
    project, database = tmp_path / "team_analytics", tmp_path / "team.duckdb"
    project.mkdir()
    scratch_project(project, database)
    sessions = load_raw_oct8ne(database)
    load_as_a_live_schedule(database)
    dbt(project, "deps")
    dbt(project, "run")
    # an old conversation nobody re-reads, marked in the mart: a run that rebuilt history
    # (rather than only the rows loaded since the last build) would erase the mark
    with open_database(database) as connection:
        (untouched,) = connection.execute(
            f"select conversation_id from {MARTS}.fct_conversations "
            f"where conversation_id not in ({REREAD_SESSIONS}) "
            "order by started_at, conversation_id limit 1"
        ).fetchone()
    visitor = mark_conversation(database, untouched, "not re-read")
    upserted, appended = load_the_next_run(database)

    # the incremental run, with the marts' tests (grains, every staged key kept)
    dbt(project, "build")
    assert conversation(database, untouched)["visitor_or_client_id"] == "not re-read"
    # the re-read sessions carry their final values, each once; the new day is there
    assert conversation(database, upserted)["rating"] == 5
    assert conversation(database, upserted)["wait_seconds"] == 7
    assert conversation(database, appended)["rating"] == 2
    assert conversation(database, appended)["agent_id"] == "agent-late"
    mark_conversation(database, untouched, visitor)
    incremental = marts(database)
    new_day = [row for row in incremental["fct_conversations"] if "next-" in repr(row)]
    assert len(new_day) > 0
    assert len(incremental["fct_conversations"]) == sessions + len(new_day)

    dbt(project, "run", "--full-refresh")
    # every mart of the incremental build is the full rebuild's, row for row
    full = marts(database)
    assert {"fct_conversations", "fct_queue_intervals", "fct_agent_days"} <= set(full)
    assert full == incremental
