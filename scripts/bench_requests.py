"""Bench probes: requests made / minimum possible for each windowed stream's backfill, and
JAICP's two ways of reading messages."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import typing as t

from bench_common import BIN, JAICP_MAX_PAGE, Row, checked, noon, run_tap

# `emulators` and `tests` are development packages at the repository root, importable
# because `make` puts the root on the venv's path (chat_taps_dev.pth; see the Makefile).
from emulators.framework import (
    EmulatorApp,
    EmulatorServer,
    Request,
)
from emulators.jaicp import JaicpData, JaicpEmulator
from tests.cases import chattonic, cobrowser, jaicp, oct8ne

if t.TYPE_CHECKING:
    from tapkit.stream import VendorStream


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
    pages_needed: t.Callable[[VendorStream, dt.date, dt.date], int] | None = None,
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
            minimum += pages_needed(stream, day, window_last) if pages_needed else 1
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
        # the vendor allows 31 days a request; the setting's default is 7 (see docs/settings.md)
        extra_config={"window_days": 31},
    )
    app = jaicp.CASE.make_app()

    def jaicp_pages(stream: VendorStream, first: dt.date, last: dt.date) -> int:
        if stream.name == "sessions":
            sessions = len(app.data.sessions_on_days(first, last))
            return max(1, math.ceil(sessions / JAICP_MAX_PAGE))
        # switched sessions: the API takes one transfer method a request (SWITCH, TEXT)
        return len(getattr(stream, "METHODS", ())) or 1

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
