"""Every wait and every read is bounded (`tapkit.limits`), against servers that misbehave.

Each hostile server is the JAICP emulator with one answer changed: a page repeated for ever,
a `totalCount` that keeps growing, a `Retry-After` of eleven days, a body that drips, a
gzip bomb, a body larger than allowed. Judged by what an operator sees: the run fails in
seconds with one error naming the setting, after a bounded number of requests, and the
windows completed before the breach kept their STATE.
"""

from __future__ import annotations

import datetime as dt
import gzip
import time
import typing as t
from pathlib import Path

import pytest

from emulators.framework import EmulatorServer, Fault, Reply, Request
from emulators.jaicp import JaicpEmulator
from tapkit.errors import LimitExceededError
from tapkit.limits import Limits
from tapkit.pageguard import PageGuard, PageSummary
from tapkit.window_plan import DateWindow, WindowToken
from tests.cases.jaicp import JAICP, JAICP_TOKEN
from tests.support import run_tap

DAYS = 3


def jaicp_config(server: EmulatorServer, **changes: t.Any) -> dict:
    today = dt.datetime.now(dt.UTC).date()
    config = {**JAICP.config(server.url, today - dt.timedelta(days=DAYS)), "window_days": 1}
    return {**config, **changes}


# -- units ----------------------------------------------------------------------------------


def test_limits_come_from_the_settings_with_defaults():
    limits = Limits.from_config({"max_pages_per_window": "7", "max_response_seconds": 3})
    assert limits.max_pages_per_window == 7
    assert limits.max_response_seconds == 3.0
    assert limits.max_retry_after_seconds == Limits().max_retry_after_seconds


def test_page_guard_refuses_a_repeated_page_and_too_many_pages_per_window():
    window = DateWindow(dt.date(2026, 1, 1), dt.date(2026, 1, 1))
    guard = PageGuard(Limits(max_pages_per_window=3), "V", "s")
    same = PageSummary(records=2, first="{'id': 1}", last={"id": 2})
    guard.next_request(WindowToken(window))
    guard.page_read(WindowToken(window), same)
    guard.next_request(WindowToken(window, 1))
    with pytest.raises(LimitExceededError, match="not paging"):
        guard.page_read(WindowToken(window, 1), PageSummary(2, "{'id': 1}", {"id": 2}))
    # another window starts its own count; an empty page is never "a repeat"
    other = DateWindow(dt.date(2026, 1, 2), dt.date(2026, 1, 2))
    for page in range(3):
        guard.next_request(WindowToken(other, page))
        guard.page_read(WindowToken(other, page), PageSummary(0))
    with pytest.raises(LimitExceededError, match="max_pages_per_window"):
        guard.next_request(WindowToken(other, 3))


# -- hostile servers --------------------------------------------------------------------------


class RepeatingPages(JaicpEmulator):
    """Answers every page of sessions with the first page, and a total that never ends."""

    def _page(self, member: str, rows: list[dict], page: int, size: int, **extra) -> Reply:
        if member != "sessions":
            return super()._page(member, rows, page, size, **extra)
        return Reply.json(
            {
                "paging": {"pageNum": page, "pageSize": size, "totalCount": 10**6},
                member: rows[:size],
            }
        )


class GrowingTotal(JaicpEmulator):
    """Full pages of new sessions for ever: `totalCount` is always one page ahead."""

    def _page(self, member: str, rows: list[dict], page: int, size: int, **extra) -> Reply:
        if member != "sessions":
            return super()._page(member, rows, page, size, **extra)
        template = rows[0] if rows else {"startTime": "2026-01-01T00:00:00.000Z"}
        fresh = [{**template, "sessionId": f"grown-{page}-{i}"} for i in range(size)]
        paging = {"pageNum": page, "pageSize": size, "totalCount": (page + 2) * size}
        return Reply.json({"paging": paging, member: fresh})


