"""dbt at scale (issue 28): a full build of the marts against a daily incremental build.

A generated history of JAICP bot sessions and their messages (the project's per-message
grain) in DuckDB, spread over `--days` days, each row loaded an hour after it started (an
hourly schedule). The marts of transform/ are built from all of it (`dbt run --full-refresh`);
then the next day's load arrives (one new day of sessions and messages, plus the previous
day re-read, as a tap's lookback_days of 1 re-reads it) and `dbt run` builds incrementally.
Printed per history size: rows, wall time of each `dbt run` (dbt's start-up included) and
the time dbt reports for fct_conversations and fct_messages. Each run is the command of
meltano.yml's dbt-duckdb utility as Meltano starts it (its executable in the utility's venv,
`make .meltano/.installed`, and its arguments: transform/run_dbt.py and dbt's own): the full
build its `run --full-refresh`, the daily build `run`, `build` or `build-daily`:

    .venv/bin/python scripts/bench_dbt.py --messages 1000000 4000000

Each run is split into its parts (Python importing dbt, the parse, the end, the views, each
mart) and a `dbt run` selecting nothing gives dbt's floor. `--daily build` makes the daily
run a `dbt build`, every data and unit test included (as the `all-to-*` jobs run it);
`--daily build-daily` the daily job's `dbt build --exclude tag:whole_history`, which leaves
the tests of all of history to a weekly run (docs/incremental.md, "Daily and weekly tests").
"""

from __future__ import annotations

import argparse
import datetime as dt
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

# `tests` is a development package at the repository root, importable because `make` puts
# the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from tests.meltano_support import utility_command

ROOT = Path(__file__).resolve().parent.parent
DBT = ROOT / ".meltano" / "utilities" / "dbt-duckdb" / "venv" / "bin" / "dbt"
RAW = "bench_jaicp"
#: the marts this bench times (the ones that grow with history)
TIMED = ("fct_conversations", "fct_messages")
VENDORS = ("oct8ne", "cobrowser", "chattonic", "eight_by_eight", "jaicp")


#: the daily run's dbt command, by the name `--daily` takes (meltano.yml's command of that name)
DAILY_COMMANDS = ("run", "build", "build-daily")


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


#: a `dbt run` that selects no model: what every run pays whatever it builds (dbt's import,
#: the profile and adapter, the partial parse, the manifest written)
NOTHING = ("--select", "bench_selects_no_model")


@dataclass
class DbtRun:
    """One `dbt run`: its wall time, and where dbt says the time went."""

    wall: float
    #: from the process start to dbt's first log line: Python importing dbt
    imported: float
    #: from there to "Found N models": profile, adapter, (partial) parse, manifest written
    parsed: float
    #: dbt's own clock for running the nodes (run_results.json `elapsed_time`)
    nodes_wall: float
    #: dbt's seconds per model, and each model's materialization
    models: dict[str, float]
    materialized: dict[str, str]
    #: dbt's seconds for the data and unit tests (`dbt build`), added up
    tests: float = 0.0

    @property
    def start_up(self) -> float:
        """Everything but the nodes: import, parse, writing the artifacts at the end."""
        return self.wall - self.nodes_wall

    def of(self, kind: str) -> float:
        """The models of one materialization, their seconds added up (2 threads: the sum
        can pass the nodes' wall time)."""
        return sum(s for m, s in self.models.items() if self.materialized[m] == kind)

    @property
    def marts(self) -> float:
        """The marts this bench has always timed (fct_conversations + fct_messages)."""
        return sum(self.models.get(name, 0.0) for name in TIMED)


def log_time(line: str, day: dt.date) -> float:
    """The epoch seconds of a line of dbt.log (`HH:MM:SS.ffffff`, local time)."""
    clock = dt.time.fromisoformat(line.split("[0m", 1)[-1][:15])
    return dt.datetime.combine(day, clock).timestamp()


