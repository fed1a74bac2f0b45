"""Bench probe: peak RSS of a tap reading one response of 100,000 and 1,000,000 rows."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench_common import BIN, Row, checked, run_tap
from bench_throughput import busy_day, catalog_selecting, cobrowser_probe, oct8ne_probe

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorServer,
)


def peak_memory() -> list[Row]:
    """tap-oct8ne and tap-cobrowser reading one response of 100,000 then 1,000,000 rows."""
    day = busy_day()
    rows = []
    for probe_of in (oct8ne_probe, cobrowser_probe):
        peaks = {}
        for count in (100_000, 1_000_000):
            probe = probe_of(count, day)
            with EmulatorServer(probe.app) as server, tempfile.TemporaryDirectory() as tmp:
                config = probe.configs(server.url)[0]
                catalog = catalog_selecting(probe.tap, config, probe.stream, Path(tmp))
                command = [str(BIN / probe.tap), "--catalog", str(catalog)]
                peaks[count] = checked(run_tap(command, config), f"{probe.tap} memory").peak_rss_mb
        growth = peaks[1_000_000] - peaks[100_000]
        rows.append(
            Row(
                f"peak RSS, {probe.label}, one response of 100,000 / 1,000,000 rows",
                f"{peaks[100_000]:.0f} MB / {peaks[1_000_000]:.0f} MB "
                f"(+{growth:.0f} MB for 10x rows)",
                "≤ 100 MB, flat",
                peaks[1_000_000] <= 100 and growth <= 10,
            )
        )
    return rows
