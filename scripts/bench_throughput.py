"""Bench probe: records per second of the taps reading bulk bodies, against a plain
`singer-sdk` stream and the floor (a bare program).

Bulk bodies are the emulator's own answer for the request, its rows repeated to the size
wanted and streamed in chunks, so the bench process never holds a large body and the tap
reads exactly what the vendor would send, only more of it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import tempfile
import typing as t
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench_common import (
    BASELINE,
    BIN,
    CHUNK_ROWS,
    FLOOR,
    JAICP_MAX_PAGE,
    REPLAY_PATH,
    checked,
    noon,
    run_tap,
)

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorApp,
    EmulatorServer,
    Reply,
    Request,
)
from emulators.jaicp import JaicpData
from tests.cases import cobrowser, jaicp, oct8ne

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
