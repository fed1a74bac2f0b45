"""Bench probe: peak RSS of the taps that decode a body whole, at the largest body each
accepts (the streaming taps' flat memory is `bench_memory`'s)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from bench_common import BIN, JAICP_MAX_PAGE, Row, TapResult, run_tap
from bench_throughput import (
    JaicpBulkApp,
    busy_day,
    catalog_selecting,
    jaicp_bulk_sessions,
    one_day_config,
)

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import EmulatorApp, EmulatorServer, Reply, Request
from tests.cases import jaicp

MB = 1 << 20
#: what a tap reading one body may take, whatever the body (issue 27)
BODY_RSS_TARGET_MB = 150


class OnePageApp(JaicpBulkApp):
    """JAICP answering the first sessions page with every session at once (a hostile page)."""

    def __init__(self, sessions: list[dict]) -> None:
        super().__init__(sessions[:1])
        self.pages[0, JAICP_MAX_PAGE] = self._page_body("sessions", sessions, 0, len(sessions))


class EightByEightBulkApp(EmulatorApp):
    """8x8's agents list, the emulator's agents repeated (unique ids) to `megabytes` MB."""

    name = "8x8-bulk"

    def __init__(self, megabytes: float) -> None:
        from emulators.eight_by_eight import EightByEightData

        agents = EightByEightData().agents_at(1)
        rows = []
        size = 0
        while size < megabytes * MB:
            row = agents[len(rows) % len(agents)] | {"agent-id": f"bulk{len(rows)}"}
            rows.append(row)
            size += len(json.dumps(row)) + 1
        self.body = json.dumps({"agent": rows}).encode()

    def handle(self, request: Request) -> Reply:
        if request.path.endswith("/agents.json"):
            return Reply(body=self.body)
        return Reply.json({"error": "Not Found"}, status=404)


def largest_body_runs(day: dt.date) -> dict[str, tuple[TapResult, int]]:
    """tap-jaicp reading one 32 MB sessions page, tap-8x8 one agents body just under the
    16 MiB it parses at once and one of 24 MB (refused): each run and its body's size.
    """
    from tests.cases import eight_by_eight

    runs: dict[str, tuple[TapResult, int]] = {}
    sessions = jaicp_bulk_sessions(64_000, day)
    app: EmulatorApp = OnePageApp(sessions)
    size = len(app.pages[0, JAICP_MAX_PAGE])  # type: ignore[attr-defined]
    with EmulatorServer(app) as server, tempfile.TemporaryDirectory() as tmp:
        config = one_day_config(jaicp.CASE, server.url, day, page_size=JAICP_MAX_PAGE)
        catalog = catalog_selecting("tap-jaicp", config, "sessions", Path(tmp))
        command = [str(BIN / "tap-jaicp"), "--catalog", str(catalog)]
        runs["tap-jaicp, one sessions page"] = (run_tap(command, config), size)
    for label, megabytes in (("accepted", 15.5), ("refused", 24)):
        app = EightByEightBulkApp(megabytes)
        size = len(app.body)
        with EmulatorServer(app) as server, tempfile.TemporaryDirectory() as tmp:
            config = eight_by_eight.CASE.config(server.url, day)
            catalog = catalog_selecting("tap-8x8", config, "agents", Path(tmp))
            command = [str(BIN / "tap-8x8"), "--catalog", str(catalog)]
            runs[f"tap-8x8, one agents body ({label})"] = (run_tap(command, config), size)
    return runs


def largest_bodies() -> list[Row]:
    """Peak RSS of the taps that decode a body whole, at the largest body each accepts."""
    rows = []
    for label, (result, size) in largest_body_runs(busy_day()).items():
        outcome = "read" if result.returncode == 0 else "refused"
        rows.append(
            Row(
                f"peak RSS, {label} of {size / MB:.0f} MB ({outcome})",
                f"{result.peak_rss_mb:.0f} MB",
                f"≤ {BODY_RSS_TARGET_MB} MB",
                result.peak_rss_mb <= BODY_RSS_TARGET_MB,
            )
        )
    return rows
