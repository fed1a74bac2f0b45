"""The taps added to someone else's Meltano project from their plugin definitions.

A fresh `meltano init` project, outside this repository, gets tap-oct8ne, tap-jaicp and the
DuckDB and PostgreSQL loaders the way the README's install lines say, from a clone: `make
local-plugins` in a tagged copy of this checkout writes the plugin definitions with the clone as
their `pip_url`, then `meltano add --from-ref <clone>/dist/local-plugins/<type>/<name>.yml`.
Then `meltano install`, `meltano invoke` and `meltano run` against the emulators, with the SDK's
own settings given through Meltano (flattening by environment variable, stream maps by `meltano
config set`). The published definitions differ from these only in `pip_url`
(tests/meltano/test_release.py).

The project is created and installed once for the module (the slow part, printed with the
durations of each step at the end).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
import yaml

from emulators.framework import EmulatorServer
from tests.cases.jaicp import JAICP
from tests.cases.oct8ne import OCT8NE
from tests.meltano_support import MELTANO, ROOT, checkout_copy
from tests.snippets import snippet
from tests.tap_cases import TapCase

TAPS = ("tap-oct8ne", "tap-jaicp")
#: The tag of the copy: the version the installed package must report.
TAG = "v9.8.7"
DAYS = 3


@dataclass
class FreshProject:
    """A Meltano project in a temporary directory, and how long building it took."""

    path: Path
    release: str
    durations: dict[str, float] = field(default_factory=dict)
    #: the bin folder of the virtual environment the snippet's `pip install` went into
    user_venv: Path | None = None

    def meltano(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run `meltano ARGS` in the project; it must succeed."""
        result = subprocess.run(
            [str(MELTANO), *args],
            cwd=self.path,
            env={**clean_env(), **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"meltano {' '.join(args)}:\n{result.stderr[-4000:]}"
        return result

    def timed(
        self, step: str, *args: str, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """`meltano ARGS`, its wall time kept under `step`."""
        started = time.monotonic()
        result = self.meltano(*args, timeout=timeout)
        self.durations[step] = time.monotonic() - started
        return result

    def config(self) -> dict:
        """The project's meltano.yml."""
        return yaml.safe_load((self.path / "meltano.yml").read_text())

    def venv_bin(self, tap: str) -> Path:
        """The bin directory of the virtual environment Meltano installed `tap` into."""
        return self.path / ".meltano" / "extractors" / tap / "venv" / "bin"


def clean_env() -> dict[str, str]:
    """The environment without this session's tap or Meltano settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "MELTANO_"))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


def definition_file(tap: str) -> Path:
    """This checkout's plugin definition of `tap`."""
    return ROOT / "plugins" / "extractors" / f"{tap}.yml"


@pytest.fixture(scope="module")
def project(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[FreshProject]:
    """A fresh Meltano project with tap-oct8ne and tap-jaicp added from their definitions.

    Built by running the README's install snippet as written, in the project, with CHAT_TAPS
    the tagged copy; its `pip install` goes into a virtual environment of its own.
    """
    root = tmp_path_factory.mktemp("fresh")
    started = time.monotonic()
    clone = checkout_copy(root / "chat-taps", TAG)
    fresh = FreshProject(root / "project", TAG.removeprefix("v"))
    fresh.durations["copy the checkout and tag it"] = time.monotonic() - started
    started = time.monotonic()
    subprocess.run(
        [str(MELTANO), "init", str(fresh.path), "--no_usage_stats"],
        env=clean_env(),
        capture_output=True,
        check=True,
    )
    fresh.durations["meltano init"] = time.monotonic() - started
    started = time.monotonic()
    user_venv = root / "user-venv"
    subprocess.run(
        [MELTANO.parent / "uv", "venv", "-q", "--seed", "--python", sys.executable, user_venv],
        check=True,
        capture_output=True,
    )
    path = f"{user_venv / 'bin'}:{MELTANO.parent}:{os.environ['PATH']}"
    result = subprocess.run(
        ["bash", "-e", "-c", snippet("install")],
        cwd=fresh.path,
        env=clean_env() | {"CHAT_TAPS": str(clone), "PATH": path},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    fresh.user_venv = user_venv / "bin"
    fresh.durations["the README's install snippet"] = time.monotonic() - started
    fresh.timed(
        "meltano add tap-jaicp",
        *("add", "--plugin-type", "extractor", "tap-jaicp", "--no-install"),
        *("--from-ref", str(clone / "dist" / "local-plugins" / "extractors" / "tap-jaicp.yml")),
    )
    fresh.timed("meltano install (tap-jaicp, from the clone)", "install", timeout=900)
    yield fresh
    report = request.config.pluginmanager.get_plugin("terminalreporter")
    if report:
        report.write_line("")
        for step, seconds in fresh.durations.items():
            report.write_line(f"fresh Meltano project: {step}: {seconds:.1f} s")


@dataclass
class Invocation:
    """What `meltano invoke TAP` printed: the Singer messages."""

    messages: list[dict]

    def schema(self, stream: str) -> dict:
        """The SCHEMA message of `stream`."""
        return next(m for m in self.messages if m["type"] == "SCHEMA" and m["stream"] == stream)

    def records(self, stream: str) -> list[dict]:
        """The records of `stream`."""
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]


def invoke_sync(
    project: FreshProject, case: TapCase, purpose: str, **settings: str
) -> tuple[Invocation, dict]:
    """`meltano invoke TAP` against the tap's emulator, settings as Meltano environment variables.

    Returns the messages and the ground truth of the days read.
    """
    prefix = case.tap.upper().replace("-", "_")
    with EmulatorServer(case.make_app()) as emulator:
        today = case.today(case.config(emulator.url, dt.date.today()))
        first = today - dt.timedelta(days=DAYS)
        config = case.through(case.config(emulator.url, first), today)
        env = {f"{prefix}_{name.upper()}": as_env(value) for name, value in config.items()}
        env.update({f"{prefix}_{name.upper()}": value for name, value in settings.items()})
        started = time.monotonic()
        result = project.meltano("invoke", case.tap, env=env)
        project.durations[f"meltano invoke {case.tap}, {purpose}"] = time.monotonic() - started
        truth = case.truth(emulator.app, first, today)
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return Invocation(messages), truth


def as_env(value: object) -> str:
    """A setting's value as Meltano reads it from the environment."""
    return value if isinstance(value, str) else json.dumps(value)


def test_meltano_add_from_ref_adds_the_extractors_as_published(project: FreshProject):
    plugins = project.config()["plugins"]
    assert set(plugins) == {"extractors", "loaders"}, "meltano add added a plugin of another type"
    for tap in TAPS:
        added = next(p for p in plugins["extractors"] if p["name"] == tap)
        published = yaml.safe_load(definition_file(tap).read_text())
        assert added["variant"] == published["variant"]
        assert added["settings"] == published["settings"]
        assert added["settings_group_validation"] == published["settings_group_validation"]


def settings_given(plugin: dict) -> list[tuple]:
    """Each setting's name, default and secrecy: what a plugin's settings give its executable."""
    return [(s["name"], s.get("value"), s.get("sensitive", False)) for s in plugin["settings"]]


def test_meltano_add_from_ref_adds_the_loaders_as_published(project: FreshProject):
    added = {plugin["name"]: plugin for plugin in project.config()["plugins"]["loaders"]}
    for path in sorted((ROOT / "plugins" / "loaders").glob("*.yml")):
        published = yaml.safe_load(path.read_text())
        loader = added[published["name"]]
        assert loader["variant"] == published["variant"], path.name
        assert loader["executable"] == published["executable"], path.name
        # (Meltano 4 writes Hub's `kind: password` as `kind: string`, `sensitive: true`)
        assert settings_given(loader) == settings_given(published), path.name
        # `meltano install` built it from the clone into its virtualenv (and it starts, where
        # it declares --about)
        venv = project.path / ".meltano" / "loaders" / published["name"] / "venv" / "bin"
        assert (venv / published["executable"]).is_file(), path.name
        if "about" in published["capabilities"]:
            subprocess.run([venv / published["executable"], "--about"], check=True)


def test_the_snippets_pip_install_brings_the_five_executables(project: FreshProject):
    assert project.user_venv is not None
    for tap in ("tap-oct8ne", "tap-cobrowser", "tap-chattonic", "tap-8x8", "tap-jaicp"):
        about = subprocess.run(
            [project.user_venv / tap, "--about", "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
            env=clean_env(),
        )
        assert json.loads(about.stdout)["version"] == project.release


def test_meltano_config_test_names_the_bad_setting_and_its_allowed_values(
    project: FreshProject,
):
    result = subprocess.run(
        [str(MELTANO), "config", "test", "tap-oct8ne"],
        cwd=project.path,
        # (a value outside a `kind: options` list, Meltano 4.4 refuses itself, with a traceback)
        env=clean_env()
        | {
            "TAP_OCT8NE_WINDOW_DAYS": "40",
            "TAP_OCT8NE_DOMAIN_ID": "1",
            "TAP_OCT8NE_API_TOKEN": "x",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode != 0
    assert (
        "invalid setting: 40 is greater than the maximum of 31 in config['window_days']" in output
    )
    assert len(output) < 3000, "a schema dump or a traceback"


def test_installed_package_has_the_tagged_version_and_all_five_executables(project: FreshProject):
    about = json.loads(
        project.meltano("invoke", "tap-oct8ne", "--about", "--format", "json").stdout
    )
    assert about["name"] == "tap-oct8ne"
    assert about["version"] == project.release
    assert {"flattening_enabled", "stream_maps", "batch_config"} <= set(
        about["settings"]["properties"]
    )
    # one distribution: every tap of it runs from the extractor's virtual environment
    taps = ("tap-oct8ne", "tap-cobrowser", "tap-chattonic", "tap-8x8", "tap-jaicp")
    processes = [
        subprocess.Popen(
            [str(project.venv_bin("tap-oct8ne") / tap), "--about", "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        for tap in taps
    ]
    for tap, process in zip(taps, processes, strict=True):
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, f"{tap}: {stderr[-2000:]}"
        assert json.loads(stdout)["name"] == tap
        assert json.loads(stdout)["version"] == project.release


def test_meltano_invoke_syncs_the_emulators_records(project: FreshProject):
    run, truth = invoke_sync(project, OCT8NE, "a sync")
    for stream, key_fields in OCT8NE.windowed_streams.items():
        keys = {tuple(r[k] for k in key_fields) for r in run.records(stream)}
        assert keys == truth[stream], f"{stream}: records differ from the emulator's"
    assert any(m["type"] == "STATE" for m in run.messages)


def test_flattening_settings_given_to_meltano_reach_the_tap(project: FreshProject):
    run, truth = invoke_sync(
        project,
        JAICP,
        "flattening",
        FLATTENING_ENABLED="true",
        FLATTENING_MAX_DEPTH="1",
        _SELECT='["sessions.*"]',  # TAP_JAICP__SELECT: only the sessions
    )
    properties = run.schema("sessions")["schema"]["properties"]
    flattened = {name: prop for name, prop in properties.items() if name.startswith("client__")}
    print("flattened sessions schema:", json.dumps(flattened))
    assert "client" not in properties
    assert {"client__id", "client__username"} <= set(flattened)
    records = run.records("sessions")
    assert {(r["sessionId"],) for r in records} == truth["sessions"]
    assert all("client__id" in r and "client" not in r for r in records)


def test_stream_maps_set_with_meltano_config_drops_a_column(project: FreshProject):
    # "__NULL__", not null: Meltano drops null values from a plugin's config, and with them
    # the whole `sessions` map (`meltano config print` shows "stream_maps": {})
    maps = '{"sessions": {"visitorName": "__NULL__"}}'
    project.meltano("config", "set", "tap-oct8ne", "stream_maps", maps)
    try:
        run, truth = invoke_sync(project, OCT8NE, "stream maps")
    finally:
        project.meltano("config", "unset", "tap-oct8ne", "stream_maps")
    properties = run.schema("sessions")["schema"]["properties"]
    assert "visitorName" not in properties
    assert "visitorId" in properties
    records = run.records("sessions")
    assert {(r["sessionId"],) for r in records} == truth["sessions"]
    assert records and not any("visitorName" in r for r in records)


def test_meltano_run_loads_every_record_into_duckdb_with_the_offered_loader(
    project: FreshProject,
):
    database = project.path / "output" / "run.duckdb"
    with EmulatorServer(OCT8NE.make_app()) as emulator:
        today = OCT8NE.today(OCT8NE.config(emulator.url, dt.date.today()))
        first = today - dt.timedelta(days=DAYS)
        config = OCT8NE.through(OCT8NE.config(emulator.url, first), today)
        env = {f"TAP_OCT8NE_{name.upper()}": as_env(value) for name, value in config.items()}
        env["TARGET_DUCKDB_FILEPATH"] = str(database)
        project.meltano("run", "tap-oct8ne", "target-duckdb", env=env)
        truth = OCT8NE.truth(emulator.app, first, today)
    with duckdb.connect(str(database), read_only=True) as connection:
        for stream, key_fields in OCT8NE.windowed_streams.items():
            cursor = connection.execute(f"select * from tap_oct8ne.{stream}")
            columns = [column[0].lower() for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            keys = {tuple(str(row[k.lower()]) for k in key_fields) for row in rows}
            assert keys == {tuple(map(str, key)) for key in truth[stream]}, stream
            assert len(rows) == len(truth[stream]), f"{stream}: a row lost or doubled"
