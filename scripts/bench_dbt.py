"""dbt at scale (issue 28): a full build of the marts against a daily incremental build.

A generated history of JAICP bot sessions and their messages (the project's per-message
grain) in DuckDB, spread over `--days` days, each row loaded an hour after it started (an
hourly schedule). The marts of transform/ are built from all of it (`dbt run --full-refresh`);
then the next day's load arrives (one new day of sessions and messages, plus the previous
day re-read, as a tap's lookback_days of 1 re-reads it) and `dbt run` builds incrementally.
Printed per history size: rows, wall time of each `dbt run` (dbt's start-up included) and
the time dbt reports for fct_conversations and fct_messages. Run with the dbt of Meltano's
dbt-duckdb utility (`make .meltano/.installed`):

    .venv/bin/python scripts/bench_dbt.py --messages 1000000 4000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml
from bench_common import Row

ROOT = Path(__file__).resolve().parent.parent
DBT = ROOT / ".meltano" / "utilities" / "dbt-duckdb" / "venv" / "bin" / "dbt"
RAW = "bench_jaicp"
#: the marts this bench times (the ones that grow with history)
TIMED = ("fct_conversations", "fct_messages")
VENDORS = ("oct8ne", "cobrowser", "chattonic", "eight_by_eight", "jaicp")


def project_vars() -> dict[str, object]:
    """JAICP only, read from the bench's raw schema."""
    switches = {f"contact_center__{v}_enabled": v == "jaicp" for v in VENDORS}
    return {**switches, "contact_center__jaicp_schema": RAW}


def write_profile(folder: Path, database: Path) -> None:
    """A profiles.yml for the project's profile name, on the bench's DuckDB file."""
    profile = {
        "contact_center": {
            "target": "bench",
            "outputs": {
                "bench": {
                    "type": "duckdb",
                    "path": str(database),
                    "schema": "analytics",
                    "threads": 2,
                }
            },
        }
    }
    (folder / "profiles.yml").write_text(yaml.safe_dump(profile))


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    """The DuckDB file in the format of dbt-duckdb's DuckDB."""
    return duckdb.connect(str(database), config={"storage_compatibility_version": "v1.4.0"})


