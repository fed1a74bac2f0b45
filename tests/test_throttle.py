"""The shared request throttle, on a fake clock."""

from __future__ import annotations

from tapkit.runscope import RunScope
from tapkit.throttle import MinIntervalThrottle, credential_key, shared_throttle


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
