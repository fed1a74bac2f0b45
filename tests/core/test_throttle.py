"""The shared request throttle, on a fake clock."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
import time
from pathlib import Path

from emulators.framework import EmulatorServer
from emulators.oct8ne import Oct8neEmulator
from tapkit.runscope import RunScope
from tapkit.throttle import MinIntervalThrottle, SlotFile, credential_key, shared_throttle
from tests.cases.oct8ne import CASE, OCT8NE_DOMAIN, OCT8NE_TOKEN
from tests.support import tap_command, tap_env


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_requests_are_spaced_by_the_interval_from_the_previous_answer():
    clock = FakeClock()
    throttle = MinIntervalThrottle(60, clock=clock, sleep=clock.sleep)
    assert throttle.acquire() == 0
    clock.now += 5  # the answer took 5 s
    throttle.finished()
    assert throttle.seconds_until_free() == 60
    assert throttle.acquire() == 60


def test_retry_after_pushes_the_next_slot_back():
    clock = FakeClock()
    throttle = MinIntervalThrottle(1, clock=clock, sleep=clock.sleep)
    throttle.acquire()
    throttle.defer(30)
    assert throttle.acquire() == 30


def test_streams_of_one_tap_and_credential_share_a_throttle():
    tap, other = RunScope(), RunScope()
    key = credential_key("vendor", "token")
    assert shared_throttle(tap, key, 60) is shared_throttle(tap, key, 60)
    assert shared_throttle(tap, key, 60) is not shared_throttle(other, key, 60)
    assert shared_throttle(tap, credential_key("vendor", "other"), 60) is not (
        shared_throttle(tap, key, 60)
    )
    assert "token" not in key


def test_throttles_sharing_a_slot_file_keep_the_interval_between_them(tmp_path):
    # two runs (here two throttles, as two processes hold them) on one credential
    first = MinIntervalThrottle(0.4, slots=SlotFile("k", str(tmp_path)))
    second = MinIntervalThrottle(0.4, slots=SlotFile("k", str(tmp_path)))
    assert first.acquire() == 0
    started = time.monotonic()
    assert second.acquire() > 0.3
    assert time.monotonic() - started > 0.3
    second.defer(0.6)  # a Retry-After seen by one run holds the other back too
    assert first.acquire() > 0.5


def test_a_stale_or_unusable_slot_file_never_holds_a_run(tmp_path):
    slots = SlotFile("stale", str(tmp_path))
    slots.path.write_text(repr(time.time() + 10**9))  # a clock set far back, a foreign file
    assert MinIntervalThrottle(0.1, slots=slots).acquire() == 0
    unusable = SlotFile("x", str(tmp_path / "missing-directory"))
    assert MinIntervalThrottle(0.1, slots=unusable).acquire() == 0


def test_two_runs_on_one_oct8ne_token_take_turns_instead_of_drawing_429s():
    interval = 0.5
    app = Oct8neEmulator(api_token=OCT8NE_TOKEN, domain_id=OCT8NE_DOMAIN, interval=interval)
    with EmulatorServer(app) as server, tempfile.TemporaryDirectory() as tmp:
        start = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
        config = {
            **CASE.config(server.url, start),
            "min_request_interval_seconds": interval,
            "window_days": 1,
        }
        for i in range(2):
            (Path(tmp) / str(i)).mkdir()
        runs = [
            subprocess.Popen(
                tap_command(CASE.tap, config, None, Path(tmp) / str(i)),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=tap_env("INFO"),
            )
            for i in range(2)
        ]
        errors = [run.communicate(timeout=120)[1] for run in runs]
        statuses = [request.status for request in server.served()]
    assert [run.returncode for run in runs] == [0, 0], errors
    assert len(statuses) >= 12
    assert statuses.count(429) <= 1, statuses
