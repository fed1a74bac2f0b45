"""One retry budget per page: its request and its body (`tapkit.pageloop`, `PageRequests.attempts`).

A page whose answer fails in its status on some attempts (a 503) and in its body on others
(cut short after its headers) is sent at most `max_attempts` times in all, with one line per
retry, then either read (the last allowed attempt succeeds) or given up with the error a user
sees today for the last failure. Judged against the JAICP emulator, by the requests it
counts and the lines and rows the tap writes.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t

import pytest

from emulators.framework import EmulatorServer, Fault
from tests.cases.jaicp import JAICP
from tests.support import run_tap

PATH = "/sessions/filter"
ATTEMPTS = 4
DAYS = 2


def config(server: EmulatorServer, day: dt.date, **changes: t.Any) -> dict[str, t.Any]:
    """Sessions of `DAYS` days up to `day`, one window a day, `ATTEMPTS` attempts."""
    settings = JAICP.config(server.url, day - dt.timedelta(days=DAYS))
    settings = JAICP.through({**settings, "window_days": 1, "max_attempts": ATTEMPTS}, day)
    return {**settings, **changes}


def inject(server: EmulatorServer, kinds: t.Sequence[str]) -> None:
    """The first requests of sessions fail in turn: `503` (its status, `Retry-After: 0`) or
    `truncate` (a 200 whose body stops half way, the connection closed).
    """
    for kind in kinds:
        if kind == "503":
            server.inject(Fault("status", status=503, retry_after=0, path=PATH))
        else:
            server.inject(Fault(kind, path=PATH))


def retry_lines(stderr: str) -> list[str]:
    return re.findall(r"sessions: attempt (\d+) of (\d+) failed \((.*?)\); retrying in", stderr)


def test_a_page_succeeding_on_its_last_allowed_attempt_is_read():
    day = JAICP.today(JAICP.config("", dt.date.today()))
    with EmulatorServer(JAICP.make_app()) as server:
        clean = run_tap(JAICP.tap, config(server, day), timeout=120)
        assert clean.returncode == 0, clean.stderr[-2000:]
        pages = len(server.served(PATH))
        server.reset()
        inject(server, ["503", "truncate", "503"])
        run = run_tap(JAICP.tap, config(server, day), timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        assert len(server.served(PATH)) == pages + ATTEMPTS - 1
    assert run.keys("sessions", ("sessionId",)) == clean.keys("sessions", ("sessionId",))
    assert clean.keys("sessions", ("sessionId",)), "the window holds sessions"
    lines = retry_lines(run.stderr)
    assert [(int(n), int(of)) for n, of, _ in lines] == [(n, ATTEMPTS) for n in (1, 2, 3)]
    assert "HTTP 503" in lines[0][2] and "HTTP 503" in lines[2][2]
    assert lines[1][2].startswith("the response "), lines[1][2]
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("kinds", "error"),
    [
        (
            ["503", "truncate", "503", "truncate"],
            f"JAICP: stream 'sessions' could not read a complete response after {ATTEMPTS} "
            "attempts",
        ),
        (
            ["truncate", "503", "truncate", "503"],
            "giving up after the last allowed attempt (max_attempts): JAICP answered HTTP 503",
        ),
    ],
    ids=["last attempt cut short", "last attempt 503"],
)
def test_a_page_failing_in_status_and_body_is_sent_max_attempts_times_then_given_up(kinds, error):
    day = JAICP.today(JAICP.config("", dt.date.today()))
    with EmulatorServer(JAICP.make_app()) as server:
        inject(server, [*kinds, *kinds])  # more failures than the budget allows
        run = run_tap(JAICP.tap, config(server, day), timeout=120)
        assert len(server.served(PATH)) == ATTEMPTS
    assert run.returncode != 0
    assert error in run.stderr, run.stderr[-2000:]
    assert [int(n) for n, _, _ in retry_lines(run.stderr)] == list(range(1, ATTEMPTS))
    assert "Traceback" not in run.stderr
