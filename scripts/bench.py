"""`make bench`: how close the taps sit to the floor the vendors' limits set, in one run.

Every figure is measured against the emulators on loopback, with each tap run as a
subprocess the way Meltano runs it, and printed as one markdown table (see BENCHMARKS.md):

- requests made / minimum possible, for each windowed stream's backfill;
- Oct8ne's rate-limited wall time against its floor, (requests - 1) x interval;
- records per second of the tap process (stdout to /dev/null), against a plain `singer-sdk`
  stream reading the same body with default settings;
- peak RSS of a tap reading one response of 100,000 and 1,000,000 rows.

Bulk bodies are the emulator's own answer for the request, its rows repeated to the size
wanted and streamed in chunks, so the bench process never holds a large body and the tap
reads exactly what the vendor would send, only more of it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorApp,
    EmulatorServer,
    Fault,
    Reply,
    Request,
)
from emulators.jaicp import JaicpData, JaicpEmulator
from tests.cases import chattonic, cobrowser, jaicp, oct8ne

if t.TYPE_CHECKING:
    from tapkit.stream import VendorStream

ROOT = Path(__file__).resolve().parent.parent

BIN = Path(sys.executable).parent
CHUNK_ROWS = 2000
JAICP_MAX_PAGE = 1000
#: The reference: a plain singer-sdk stream with default settings (scripts/bench_baseline.py).
BASELINE = [sys.executable, str(ROOT / "scripts" / "bench_baseline.py")]
REPLAY_PATH = "/_bench/replay"


@dataclass
class Row:
    """One line of the printed table."""

    figure: str
    measured: str
    target: str
    ok: bool | None

    def markdown(self) -> str:
        verdict = {True: "yes", False: "**no**", None: "(reference)"}[self.ok]
        return f"| {self.figure} | {self.measured} | {self.target} | {verdict} |"


@dataclass
class TapResult:
    """What one tap process cost."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stderr: str


def run_tap(command: list[str], config: dict, *, stdout: t.Any = subprocess.DEVNULL) -> TapResult:
    """Run a tap like Meltano does; wall time and the peak RSS of that process alone."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        err_path = Path(tmp) / "stderr"
        with err_path.open("wb") as err:
            started = time.perf_counter()
            process = subprocess.Popen(
                [*command, "--config", str(config_path)], stdout=stdout, stderr=err
            )
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        return TapResult(seconds, usage.ru_maxrss / 1024, process.returncode, err_path.read_text())


def checked(result: TapResult, what: str) -> TapResult:
    """Stop the bench when a tap fails: a figure of a failed run means nothing."""
    if result.returncode != 0:
        sys.exit(f"bench: {what} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return result


def noon(day: dt.date) -> str:
    """A date setting that names the same local day in every zone the taps use."""
    return f"{day.isoformat()}T12:00:00+00:00"


# -- requests made / minimum possible ---------------------------------------------------------


def windowed_streams(tap_class: t.Any, config: dict) -> list[VendorStream]:
    """The tap's windowed streams, as configured."""
    tap = tap_class(config=config, parse_env_config=False, validate_config=True)
    return [s for s in tap.streams.values() if getattr(s, "windowing", None) is not None]


def stream_of(request: Request, streams: list[VendorStream]) -> str | None:
    """Which windowed stream a logged request belongs to (CoBrowser: the `c` command)."""
    for stream in streams:
        command = getattr(stream, "command", None)
        if command and request.query.get("c") == command and "start" in request.query:
            return stream.name
        if not command and request.path.endswith(stream.path):
            return stream.name
    return None


def request_ratio(
    label: str,
    tap: str,
    case: t.Any,
    app: EmulatorApp,
    days: int,
    extra_config: dict | None = None,
    pages_needed: t.Callable[[dt.date, dt.date], int] | None = None,
) -> list[Row]:
    """Backfill `days` whole past days; count each windowed stream's requests."""
    last = dt.date.today() - dt.timedelta(days=2)
    first = last - dt.timedelta(days=days - 1)
    with EmulatorServer(app) as server:
        config = case.config(server.url, first) | {"end_date": noon(last)}
        config["start_date"] = noon(first)
        config.update(extra_config or {})
        streams = windowed_streams(case.tap_class, config)
        checked(run_tap([str(BIN / tap)], config), f"{tap} backfill")
        made: dict[str, int] = {}
        for request in server.requests:
            name = stream_of(request, streams)
            if name:
                made[name] = made.get(name, 0) + 1
        other = len(server.requests) - sum(made.values())
        app.bench_messages_requests = len(server.served("messages/by-session"))  # type: ignore[attr-defined]
    rows = []
    for stream in streams:
        minimum = 0
        day = first
        while day <= last:
            window_last = min(last, day + dt.timedelta(days=stream.windowing.max_days - 1))
            minimum += pages_needed(day, window_last) if pages_needed else 1
            day = window_last + dt.timedelta(days=1)
        ratio = made.get(stream.name, 0) / minimum
        rows.append(
            Row(
                f"requests / minimum, {label} `{stream.name}`, {days} days",
                f"{made.get(stream.name, 0)} / {minimum} = {ratio:.2f}",
                "exactly 1.00",
                made.get(stream.name, 0) == minimum,
            )
        )
    if other:
        rows[-1].measured += f" (plus {other} other request(s) of the run: logins, lists)"
    return rows


