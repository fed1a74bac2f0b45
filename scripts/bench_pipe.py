"""Bench probe: a tap and the floor writing into a pipe, as a tap writes to Meltano."""

from __future__ import annotations

import os
import subprocess
import tempfile
import typing as t
from pathlib import Path

from bench_common import Row, checked, run_tap
from bench_throughput import busy_day, jaicp_probe, probe_programs

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorServer,
)


def into_a_pipe(rows: int) -> list[Row]:
    """tap-jaicp `sessions` and the floor writing into a pipe, as a tap writes to Meltano,
    with `PYTHONUNBUFFERED=1` (common in containers: stdout then has no buffer) and without.
    """
    probe = jaicp_probe("sessions", rows, busy_day())
    results: dict[tuple[str, str], float] = {}
    with EmulatorServer(probe.app) as server, tempfile.TemporaryDirectory() as tmp:
        programs = probe_programs(probe, server.url, Path(tmp))
        del programs["baseline"]
        for unbuffered in ("1", ""):
            env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
            if unbuffered:
                env["PYTHONUNBUFFERED"] = unbuffered
            for name, (command, config) in programs.items():
                with subprocess.Popen(
                    ["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
                ) as reader:
                    result = run_tap(command, config, stdout=reader.stdin, env=env)
                    t.cast("t.IO[bytes]", reader.stdin).close()
                checked(result, f"{name} into a pipe")
                results[(name, unbuffered)] = rows / result.seconds
    lines = []
    for unbuffered, label in (("1", "PYTHONUNBUFFERED=1"), ("", "PYTHONUNBUFFERED unset")):
        tap, floor = results[("tap", unbuffered)], results[("floor", unbuffered)]
        lines.append(
            Row(
                f"{probe.label} into a pipe (`cat`), {label}",
                f"tap {tap:,.0f} rec/s, floor {floor:,.0f} rec/s: {tap / floor:.2f} of the floor",
                "(the way Meltano reads a tap)",
                None,
            )
        )
    return lines
