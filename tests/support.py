"""Running a tap the way Meltano does (a subprocess with a config file) and reading its output."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

BIN = Path(sys.executable).parent


@dataclass
class TapRun:
    """What one tap process printed, parsed."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict] = field(default_factory=list)

    @property
    def output(self) -> str:
        """Everything the process printed."""
        return self.stdout + self.stderr

    def records(self, stream: str) -> list[dict]:
        """The records of one stream."""
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    def keys(self, stream: str, key_fields: t.Sequence[str]) -> set[tuple]:
        """The primary keys of one stream's records."""
        return {tuple(r[k] for k in key_fields) for r in self.records(stream)}

    def schema_violations(self) -> list[str]:
        """Every record checked against the last SCHEMA of its stream (JSON Schema 2020-12).

        Formats are asserted too (`date-time`, `date`...), as a warehouse loader reads them.
        """
        checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        validators: dict[str, jsonschema.Draft202012Validator] = {}
        problems: list[str] = []
        for message in self.messages:
            if message["type"] == "SCHEMA":
                validators[message["stream"]] = jsonschema.Draft202012Validator(
                    message["schema"], format_checker=checker
                )
            elif message["type"] == "RECORD":
                validator = validators.get(message["stream"])
                if validator is None:
                    problems.append(f"{message['stream']}: a RECORD before its SCHEMA")
                    continue
                problems += [
                    f"{message['stream']}: {'.'.join(map(str, error.path))}: {error.message}"
                    for error in validator.iter_errors(message["record"])
                ]
        return problems

    def states(self) -> list[dict]:
        """The STATE values, in order."""
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    def bookmarks(self, stream: str) -> list[str]:
        """The successive distinct bookmark values of one stream."""
        values: list[str] = []
        for state in self.states():
            value = state.get("bookmarks", {}).get(stream, {}).get("replication_key_value")
            if value and (not values or values[-1] != value):
                values.append(value)
        return values


def _parse(stdout: str) -> list[dict]:
    messages = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):  # a line cut by a kill
                messages.append(json.loads(line))
    return messages


def _is_bookmark_state(line: str) -> bool:
    if '"STATE"' not in line:
        return False
    try:
        message = json.loads(line)
    except json.JSONDecodeError:
        return False
    bookmarks = message.get("value", {}).get("bookmarks", {})
    return message.get("type") == "STATE" and any(
        "replication_key_value" in b for b in bookmarks.values()
    )


def _write_json(directory: Path, name: str, payload: t.Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(payload))
    return path


def tap_command(tap: str, config: dict, state: dict | None, directory: Path) -> list[str]:
    """The command line of a sync, with config (and state) files."""
    command = [str(BIN / tap), "--config", str(_write_json(directory, "config.json", config))]
    if state is not None:
        command += ["--state", str(_write_json(directory, "state.json", state))]
    return command


def tap_env(loglevel: str) -> dict[str, str]:
    """The environment of a tap run: no inherited tap settings, the chosen log level."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_")}
    env["LOGLEVEL"] = loglevel
    # A deprecated SDK API (SingerSDKDeprecationWarning) fails the run, as in-process tests do.
    env["PYTHONWARNINGS"] = "error::DeprecationWarning"
    return env


def run_tap(
    tap: str,
    config: dict,
    *,
    state: dict | None = None,
    loglevel: str = "INFO",
    timeout: float = 300,
) -> TapRun:
    """Run a full sync and collect its output."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            tap_command(tap, config, state, Path(tmp)),
            capture_output=True,
            text=True,
            env=tap_env(loglevel),
            timeout=timeout,
            check=False,
        )
    return TapRun(result.returncode, result.stdout, result.stderr, _parse(result.stdout))


def run_tap_killed_after_states(
    tap: str,
    config: dict,
    states: int,
    *,
    state: dict | None = None,
    timeout: float = 300,
    sig: int = signal.SIGKILL,
    catalog: dict | None = None,
    streams: t.Collection[str] | None = None,
) -> TapRun:
    """Run a sync and send it `sig` (SIGKILL) right after its `states`-th bookmark STATE.

    What the process prints after the signal (a final STATE, its last log lines) is kept.
    With `catalog`, only the streams it selects are synced. With `streams`, only a STATE
    that moves the bookmark of one of them counts (another stream synced first, and the
    STATE messages repeating its bookmark, do not).
    """
    with tempfile.TemporaryDirectory() as tmp:
        command = tap_command(tap, config, state, Path(tmp))
        if catalog is not None:
            command += ["--catalog", str(_write_json(Path(tmp), "catalog.json", catalog))]
        counts = _is_bookmark_state if streams is None else _BookmarkMoves(streams)
        return _killed_after_states(command, states, counts, timeout=timeout, sig=sig)


class _BookmarkMoves:
    """Tells whether a STATE line moves the bookmark of one of `streams`."""

    def __init__(self, streams: t.Collection[str]) -> None:
        self.streams = set(streams)
        self.seen: dict[str, t.Any] = {}

    def __call__(self, line: str) -> bool:
        if not _is_bookmark_state(line):
            return False
        bookmarks = json.loads(line)["value"]["bookmarks"]
        moved = False
        for stream in self.streams & set(bookmarks):
            value = bookmarks[stream].get("replication_key_value")
            if value is not None and value != self.seen.get(stream):
                self.seen[stream], moved = value, True
        return moved


def _killed_after_states(
    command: list[str],
    states: int,
    counts: t.Callable[[str], bool],
    *,
    timeout: float,
    sig: int,
) -> TapRun:
    with (
        subprocess.Popen(  # the context closes both pipes (filterwarnings = error)
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=tap_env("INFO"),
        ) as process,
    ):
        assert process.stdout is not None
        lines: list[str] = []
        seen = 0
        for line in process.stdout:
            lines.append(line)
            if counts(line):
                seen += 1
                if seen >= states:
                    process.send_signal(sig)
                    break
        lines.append(process.stdout.read())
        process.wait(timeout=timeout)
        stderr = process.stderr.read() if process.stderr else ""
    stdout = "".join(lines)
    return TapRun(process.returncode, stdout, stderr, _parse(stdout))


class PinnedDay:
    """A test module's "today" in a tap's calendar, taken once per test before its runs.

    A module sets `PIN = PinnedDay(zone)` and `pinned_today = PIN.fixture()`: each test then
    reads through that day and no further and compares with a truth ending on it, so a run
    crossing the calendar's midnight compares like with like.
    """

    def __init__(self, zone: dt.tzinfo) -> None:
        self.zone = zone
        self.day: dt.date | None = None

    def today(self) -> dt.date:
        """The pinned day (the calendar's real today outside a test)."""
        return self.day or dt.datetime.now(self.zone).date()

    def fixture(self) -> t.Any:
        """An autouse fixture pinning the day for each test of the module."""
        import pytest

        @pytest.fixture(autouse=True)
        def pinned_today() -> t.Iterator[dt.date]:
            self.day = dt.datetime.now(self.zone).date()
            yield self.day
            self.day = None

        return pinned_today
