"""`make demo`: every tap against its emulator, through Meltano, into DuckDB.

Starts the emulators on loopback (the ports of meltano.yml's `dev` environment), runs the
`all-to-duckdb` job with `--full-refresh` into a fresh `output/demo.duckdb` (the job ends with
`dbt-duckdb:build`, which builds the marts), prints the rows loaded per stream and the KPIs
from the marts, writes `output/report.html`, and stops the emulators whatever happens.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import report  # scripts/report.py: run as `python scripts/demo.py`, this folder is on the path
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = ROOT / "output" / "demo.duckdb"
REPORT = ROOT / "output" / "report.html"
#: the schema dbt-duckdb builds the models in (meltano.yml, dbt-duckdb's `schema`)
MARTS_SCHEMA = "analytics"
INTERVAL_SECONDS = 1


def dev_emulator_ports() -> dict[str, int]:
    """tap → port of its emulator, from the base_url of meltano.yml's `dev` environment."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    dev = next(e for e in project["environments"] if e["name"] == "dev")
    return {
        tap["name"]: urlsplit(tap["config"]["base_url"]).port
        for tap in dev["config"]["plugins"]["extractors"]
    }


def start_emulators() -> subprocess.Popen:
    """Start the emulators and wait until each says it is ready."""
    ports = dev_emulator_ports()
    specs = [f"{tap}={port}" for tap, port in ports.items()]
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators", *specs, "--interval", str(INTERVAL_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    for _ in ports:
        line = process.stdout.readline()
        if not line.startswith("ready"):
            process.kill()
            raise SystemExit(f"an emulator did not start: {line!r}")
        print(f"  emulator {line.split()[1]} on {line.split()[2]}")
    return process


def analytics_env() -> dict[str, str]:
    """tap-8x8's Analytics for Contact Center settings for the demo (made up, like the rest of
    the dev environment), served by the 8x8 emulator: passed here rather than in meltano.yml so
    that other runs of the dev environment read the real-time statistics only.
    """
    port = dev_emulator_ports()["tap-8x8"]
    return {
        "TAP_8X8_ANALYTICS_BASE_URL": f"http://127.0.0.1:{port}",
        "TAP_8X8_ANALYTICS_API_KEY": "demo-8x8-analytics-key",
        "TAP_8X8_ANALYTICS_API_SECRET": "demo-8x8-analytics-secret",
        "TAP_8X8_REPORT_POLL_SECONDS": "0.2",
    }


def run_meltano() -> None:
    """Load every stream into DuckDB through Meltano."""
    DATABASE.parent.mkdir(exist_ok=True)
    DATABASE.unlink(missing_ok=True)
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false", **analytics_env()}
    command = [str(BIN / "meltano"), "--environment", "dev", "run", "--full-refresh"]
    result = subprocess.run(
        [*command, "all-to-duckdb"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    log = ROOT / "output" / "demo-meltano.log"
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        print(result.stderr[-4000:], file=sys.stderr)
        raise SystemExit(f"meltano run failed (exit {result.returncode}); full log: {log}")


def count_rows(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    """Rows in one table."""
    (count,) = connection.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0]
    return int(count)


def print_counts() -> int:
    """Print rows per stream; return the number of empty streams."""
    with duckdb.connect(str(DATABASE), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'tap_%' order by 1, 2"
        ).fetchall()
        rows = [(schema, table, count_rows(connection, schema, table)) for schema, table in tables]
    print(f"\n| {'tap':<16} | {'stream':<24} | {'rows':>8} |")
    print(f"|{'-' * 18}|{'-' * 26}|{'-' * 10}|")
    for schema, table, count in rows:
        print(f"| {schema.replace('_', '-'):<16} | {table:<24} | {count:>8,} |")
    empty = sum(1 for *_, count in rows if count == 0)
    return empty if rows else 1


def print_marts_and_write_report() -> None:
    """Print the KPIs of the last 7 days per platform (from the marts); write the report."""
    with duckdb.connect(str(DATABASE), read_only=True) as connection:
        marts = report.fetch_marts(connection, MARTS_SCHEMA)
    today = dt.date(*time.gmtime()[:3])
    period = report.Period.ending(today, report.PERIOD_DAYS)
    print(f"\nKPIs from the marts ({MARTS_SCHEMA}), {period.first} to {period.last} (UTC):\n")
    print(report.kpi_table(marts, today))
    charts = report.write_report(marts, REPORT, str(DATABASE.relative_to(ROOT)), today)
    print(f"\nWrote {REPORT.relative_to(ROOT)} ({charts} charts)")


def main() -> int:
    """Run the demo."""
    started = time.monotonic()
    print("Starting the vendor emulators on loopback")
    emulators = start_emulators()
    try:
        print("Running `meltano run all-to-duckdb` (dev environment; ends with dbt build)")
        run_meltano()
    finally:
        emulators.terminate()
        emulators.wait(timeout=10)
    empty = print_counts()
    print_marts_and_write_report()
    seconds = time.monotonic() - started
    print(f"\nLoaded and modelled into {DATABASE.relative_to(ROOT)} in {seconds:.0f} s")
    return 1 if empty else 0


if __name__ == "__main__":
    sys.exit(main())
