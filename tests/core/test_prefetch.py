"""Reading a child stream ahead (`tapkit.prefetch`): order kept, memory bounded, failures raised."""

from __future__ import annotations

import threading
import time
import typing as t

import pytest

from tapkit.prefetch import Prefetcher


class CountingStream:
    """Stands in for a stream: `read_all_pages` counts the reads held and not yet taken."""

    name = "children"

    def __init__(self, fail_on: str = "") -> None:
        self.fail_on = fail_on
        self.started: list[str] = []
        self.taken = 0
        self.most_held = 0
        self.lock = threading.Lock()

    def read_all_pages(self, context: dict[str, t.Any]) -> list[dict[str, t.Any]]:
        key = context["key"]
        with self.lock:
            self.started.append(key)
            self.most_held = max(self.most_held, len(self.started) - self.taken)
        if key == self.fail_on:
            raise RuntimeError(f"reading {key} failed")
        return [{"key": key, "n": n} for n in range(3)]


def test_children_come_back_in_order_with_at_most_ahead_reads_held():
    stream = CountingStream()
    prefetcher = Prefetcher(stream, workers=4, ahead=5)  # type: ignore[arg-type]
    keys = [f"s{n}" for n in range(40)]
    for key in keys:
        prefetcher.submit(key, {"key": key})
    taken = []
    for key in keys:
        time.sleep(0.002)  # a consumer slower than the reads: they must not run away
        # counted as taken when the consumer asks for it: the prefetcher may start the next
        # read as soon as it hands this one over, before take() returns here
        with stream.lock:
            stream.taken += 1
        records = prefetcher.take(key)
        assert records is not None
        taken.append(records)
    assert [r[0]["key"] for r in taken] == keys
    assert stream.started == keys, "each child read once, in the parents' order"
    assert stream.most_held <= 5


def test_a_child_taken_before_its_turn_is_read_at_once():
    stream = CountingStream()
    prefetcher = Prefetcher(stream, workers=1, ahead=1)  # type: ignore[arg-type]
    for key in ("a", "b", "c"):
        prefetcher.submit(key, {"key": key})
    records = prefetcher.take("c")
    assert records is not None and records[0]["key"] == "c"
    assert prefetcher.take("never submitted") is None


def test_a_failed_read_is_raised_where_the_child_is_taken():
    stream = CountingStream(fail_on="b")
    prefetcher = Prefetcher(stream, workers=2)  # type: ignore[arg-type]
    for key in ("a", "b", "c"):
        prefetcher.submit(key, {"key": key})
    assert prefetcher.take("a") is not None
    with pytest.raises(RuntimeError, match="reading b failed"):
        prefetcher.take("b")