def test_a_server_repeating_a_full_page_fails_the_stream_after_two_requests():
    with EmulatorServer(RepeatingPages(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, page_size=2), timeout=120)
        assert run.returncode != 0
        assert "not paging" in run.stderr
        assert len(server.served("/sessions/filter")) == 2
        assert "Traceback" not in run.stderr


def test_a_total_that_keeps_growing_stops_at_max_pages_per_window():
    with EmulatorServer(GrowingTotal(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, max_pages_per_window=4), timeout=120)
        assert run.returncode != 0
        assert "max_pages_per_window (4)" in run.stderr
        assert len(server.served("/sessions/filter")) == 4
        assert len(run.records("sessions")) == 4 * JAICP.config("", dt.date.today())["page_size"]


def test_a_retry_after_longer_than_allowed_fails_at_once_naming_the_wait():
    with EmulatorServer(JAICP.make_app()) as server:
        server.inject(Fault("status", status=429, retry_after=999999, path="/sessions/filter"))
        started = time.monotonic()
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
        assert time.monotonic() - started < 60
        assert run.returncode != 0
        assert "wait 999999 s" in run.stderr
        assert "max_retry_after_seconds" in run.stderr
        assert len(server.served("/sessions/filter")) == 1


def test_a_retry_after_within_the_cap_is_still_obeyed():
    with EmulatorServer(JAICP.make_app()) as server:
        server.inject(Fault("status", status=429, retry_after=1, path="/sessions/filter"))
        run = run_tap(JAICP.tap, jaicp_config(server, max_retry_after_seconds=5), timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]


class Dripping(JaicpEmulator):
    """Sends the sessions body a few bytes at a time, half a second apart."""

    def handle(self, request: Request) -> Reply:
        reply = super().handle(request)
        if "sessions/filter" not in request.path:
            return reply
        data = reply.body_bytes()

        def drip() -> t.Iterator[bytes]:
            for start in range(0, len(data), 8):
                time.sleep(0.5)
                yield data[start : start + 8]

        return Reply(status=reply.status, body=drip())


def test_a_dripping_body_is_abandoned_at_max_response_seconds():
    with EmulatorServer(Dripping(api_token=JAICP_TOKEN)) as server:
        started = time.monotonic()
        config = jaicp_config(server, max_response_seconds=1.5, max_attempts=2)
        run = run_tap(JAICP.tap, config, timeout=120)
        assert time.monotonic() - started < 30
        assert run.returncode != 0
        assert "max_response_seconds (1.5 s)" in run.stderr
        assert len(server.served("/sessions/filter")) == 2


class Bomb(JaicpEmulator):
    """Answers sessions with a small gzip body that expands to 64 MiB of blanks."""

    BODY = gzip.compress(b'{"sessions": [' + b" " * (64 << 20) + b"]}", compresslevel=9)

    def handle(self, request: Request) -> Reply:
        if "sessions/filter" not in request.path:
            return super().handle(request)
        return Reply(body=self.BODY, headers={"Content-Encoding": "gzip"})


