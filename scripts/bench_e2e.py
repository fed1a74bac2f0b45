"""Bench probe: `meltano run tap-cobrowser LOADER` on unique rows, and each side alone.

For each loader (PostgreSQL, DuckDB, the emulated Snowflake) the probe times, on a fresh
warehouse each: the run (`meltano run`), the tap alone (`meltano invoke tap-cobrowser` into a
file, shared by the loaders) and the loader alone (`meltano invoke LOADER` fed that file). The
body is the emulator's answer for one day, its rows repeated to the size wanted with every
`browse_id` made distinct, so every row is a new key and the warehouse does the work it would
on a real backfill (the older bench repeated 11 keys: upserts of the same rows).

`--settings before` runs target-postgres with the settings as shipped before issue 28
(validation on, INSERT instead of COPY), so before/after figures come from the same probe;
`--batch` adds the run with the SDK's BATCH messages (jsonl files) instead of RECORD lines.
Run alone: `python scripts/bench_e2e.py --rows 200000 --loaders postgres --settings before`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

from bench_common import CHUNK_ROWS, ROOT, Row, machine
from bench_throughput import BulkApp, busy_day, one_day_config

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import EmulatorServer
from tests.cases import cobrowser

LOADERS = ("postgres", "duckdb", "snowflake")
#: the loader each name runs, as meltano.yml names it
PLUGIN = {
    "postgres": "target-postgres",
    "duckdb": "target-duckdb",
    "snowflake": "target-snowflake--emulated",
}
#: the prefix of each loader's settings in the environment
SETTING = {
    "postgres": "TARGET_POSTGRES",
    "duckdb": "TARGET_DUCKDB",
    "snowflake": "TARGET_SNOWFLAKE",
}
#: target-postgres as shipped before issue 28 (the SDK's and the loader's defaults)
BEFORE = {"TARGET_POSTGRES_VALIDATE_RECORDS": "true", "TARGET_POSTGRES_USE_COPY": "false"}
#: the tap writes gzipped JSON-lines files and sends BATCH messages naming them
BATCH = {
    "TAP_COBROWSER_BATCH_CONFIG_ENCODING_FORMAT": "jsonl",
    "TAP_COBROWSER_BATCH_CONFIG_ENCODING_COMPRESSION": "gzip",
    "TAP_COBROWSER_BATCH_CONFIG_STORAGE_PREFIX": "bench-",
}
KEY = "browse_id"
#: distinct keys start here: a 10-digit integer, as a vendor's ids grow to
FIRST_KEY = 4_000_000_000


class UniqueBulkApp(BulkApp):
    """The emulator's CSV rows repeated to `rows`, each with its own `browse_id`.

    Every other column keeps the emulator's values (its mix of texts, URLs, integers,
    decimals, empty cells and timestamps), so only the key changes from one row to the next.
    """

    def _csv(self, body: bytes) -> t.Iterator[bytes]:
        # CoBrowser's body: a BOM, then every value quoted, `;`-separated, CRLF lines
        text = body.decode("utf-8-sig")
        header_line = text.partition("\r\n")[0]
        separator = header_line[header_line.index('"', 1) + 1]
        dialect = {"delimiter": separator, "quoting": csv.QUOTE_ALL, "lineterminator": ""}
        reader = csv.reader(io.StringIO(text), delimiter=separator)
        column = next(reader).index(KEY)
        halves = []
        for fields in reader:
            if not fields:
                continue
            fields[column] = "\x00"
            out = io.StringIO()
            csv.writer(out, **dialect).writerow(fields)  # type: ignore[arg-type]
            before, after = out.getvalue().encode().split(b"\x00")
            halves.append((before, after))
        if not halves:
            raise ValueError("the emulator's window holds no rows to repeat")
        yield body[: body.index(b"\r\n") + 2]
        for start in range(0, self.rows, CHUNK_ROWS):
            count = min(CHUNK_ROWS, self.rows - start)
            lines = []
            for n in range(start, start + count):
                before, after = halves[n % len(halves)]
                lines.append(before + str(FIRST_KEY + n).encode() + after)
            yield b"\r\n".join(lines) + b"\r\n"


@dataclass
class Timed:
    """Seconds of one step (None: not run)."""

    run: float | None = None
    target: float | None = None
    batch_run: float | None = None
    #: target-postgres's own executable and our wrapper's, each run directly (no Meltano)
    stock_direct: float | None = None
    fast_direct: float | None = None


def loader_env(loader: str, tmp: Path, name: str, postgres: t.Any) -> dict[str, str]:
    """Where each loader writes: a fresh PostgreSQL database, DuckDB file or account."""
    if loader == "postgres":
        postgres.create_database(name)
        return {"TARGET_POSTGRES_DATABASE": name}
    if loader == "duckdb":
        return {"TARGET_DUCKDB_FILEPATH": str(tmp / f"{name}.duckdb")}
    return {"TARGET_SNOWFLAKE_EMULATOR_PATH": str(tmp / f"{name}-fakesnow")}


def meltano(args: list[str], env: dict[str, str], stdin: Path | None, stdout: Path | None) -> float:
    """Seconds `meltano ARGS` took; the bench stops if it fails."""
    from tests.meltano_support import MELTANO

    with (
        stdin.open("rb") if stdin else open(os.devnull, "rb") as source,
        stdout.open("wb") if stdout else open(os.devnull, "wb") as sink,
    ):
        started = time.perf_counter()
        done = subprocess.run(
            [str(MELTANO), *args], cwd=ROOT, env=env, stdin=source, stdout=sink,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"bench: meltano {' '.join(args)} failed:\n{done.stderr.decode()[-3000:]}")
    return seconds


def measure(
    rows: int, loaders: t.Sequence[str], *, before: bool = False, batch: bool = False
) -> tuple[float, dict[str, Timed]]:
    """Seconds of the tap alone, and of each loader's run and loader alone."""
    from tests.meltano_support import meltano_env
    from tests.postgres import PostgresServer

    day = busy_day()
    postgres = PostgresServer.start()
    timed = {loader: Timed() for loader in loaders}
    try:
        with EmulatorServer(UniqueBulkApp(cobrowser.make_app(), rows, "conversations")) as server:
            config = one_day_config(cobrowser.CASE, server.url, day, window_days=1)
            with tempfile.TemporaryDirectory() as scratch:
                tmp = Path(scratch)
                base = meltano_env(cobrowser.CASE, config, postgres, "postgres", tmp / "m.db")
                base |= {"TAP_COBROWSER__SELECT": json.dumps(["conversations.*"])}
                base |= BEFORE if before else {}
                singer = tmp / "conversations.jsonl"
                tap = meltano(["invoke", "tap-cobrowser"], base, None, singer)
                for loader in loaders:
                    plugin = PLUGIN[loader]
                    env = base | loader_env(loader, tmp, f"{loader}_run", postgres)
                    timed[loader].run = meltano(["run", "tap-cobrowser", plugin], env, None, None)
                    env = base | loader_env(loader, tmp, f"{loader}_alone", postgres)
                    # `meltano run` names the schema after the tap; `invoke` has no tap
                    env |= {f"{SETTING[loader]}_DEFAULT_TARGET_SCHEMA": "tap_cobrowser"}
                    timed[loader].target = meltano(["invoke", plugin], env, singer, None)
                    if loader == "postgres":
                        stock, fast = direct_pair(env, tmp, singer, postgres)
                        timed[loader].stock_direct, timed[loader].fast_direct = stock, fast
                    if batch and loader == "postgres":  # the SDK loader that reads BATCH
                        env = base | loader_env(loader, tmp, f"{loader}_batch", postgres)
                        env |= BATCH | {
                            "TAP_COBROWSER_BATCH_CONFIG_STORAGE_ROOT": (tmp / "batch").as_uri()
                        }
                        (tmp / "batch").mkdir(exist_ok=True)
                        command = ["run", "tap-cobrowser", plugin]
                        timed[loader].batch_run = meltano(command, env, None, None)
    finally:
        postgres.stop()
    return tap, timed