def all_request_ratios() -> list[Row]:
    """Each windowed stream of the four windowed taps."""
    rows = request_ratio(
        "Oct8ne",
        "tap-oct8ne",
        oct8ne.CASE,
        oct8ne.CASE.make_app(),
        days=360,
    )
    rows += request_ratio(
        "CoBrowser", "tap-cobrowser", cobrowser.CASE, cobrowser.make_app(), days=60
    )
    rows += request_ratio(
        "Chat-Tonic",
        "tap-chattonic",
        chattonic.CASE,
        chattonic.make_app(token_lifetime=None),
        days=60,
        # the vendor allows 31 days a request; the setting's default is 7 (see README)
        extra_config={"window_days": 31},
    )
    app = jaicp.CASE.make_app()

    def jaicp_pages(first: dt.date, last: dt.date) -> int:
        return max(1, math.ceil(len(app.data.sessions_on_days(first, last)) / JAICP_MAX_PAGE))

    rows += request_ratio(
        "JAICP",
        "tap-jaicp",
        jaicp.CASE,
        app,
        days=30,
        extra_config={"page_size": JAICP_MAX_PAGE, "window_days": 31},
        pages_needed=jaicp_pages,
    )
    return rows + jaicp_messages_ratio(app)


def jaicp_messages_ratio(app: t.Any) -> list[Row]:
    """JAICP `messages`: one request per session of the backfill is the minimum."""
    last = dt.date.today() - dt.timedelta(days=2)
    first = last - dt.timedelta(days=29)
    sessions = app.data.sessions_on_days(first, last)
    minimum = sum(max(1, math.ceil(len(app.data.messages(s)) / JAICP_MAX_PAGE)) for s in sessions)
    return [
        Row(
            "requests / minimum, JAICP `messages` (child of sessions), 30 days",
            f"{app.bench_messages_requests} / {minimum} = "
            f"{app.bench_messages_requests / minimum:.2f}",
            "exactly 1.00",
            app.bench_messages_requests == minimum,
        )
    ]


# -- Oct8ne at its rate limit ------------------------------------------------------------------


def oct8ne_floor(interval: float = 1.0) -> list[Row]:
    """Both Oct8ne streams, a year back, one request per `interval` s enforced by the emulator."""
    app = oct8ne.CASE.make_app()
    app.interval = interval
    last = dt.date.today() - dt.timedelta(days=2)
    first = last - dt.timedelta(days=359)
    with EmulatorServer(app) as server:
        config = oct8ne.CASE.config(server.url, first) | {
            "start_date": noon(first),
            "end_date": noon(last),
            "min_request_interval_seconds": interval,
        }
        result = checked(run_tap([str(BIN / "tap-oct8ne")], config), "tap-oct8ne at its rate limit")
        served = server.requests
        refused = sum(1 for r in served if r.status == 429)
    floor = (len(served) - 1) * interval
    ratio = result.seconds / floor
    return [
        Row(
            f"Oct8ne wall time / floor, both streams, 360 days, interval {interval:g} s",
            f"{result.seconds:.1f} s / {floor:.0f} s = {ratio:.3f} ({len(served)} requests, "
            f"{refused} refused with 429; wall includes the process start)",
            "≤ 1.05",
            ratio <= 1.05 and refused == 0,
        )
    ]


# -- bulk bodies: throughput and memory ---------------------------------------------------------