def generate_history(database: Path, sessions: int, messages: int, days: int) -> None:
    """`sessions` sessions and `messages` messages (as JAICP's tables are loaded), the last
    ending yesterday, with the reference tables the JAICP staging models read."""
    per_session = max(1, messages // sessions)
    with connect(database) as connection:
        connection.execute(f"create schema {RAW}")
        connection.execute(f"""create table {RAW}.sessions as
            select 's' || i as "sessionId", 'bot-1' as "botId",
              (current_date - {days})::timestamp
                + (i * {days * 86400} // {sessions}) * interval 1 second as "startTime",
              60 + i % 600 as duration, {per_session} as "questionCount",
              'hello' as "firstQuestion", 'bye' as "lastQuestion",
              json_object('id', 'c' || (i % 100000)) as client,
              (['chatwidget', 'telegram', 'resterisk'])[1 + i % 3] as "channelType",
              null::json as labels, null::json as _extra
            from range({sessions}) as r(i)""")
        connection.execute(f"""alter table {RAW}.sessions add column _sdc_batched_at timestamp;
            update {RAW}.sessions set _sdc_batched_at = "startTime" + interval 1 hour""")
        connection.execute(f"""create table {RAW}.messages as
            select s."sessionId", 'q' || q as "questionId", s.client,
              s."startTime" + q * interval 5 second as "timestamp",
              'question ' || q as question, 'answer ' || q as "textAnswer",
              100 + q as "processingTime", 'DELIVERED' as status, s."channelType",
              null::json as labels, null::json as _extra, s._sdc_batched_at
            from {RAW}.sessions as s, range({per_session}) as r(q)""")
        connection.execute(f"""create table {RAW}.clients as
            select 'c' || i as id, 'First' as "firstName", 'Last' as "lastName",
              'chatwidget' as "channelType", false as "isBlocked", null::json as _extra,
              now()::timestamp as _sdc_batched_at
            from range(100000) as r(i)""")
        connection.execute(f"""create table {RAW}.message_labels as
            select 'l1' as id, 'label' as name, 1 as priority,
              json_object('id', 'g1', 'name', 'group', 'priority', 1) as "group",
              null::json as _extra, now()::timestamp as _sdc_batched_at""")
        connection.execute(f"""create table {RAW}.session_label_stats as
            select 'l1' as "labelId", json_object('name', 'label') as label,
              (current_date - d::integer)::timestamp as "intervalStart", 'DAY' as "intervalType",
              10 as value, epoch_ms((current_date - d::integer)::timestamp) as ts,
              null::json as _extra, now()::timestamp as _sdc_batched_at
            from range({days}) as r(d)""")
        connection.execute(f"""create table {RAW}.switched_sessions_daily as
            select 'SWITCH' as "transferToOperatorMethod", current_date - d::integer as date,
              5 as value, null::json as _extra, now()::timestamp as _sdc_batched_at
            from range({days}) as r(d)""")


def load_next_day(database: Path, sessions: int, days: int) -> int:
    """The next run of the tap: yesterday's rows re-read (lookback_days 1) and today's new
    sessions with their messages, all loaded now. Returns the rows it loaded."""
    daily = max(1, sessions // days)
    with connect(database) as connection:
        for table in ("sessions", "messages"):
            time_column = '"startTime"' if table == "sessions" else '"timestamp"'
            connection.execute(
                f"update {RAW}.{table} set _sdc_batched_at = now()::timestamp "
                f"where {time_column} >= current_date - 1"
            )
        connection.execute(f"""insert into {RAW}.sessions
            select * replace ('n' || "sessionId" as "sessionId",
              "startTime" + interval 1 day as "startTime", now()::timestamp as _sdc_batched_at)
            from {RAW}.sessions where "startTime" >= current_date - 1 limit {daily}""")
        connection.execute(f"""insert into {RAW}.messages
            select m.* replace ('n' || m."sessionId" as "sessionId",
              m."timestamp" + interval 1 day as "timestamp", now()::timestamp as _sdc_batched_at)
            from {RAW}.messages as m
            where m."sessionId" in (select substr("sessionId", 2) from {RAW}.sessions
                                    where "sessionId" like 'n%')""")
        (loaded,) = connection.execute(
            f"select (select count(*) from {RAW}.sessions where _sdc_batched_at >= "
            f"current_date) + (select count(*) from {RAW}.messages where _sdc_batched_at >= "
            "current_date)"
        ).fetchone()
    return int(loaded)


def dbt_run(folder: Path, *args: str) -> tuple[float, dict[str, float]]:
    """`dbt run` of transform/ on the bench's profile: wall seconds, and dbt's seconds per
    timed model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    command = [
        str(DBT),
        "run",
        *args,
        "--project-dir",
        str(ROOT / "transform"),
        "--profiles-dir",
        str(folder),
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder / "logs"),
        "--vars",
        json.dumps(project_vars()),
    ]
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dbt run failed:\n{(result.stdout + result.stderr)[-3000:]}")
    results = json.loads((folder / "target" / "run_results.json").read_text())["results"]
    models = {r["unique_id"].rsplit(".", 1)[1]: r["execution_time"] for r in results}
    return seconds, {name: models[name] for name in TIMED}


@dataclass
class Builds:
    """One history size's full and incremental builds."""

    messages: int
    sessions: int
    days: int
    loaded: int
    full: float
    full_marts: float
    incremental: float
    incremental_marts: float

    @property
    def ratio(self) -> float:
        """The marts' incremental time over their full build's (the target's figure)."""
        return self.incremental_marts / self.full_marts

    def history(self) -> str:
        return f"{self.messages:,} messages, {self.sessions:,} sessions, {self.days} days"


def measure_builds(messages: int, per_session: int, days: int) -> Builds:
    """One history size built in full, then its next day built incrementally."""
    sessions = messages // per_session
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as tmp:
        folder = Path(tmp)
        database = folder / "bench.duckdb"
        write_profile(folder, database)
        generate_history(database, sessions, messages, days)
        full, full_models = dbt_run(folder, "--full-refresh")
        loaded = load_next_day(database, sessions, days)
        incremental, incremental_models = dbt_run(folder)
    return Builds(
        messages,
        sessions,
        days,
        loaded,
        full,
        sum(full_models.values()),
        incremental,
        sum(incremental_models.values()),
    )


def bench(messages: int, per_session: int, days: int) -> str:
    """One history size: the markdown row of its full and incremental builds."""
    b = measure_builds(messages, per_session, days)
    return (
        f"| {b.history()} | {b.loaded:,} "
        f"| {b.full:.1f} s ({b.full_marts:.1f} s) | {b.incremental:.1f} s "
        f"({b.incremental_marts:.1f} s) | {b.ratio:.2f} |"
    )


#: `make bench`'s histories: the same day's rows (10 days of history per million messages)
#: over a small and the issue's 10-million-message history, so the figures show whether the
#: daily build follows the day or the history
MAKE_BENCH_HISTORIES = ((1_000_000, 365), (10_000_000, 3650))


def dbt_at_scale(histories: t.Sequence[tuple[int, int]] = MAKE_BENCH_HISTORIES) -> list[Row]:
    """`make bench`'s dbt part: the daily incremental build against the full build."""
    if not DBT.exists():
        return [Row("dbt at scale", "dbt-duckdb is not installed", "", "not measured")]
    rows = []
    for messages, days in histories:
        b = measure_builds(messages, 5, days)
        rows.append(
            Row(
                f"dbt marts (fct_conversations + fct_messages), daily incremental build ÷ "
                f"full build, {b.history()}, the day {b.loaded:,} rows (DuckDB)",
                f"{b.incremental_marts:.1f} s ÷ {b.full_marts:.1f} s = {b.ratio:.2f} "
                f"(whole `dbt run` {b.incremental:.1f} s ÷ {b.full:.1f} s)",
                "≤ 0.10",
                b.ratio <= 0.10,
            )
        )
    return rows


def main() -> None:
    """Each history size asked for, one row each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--per-session", type=int, default=5, help="messages per session")
    parser.add_argument("--days", type=int, default=365, help="days of history")
    options = parser.parse_args()
    if not DBT.exists():
        raise SystemExit("dbt-duckdb is not installed: run `make .meltano/.installed`")
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")
    print(
        "| history | rows the day loaded | full build: dbt run (marts) "
        "| incremental: dbt run (marts) | marts incremental / full |"
    )
    print("|---|---|---|---|---|")
    for messages in options.messages:
        print(bench(messages, options.per_session, options.days), flush=True)


if __name__ == "__main__":
    main()
