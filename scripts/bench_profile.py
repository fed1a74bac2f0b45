"""`python scripts/bench.py --profile DIR`: where each throughput probe's tap spends its time
(py-spy)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bench_common import BIN, ROOT, checked, run_tap
from bench_throughput import catalog_selecting, probes

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorServer,
)

# -- profiles ------------------------------------------------------------------------------------


def short_frame(frame: str) -> str:
    """`function (path:line)` as `function (package/module.py)`, lines merged."""
    name, _, where = frame.rpartition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def flame_summary(raw: Path, top: int = 14) -> list[str]:
    """The functions holding most samples of a py-spy raw (collapsed) profile: own time
    (the frame on top of the stack) and total time (anywhere on the stack)."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [short_frame(f) for f in stack.split(";")]
        samples += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + count
    lines = [f"{samples:,} samples", "", "| own % | total % | function (module) |", "|---|---|---|"]
    ranked = sorted(own, key=own.__getitem__, reverse=True)[:top]
    for frame in ranked:
        lines.append(
            f"| {100 * own[frame] / samples:.1f} | {100 * total[frame] / samples:.1f} | `{frame}` |"
        )
    return lines


def profile(rows: int, directory: Path, wanted: str = "") -> list[str]:
    """Each probe's tap under py-spy; the raw profiles are kept in `directory`."""
    spy = BIN / "py-spy"
    if not spy.exists():
        sys.exit("bench: --profile needs py-spy (.venv/bin/pip install py-spy)")
    directory.mkdir(parents=True, exist_ok=True)
    report = []
    for probe in probes(rows):
        if wanted not in probe.label:
            continue
        raw = directory / f"{probe.tap}-{probe.stream}.txt"
        with EmulatorServer(probe.app) as server, tempfile.TemporaryDirectory() as tmp:
            config = probe.configs(server.url)[0]
            catalog = catalog_selecting(probe.tap, config, probe.stream, Path(tmp))
            spied = [str(spy), "record", "--format", "raw", "-r", "250", "-o", str(raw), "--"]
            checked(
                run_tap([*spied, str(BIN / probe.tap), "--catalog", str(catalog)], config),
                f"profile of {probe.label}",
            )
        report += [f"### {probe.label}, {rows:,} rows", "", *flame_summary(raw), ""]
    return report
