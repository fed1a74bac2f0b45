"""A run stopped by SIGTERM or SIGINT fails (143/130) after writing its last consistent STATE.

The SDK exits 0 on SIGTERM, so an orchestrator's kill looked like a completed run, and
`meltano run` reported success. Judged as an operator would: the exit codes of the tap and
of `meltano run`, the last STATE printed, and that a resumed run loses nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from emulators.framework import EmulatorServer, Fault
from tapkit.signals import exit_code_for, signal_name
from tests.cases.jaicp import JAICP
from tests.meltano_support import MELTANO, ROOT, meltano_env, warehouse_keys
from tests.support import run_tap, run_tap_killed_after_states

DAYS = 6


def test_exit_codes_follow_the_shell_convention():
    assert (exit_code_for(signal.SIGTERM), exit_code_for(signal.SIGINT)) == (143, 130)
    assert exit_code_for(signal.SIGHUP) == 129
    assert signal_name(signal.SIGTERM) == "SIGTERM"


def slow_jaicp(server: EmulatorServer) -> dict:
    """One-day windows, each sessions request answered after 0.2 s: a run a signal can hit."""
    today = dt.datetime.now(dt.UTC).date()
    server.inject(Fault("slow", times=1000, delay=0.2, path="/sessions/filter"))
    config = JAICP.through(JAICP.config(server.url, today - dt.timedelta(days=DAYS)), today)
    return {**config, "window_days": 1}


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_ends_the_run_with_its_exit_code_and_the_last_complete_window_state(sig, code):
    with EmulatorServer(JAICP.make_app()) as server:
        # messages by session follow their parent, so the only window walk is the sessions'
        # (by time, `messages` sorts first and its fast windows would take the two STATEs)
        config = {**slow_jaicp(server), "messages_mode": "by_session"}
        # the daily stats streams sort before `sessions`: only the sessions' bookmarks count
        killed = run_tap_killed_after_states(
            JAICP.tap, config, states=2, sig=sig, streams=("sessions",)
        )
        assert killed.returncode == code, killed.stderr[-2000:]
        assert f"Stopped by {signal_name(sig)}" in killed.stderr
        assert "Gracefully shutting down" not in killed.stderr
        bookmarks = killed.bookmarks("sessions")
        # the STATE written on the signal is the last window's, never a half-read one
        last = killed.states()[-1]["bookmarks"]["sessions"]["replication_key_value"]
        assert last == bookmarks[-1]
        server.reset()
        resumed = run_tap(JAICP.tap, config, state=killed.states()[-1])
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        final_day = dt.datetime.fromisoformat(config["end_date"]).date()
        truth = JAICP.truth(server.app, final_day - dt.timedelta(days=DAYS), final_day)["sessions"]
        assert (
            killed.keys("sessions", ["sessionId"]) | resumed.keys("sessions", ["sessionId"])
            == truth
        )


def _children(pid: int) -> list[int]:
    """Every descendant process of `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        kids = [child for child, parent in parents.items() if parent == current]
        found += kids
        frontier += kids
    return found


def _tap_pid(meltano: subprocess.Popen, tap: str, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in _children(meltano.pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            # the sync, not the discovery Meltano runs first
            if any(part.endswith(tap.encode()) for part in cmdline[:2]) and (
                b"--catalog" in cmdline and b"--discover" not in cmdline
            ):
                return pid
        time.sleep(0.2)
    raise AssertionError(f"{tap} never started under meltano run")


@pytest.mark.e2e
def test_meltano_run_fails_when_the_tap_is_killed_and_keeps_the_completed_windows(
    postgres, tmp_path: Path
):
    database = "tap_jaicp_sigterm"
    postgres.create_database(database)
    with EmulatorServer(JAICP.make_app()) as server:
        config = slow_jaicp(server)
        env = meltano_env(JAICP, config, postgres, database, tmp_path / "meltano.db")
        meltano = subprocess.Popen(
            [str(MELTANO), "run", JAICP.tap, "target-postgres"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        tap = _tap_pid(meltano, JAICP.tap)
        # after two windows are read (each sessions request takes 0.2 s)
        while len(server.served("/sessions/filter")) < 3:
            time.sleep(0.05)
        os.kill(tap, signal.SIGTERM)
        output, _ = meltano.communicate(timeout=300)
        assert meltano.returncode != 0, output[-3000:]
        assert "Extractor failed" in output
        assert "Stopped by SIGTERM" in output
        # the windows completed before the kill reached the warehouse
        loaded = warehouse_keys(postgres, database, "tap_jaicp", "sessions", ("sessionId",))
        assert loaded
