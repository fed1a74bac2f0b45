"""Bench probes for the streams added in round three (issue 28): requests made against the
minimum the vendor's API allows, and peak RSS as the rows grow.

- tap-8x8's Analytics reports: every report is created, its status checked until DONE, then
  its data read page by page. The minimum per window (one report per stream and day) is one
  create, the status checks the vendor answers before DONE plus the one that says DONE
  (summary reports only: a detailed report is DONE when created), and one page per 1,000
  rows (at least one). Polls are counted as the status requests the emulator needed, which is
  a fixed number of checks (`polls_before_done`); on the real service readiness is a matter
  of time, so there the count depends on `report_poll_seconds`.
- tap-chattonic `conversations`: `/query` pages of 100, newest first, down to `start_date`:
  the minimum is one page per 100 conversations since then, plus the page that shows the
  list ending (a short page, or the first older conversation).
- Peak RSS of tap-8x8 `interactions` (one day of 2,000, 20,000 then 40,000 interactions:
  its date-time caches fill in the first ~20,000) and tap-chattonic `conversations` (about
  5,000 then 50,000 listed): flat if the pages are streamed through, not gathered.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import typing as t
from collections import Counter
from pathlib import Path

from bench_common import BIN, Row, checked, noon, run_tap
from bench_throughput import catalog_selecting

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.chattonic import ChattonicData
from emulators.eight_by_eight_analytics import HISTORICAL, AnalyticsData
from emulators.framework import EmulatorServer, Request
from tests.cases import chattonic
from tests.cases import eight_by_eight_analytics as analytics

#: the tap's page size for 8x8 reports (tap_8x8.analytics.PAGE_SIZE, the API's maximum)
REPORT_PAGE = 1000
#: the wiki's maximum `limit` of Chat-Tonic's `/query`
QUERY_LIMIT = 100
REPORT_STREAMS = {
    "detailed-reports-interaction-details": "interactions",
    "detailed-reports-agent-status-change": "agent_status_changes",
    "detailed-reports-survey": "survey_responses",
    **{report: stream for stream, report in analytics.SUMMARIES.items()},
}


def analytics_only_config(url: str, first: dt.date, last: dt.date) -> dict[str, t.Any]:
    """The Analytics credential group alone (no real-time snapshots), whole days."""
    config = analytics.analytics_config(url, first)
    for realtime in ("tenant", "api_token", "base_url"):
        config.pop(realtime)
    return config | {"end_date": noon(last)}


def report_of(request: Request) -> str | None:
    """The report id a status or data request names (None for a create or a token)."""
    parts = request.path.split(HISTORICAL, 1)[-1].strip("/").split("/")
    if len(parts) == 2 and parts[1] in ("status", "data"):
        return parts[0]
    if len(parts) == 3 and parts[0] == "detailed-reports":
        return parts[1]
    return None


def eight_by_eight_report_requests(days: int = 7) -> list[Row]:
    """A backfill of `days` whole past days of every Analytics stream, counted per stream."""
    last = dt.date.today() - dt.timedelta(days=2)
    first = last - dt.timedelta(days=days - 1)
    # 2,500 interactions a day: the detailed reports take three pages
    app = analytics.make_analytics(data=AnalyticsData(per_day=2_500))
    with EmulatorServer(app) as server:
        checked(
            run_tap([str(BIN / "tap-8x8")], analytics_only_config(server.url, first, last)),
            "tap-8x8 Analytics backfill",
        )
        requests = list(server.requests)
    stream_of_report = {
        str(r.id): REPORT_STREAMS[r.definition["type"]] for r in app.reports.values()
    }
    made: Counter[str] = Counter()
    for request in requests:
        report = report_of(request)
        if report is not None:
            made[stream_of_report[report]] += 1
    minimum: Counter[str] = Counter()
    for report in app.reports.values():
        stream = REPORT_STREAMS[report.definition["type"]]
        made[stream] += 1  # its create
        polls = 0 if report.detailed else app.polls_before_done + 1
        minimum[stream] += 1 + polls + max(1, math.ceil(len(report.rows) / REPORT_PAGE))
    windows = Counter(REPORT_STREAMS[r.definition["type"]] for r in app.reports.values())
    tokens = sum(1 for r in requests if r.method == "POST" and "token" in r.path)
    rows = []
    for stream in REPORT_STREAMS.values():
        fits = made[stream] == minimum[stream] and windows[stream] == days
        rows.append(
            Row(
                f"requests / minimum, tap-8x8 `{stream}` (create + status checks + pages), "
                f"{days} days",
                f"{made[stream]} / {minimum[stream]} = {made[stream] / minimum[stream]:.2f} "
                f"({windows[stream]} reports)",
                "exactly 1.00, one report a day",
                fits,
            )
        )
    rows[-1].measured += f" (plus {tokens} token request(s) for the whole run)"
    return rows


def chattonic_conversation_requests(per_hour: int = 40) -> list[Row]:
    """tap-chattonic `conversations` from `start_date` 30 days back: `/query` pages made."""
    data = ChattonicData(per_hour=per_hour)
    app = chattonic.make_app(token_lifetime=None, data=data)
    first = dt.date.today() - dt.timedelta(days=30)
    with EmulatorServer(app) as server, tempfile.TemporaryDirectory() as tmp:
        config = chattonic.chattonic_config(server.url, first)
        catalog = catalog_selecting("tap-chattonic", config, "conversations", Path(tmp))
        command = [str(BIN / "tap-chattonic"), "--catalog", str(catalog)]
        checked(run_tap(command, config), "tap-chattonic conversations")
        made = len(server.served("/query"))
    listed = chattonic.chattonic_truth(app, first, first)["conversations"]
    minimum = len(listed) // QUERY_LIMIT + 1
    return [
        Row(
            f"requests / minimum, tap-chattonic `conversations` ({len(listed):,} since "
            "start_date, pages of 100)",
            f"{made} / {minimum} = {made / minimum:.2f}",
            "exactly 1.00",
            made == minimum,
        )
    ]


def peak_rss(tap: str, stream: str, app: t.Any, config_of: t.Callable[[str], dict]) -> float:
    """Peak RSS (MB) of `tap` reading only `stream` from `app`."""
    with EmulatorServer(app) as server, tempfile.TemporaryDirectory() as tmp:
        config = config_of(server.url)
        catalog = catalog_selecting(tap, config, stream, Path(tmp))
        command = [str(BIN / tap), "--catalog", str(catalog)]
        return checked(run_tap(command, config), f"{tap} {stream} memory").peak_rss_mb


def new_stream_memory() -> list[Row]:
    """Peak RSS of the new paged streams at ten times the rows."""
    day = dt.date.today() - dt.timedelta(days=3)
    while day.toordinal() % 5 == 2:  # the emulator's quiet days hold no interaction
        day -= dt.timedelta(days=1)
    first = dt.date.today() - dt.timedelta(days=30)
    # whole hours only: the emulator's current hour is still filling
    last_hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    probes = {
        # 8x8's interactions carry some 30 date-time fields (participants included), each with
        # a cache of 4,096 converted values (tapkit.converters.cached_per_value): the caches
        # fill within the first ~20,000 rows, so flat is judged on the doubling after that
        "tap-8x8 `interactions`, one day of {n} interactions": (
            (2_000, 20_000, 40_000),
            lambda n: (
                "tap-8x8",
                "interactions",
                analytics.make_analytics(data=AnalyticsData(per_day=n)),
                lambda url: analytics_only_config(url, day, day),
            ),
        ),
        "tap-chattonic `conversations`, ~{n} listed": (
            (5_000, 50_000),
            lambda n: (
                "tap-chattonic",
                "conversations",
                chattonic.make_app(
                    token_lifetime=None,
                    data=ChattonicData(per_hour=max(1, n // 520), until=last_hour, history_days=30),
                ),
                lambda url: chattonic.chattonic_config(url, first),
            ),
        ),
    }
    rows = []
    for label, (sizes, probe) in probes.items():
        peaks = [peak_rss(*probe(n)) for n in sizes]
        growth = peaks[-1] - peaks[-2]
        rows.append(
            Row(
                "peak RSS, " + label.format(n=" / ".join(f"{n:,}" for n in sizes)),
                " / ".join(f"{peak:.0f} MB" for peak in peaks)
                + f" ({growth:+.0f} MB for the last {sizes[-1] // sizes[-2]}x)",
                "flat (≤ +5 MB)",
                growth <= 5,
            )
        )
    return rows


def new_streams() -> list[Row]:
    """`make bench`'s part for the round-three streams."""
    requests = eight_by_eight_report_requests() + chattonic_conversation_requests()
    return requests + new_stream_memory()


if __name__ == "__main__":
    for row in new_streams():
        print(row.markdown())