class BulkApp(EmulatorApp):
    """The emulator's answer to a window, its rows repeated to `rows` and streamed in chunks.

    JSON bodies must be a bare array (Oct8ne) or an object with one array member; CSV bodies
    a header line then one line per row (CoBrowser).
    """

    name = "bulk"

    def __init__(self, app: EmulatorApp, rows: int, bulk: str, member: str | None = None) -> None:
        self.app = app
        self.rows = rows
        #: only requests whose path or `c` command contains this are made bulky
        self.bulk = bulk
        self.member = member

    def handle(self, request: Request) -> Reply:
        if request.path == REPLAY_PATH:  # the baseline reads what the tap read
            request = self.replayed
        reply = self.app.handle(request)
        wanted = self.bulk in request.path or self.bulk == request.query.get("c")
        if wanted:
            self.replayed = request
        if reply.status != 200 or not wanted:
            return reply
        body = reply.body_bytes()
        if "csv" in reply.content_type:
            return Reply(body=self._csv(body), content_type=reply.content_type)
        return Reply(body=self._json(json.loads(body)), content_type=reply.content_type)

    def _repeat(self, encoded: list[bytes], separator: bytes) -> t.Iterator[bytes]:
        if not encoded:
            raise ValueError("the emulator's window holds no rows to repeat")
        for start in range(0, self.rows, CHUNK_ROWS):
            count = min(CHUNK_ROWS, self.rows - start)
            chunk = separator.join(encoded[(start + i) % len(encoded)] for i in range(count))
            yield (separator if start else b"") + chunk

    def _json(self, payload: t.Any) -> t.Iterator[bytes]:
        rows = payload if self.member is None else payload[self.member]
        if self.member is None:
            yield b"["
        else:  # the envelope's other members (`status`...) first, then the records
            others = json.dumps({k: v for k, v in payload.items() if k != self.member})
            yield (others[:-1] + (", " if len(others) > 2 else "")).encode()
            yield f'"{self.member}": ['.encode()
        yield from self._repeat([json.dumps(row).encode() for row in rows], b",")
        yield b"]" if self.member is None else b"]}"

    def _csv(self, body: bytes) -> t.Iterator[bytes]:
        header, _, rest = body.partition(b"\n")
        lines = [line for line in rest.split(b"\n") if line.strip()]
        yield header + b"\n"
        yield from self._repeat(lines, b"\n")
        yield b"\n"


def one_day_config(case: t.Any, url: str, day: dt.date, **extra: t.Any) -> dict:
    """A config reading exactly one past day (one request for a one-day window)."""
    config = case.config(url, day) | {"start_date": noon(day), "end_date": noon(day)}
    return config | extra


def busy_day() -> dt.date:
    """A recent past day on which every emulator has rows (Oct8ne skips 2 UTC days in 7)."""
    day = dt.date.today() - dt.timedelta(days=3)
    while day.toordinal() % 7 in (3, 4):
        day -= dt.timedelta(days=1)
    return day


@dataclass
class ThroughputCase:
    """One tap stream read over one window of bulk rows."""

    label: str
    tap: str
    case: t.Any
    app: EmulatorApp
    stream: str
    bulk: str
    member: str | None = None
    extra: dict | None = None
    csv_delimiter: str | None = None


def throughput_cases() -> list[ThroughputCase]:
    """A JSON stream of Oct8ne and Chat-Tonic, the CSV stream of CoBrowser's conversations."""
    return [
        ThroughputCase(
            "tap-oct8ne `sessions` (JSON)",
            "tap-oct8ne",
            oct8ne.CASE,
            oct8ne.CASE.make_app(),
            "sessions",
            "sessions",
        ),
        ThroughputCase(
            "tap-chattonic `operator_stats_daily` (JSON)",
            "tap-chattonic",
            chattonic.CASE,
            chattonic.make_app(token_lifetime=None),
            "operator_stats_daily",
            "/stats/operator",
            member="operators",
        ),
        ThroughputCase(
            "tap-cobrowser `conversations` (CSV)",
            "tap-cobrowser",
            cobrowser.CASE,
            cobrowser.make_app(),
            "conversations",
            "conversations",
            extra={"window_days": 1},
            csv_delimiter=";",
        ),
    ]


def throughput(rows: int) -> list[Row]:
    """Records per second of each tap on a one-window body of `rows` rows, and its baseline.

    The baseline reads the very body the tap read (replayed by the emulator) with the tap
    stream's schema, right after the tap, so both meet the same machine load.
    """
    day = busy_day()
    table = []
    for run in throughput_cases():
        bulk_app = BulkApp(run.app, rows, run.bulk, run.member)
        with EmulatorServer(bulk_app) as server:
            config = one_day_config(run.case, server.url, day, **(run.extra or {}))
            streams = run.case.tap_class(
                config=config, parse_env_config=False, validate_config=True
            ).streams
            tap_run = checked(run_tap([str(BIN / run.tap)], config), f"{run.tap} throughput")
            baseline_config = {
                "base_url": server.url,
                "stream": run.stream,
                "schema": streams[run.stream].schema,
                "records_jsonpath": f"$.{run.member}[*]" if run.member else "$[*]",
            }
            if run.csv_delimiter:
                baseline_config["csv_delimiter"] = run.csv_delimiter
            base_run = checked(run_tap(BASELINE, baseline_config), "baseline stream")
        rate, base_rate = rows / tap_run.seconds, rows / base_run.seconds
        table.append(
            Row(
                f"baseline: plain singer-sdk stream, the same {rows:,} rows as below",
                f"{base_rate:,.0f} records/s, peak RSS {base_run.peak_rss_mb:.0f} MB",
                "(reference)",
                None,
            )
        )
        table.append(
            Row(
                f"records/s, {run.label}, one window of {rows:,} rows",
                f"{rate:,.0f} records/s = {rate / base_rate:.2f} x baseline, peak RSS "
                f"{tap_run.peak_rss_mb:.0f} MB",
                "≥ 1.5 x baseline",
                rate >= 1.5 * base_rate,
            )
        )
    return table


