"""Broken input files and odd settings end with one clear message, never a traceback.

Run as Meltano runs a tap (a subprocess with files), judged by the exit code and stderr: the
message names the file or the setting, and no request is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from emulators.framework import EmulatorServer, Reply
from emulators.jaicp import JaicpEmulator
from tests.cases.jaicp import JAICP, JAICP_TOKEN
from tests.support import BIN, run_tap, tap_env


def jaicp_config(server: EmulatorServer, last: dt.date | None = None, **changes) -> dict:
    """Settings reading from yesterday; with `last`, read through that day and no further
    (a test comparing with the ground truth takes its day once, before the run)."""
    day = last or dt.datetime.now(dt.UTC).date()
    settings = {**JAICP.config(server.url, day - dt.timedelta(days=1)), **changes}
    return JAICP.through(settings, day) if last else settings


def run_with_files(tmp_path: Path, config_text: str, state_text: str | None = None):
    config = tmp_path / "config.json"
    config.write_text(config_text)
    command = [str(BIN / JAICP.tap), "--config", str(config)]
    if state_text is not None:
        (tmp_path / "state.json").write_text(state_text)
        command += ["--state", str(tmp_path / "state.json")]
    return subprocess.run(
        command, capture_output=True, text=True, env=tap_env("INFO"), timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("config_text", "state_text", "expected"),
    [
        ('{"api_token": "x", ', None, "config.json is not valid JSON"),
        ("[1, 2]", None, "config.json holds a JSON list, not an object"),
        ("{}", "not json", "state.json is not valid JSON"),
        ("{}", '{"bookmarks": []}', "'bookmarks' is a JSON list"),
        ("{}", '{"bookmarks": {"sessions": "2026-01-01"}}', "stream 'sessions' is not an object"),
    ],
    ids=[
        "config cut short",
        "config not an object",
        "state not JSON",
        "bookmarks a list",
        "bookmark a string",
    ],
)
def test_a_malformed_file_is_named_in_one_message(tmp_path, config_text, state_text, expected):
    with EmulatorServer(JAICP.make_app()) as server:
        if config_text == "{}":
            config_text = json.dumps(jaicp_config(server))
        result = run_with_files(tmp_path, config_text, state_text)
        assert result.returncode != 0
        assert expected in result.stderr
        assert "Traceback" not in result.stderr
        assert server.requests == []


def test_an_absurd_lookback_is_refused_naming_the_setting():
    with EmulatorServer(JAICP.make_app()) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, lookback_days=1_000_000), timeout=60)
        assert run.returncode != 0
        assert "lookback_days" in run.stderr and "Traceback" not in run.stderr
        assert server.requests == []


class TotalIsText(JaicpEmulator):
    def _page(self, member: str, rows: list[dict], page: int, size: int, **extra) -> Reply:
        records = rows[page * size : (page + 1) * size]
        paging = {"pageNum": page, "pageSize": size, "totalCount": "abc"}
        return Reply.json({"paging": paging, member: records})


def test_a_total_count_that_is_not_a_number_is_ignored_with_a_warning_and_nothing_is_lost():
    today = dt.datetime.now(dt.UTC).date()
    with EmulatorServer(TotalIsText(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, today, page_size=3), timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "totalCount is not a whole number ('abc')" in run.stderr
        truth = JAICP.truth(server.app, today - dt.timedelta(days=1), today)["sessions"]
        assert run.keys("sessions", ["sessionId"]) == truth
