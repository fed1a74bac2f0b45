"""Bench probe: `meltano run tap-cobrowser target-postgres`, and each side alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import ROOT, Row
from bench_throughput import BulkApp, busy_day, one_day_config

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorServer,
)
from tests.cases import cobrowser

# -- end to end: Meltano into PostgreSQL -------------------------------------------------------


def end_to_end(rows: int) -> list[Row]:
    """`meltano run tap-cobrowser target-postgres` on `rows` conversations, and the target
    alone (`meltano invoke target-postgres`, an empty database) fed the tap's Singer output."""
    from tests.meltano_support import MELTANO, meltano_env
    from tests.postgres import PostgresServer

    day = busy_day()
    postgres = PostgresServer.start()
    seconds = {}
    try:
        with EmulatorServer(BulkApp(cobrowser.make_app(), rows, "conversations")) as server:
            config = one_day_config(cobrowser.CASE, server.url, day, window_days=1)
            with tempfile.TemporaryDirectory() as tmp:
                envs = {}
                for database in ("bench_run", "bench_target"):
                    postgres.create_database(database)
                    envs[database] = meltano_env(
                        cobrowser.CASE, config, postgres, database, Path(tmp) / f"{database}.db"
                    ) | {"TAP_COBROWSER__SELECT": json.dumps(["conversations.*"])}
                singer = Path(tmp) / "conversations.jsonl"
                steps = {
                    "run": (["run", "tap-cobrowser", "target-postgres"], "bench_run", None, None),
                    "tap": (["invoke", "tap-cobrowser"], "bench_target", None, singer),
                    "target": (["invoke", "target-postgres"], "bench_target", singer, None),
                }
                for step, (args, database, stdin, stdout) in steps.items():
                    with (
                        stdin.open("rb") if stdin else open(os.devnull, "rb") as source,
                        stdout.open("wb") if stdout else open(os.devnull, "wb") as sink,
                    ):
                        started = time.perf_counter()
                        done = subprocess.run(
                            [str(MELTANO), *args],
                            cwd=ROOT,
                            env=envs[database],
                            stdin=source,
                            stdout=sink,
                            stderr=subprocess.PIPE,
                        )
                        seconds[step] = time.perf_counter() - started
                    if done.returncode != 0:
                        sys.exit(
                            f"bench: meltano {' '.join(args)} failed:\n"
                            f"{done.stderr.decode()[-3000:]}"
                        )
    finally:
        postgres.stop()
    rate = {step: rows / s for step, s in seconds.items()}
    bound = "the target" if rate["target"] < rate["tap"] else "the tap"
    return [
        Row(
            f"end to end: `meltano run tap-cobrowser target-postgres`, {rows:,} conversations",
            f"run {rate['run']:,.0f} rows/s ({seconds['run']:.1f} s); target alone fed the same "
            f"Singer file {rate['target']:,.0f} rows/s ({seconds['target']:.1f} s); tap alone "
            f"(`meltano invoke`) {rate['tap']:,.0f} rows/s: {bound} bounds the run (the run "
            f"goes at {rate['run'] / min(rate['tap'], rate['target']):.2f} of its slower side "
            "alone, both sharing the machine's cores)",
            "say which side bounds the run",
            None,
        )
    ]