def startup_split(log: Path, started: float) -> tuple[float, float]:
    """Seconds to dbt's first log line of this run, and from it to "Found N models"."""
    lines = log.read_text(errors="replace").splitlines()
    first = max(i for i, line in enumerate(lines) if "Running with dbt=" in line)
    found = next(
        (line for line in lines[first:] if "[info ] [MainThread]: Found " in line), lines[first]
    )
    day = dt.datetime.fromtimestamp(started).date()
    running_at = log_time(lines[first], day)
    return running_at - started, log_time(found, day) - running_at


def dbt_run(folder: Path, *args: str, command: str = "run") -> DbtRun:
    """meltano.yml's dbt-duckdb `command` (`dbt run` unless told) of transform/ on the bench's
    profile, `args` added, as the project runs it: the same target folder and vars each run
    (so dbt's partial parsing applies), the profile's threads."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    argv = [
        *utility_command("dbt-duckdb", command),
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
    started_epoch = time.time()
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dbt run failed:\n{(result.stdout + result.stderr)[-3000:]}")
    run_results = json.loads((folder / "target" / "run_results.json").read_text())
    manifest = json.loads((folder / "target" / "manifest.json").read_text())
    results = run_results["results"]
    models = {
        r["unique_id"].rsplit(".", 1)[1]: r["execution_time"]
        for r in results
        if r["unique_id"].startswith("model.")
    }
    tests = sum(r["execution_time"] for r in results if not r["unique_id"].startswith("model."))
    materialized = {
        node["name"]: node["config"]["materialized"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    imported, parsed = startup_split(folder / "logs" / "dbt.log", started_epoch)
    return DbtRun(
        seconds, imported, parsed, run_results["elapsed_time"], models, materialized, tests
    )


@dataclass
class Builds:
    """One history size's full and incremental builds."""

    messages: int
    sessions: int
    days: int
    loaded: int
    full: DbtRun
    incremental: DbtRun
    #: a run that builds nothing, after the incremental one: dbt's floor
    nothing: DbtRun

    @property
    def ratio(self) -> float:
        """The whole incremental `dbt run` over the full build's (the issue's figure)."""
        return self.incremental.wall / self.full.wall

    @property
    def marts_ratio(self) -> float:
        """The two large marts' incremental time over their full build's."""
        return self.incremental.marts / self.full.marts

    def history(self) -> str:
        return f"{self.messages:,} messages, {self.sessions:,} sessions, {self.days} days"


def bytecode_state() -> str:
    """Whether dbt's virtualenv holds compiled bytecode: without it (uv installs none, and
    PYTHONDONTWRITEBYTECODE=1 keeps dbt from writing it) every run compiles dbt again."""
    packages = DBT.parent.parent / "lib"
    compiled = next(packages.glob("python3*/site-packages/dbt/__pycache__/*.pyc"), None)
    return "bytecode compiled" if compiled else "no compiled bytecode"


def measure_builds(messages: int, per_session: int, days: int, command: str = "run") -> Builds:
    """One history size built in full, then its next day built incrementally."""
    sessions = messages // per_session
    with tempfile.TemporaryDirectory(prefix="bench-dbt-") as tmp:
        folder = Path(tmp)
        database = folder / "bench.duckdb"
        write_profile(folder, database)
        generate_history(database, sessions, messages, days)
        full = dbt_run(folder, "--full-refresh")
        loaded = load_next_day(database, sessions, days)
        incremental = dbt_run(folder, command=command)
        nothing = dbt_run(folder, *NOTHING)
    return Builds(messages, sessions, days, loaded, full, incremental, nothing)