def direct_pair(
    env: dict[str, str], tmp: Path, singer: Path, postgres: t.Any
) -> tuple[float, float]:
    """Seconds of target-postgres as published and of loaders/target-postgres-fast, each run
    directly from the plugin's virtualenv (both executables live there) with the config
    Meltano would pass, into a fresh database each: the wrapper's gain without Meltano's
    start-up in either figure."""
    from tests.meltano_support import ROOT as PROJECT

    dumped = tmp / "target-postgres.dump.json"
    meltano(["invoke", "--dump=config", "target-postgres"], env, None, dumped)
    config = json.loads(dumped.read_text())
    bin_dir = PROJECT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin"
    seconds = []
    for executable in ("target-postgres", "target-postgres-fast"):
        database = f"direct_{executable.replace('-', '_')}"
        postgres.create_database(database)
        path = tmp / f"{database}.json"
        path.write_text(json.dumps(config | {"database": database}))
        with singer.open("rb") as source, open(os.devnull, "wb") as sink:
            started = time.perf_counter()
            done = subprocess.run(
                [str(bin_dir / executable), "--config", str(path)],
                stdin=source, stdout=sink, stderr=subprocess.PIPE,
            )  # fmt: skip
            seconds.append(time.perf_counter() - started)
        if done.returncode != 0:
            sys.exit(f"bench: {executable} failed:\n{done.stderr.decode()[-3000:]}")
    return seconds[0], seconds[1]


