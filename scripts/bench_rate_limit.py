"""Bench probe: Oct8ne's rate-limited wall time against its floor, (requests - 1) x interval."""

from __future__ import annotations

import datetime as dt

from bench_common import BIN, Row, checked, noon, run_tap

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorServer,
)
from tests.cases import oct8ne

# -- Oct8ne at its rate limit ------------------------------------------------------------------


def oct8ne_floor(interval: float = 1.0) -> list[Row]:
    """Both Oct8ne streams, a year back, one request per `interval` s enforced by the emulator."""
    app = oct8ne.CASE.make_app()
    app.interval = interval
    last = dt.date.today() - dt.timedelta(days=2)
    first = last - dt.timedelta(days=359)
    with EmulatorServer(app) as server:
        config = oct8ne.CASE.config(server.url, first) | {
            "start_date": noon(first),
            "end_date": noon(last),
            "min_request_interval_seconds": interval,
        }
        result = checked(run_tap([str(BIN / "tap-oct8ne")], config), "tap-oct8ne at its rate limit")
        served = server.requests
        refused = sum(1 for r in served if r.status == 429)
    floor = (len(served) - 1) * interval
    ratio = result.seconds / floor
    return [
        Row(
            f"Oct8ne wall time / floor, both streams, 360 days, interval {interval:g} s",
            f"{result.seconds:.1f} s / {floor:.0f} s = {ratio:.3f} ({len(served)} requests, "
            f"{refused} refused with 429; wall includes the process start)",
            "≤ 1.05",
            ratio <= 1.05 and refused == 0,
        )
    ]
