"""Bench probe: JAICP messages read one session at a time against eight at once."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from bench_common import BIN, JAICP_MAX_PAGE, Row, checked, noon, run_tap

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorServer,
    Fault,
)
from emulators.jaicp import JaicpData, JaicpEmulator


def comparable_output(path: Path) -> list:
    """RECORD and STATE messages of a tap's stdout, without the instants of its clock."""
    output = []
    for line in path.read_text().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            output.append((message["stream"], message["record"]))
        elif message["type"] == "STATE":
            bookmarks = message["value"].get("bookmarks", {})
            output.append(
                {
                    s: {k: v for k, v in e.items() if "signpost" not in k}
                    for s, e in bookmarks.items()
                }
            )
    return output


def jaicp_parallel(sessions: int = 600, latency: float = 0.1) -> list[Row]:
    """JAICP messages of `sessions` sessions, each request answered after `latency` s."""
    last = dt.date.today() - dt.timedelta(days=2)
    first = last - dt.timedelta(days=4)
    per_day = sessions // 5
    data = JaicpData(per_day=per_day)
    while (count := len(data.sessions_on_days(first, last))) < sessions:
        per_day += max(1, per_day // 100)  # the emulator's days vary around `per_day`
        data = JaicpData(per_day=per_day)
    seconds, outputs = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for parallel in (1, 8):
            app = JaicpEmulator(api_token="bench-jaicp-token", data=data)
            with EmulatorServer(app) as server:
                server.inject(Fault(kind="slow", delay=latency, times=10**9, path="messages"))
                config = {
                    "api_token": "bench-jaicp-token",
                    "base_url": server.url,
                    "start_date": noon(first),
                    "end_date": noon(last),
                    "window_days": 31,
                    "page_size": JAICP_MAX_PAGE,
                    "max_parallel_requests": parallel,
                    # one request per session: what reading ahead is for
                    "messages_mode": "by_session",
                }
                out = Path(tmp) / f"out-{parallel}.jsonl"
                with out.open("wb") as stdout:
                    result = run_tap([str(BIN / "tap-jaicp")], config, stdout=stdout)
                checked(result, f"tap-jaicp, max_parallel_requests {parallel}")
            seconds[parallel] = result.seconds
            outputs[parallel] = comparable_output(out)
    speedup = seconds[1] / seconds[8]
    same = outputs[1] == outputs[8]
    return [
        Row(
            f"JAICP messages (`by_session`) of {count:,} sessions, {latency * 1000:.0f} ms "
            "emulated latency, `max_parallel_requests` 1 vs 8",
            f"{seconds[1]:.1f} s vs {seconds[8]:.1f} s = {speedup:.1f}x faster; output "
            f"{'identical' if same else 'DIFFERENT'} ({len(outputs[8]):,} RECORD/STATE messages)",
            ">= 5x faster at 8, identical output",
            speedup >= 5 and same,
        )
    ]
