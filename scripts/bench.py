"""`make bench`: how close the taps sit to the floor the vendors' limits set, in one run.

Every figure is measured against the emulators on loopback, with each tap run as a
subprocess the way Meltano runs it, and printed as one markdown table (see BENCHMARKS.md):

- requests made / minimum possible, for each windowed stream's backfill;
- Oct8ne's rate-limited wall time against its floor, (requests - 1) x interval;
- records per second of the tap process (stdout to /dev/null), against a plain `singer-sdk`
  stream reading the same body with default settings;
- peak RSS of a tap reading one response of 100,000 and 1,000,000 rows;
- peak RSS of the taps that decode a body whole, at the largest body each accepts.

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
from urllib.parse import quote

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
MB = 1 << 20
JAICP_MAX_PAGE = 1000
#: The reference: a plain singer-sdk stream with default settings (scripts/bench_baseline.py).
BASELINE = [sys.executable, str(ROOT / "scripts" / "bench_baseline.py")]
#: The floor: a bare Python program, the same bodies to RECORD lines (scripts/bench_floor.py).
FLOOR = [sys.executable, str(ROOT / "scripts" / "bench_floor.py")]
REPLAY_PATH = "/_bench/replay"


@dataclass
class Row:
    """One line of the printed table."""

    figure: str
    measured: str
    target: str
    #: met, not met, a reference figure (None), or why it is not measured (text)
    ok: bool | str | None

    def markdown(self) -> str:
        verdict = (
            self.ok
            if isinstance(self.ok, str)
            else {True: "yes", False: "**no**", None: "(reference)"}[self.ok]
        )
        return f"| {self.figure} | {self.measured} | {self.target} | {verdict} |"


@dataclass
class TapResult:
    """What one tap process cost."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stderr: str


