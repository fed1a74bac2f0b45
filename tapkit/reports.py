"""Asynchronous reports: create one, wait until it is ready, then read its data.

Some vendors (8x8's Historical Metrics API) do not answer a date range directly: a report is
created, its status is polled until it is DONE, and only then are its data pages read. The
vendor asks for no tight loop, and a report may fail or never finish, so the wait here backs
off (`PollPolicy`: the first delay doubles up to a ceiling) and is bounded (`timeout`); a
report that ends FAILED is created again, up to `attempts` times. Either way a failure is a
clear error naming what was asked for (the stream and the window), never a silent gap.
"""

from __future__ import annotations

import functools
import time
import typing as t
from dataclasses import dataclass

from tapkit.errors import ReportError

PENDING = frozenset({"QUEUED", "IN_PROGRESS", "PENDING", "RUNNING"})


@dataclass(frozen=True)
class PollPolicy:
    """How long to wait between status checks, and for how long at most."""

    first_delay: float = 2.0
    max_delay: float = 30.0
    factor: float = 2.0
    #: the longest wait for one report, in seconds
    timeout: float = 900.0
    #: reports created for one request when they end FAILED
    attempts: int = 3


@dataclass(frozen=True)
class ReportTicket:
    """A created report: its id and its status when created."""

    id: str
    status: str


def wait_until_done(
    check: t.Callable[[], str],
    *,
    policy: PollPolicy,
    what: str,
    sleep: t.Callable[[float], None] = time.sleep,
    clock: t.Callable[[], float] = time.monotonic,
) -> str:
    """Poll `check` (the status) until DONE; return the final status (DONE or FAILED).

    Raises `ReportError` when the report is still pending after `policy.timeout` seconds, or
    answers a status the vendor does not document.
    """
    started = clock()
    delay = policy.first_delay
    checks = 0
    while True:
        status = check().upper()
        checks += 1
        if status in {"DONE", "FAILED"}:
            return status
        if status not in PENDING:
            raise ReportError(f"{what}: the report answered an unknown status {status!r}")
        waited = clock() - started
        if waited + delay > policy.timeout:
            raise ReportError(
                f"{what}: the report was still {status} after {waited:.0f} s and {checks} "
                f"status checks (report_timeout_seconds is {policy.timeout:g}); the window "
                "is read again on the next run"
            )
        sleep(delay)
        delay = min(delay * policy.factor, policy.max_delay)


def run_report(
    create: t.Callable[[], ReportTicket],
    status: t.Callable[[str], str],
    *,
    policy: PollPolicy,
    what: str,
    logger: t.Any,
    sleep: t.Callable[[float], None] = time.sleep,
) -> str:
    """Create a report and wait for it; a FAILED report is created again. Returns its id."""
    for attempt in range(1, policy.attempts + 1):
        ticket = create()
        final = ticket.status.upper()
        if final not in {"DONE", "FAILED"}:
            final = wait_until_done(
                functools.partial(status, ticket.id), policy=policy, what=what, sleep=sleep
            )
        if final == "DONE":
            return ticket.id
        if attempt < policy.attempts:
            logger.warning(
                "%s: report %s ended FAILED; creating it again (attempt %d of %d)",
                what,
                ticket.id,
                attempt + 1,
                policy.attempts,
            )
    raise ReportError(
        f"{what}: the report ended FAILED {policy.attempts} time(s); the window is read again "
        "on the next run"
    )