def test_a_decompression_bomb_is_refused_naming_the_ratio():
    with EmulatorServer(Bomb(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
        assert run.returncode != 0
        assert "max_decompression_ratio" in run.stderr
        assert len(server.served("/sessions/filter")) == 1  # not retried


class ChunkedBomb(Bomb):
    """The same bomb sent chunked (no Content-Length: urllib3 counts none of its bytes)."""

    def handle(self, request: Request) -> Reply:
        reply = super().handle(request)
        if "sessions/filter" not in request.path:
            return reply
        data = self.BODY
        chunks = [data[start : start + 4096] for start in range(0, len(data), 4096)]
        return Reply(body=iter(chunks), headers={"Content-Encoding": "gzip"})


def test_a_chunked_decompression_bomb_is_refused_naming_the_ratio():
    with EmulatorServer(ChunkedBomb(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
        assert run.returncode != 0
        assert "max_decompression_ratio" in run.stderr
        assert len(server.served("/sessions/filter")) == 1


class ChunkedGzip(JaicpEmulator):
    """Sends each sessions page gzip-compressed and chunked, in two gzip members."""

    def handle(self, request: Request) -> Reply:
        reply = super().handle(request)
        if "sessions/filter" not in request.path:
            return reply
        data = reply.body_bytes()
        half = len(data) // 2
        packed = gzip.compress(data[:half]) + gzip.compress(data[half:])
        chunks = [packed[start : start + 100] for start in range(0, len(packed), 100)]
        return Reply(status=reply.status, body=iter(chunks), headers={"Content-Encoding": "gzip"})


def test_a_chunked_gzip_body_is_read_whole():
    with EmulatorServer(ChunkedGzip(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
    with EmulatorServer(JaicpEmulator(api_token=JAICP_TOKEN)) as plain:
        reference = run_tap(JAICP.tap, jaicp_config(plain), timeout=120)
    sessions = {record["sessionId"] for record in run.records("sessions")}
    assert sessions and sessions == {r["sessionId"] for r in reference.records("sessions")}


class ChunkedPlain(JaicpEmulator):
    """Sends each sessions page uncompressed, chunked, padded past the ratio's first MiB."""

    def handle(self, request: Request) -> Reply:
        reply = super().handle(request)
        if "sessions/filter" not in request.path:
            return reply
        data = reply.body_bytes()
        padded = data[:1] + b" " * (2 << 20) + data[1:]
        return Reply(
            status=reply.status,
            body=iter([padded[start : start + 65536] for start in range(0, len(padded), 65536)]),
        )


def test_a_large_plain_chunked_body_is_not_taken_for_a_decompression_bomb():
    # urllib3 counts no wire bytes of a chunked body: a plain one must not look infinitely expanded
    with EmulatorServer(ChunkedPlain(api_token=JAICP_TOKEN)) as server:
        run = run_tap(JAICP.tap, jaicp_config(server), timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "max_decompression_ratio" not in run.stderr
    with EmulatorServer(JaicpEmulator(api_token=JAICP_TOKEN)) as plain:
        reference = run_tap(JAICP.tap, jaicp_config(plain), timeout=120)
    sessions = {record["sessionId"] for record in run.records("sessions")}
    assert sessions and sessions == {r["sessionId"] for r in reference.records("sessions")}


def test_a_body_larger_than_max_response_mb_fails_naming_the_setting():
    with EmulatorServer(JAICP.make_app()) as server:
        run = run_tap(JAICP.tap, jaicp_config(server, max_response_mb=0.001), timeout=120)
        assert run.returncode != 0
        assert "max_response_mb (0.001 MiB)" in run.stderr


def test_a_tap_reading_whole_bodies_is_bounded_by_max_response_mb_too():
    from tests.cases.eight_by_eight import CASE as EIGHT_BY_EIGHT

    with EmulatorServer(EIGHT_BY_EIGHT.make_app()) as server:
        config = {**EIGHT_BY_EIGHT.config(server.url, dt.date.today()), "max_response_mb": 0.0001}
        run = run_tap(EIGHT_BY_EIGHT.tap, config, timeout=120)
        assert run.returncode != 0
        assert "max_response_mb (0.0001 MiB)" in run.stderr


def test_bodies_decoded_whole_are_streamed_or_refused_before_they_take_memory(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "scripts"))
    import bench_bodies as bench

    runs = bench.largest_body_runs(bench.busy_day())
    page, size = runs["tap-jaicp, one sessions page"]
    assert size > 30 << 20
    assert page.returncode == 0, page.stderr[-2000:]
    accepted, _ = runs["tap-8x8, one agents body (accepted)"]
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    refused, _ = runs["tap-8x8, one agents body (refused)"]
    assert refused.returncode != 0
    assert "larger than 16 MiB, the most this stream parses at once" in refused.stderr
    for label, (run, size) in runs.items():
        print(f"\n[memory probe] {label} of {size / (1 << 20):.0f} MiB: {run.peak_rss_mb:.0f} MB")
        assert run.peak_rss_mb < bench.BODY_RSS_TARGET_MB, label