#: Runs a command and reports its own peak RSS. A child started straight from the bench
#: would inherit the bench's high-water mark (Linux keeps it across vfork + exec, and the bench
#: holds bulk bodies), so the command is forked from this small interpreter instead.
RSS_WRAPPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_tap(
    command: list[str],
    config: dict,
    *,
    stdout: t.Any = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> TapResult:
    """Run a tap like Meltano does; wall time and the peak RSS of that process alone."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        err_path, rss_path = Path(tmp) / "stderr", Path(tmp) / "rss"
        wrapped = [sys.executable, "-I", "-S", "-c", RSS_WRAPPER, str(rss_path), *command]
        with err_path.open("wb") as err:
            started = time.perf_counter()
            process = subprocess.run(
                [*wrapped, "--config", str(config_path)], stdout=stdout, stderr=err, env=env
            )
            seconds = time.perf_counter() - started
        rss_kb = int(rss_path.read_text() or 0) if rss_path.exists() else 0
        return TapResult(seconds, rss_kb / 1024, process.returncode, err_path.read_text())


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
        # messages as the child of sessions: by time, their requests are in "modes"
        extra_config={
            "page_size": JAICP_MAX_PAGE,
            "window_days": 31,
            "messages_mode": "by_session",
        },
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


def jaicp_messages_modes(messages_per_session: int = 20) -> list[Row]:
    """A 30-day JAICP backfill's messages requests, `messages_mode` by_time vs by_session."""
    about = subprocess.run(
        [str(BIN / "tap-jaicp"), "--about", "--format", "json"], capture_output=True, check=True
    )
    if "messages_mode" not in json.loads(about.stdout).get("settings", {}).get("properties", {}):
        return [
            Row(
                "JAICP requests for a 30-day backfill, `messages_mode` by_time vs by_session",
                "not measured: this tap-jaicp has no `messages_mode` (issue 12)",
                "by_time ≤ 1/20 of by_session",
                "not measured",
            )
        ]
    last = dt.date.today() - dt.timedelta(days=2)
    first = last - dt.timedelta(days=29)
    rows = []
    for label, sizes in (
        ("page_size 1000, window_days 31", {"page_size": JAICP_MAX_PAGE, "window_days": 31}),
    ):
        made = {}
        for mode, path in (("by_time", "messages/filter"), ("by_session", "messages/by-session")):
            data = JaicpData(messages_per_session=messages_per_session)  # type: ignore[call-arg]
            with EmulatorServer(JaicpEmulator(api_token=jaicp.JAICP_TOKEN, data=data)) as server:
                config = jaicp.CASE.config(server.url, first) | sizes
                config |= {"start_date": noon(first), "end_date": noon(last)}
                checked(
                    run_tap([str(BIN / "tap-jaicp")], config | {"messages_mode": mode}),
                    f"tap-jaicp messages_mode {mode}",
                )
                made[mode] = (len(server.served(path)), len(server.requests))
        ratio = made["by_time"][0] / made["by_session"][0]
        rows.append(
            Row(
                f"JAICP messages requests for a 30-day backfill, {messages_per_session} "
                f"messages/session, {label}: by_time vs by_session",
                f"{made['by_time'][0]} vs {made['by_session'][0]} = 1/{1 / ratio:.0f} "
                f"(whole run: {made['by_time'][1]} vs {made['by_session'][1]} requests)",
                "by_time ≤ 1/20 of by_session",
                ratio <= 1 / 20,
            )
        )
    return rows


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
    # Bulk bodies are sent chunked, and urllib3's `tell()` does not count chunked bytes, so
    # the decompression guard (issue 13) would see every byte as expanded from one: off here,
    # as is the size limit (the bench sends 1,000,000 rows in one body on purpose).
    config |= {"max_decompression_ratio": 10**12, "max_response_mb": 10**6}
    return config | extra


def busy_day() -> dt.date:
    """A recent past day on which every emulator has rows (Oct8ne skips 2 UTC days in 7)."""
    day = dt.date.today() - dt.timedelta(days=3)
    while day.toordinal() % 7 in (3, 4):
        day -= dt.timedelta(days=1)
    return day


class JaicpBulkApp(EmulatorApp):
    """JAICP's Reporter API at bulk size, for any token: pages over `sessions`, and for every
    session `messages_per_session` messages (the emulator's own rows, one session's worth).

    Bodies are encoded once, before any program is timed, so the emulator's own work does
    not weigh on whichever program runs first.
    """

    name = "jaicp-bulk"

    def __init__(self, sessions: list[dict], messages_per_session: int = 0) -> None:
        self.sessions = sessions
        self.pages: dict[tuple[int, int], bytes] = {}
        for page in range(math.ceil(len(sessions) / JAICP_MAX_PAGE)):
            self._sessions_page(page, JAICP_MAX_PAGE)
        template = {
            **sessions[0],
            "sessionId": "__SESSION__",
            "questionCount": messages_per_session,
        }
        self.messages_template = self._page_body(
            "messages", JaicpData.messages(template), 0, JAICP_MAX_PAGE
        )

    @staticmethod
    def _page_body(member: str, rows: list[dict], page: int, size: int) -> bytes:
        paging = {"pageNum": page, "pageSize": size, "totalCount": len(rows)}
        records = rows[page * size : (page + 1) * size]
        return json.dumps({"paging": paging, member: records}).encode()

    def _sessions_page(self, page: int, size: int) -> bytes:
        if (page, size) not in self.pages:
            self.pages[page, size] = self._page_body("sessions", self.sessions, page, size)
        return self.pages[page, size]

    def handle(self, request: Request) -> Reply:
        page, size = int(request.query.get("page", "0")), int(request.query.get("size", "20"))
        if request.path.endswith("/sessions/filter"):
            return Reply(body=self._sessions_page(page, size))
        if request.path.endswith("/messages/by-session") and size == JAICP_MAX_PAGE:
            if page > 0:  # a reader that pages on while pages are full finds the end
                return Reply(body=self._page_body("messages", [], page, size))
            session_id = json.dumps(request.json()["sessionId"])[1:-1].encode()
            return Reply(body=self.messages_template.replace(b"__SESSION__", session_id))
        return Reply.json({"error": "Not Found"}, status=404)


def jaicp_bulk_sessions(count: int, day: dt.date) -> list[dict]:
    """`count` sessions: the emulator's sessions of a month, repeated with unique ids."""
    month = JaicpData().sessions_on_days(day - dt.timedelta(days=30), day)
    return [
        month[i % len(month)] | {"sessionId": f"{month[i % len(month)]['sessionId']}-{i}"}
        for i in range(count)
    ]


@dataclass
class Probe:
    """One stream read by the tap, the floor and the baseline, from the same bodies."""

    label: str
    tap: str
    stream: str
    rows: int
    app: EmulatorApp
    #: url -> (tap config, floor config, baseline config)
    configs: t.Callable[[str], tuple[dict, dict, dict]]


@dataclass
class ProbeResult:
    """Best-of-`reps` seconds and peak RSS of each program on one probe."""

    probe: Probe
    seconds: dict[str, float]
    rss_mb: dict[str, float]
    load: float

    def rate(self, program: str) -> float:
        return self.probe.rows / self.seconds[program]


def time_fields(schema: dict, kind: str) -> dict[str, str]:
    """The schema's date-time fields, each written by the vendor as `kind` (for the floor)."""
    return {
        name: kind
        for name, prop in schema["properties"].items()
        if prop.get("format") == "date-time"
    }


def stream_schemas(case: t.Any, day: dt.date) -> dict[str, dict]:
    """Each stream's schema, as the tap declares it."""
    tap = case.tap_class(config=case.config("http://127.0.0.1:9", day), parse_env_config=False)
    return {name: stream.schema for name, stream in tap.streams.items()}


def oct8ne_probe(rows: int, day: dt.date) -> Probe:
    """tap-oct8ne `sessions`: one JSON array, streamed."""
    schema = stream_schemas(oct8ne.CASE, day)["sessions"]

    def configs(url: str) -> tuple[dict, dict, dict]:
        tap = one_day_config(oct8ne.CASE, url, day)
        floor = {
            "url": url + REPLAY_PATH,
            "stream": "sessions",
            "format": "json",
            "time_fields": time_fields(schema, "local"),
            "utc_offset": tap["utc_offset"],
        }
        base = {"base_url": url, "stream": "sessions", "schema": schema}
        return tap, floor, base

    app = BulkApp(oct8ne.CASE.make_app(), rows, "sessions")
    return Probe("tap-oct8ne `sessions` (JSON)", "tap-oct8ne", "sessions", rows, app, configs)


def cobrowser_probe(rows: int, day: dt.date) -> Probe:
    """tap-cobrowser `conversations`: one CSV export, streamed."""
    schema = stream_schemas(cobrowser.CASE, day)["conversations"]

    def configs(url: str) -> tuple[dict, dict, dict]:
        tap = one_day_config(cobrowser.CASE, url, day, window_days=1)
        floor = {
            "url": url + REPLAY_PATH,
            "stream": "conversations",
            "format": "csv",
            "csv_delimiter": ";",
            "time_fields": time_fields(schema, "rfc2822"),
        }
        base = {"base_url": url, "stream": "conversations", "schema": schema, "csv_delimiter": ";"}
        return tap, floor, base

    app = BulkApp(cobrowser.make_app(), rows, "conversations")
    return Probe(
        "tap-cobrowser `conversations` (CSV)", "tap-cobrowser", "conversations", rows, app, configs
    )


def jaicp_probe(stream: str, rows: int, day: dt.date) -> Probe:
    """tap-jaicp `sessions` (pages of 1,000) or `messages` (1,000 per session, one page each)."""
    schemas = stream_schemas(jaicp.CASE, day)
    token = jaicp.JAICP_TOKEN
    if stream == "sessions":
        app = JaicpBulkApp(jaicp_bulk_sessions(rows, day))
    else:
        app = JaicpBulkApp(
            jaicp_bulk_sessions(rows // JAICP_MAX_PAGE, day), messages_per_session=JAICP_MAX_PAGE
        )

    def configs(url: str) -> tuple[dict, dict, dict]:
        tap = one_day_config(
            jaicp.CASE,
            url,
            day,
            page_size=JAICP_MAX_PAGE,
            window_days=31,
            messages_mode="by_session",
        )
        root = f"/api/reporter/p/{quote(token, safe='')}"
        sessions = {
            "url": f"{url}{root}/sessions/filter",
            "method": "POST",
            "body": {"filters": []},
            "paged": True,
            "size": JAICP_MAX_PAGE,
            "records_member": "sessions",
        }
        messages = {
            "url": f"{url}{root}/messages/by-session",
            "method": "POST",
            "paged": True,
            "size": JAICP_MAX_PAGE,
            "records_member": "messages",
            "child_key": "sessionId",
            "parent_key": "sessionId",
        }
        floor = sessions | {
            "stream": stream,
            "format": "json",
            "time_fields": time_fields(schemas[stream], "iso"),
        }
        base = {
            "base_url": url,
            "stream": "sessions",
            "schema": schemas["sessions"],
            "path": f"{root}/sessions/filter",
            "payload": {"filters": []},
            "page_size": JAICP_MAX_PAGE,
            "records_jsonpath": "$.sessions[*]",
        }
        if stream == "messages":
            floor["children"] = messages
            base["child"] = {
                "stream": "messages",
                "schema": schemas["messages"],
                "path": f"{root}/messages/by-session",
                "page_size": JAICP_MAX_PAGE,
                "records_jsonpath": "$.messages[*]",
            }
        return tap, floor, base

    shape = "pages of 1,000" if stream == "sessions" else "1,000 per session, a page each"
    return Probe(f"tap-jaicp `{stream}` (JSON, {shape})", "tap-jaicp", stream, rows, app, configs)


def probes(rows: int) -> list[Probe]:
    """The streams whose records/s the issue sets targets for."""
    day = busy_day()
    return [
        oct8ne_probe(rows, day),
        cobrowser_probe(rows, day),
        jaicp_probe("sessions", rows, day),
        jaicp_probe("messages", rows, day),
    ]


def catalog_selecting(tap: str, config: dict, stream: str, directory: Path) -> Path:
    """The tap's discovered catalog with only `stream` selected (its parents are still read)."""
    config_path = directory / "discover-config.json"
    config_path.write_text(json.dumps(config))
    found = subprocess.run(
        [str(BIN / tap), "--config", str(config_path), "--discover"],
        capture_output=True,
        check=True,
    )
    catalog = json.loads(found.stdout)
    for entry in catalog["streams"]:
        for metadata in entry["metadata"]:
            if metadata["breadcrumb"] == []:
                metadata["metadata"]["selected"] = entry["tap_stream_id"] == stream
    path = directory / f"catalog-{tap}-{stream}.json"
    path.write_text(json.dumps(catalog))
    return path


def probe_programs(probe: Probe, url: str, tmp: Path) -> dict[str, tuple[list[str], dict]]:
    """The tap (its catalog selecting the probed stream), the floor and the baseline of a
    probe: each one's command and config, for the emulator at `url`.
    """
    tap_config, floor_config, base_config = probe.configs(url)
    catalog = catalog_selecting(probe.tap, tap_config, probe.stream, tmp)
    return {
        "tap": ([str(BIN / probe.tap), "--catalog", str(catalog)], tap_config),
        "floor": (FLOOR, floor_config),
        "baseline": (BASELINE, base_config),
    }


def measure_probe(probe: Probe, reps: int) -> ProbeResult:
    """Tap, floor and baseline on the same bodies, alternately, `reps` times; best of each."""
    seconds: dict[str, float] = {}
    rss: dict[str, float] = {}
    with EmulatorServer(probe.app) as server, tempfile.TemporaryDirectory() as tmp:
        programs = probe_programs(probe, server.url, Path(tmp))
        tap_config = programs["tap"][1]
        order = list(programs)
        load = os.getloadavg()[0]
        for rep in range(reps):
            for name in order if rep % 2 == 0 else reversed(order):
                command, config = programs[name]
                result = checked(run_tap(command, config), f"{name} of {probe.label}")
                seconds[name] = min(seconds.get(name, math.inf), result.seconds)
                rss[name] = max(rss.get(name, 0.0), result.peak_rss_mb)
            # what each process costs before its first request: imports, settings
            for name, command in (
                ("tap start", [str(BIN / probe.tap), "--about"]),
                ("floor start", [*FLOOR, "--help"]),
            ):
                result = checked(run_tap(command, tap_config), f"{name} of {probe.label}")
                seconds[name] = min(seconds.get(name, math.inf), result.seconds)
        load = max(load, os.getloadavg()[0])
    return ProbeResult(probe, seconds, rss, load)


def throughput_table(results: list[ProbeResult], reps: int) -> list[str]:
    """Tap, floor and baseline side by side, with both ratios against their targets."""
    lines = [
        f"| stream ({results[0].probe.rows:,} rows; best of {reps}, alternated) | tap rec/s "
        "| floor rec/s | baseline rec/s | tap ÷ floor (≥ 0.60) | tap ÷ baseline (≥ 2.0) "
        "| peak RSS tap / floor / baseline | start-up tap / floor | tap ÷ floor after start-up "
        "| load avg |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        to_floor, to_base = r.rate("tap") / r.rate("floor"), r.rate("tap") / r.rate("baseline")
        started = {p: r.seconds[p] - r.seconds[f"{p} start"] for p in ("tap", "floor")}
        lines.append(
            f"| {r.probe.label} | {r.rate('tap'):,.0f} | {r.rate('floor'):,.0f} "
            f"| {r.rate('baseline'):,.0f} | {to_floor:.2f} {verdict(to_floor >= 0.60)} "
            f"| {to_base:.2f} {verdict(to_base >= 2.0)} "
            f"| {r.rss_mb['tap']:.0f} / {r.rss_mb['floor']:.0f} / {r.rss_mb['baseline']:.0f} MB "
            f"| {r.seconds['tap start']:.2f} / {r.seconds['floor start']:.2f} s "
            f"| {started['floor'] / started['tap']:.2f} | {r.load:.1f} |"
        )
    return lines


def verdict(ok: bool) -> str:
    """How a figure stands against its target, in the table."""
    return "(met)" if ok else "(**not met**)"


def peak_memory() -> list[Row]:
    """tap-oct8ne and tap-cobrowser reading one response of 100,000 then 1,000,000 rows."""
    day = busy_day()
    rows = []
    for probe_of in (oct8ne_probe, cobrowser_probe):
        peaks = {}
        for count in (100_000, 1_000_000):
            probe = probe_of(count, day)
            with EmulatorServer(probe.app) as server, tempfile.TemporaryDirectory() as tmp:
                config = probe.configs(server.url)[0]
                catalog = catalog_selecting(probe.tap, config, probe.stream, Path(tmp))
                command = [str(BIN / probe.tap), "--catalog", str(catalog)]
                peaks[count] = checked(run_tap(command, config), f"{probe.tap} memory").peak_rss_mb
        growth = peaks[1_000_000] - peaks[100_000]
        rows.append(
            Row(
                f"peak RSS, {probe.label}, one response of 100,000 / 1,000,000 rows",
                f"{peaks[100_000]:.0f} MB / {peaks[1_000_000]:.0f} MB "
                f"(+{growth:.0f} MB for 10x rows)",
                "≤ 100 MB, flat",
                peaks[1_000_000] <= 100 and growth <= 10,
            )
        )
    return rows


class OnePageApp(JaicpBulkApp):
    """JAICP answering the first sessions page with every session at once (a hostile page)."""

    def __init__(self, sessions: list[dict]) -> None:
        super().__init__(sessions[:1])
        self.pages[0, JAICP_MAX_PAGE] = self._page_body("sessions", sessions, 0, len(sessions))


class EightByEightBulkApp(EmulatorApp):
    """8x8's agents list, the emulator's agents repeated (unique ids) to `megabytes` MB."""

    name = "8x8-bulk"

    def __init__(self, megabytes: float) -> None:
        from emulators.eight_by_eight import EightByEightData

        agents = EightByEightData().agents_at(1)
        rows = []
        size = 0
        while size < megabytes * MB:
            row = agents[len(rows) % len(agents)] | {"agent-id": f"bulk{len(rows)}"}
            rows.append(row)
            size += len(json.dumps(row)) + 1
        self.body = json.dumps({"agent": rows}).encode()

    def handle(self, request: Request) -> Reply:
        if request.path.endswith("/agents.json"):
            return Reply(body=self.body)
        return Reply.json({"error": "Not Found"}, status=404)


def largest_body_runs(day: dt.date) -> dict[str, tuple[TapResult, int]]:
    """tap-jaicp reading one 32 MB sessions page, tap-8x8 one agents body just under the
    16 MiB it parses at once and one of 24 MB (refused): each run and its body's size.
    """
    from tests.cases import eight_by_eight

    runs: dict[str, tuple[TapResult, int]] = {}
    sessions = jaicp_bulk_sessions(64_000, day)
    app: EmulatorApp = OnePageApp(sessions)
    size = len(app.pages[0, JAICP_MAX_PAGE])  # type: ignore[attr-defined]
    with EmulatorServer(app) as server, tempfile.TemporaryDirectory() as tmp:
        config = one_day_config(jaicp.CASE, server.url, day, page_size=JAICP_MAX_PAGE)
        catalog = catalog_selecting("tap-jaicp", config, "sessions", Path(tmp))
        command = [str(BIN / "tap-jaicp"), "--catalog", str(catalog)]
        runs["tap-jaicp, one sessions page"] = (run_tap(command, config), size)
    for label, megabytes in (("accepted", 15.5), ("refused", 24)):
        app = EightByEightBulkApp(megabytes)
        size = len(app.body)
        with EmulatorServer(app) as server, tempfile.TemporaryDirectory() as tmp:
            config = eight_by_eight.CASE.config(server.url, day)
            catalog = catalog_selecting("tap-8x8", config, "agents", Path(tmp))
            command = [str(BIN / "tap-8x8"), "--catalog", str(catalog)]
            runs[f"tap-8x8, one agents body ({label})"] = (run_tap(command, config), size)
    return runs


#: what a tap reading one body may take, whatever the body (issue 27)
BODY_RSS_TARGET_MB = 150


def largest_bodies() -> list[Row]:
    """Peak RSS of the taps that decode a body whole, at the largest body each accepts (the
    streaming taps' flat memory is `peak_memory`'s).
    """
    rows = []
    for label, (result, size) in largest_body_runs(busy_day()).items():
        outcome = "read" if result.returncode == 0 else "refused"
        rows.append(
            Row(
                f"peak RSS, {label} of {size / MB:.0f} MB ({outcome})",
                f"{result.peak_rss_mb:.0f} MB",
                f"≤ {BODY_RSS_TARGET_MB} MB",
                result.peak_rss_mb <= BODY_RSS_TARGET_MB,
            )
        )
    return rows


# -- output identity: the tap as optimised against the tap before ------------------------------

#: The commit whose taps the identity check compares against: the record path before this
#: round of optimisations (`--reference` to pick another).
REFERENCE = "9c2dc0f"
IDENTITY_CASES = (oct8ne.CASE, cobrowser.CASE, jaicp.CASE, chattonic.CASE)


def normalised_output(data: bytes) -> list:
    """Every message of a tap's stdout, without what depends on the run's clock."""
    messages = []
    for line in data.splitlines():
        message = json.loads(line)
        message.pop("time_extracted", None)
        if message["type"] in ("RECORD", "ACTIVATE_VERSION"):
            message.pop("version", None)
        if message["type"] == "STATE":
            message = {"type": "STATE", "value": without_signposts(message["value"])}
        messages.append(message)
    return messages


def without_signposts(value: t.Any) -> t.Any:
    """STATE without the run clock's signposts."""
    if isinstance(value, dict):
        return {k: without_signposts(v) for k, v in value.items() if "signpost" not in k}
    if isinstance(value, list):
        return [without_signposts(v) for v in value]
    return value


def reference_tree(rev: str, directory: Path) -> Path | None:
    """The taps' packages as of `rev`, unpacked into `directory` (None: no such commit)."""
    packages = ["tapkit", *sorted(p.name for p in ROOT.glob("tap_*") if p.is_dir())]
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, *packages], capture_output=True
    )
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return directory


def tap_output(command: list[str], config: dict, cwd: Path | None = None) -> bytes:
    """A tap's whole stdout for `config`, run in `cwd` (where `python -c` imports from)."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        config_path.write_text(json.dumps(config))
        result = subprocess.run(
            [*command, "--config", str(config_path)], capture_output=True, cwd=cwd
        )
    if result.returncode != 0:
        sys.exit(f"bench: {command[0]} failed:\n{result.stderr.decode()[-3000:]}")
    return result.stdout


def output_identity(reference: str) -> list[Row]:
    """Each tap's whole output (every stream, one past day of its emulator's data) against
    the same tap at `reference`, imported from an unpacked copy of that commit; only
    `time_extracted`, table versions and the run clock's signposts may differ."""
    day = busy_day()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tree = reference_tree(reference, Path(tmp))
        if tree is None:
            return [
                Row(
                    "output identical to the taps at " + reference,
                    "commit not found (a shallow clone?): not checked",
                    "identical",
                    False,
                )
            ]
        for case in IDENTITY_CASES:
            cls = case.tap_class
            reference_command = [
                sys.executable,
                "-c",
                # the reference must import from the unpacked commit, not from this checkout
                f"import tapkit; assert tapkit.__file__.startswith({str(tree)!r}); "
                f"from {cls.__module__} import {cls.__name__} as T; T.cli()",
            ]
            outputs = []
            for command, cwd in ((reference_command, tree), ([str(BIN / case.tap)], None)):
                with EmulatorServer(case.make_app()) as server:
                    config = one_day_config(case, server.url, day)
                    outputs.append(normalised_output(tap_output(command, config, cwd)))
            same = outputs[0] == outputs[1]
            records = sum(1 for m in outputs[1] if m["type"] == "RECORD")
            streams = sorted({m["stream"] for m in outputs[1] if m["type"] == "RECORD"})
            rows.append(
                Row(
                    f"output of {case.tap} identical to the tap at {reference} (all but "
                    "`time_extracted`), one day of the emulator",
                    f"{'identical' if same else '**DIFFERENT**'}: {len(outputs[1]):,} messages, "
                    f"{records:,} records of {len(streams)} stream(s) ({', '.join(streams)})",
                    "identical",
                    same,
                )
            )
    return rows


