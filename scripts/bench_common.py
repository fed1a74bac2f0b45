"""What every bench probe shares: running a tap as Meltano does, with its wall time and peak
RSS, and the table row a probe reports."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BIN = Path(sys.executable).parent
CHUNK_ROWS = 2000
JAICP_MAX_PAGE = 1000
#: The reference: a plain singer-sdk stream with default settings (scripts/bench_baseline.py).
BASELINE = [sys.executable, str(ROOT / "scripts" / "bench_baseline.py")]
#: The floor: a bare Python program, the same bodies to RECORD lines (scripts/bench_floor.py).
FLOOR = [sys.executable, str(ROOT / "scripts" / "bench_floor.py")]
REPLAY_PATH = "/_bench/replay"


@dataclass
class Row:
    """One line of the printed table."""

    figure: str
    measured: str
    target: str
    #: met, not met, a reference figure (None), or why it is not measured (text)
    ok: bool | str | None

    def markdown(self) -> str:
        verdict = (
            self.ok
            if isinstance(self.ok, str)
            else {True: "yes", False: "**no**", None: "(reference)"}[self.ok]
        )
        return f"| {self.figure} | {self.measured} | {self.target} | {verdict} |"


@dataclass
class TapResult:
    """What one tap process cost."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stderr: str


#: Runs a command and reports its own peak RSS. A child started straight from the bench
#: would inherit the bench's high-water mark (Linux keeps it across vfork + exec, and the bench
#: holds bulk bodies), so the command is forked from this small interpreter instead.
RSS_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_tap(
    command: list[str],
    config: dict,
    *,
    stdout: t.Any = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> TapResult:
    """Run a tap like Meltano does; wall time and the peak RSS of that process alone."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        err_path, rss_path = Path(tmp) / "stderr", Path(tmp) / "rss"
        wrapped = [sys.executable, "-I", "-S", "-c", RSS_WRAPPER, str(rss_path), *command]
        with err_path.open("wb") as err:
            started = time.perf_counter()
            process = subprocess.run(
                [*wrapped, "--config", str(config_path)], stdout=stdout, stderr=err, env=env
            )
            seconds = time.perf_counter() - started
        rss_kb = int(rss_path.read_text() or 0) if rss_path.exists() else 0
        return TapResult(seconds, rss_kb / 1024, process.returncode, err_path.read_text())


def checked(result: TapResult, what: str) -> TapResult:
    """Stop the bench when a tap fails: a figure of a failed run means nothing."""
    if result.returncode != 0:
        sys.exit(f"bench: {what} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result


def noon(day: dt.date) -> str:
    """A date setting that names the same local day in every zone the taps use."""
    return f"{day.isoformat()}T12:00:00+00:00"


def machine() -> str:
    """Where the figures were taken."""
    cpus = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.python_implementation()} {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {cpus} CPU(s) shared with other users (load average {load})"
    )