def parts(run: DbtRun) -> str:
    """Where one run's time went, as the cells of the parts table."""
    tables = ", ".join(
        f"{m} {s:.2f}" for m, s in sorted(run.models.items()) if run.materialized[m] == "table"
    )
    incremental = ", ".join(
        f"{m} {s:.2f}"
        for m, s in sorted(run.models.items())
        if run.materialized[m] == "incremental"
    )
    return (
        f"| {run.wall:.1f} | {run.imported:.1f} | {run.parsed:.1f} "
        f"| {run.start_up - run.imported - run.parsed:.1f} | {run.nodes_wall:.1f} "
        f"| {run.of('view'):.2f} | {tables} | {incremental} | {run.tests:.1f} |"
    )


PARTS_HEADER = (
    "| history | build | wall s | import s | parse s | end s | nodes wall s "
    "| views s (sum) | table marts s | incremental marts s | tests s (sum) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def bench(messages: int, per_session: int, days: int, command: str) -> tuple[str, list[str]]:
    """One history size: the markdown row of its full and incremental builds, and the rows
    of the parts table."""
    b = measure_builds(messages, per_session, days, command)
    row = (
        f"| {b.history()} | {b.loaded:,} "
        f"| {b.full.wall:.1f} s ({b.full.marts:.1f} s) | {b.incremental.wall:.1f} s "
        f"({b.incremental.marts:.1f} s) | {b.ratio:.2f} | {b.marts_ratio:.2f} "
        f"| {b.nothing.wall:.1f} s |"
    )
    label = f"{b.messages / 1e6:g}M / {b.days} d"
    detail = [
        f"| {label} | full {parts(b.full)}",
        f"| {label} | incremental {parts(b.incremental)}",
        f"| {label} | nothing selected {parts(b.nothing)}",
    ]
    return row, detail


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
        b = measure_builds(messages, 5, days, "build-daily")
        rows.append(
            Row(
                "whole daily incremental `dbt build --exclude tag:whole_history` (the daily "
                f"job's) ÷ full `dbt run`, {b.history()}, the day "
                f"{b.loaded:,} rows (DuckDB, dbt: {bytecode_state()})",
                f"{b.incremental.wall:.1f} s ÷ {b.full.wall:.1f} s = {b.ratio:.2f} "
                f"(start-up {b.incremental.start_up:.1f} s; a run selecting nothing "
                f"{b.nothing.wall:.1f} s)",
                "≤ 0.10",
                b.ratio <= 0.10,
            )
        )
        rows.append(
            Row(
                f"dbt marts (fct_conversations + fct_messages), daily incremental build ÷ "
                f"full build, {b.history()}",
                f"{b.incremental.marts:.1f} s ÷ {b.full.marts:.1f} s = {b.marts_ratio:.2f}",
                "≤ 0.10",
                b.marts_ratio <= 0.10,
            )
        )
    return rows


def main() -> None:
    """Each history size asked for, one row each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--per-session", type=int, default=5, help="messages per session")
    parser.add_argument("--days", type=int, default=365, help="days of history")
    parser.add_argument(
        "--daily",
        choices=tuple(DAILY_COMMANDS),
        default="run",
        help="the daily run's dbt command: run (the models), build (and every test, as the "
        "all-to-* jobs run it) or build-daily (without the tests of all of history, as the "
        "daily job runs it)",
    )
    options = parser.parse_args()
    if not DBT.exists():
        raise SystemExit("dbt-duckdb is not installed: run `make .meltano/.installed`")
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs, dbt: {bytecode_state()}")
    print(
        "| history | rows the day loaded | full build: dbt run (marts) "
        f"| incremental: dbt {options.daily} (marts) | whole run incremental / full "
        "| marts incremental / full | a run selecting nothing |"
    )
    print("|---|---|---|---|---|---|---|")
    details = []
    for messages in options.messages:
        row, detail = bench(messages, options.per_session, options.days, options.daily)
        print(row, flush=True)
        details += detail
    print(f"\nload average {os.getloadavg()[0]:.1f}\n\n{PARTS_HEADER}")
    print("\n".join(details))


if __name__ == "__main__":
    main()
