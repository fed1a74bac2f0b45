"""What a user reads when something is wrong or slow: the reasons for refused settings (in a run,
in `--test`), a connection failure's host and cause, a retry's real wait, the progress line's
window count and time left, and a log without the SDK's METRIC lines unless asked for."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import subprocess
import sys
import types
from pathlib import Path

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError

import tests.tap_cases  # noqa: F401  (the registry imports every case module)
from emulators.framework import EmulatorServer, Fault
from tapkit.netfailure import connection_failure
from tapkit.tap import metrics_log_level
from tapkit.window_walk import WindowWalk, format_duration
from tests.cases.eight_by_eight import CASE as EIGHT_BY_EIGHT
from tests.cases.oct8ne import OCT8NE
from tests.support import run_tap, tap_env

BIN = Path(sys.executable).parent


def run_with(tap: str, config: dict, *options: str, tmp_path: Path, **env: str):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [BIN / tap, "--config", path, *options],
        capture_output=True,
        text=True,
        env=tap_env("INFO") | env,
        timeout=120,
        check=False,
    )


def error_lines(stderr: str) -> list[str]:
    return [line.split("| ", 3)[-1] for line in stderr.splitlines() if "| ERROR" in line]


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tap", "bad", "reason"),
    [
        ("tap-oct8ne", {"region": "asia"}, "'asia' is not one of ['eu', 'us'] in config['region']"),
        (
            "tap-8x8",
            {"tenant": None},
            "the real-time statistics settings are incomplete: set tenant "
            "(given: api_token, base_url)",
        ),
    ],
)
def test_test_mode_and_a_run_give_the_same_one_line_reason(tap, bad, reason, tmp_path):
    case = OCT8NE if tap == "tap-oct8ne" else EIGHT_BY_EIGHT
    config = case.config("http://127.0.0.1:9", dt.date.today()) | bad
    config = {name: value for name, value in config.items() if value is not None}
    for options in ((), ("--test",)):
        result = run_with(tap, config, *options, tmp_path=tmp_path)
        assert result.returncode == 1, options
        assert error_lines(result.stderr) == [f"invalid setting: {reason}"], options
        assert "Traceback" not in result.stderr and '"properties"' not in result.stderr


def test_several_bad_settings_end_with_one_line_naming_them_all(tmp_path):
    config = OCT8NE.config("http://127.0.0.1:9", dt.date.today()) | {
        "region": "asia",
        "window_days": 40,
    }
    result = run_with("tap-oct8ne", config, "--test", tmp_path=tmp_path)
    assert result.returncode == 1
    last = error_lines(result.stderr)[-1]
    assert last.startswith("2 invalid settings: ")
    assert "config['region']" in last and "config['window_days']" in last


# --- connection failures ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_names_the_host_and_the_cause(tmp_path):
    port = free_port()
    config = EIGHT_BY_EIGHT.config(f"http://127.0.0.1:{port}", dt.date.today())
    result = run_with("tap-8x8", config | {"max_attempts": 2}, tmp_path=tmp_path)
    assert result.returncode == 1
    cause = f"cannot connect to 127.0.0.1:{port}: connection refused"
    assert f"attempt 1 of 2 failed ({cause}" in result.stderr
    assert cause in error_lines(result.stderr)[-1]


def test_a_tls_failure_names_the_host_and_the_handshake(tmp_path):
    with EmulatorServer(EIGHT_BY_EIGHT.make_app()) as server:  # plain HTTP, asked for TLS
        url = server.url.replace("http://", "https://")
        config = EIGHT_BY_EIGHT.config(url, dt.date.today())
        result = run_with("tap-8x8", config | {"max_attempts": 1}, tmp_path=tmp_path)
    assert result.returncode == 1
    host = url.removeprefix("https://")
    assert f"cannot connect to {host}: TLS handshake failed (" in error_lines(result.stderr)[-1]


def test_a_name_that_does_not_resolve_is_called_a_dns_failure():
    # built as requests builds it (no lookup here: the tests stay on loopback)
    url = "https://stats.example.invalid/v1/agents?token=secret"
    lookup = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    reason = NameResolutionError("stats.example.invalid", None, lookup)  # type: ignore[arg-type]
    exc = requests.exceptions.ConnectionError(
        MaxRetryError(None, "/v1/agents", reason),  # type: ignore[arg-type]
        request=requests.Request("GET", url).prepare(),
    )
    assert connection_failure(exc) == (
        "cannot connect to stats.example.invalid:443: DNS lookup failed: "
        "the host name does not resolve"
    )


# --- retries and progress ---------------------------------------------------------------------


def test_a_retry_names_the_wait_the_throttle_imposes():
    with EmulatorServer(OCT8NE.make_app()) as server:
        server.inject(Fault(kind="status", status=503, path="/sessions/"))
        config = OCT8NE.config(server.url, dt.date.today() - dt.timedelta(days=1))
        run = run_tap("tap-oct8ne", config | {"min_request_interval_seconds": 4})
    assert run.returncode == 0, run.stderr[-2000:]
    waits = re.findall(r"attempt 1 of \d+ failed \(.*\); retrying in ([\d.]+) s(.*)", run.stderr)
    assert len(waits) == 1
    seconds, why = waits[0]
    assert 3.0 <= float(seconds) <= 4.0  # not the backoff's 1 s
    assert why == " (one request every 4 s allowed)"


def test_each_progress_line_counts_windows_and_estimates_the_time_left():
    with EmulatorServer(OCT8NE.make_app()) as server:
        # the domain's today, taken once: 3 days back and today, through today and no further
        today = OCT8NE.today(OCT8NE.config(server.url, dt.date.today()))
        config = OCT8NE.through(OCT8NE.config(server.url, today - dt.timedelta(days=3)), today)
        run = run_tap("tap-oct8ne", config | {"window_days": 1, "min_request_interval_seconds": 1})
    assert run.returncode == 0, run.stderr[-2000:]
    planned = int(re.findall(r"sessions: reading \S+ in (\d+) window", run.stderr)[0])
    assert planned == 4
    lines = re.findall(r"sessions \S+: [\d,]+ records in [\d.]+ s.*; (window .*)", run.stderr)
    assert len(lines) == planned
    first = re.fullmatch(
        rf"window 1 of {planned}, about (\d+) s left at one request every 1 s", lines[0]
    )
    assert first and int(first.group(1)) >= planned - 1, lines[0]  # a second a window at least
    assert lines[-1] == f"window {planned} of {planned}, the last"


def test_a_twelve_window_backfill_at_one_request_a_minute():
    stream = types.SimpleNamespace(throttle=types.SimpleNamespace(interval=60.0))
    plan = types.SimpleNamespace(windows=list(range(12)))
    walk = WindowWalk(stream, plan, context=None)  # type: ignore[arg-type]
    walk._done = 3
    assert walk._time_left() == "window 3 of 12, about 9 min left at one request a minute"
    assert [format_duration(s) for s in (0.2, 89, 3000, 7500)] == [
        "1 s",
        "89 s",
        "50 min",
        "2 h 05 min",
    ]


# --- METRIC lines -----------------------------------------------------------------------------


def test_metric_lines_are_hidden_unless_asked_for(tmp_path):
    with EmulatorServer(EIGHT_BY_EIGHT.make_app()) as server:
        config = EIGHT_BY_EIGHT.config(server.url, dt.date.today())
        default = run_with("tap-8x8", config, tmp_path=tmp_path)
        asked = run_with("tap-8x8", config, tmp_path=tmp_path, METRICS_LOGLEVEL="INFO")
    assert default.returncode == asked.returncode == 0
    assert "METRIC" not in default.stderr
    assert "METRIC" in asked.stderr


def test_metric_level_follows_the_settings_of_the_environment():
    assert metrics_log_level("tap-8x8", {}) == "WARNING"
    assert metrics_log_level("tap-8x8", {"LOGLEVEL": "debug"}) == "DEBUG"
    assert metrics_log_level("tap-8x8", {"TAP_8X8_LOGLEVEL": "DEBUG"}) == "DEBUG"
    assert metrics_log_level("tap-8x8", {"TAP_8X8_METRICS_LOGLEVEL": "info"}) == "INFO"