def table_rows(rows: int, tap: float, timed: dict[str, Timed], label: str = "") -> list[Row]:
    """One table row per loader: the run, each side alone, which side bounds the run."""
    out = []
    for loader, seconds in timed.items():
        assert seconds.run is not None and seconds.target is not None
        run, alone, tap_rate = rows / seconds.run, rows / seconds.target, rows / tap
        bound = "the loader" if alone < tap_rate else "the tap"
        batch = (
            f"; with BATCH messages (jsonl.gz) {rows / seconds.batch_run:,.0f} rows/s"
            if seconds.batch_run
            else ""
        )
        if seconds.stock_direct and seconds.fast_direct:
            stock, fast = rows / seconds.stock_direct, rows / seconds.fast_direct
            out.append(
                Row(
                    f"loader alone{label}, run directly (no Meltano): target-postgres as "
                    f"published vs loaders/target-postgres-fast, {rows:,} unique conversations",
                    f"target-postgres {stock:,.0f} rows/s ({seconds.stock_direct:.1f} s); "
                    f"target-postgres-fast {fast:,.0f} rows/s ({seconds.fast_direct:.1f} s): "
                    f"{fast / stock:.2f} x",
                    "faster, the same rows (tests/meltano/test_postgres_loader.py)",
                    fast > stock,
                )
            )
        out.append(
            Row(
                f"end to end{label}: `meltano run tap-cobrowser {PLUGIN[loader]}`, {rows:,} "
                "unique conversations",
                f"run {run:,.0f} rows/s ({seconds.run:.1f} s); tap alone {tap_rate:,.0f} rows/s; "
                f"loader alone {alone:,.0f} rows/s ({seconds.target:.1f} s): {bound} bounds the "
                f"run, which goes at {run / min(tap_rate, alone):.2f} of its slower side{batch}",
                "run ≥ 0.8 x the slower side; loader alone ≥ 12,000 rows/s"
                if loader == "postgres"
                else "say which side bounds the run",
                (run >= 0.8 * min(tap_rate, alone) and alone >= 12_000)
                if loader == "postgres"
                else None,
            )
        )
    return out


def end_to_end(rows: int, loaders: t.Sequence[str] = LOADERS) -> list[Row]:
    """`make bench`'s e2e part: every loader as the project ships it."""
    tap, timed = measure(rows, loaders)
    return table_rows(rows, tap, timed)


def main() -> None:
    """One probe from the command line, for before/after runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--million", action="store_true", help="1,000,000 rows (long)")
    parser.add_argument("--loaders", nargs="*", choices=LOADERS, default=LOADERS)
    parser.add_argument("--settings", choices=("before", "after"), default="after")
    parser.add_argument("--batch", action="store_true", help="also the run with BATCH messages")
    args = parser.parse_args()
    rows = 1_000_000 if args.million else args.rows
    started_load = os.getloadavg()
    tap, timed = measure(rows, args.loaders, before=args.settings == "before", batch=args.batch)
    print(f"{machine()}; load at the start {', '.join(f'{x:.1f}' for x in started_load)}")
    for row in table_rows(rows, tap, timed, f" ({args.settings})"):
        print(row.markdown())


if __name__ == "__main__":
    main()