# -- end to end: Meltano into PostgreSQL -------------------------------------------------------


def end_to_end(rows: int) -> list[Row]:
    """`meltano run tap-cobrowser target-postgres` on `rows` conversations, and the target
    alone (`meltano invoke target-postgres`, an empty database) fed the tap's Singer output."""
    from tests.meltano_support import MELTANO, meltano_env
    from tests.postgres import PostgresServer

    day = busy_day()
    postgres = PostgresServer.start()
    seconds = {}
    try:
        with EmulatorServer(BulkApp(cobrowser.make_app(), rows, "conversations")) as server:
            config = one_day_config(cobrowser.CASE, server.url, day, window_days=1)
            with tempfile.TemporaryDirectory() as tmp:
                envs = {}
                for database in ("bench_run", "bench_target"):
                    postgres.create_database(database)
                    envs[database] = meltano_env(
                        cobrowser.CASE, config, postgres, database, Path(tmp) / f"{database}.db"
                    ) | {"TAP_COBROWSER__SELECT": json.dumps(["conversations.*"])}
                singer = Path(tmp) / "conversations.jsonl"
                steps = {
                    "run": (["run", "tap-cobrowser", "target-postgres"], "bench_run", None, None),
                    "tap": (["invoke", "tap-cobrowser"], "bench_target", None, singer),
                    "target": (["invoke", "target-postgres"], "bench_target", singer, None),
                }
                for step, (args, database, stdin, stdout) in steps.items():
                    with (
                        stdin.open("rb") if stdin else open(os.devnull, "rb") as source,
                        stdout.open("wb") if stdout else open(os.devnull, "wb") as sink,
                    ):
                        started = time.perf_counter()
                        done = subprocess.run(
                            [str(MELTANO), *args],
                            cwd=ROOT,
                            env=envs[database],
                            stdin=source,
                            stdout=sink,
                            stderr=subprocess.PIPE,
                        )
                        seconds[step] = time.perf_counter() - started
                    if done.returncode != 0:
                        sys.exit(
                            f"bench: meltano {' '.join(args)} failed:\n"
                            f"{done.stderr.decode()[-3000:]}"
                        )
    finally:
        postgres.stop()
    rate = {step: rows / s for step, s in seconds.items()}
    bound = "the target" if rate["target"] < rate["tap"] else "the tap"
    return [
        Row(
            f"end to end: `meltano run tap-cobrowser target-postgres`, {rows:,} conversations",
            f"run {rate['run']:,.0f} rows/s ({seconds['run']:.1f} s); target alone fed the same "
            f"Singer file {rate['target']:,.0f} rows/s ({seconds['target']:.1f} s); tap alone "
            f"(`meltano invoke`) {rate['tap']:,.0f} rows/s: {bound} bounds the run (the run "
            f"goes at {rate['run'] / min(rate['tap'], rate['target']):.2f} of its slower side "
            "alone, both sharing the machine's cores)",
            "say which side bounds the run",
            None,
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


def into_a_pipe(rows: int) -> list[Row]:
    """tap-jaicp `sessions` and the floor writing into a pipe, as a tap writes to Meltano,
    with `PYTHONUNBUFFERED=1` (common in containers: stdout then has no buffer) and without.
    """
    probe = jaicp_probe("sessions", rows, busy_day())
    results: dict[tuple[str, str], float] = {}
    with EmulatorServer(probe.app) as server, tempfile.TemporaryDirectory() as tmp:
        programs = probe_programs(probe, server.url, Path(tmp))
        del programs["baseline"]
        for unbuffered in ("1", ""):
            env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
            if unbuffered:
                env["PYTHONUNBUFFERED"] = unbuffered
            for name, (command, config) in programs.items():
                with subprocess.Popen(
                    ["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL
                ) as reader:
                    result = run_tap(command, config, stdout=reader.stdin, env=env)
                    t.cast("t.IO[bytes]", reader.stdin).close()
                checked(result, f"{name} into a pipe")
                results[(name, unbuffered)] = rows / result.seconds
    lines = []
    for unbuffered, label in (("1", "PYTHONUNBUFFERED=1"), ("", "PYTHONUNBUFFERED unset")):
        tap, floor = results[("tap", unbuffered)], results[("floor", unbuffered)]
        lines.append(
            Row(
                f"{probe.label} into a pipe (`cat`), {label}",
                f"tap {tap:,.0f} rec/s, floor {floor:,.0f} rec/s: {tap / floor:.2f} of the floor",
                "(the way Meltano reads a tap)",
                None,
            )
        )
    return lines


def jaicp_parallel(sessions: int = 600, latency: float = 0.1) -> list[Row]:
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
                    # one request per session: what reading ahead is for
                    "messages_mode": "by_session",
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
            f"JAICP messages (`by_session`) of {count:,} sessions, {latency * 1000:.0f} ms "
            "emulated latency, `max_parallel_requests` 1 vs 8",
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


# -- profiles ------------------------------------------------------------------------------------


def short_frame(frame: str) -> str:
    """`function (path:line)` as `function (package/module.py)`, lines merged."""
    name, _, where = frame.rpartition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def flame_summary(raw: Path, top: int = 14) -> list[str]:
    """The functions holding most samples of a py-spy raw (collapsed) profile: own time
    (the frame on top of the stack) and total time (anywhere on the stack)."""
    own: dict[str, int] = {}
    total: dict[str, int] = {}
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [short_frame(f) for f in stack.split(";")]
        samples += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            total[frame] = total.get(frame, 0) + count
    lines = [f"{samples:,} samples", "", "| own % | total % | function (module) |", "|---|---|---|"]
    ranked = sorted(own, key=own.__getitem__, reverse=True)[:top]
    for frame in ranked:
        lines.append(
            f"| {100 * own[frame] / samples:.1f} | {100 * total[frame] / samples:.1f} | `{frame}` |"
        )
    return lines


def profile(rows: int, directory: Path, wanted: str = "") -> list[str]:
    """Each probe's tap under py-spy; the raw profiles are kept in `directory`."""
    spy = BIN / "py-spy"
    if not spy.exists():
        sys.exit("bench: --profile needs py-spy (.venv/bin/pip install py-spy)")
    directory.mkdir(parents=True, exist_ok=True)
    report = []
    for probe in probes(rows):
        if wanted not in probe.label:
            continue
        raw = directory / f"{probe.tap}-{probe.stream}.txt"
        with EmulatorServer(probe.app) as server, tempfile.TemporaryDirectory() as tmp:
            config = probe.configs(server.url)[0]
            catalog = catalog_selecting(probe.tap, config, probe.stream, Path(tmp))
            spied = [str(spy), "record", "--format", "raw", "-r", "250", "-o", str(raw), "--"]
            checked(
                run_tap([*spied, str(BIN / probe.tap), "--catalog", str(catalog)], config),
                f"profile of {probe.label}",
            )
        report += [f"### {probe.label}, {rows:,} rows", "", *flame_summary(raw), ""]
    return report


PARTS = (
    "identity",
    "throughput",
    "pipe",
    "memory",
    "bodies",
    "requests",
    "modes",
    "oct8ne",
    "parallel",
    "e2e",
)


def main() -> None:
    """Measure, then print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the throughput bodies")
    parser.add_argument("--reps", type=int, default=2, help="alternated runs of each program")
    parser.add_argument("--reference", default=REFERENCE, help="commit of the identity check")
    parser.add_argument("--only", nargs="*", choices=PARTS, default=PARTS, help="parts to run")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="instead: profile each probe's tap with py-spy, keep the raw profiles in DIR",
    )
    parser.add_argument("--probe", default="", help="with --profile: only probes naming this")
    args = parser.parse_args()
    if args.profile:
        print("\n".join(profile(args.rows, args.profile, args.probe)))
        return
    started = time.perf_counter()
    header = f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}.\n"
    rows: list[Row] = []
    speed: list[ProbeResult] = []
    if "identity" in args.only:
        rows += output_identity(args.reference)
        if not all(row.ok for row in rows):
            print("\n".join(row.markdown() for row in rows))
            sys.exit("bench: the taps' output changed; figures of a different output mean nothing")
    if "throughput" in args.only:
        speed = [measure_probe(probe, args.reps) for probe in probes(args.rows)]
    if "pipe" in args.only:
        rows += into_a_pipe(args.rows)
    if "memory" in args.only:
        rows += peak_memory()
    if "bodies" in args.only:
        rows += largest_bodies()
    if "requests" in args.only:
        rows += all_request_ratios()
    if "modes" in args.only:
        rows += jaicp_messages_modes()
    if "oct8ne" in args.only:
        rows += oct8ne_floor()
    if "parallel" in args.only:
        rows += jaicp_parallel()
    if "e2e" in args.only:
        rows += end_to_end(args.rows)
    print(header)
    if speed:
        print("\n".join(throughput_table(speed, args.reps)) + "\n")
    print("| figure | measured | target | met |")
    print("|---|---|---|---|")
    for row in rows:
        print(row.markdown())
    print(
        f"\n(`make bench` took {time.perf_counter() - started:.0f} s; load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )


if __name__ == "__main__":
    main()