def peak_memory() -> list[Row]:
    """tap-oct8ne reading one response of 100,000 then 1,000,000 rows."""
    day = busy_day()
    peaks = {}
    for rows in (100_000, 1_000_000):
        app = oct8ne.CASE.make_app()
        with EmulatorServer(BulkApp(app, rows, "sessions")) as server:
            config = one_day_config(oct8ne.CASE, server.url, day)
            peaks[rows] = checked(
                run_tap([str(BIN / "tap-oct8ne")], config), "tap-oct8ne memory"
            ).peak_rss_mb
    growth = peaks[1_000_000] - peaks[100_000]
    return [
        Row(
            "peak RSS, tap-oct8ne, one response of 100,000 / 1,000,000 rows",
            f"{peaks[100_000]:.0f} MB / {peaks[1_000_000]:.0f} MB (+{growth:.0f} MB for 10x rows)",
            "≤ 150 MB, flat",
            peaks[1_000_000] <= 150 and growth <= 15,
        )
    ]


def comparable_output(path: Path) -> list:
    """RECORD and STATE messages of a tap's stdout, without the instants of its clock."""
    output = []
    for line in path.read_text().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            output.append((message["stream"], message["record"]))
        elif message["type"] == "STATE":
            bookmarks = message["value"].get("bookmarks", {})
            output.append(
                {
                    s: {k: v for k, v in e.items() if "signpost" not in k}
                    for s, e in bookmarks.items()
                }
            )
    return output


def jaicp_parallel(sessions: int = 2000, latency: float = 0.1) -> list[Row]:
    """JAICP messages of `sessions` sessions, each request answered after `latency` s."""
    last = dt.date.today() - dt.timedelta(days=2)
    first = last - dt.timedelta(days=4)
    per_day = sessions // 5
    data = JaicpData(per_day=per_day)
    while (count := len(data.sessions_on_days(first, last))) < sessions:
        per_day += max(1, per_day // 100)  # the emulator's days vary around `per_day`
        data = JaicpData(per_day=per_day)
    seconds, outputs = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for parallel in (1, 8):
            app = JaicpEmulator(api_token="bench-jaicp-token", data=data)
            with EmulatorServer(app) as server:
                server.inject(Fault(kind="slow", delay=latency, times=10**9, path="messages"))
                config = {
                    "api_token": "bench-jaicp-token",
                    "base_url": server.url,
                    "start_date": noon(first),
                    "end_date": noon(last),
                    "window_days": 31,
                    "page_size": JAICP_MAX_PAGE,
                    "max_parallel_requests": parallel,
                }
                out = Path(tmp) / f"out-{parallel}.jsonl"
                with out.open("wb") as stdout:
                    result = run_tap([str(BIN / "tap-jaicp")], config, stdout=stdout)
                checked(result, f"tap-jaicp, max_parallel_requests {parallel}")
            seconds[parallel] = result.seconds
            outputs[parallel] = comparable_output(out)
    speedup = seconds[1] / seconds[8]
    same = outputs[1] == outputs[8]
    return [
        Row(
            f"JAICP messages of {count:,} sessions, {latency * 1000:.0f} ms emulated latency, "
            "`max_parallel_requests` 1 vs 8",
            f"{seconds[1]:.1f} s vs {seconds[8]:.1f} s = {speedup:.1f}x faster; output "
            f"{'identical' if same else 'DIFFERENT'} ({len(outputs[8]):,} RECORD/STATE messages)",
            ">= 5x faster at 8, identical output",
            speedup >= 5 and same,
        )
    ]


def machine() -> str:
    """Where the figures were taken."""
    cpus = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.python_implementation()} {platform.python_version()} on {platform.system()} "
        f"{platform.machine()}, {cpus} CPU(s) shared with other users (load average {load})"
    )


def main() -> None:
    """Measure, then print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the throughput body")
    args = parser.parse_args()
    started = time.perf_counter()
    rows: list[Row] = []
    rows += all_request_ratios()
    rows += oct8ne_floor()
    rows += throughput(args.rows)
    rows += peak_memory()
    rows += jaicp_parallel()
    print(f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}.\n")
    print("| figure | measured | target | met |")
    print("|---|---|---|---|")
    for row in rows:
        print(row.markdown())
    print(f"\n(`make bench` took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
