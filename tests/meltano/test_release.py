"""What a stranger installs: the release command's tag and artefacts, the wheel alone in an empty
virtual environment, plugin definitions that Meltano Hub accepts, the DuckDB loader we offer
keeping the row that Hub's loses, and the PostgreSQL loader we offer taking every setting its
executable takes.

The slow parts (a build, two virtual environments) run once per module; uv makes the installs
take seconds when its cache is warm.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import subprocess
import sys
from pathlib import Path

import duckdb
import jsonschema
import pytest
import referencing
import yaml

import tests.tap_cases  # noqa: F401  (the registry imports every case module)
from emulators.framework import EmulatorServer
from scripts import local_plugins
from tests.cases.eight_by_eight import CASE as EIGHT_BY_EIGHT
from tests.meltano_support import checkout_copy
from tests.support import TapRun, _parse

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HUB_SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "meltano-hub-schemas"
DEFINITIONS = sorted((ROOT / "plugins").glob("*/*.yml"))
LOADERS = ROOT / "plugins" / "loaders"
TAPS = ("tap-oct8ne", "tap-cobrowser", "tap-chattonic", "tap-8x8", "tap-jaicp")
VERSION = "9.8.7"
#: A batch (tap-8x8 against its emulator) whose first row starts with an `_extra` object
#: holding a comma: DuckDB's CSV sniffer takes that row for a header.
BATCH = Path(__file__).resolve().parents[1] / "data" / "agents_batch.jsonl"


def uv(*args: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([BIN / "uv", *map(str, args)], check=True, capture_output=True, cwd=cwd)


def fresh_venv(path: Path, *requirements: str | Path) -> Path:
    """A virtual environment holding only `requirements` (and what they depend on)."""
    uv("venv", "--quiet", "--python", sys.executable, path)
    uv("pip", "install", "--quiet", "--python", path / "bin" / "python", *requirements)
    return path / "bin"


# --- plugin definitions -----------------------------------------------------------------------


def hub_validator(plugin_type: str) -> jsonschema.Draft7Validator:
    """Hub's schema of a plugin type, its `$ref`s resolved to the copies in tests/data."""
    files = {path.name: path for path in HUB_SCHEMAS.rglob("*.schema.json")}

    def retrieve(uri: str) -> referencing.Resource:
        schema = json.loads(files[uri.rsplit("/", 1)[-1]].read_text())
        return referencing.Resource.from_contents(schema)

    schema = json.loads(
        (HUB_SCHEMAS / "plugin_definitions" / f"{plugin_type}.schema.json").read_text()
    )
    registry = referencing.Registry(retrieve=retrieve)  # type: ignore[call-arg]
    return jsonschema.Draft7Validator(schema, registry=registry)


def test_every_plugin_definition_is_offered():
    names = [f"{path.parent.name}/{path.stem}" for path in DEFINITIONS]
    assert names == [
        "extractors/tap-8x8",
        "extractors/tap-chattonic",
        "extractors/tap-cobrowser",
        "extractors/tap-jaicp",
        "extractors/tap-oct8ne",
        "loaders/target-duckdb-headerfix",
        "loaders/target-postgres-fast",
    ]


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda path: path.stem)
def test_the_plugin_definition_passes_meltano_hubs_schema(path: Path):
    definition = yaml.safe_load(path.read_text())
    errors = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in hub_validator(path.parent.name).iter_errors(definition)
    ]
    assert errors == []


def test_hubs_schema_rejects_a_definition_without_quality():
    definition = yaml.safe_load((ROOT / "plugins" / "extractors" / "tap-oct8ne.yml").read_text())
    del definition["quality"]
    messages = [error.message for error in hub_validator("extractors").iter_errors(definition)]
    assert messages == ["'quality' is a required property"]


# --- the release ------------------------------------------------------------------------------


#: the day the release ran (two days when it ran across midnight)
RELEASE_DAYS: set[dt.date] = set()


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A copy of the repository after `make release VERSION=9.8.7`."""
    repository = checkout_copy(tmp_path_factory.mktemp("release"))
    RELEASE_DAYS.add(dt.date.today())
    result = subprocess.run(
        [sys.executable, "scripts/release.py", VERSION],
        cwd=repository,
        capture_output=True,
        text=True,
        check=False,
    )
    RELEASE_DAYS.add(dt.date.today())  # a release run across midnight is dated either day
    assert result.returncode == 0, result.stdout + result.stderr
    return repository


def test_the_release_command_tags_and_builds_checked_artefacts_and_definitions(released: Path):
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=released, capture_output=True, text=True, check=True
        ).stdout

    assert git("tag", "--points-at", "HEAD").split() == [f"v{VERSION}"]
    assert git("status", "--porcelain") == ""
    assert git("log", "-1", "--format=%s") == f"Release {VERSION}\n"
    changelog = (released / "CHANGELOG.md").read_text()
    headings = {f"## [Unreleased]\n\n## [{VERSION}] - {day.isoformat()}\n" for day in RELEASE_DAYS}
    assert sum(heading in changelog for heading in headings) == 1
    assert "No version is released yet" not in changelog
    assert sorted(path.name for path in (released / "dist").glob("chat_taps-*")) == [
        f"chat_taps-{VERSION}-py3-none-any.whl",
        f"chat_taps-{VERSION}.tar.gz",
    ]
    published = {
        path.stem: yaml.safe_load(path.read_text())
        for path in (released / "dist" / "plugins").glob("*/*.yml")
    }
    assert set(published) == {path.stem for path in DEFINITIONS}
    for name, definition in published.items():
        assert f".git@v{VERSION}" in definition["pip_url"], name
    assert f"chat-taps.git@v{VERSION}'" in (released / "README.md").read_text()


def test_the_wheel_alone_in_an_empty_venv_runs_every_tap(released: Path, tmp_path: Path):
    (wheel,) = (released / "dist").glob("*.whl")
    bin_dir = fresh_venv(tmp_path / "venv", wheel)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "LOGLEVEL": "WARNING"}
    for tap in TAPS:
        about = subprocess.run(
            [bin_dir / tap, "--about", "--format", "json"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(about.stdout)["version"] == VERSION, tap

    server = EmulatorServer(EIGHT_BY_EIGHT.make_app()).start()
    try:
        config = tmp_path / "config.json"
        today = EIGHT_BY_EIGHT.today(EIGHT_BY_EIGHT.config(server.url, dt.date.today()))
        config.write_text(json.dumps(EIGHT_BY_EIGHT.config(server.url, today)))
        sync = subprocess.run(
            [bin_dir / "tap-8x8", "--config", config],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        app = server.app
    finally:
        server.stop()
    run = TapRun(sync.returncode, sync.stdout, sync.stderr, _parse(sync.stdout))
    assert run.returncode == 0, run.stderr
    assert run.keys("agents", ["agent_id"]) == EIGHT_BY_EIGHT.truth(app, today, today)["agents"]


# --- the DuckDB loader ------------------------------------------------------------------------


def load(executable: Path, database: Path) -> list[str]:
    """The agent IDs in the table after `executable` loads BATCH into `database`."""
    config = database.with_suffix(".json")
    config.write_text(json.dumps({"filepath": str(database), "default_target_schema": "t"}))
    subprocess.run(
        [executable, "--config", config],
        input=BATCH.read_text(),
        text=True,
        capture_output=True,
        check=True,
    )
    with duckdb.connect(str(database), read_only=True) as connection:
        return sorted(
            row[0] for row in connection.execute("select agent_id from t.agents").fetchall()
        )


def test_hubs_duckdb_loader_drops_the_first_row_and_ours_keeps_it(tmp_path: Path):
    # what our loader definition's pip_url installs: target-duckdb 0.8 from PyPI and our wrapper
    definition = LOADERS / "target-duckdb-headerfix.yml"
    requirements = yaml.safe_load(definition.read_text())["pip_url"].split()[:-1]
    bin_dir = fresh_venv(tmp_path / "venv", *requirements, ROOT / "loaders" / definition.stem)
    sent = [json.loads(line) for line in BATCH.read_text().splitlines()]
    sent_ids = [m["record"]["agent_id"] for m in sent if m["type"] == "RECORD"]

    hubs = load(bin_dir / "target-duckdb", tmp_path / "hub.duckdb")
    ours = load(bin_dir / "target-duckdb-headerfix", tmp_path / "ours.duckdb")

    assert ours == sorted(sent_ids)
    assert hubs == sorted(sent_ids[1:])  # exit 0, and the batch's first row is gone


# --- the PostgreSQL loader --------------------------------------------------------------------


def test_the_postgres_loader_definition_declares_what_its_executable_takes(tmp_path: Path):
    path = LOADERS / "target-postgres-fast.yml"
    definition = yaml.safe_load(path.read_text())
    # `make local-plugins`: the clone's wrapper, which pulls target-postgres 0.8.1 from PyPI
    local = yaml.safe_load(local_plugins.local_definition(path))
    assert shlex.split(local["pip_url"]) == [str(ROOT / "loaders" / "target-postgres-fast")]
    bin_dir = fresh_venv(tmp_path / "venv", *shlex.split(local["pip_url"]))

    about = json.loads(
        subprocess.run(
            [bin_dir / definition["executable"], "--about", "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )

    assert about["name"] == definition["name"]
    assert about["version"] == "0.8.1"
    assert set(definition["capabilities"]) <= set(about["capabilities"])
    # every setting it takes is declared (an object's keys as `object.key`), and no other
    declared = {setting["name"]: setting for setting in definition["settings"]}
    assert {name.split(".")[0] for name in declared} == set(about["settings"]["properties"])
    # and the values the project's own meltano.yml runs it with are the definition's defaults
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (loader,) = (p for p in project["plugins"]["loaders"] if p["name"] == definition["name"])
    assert loader["executable"] == definition["executable"]
    for name in ("load_method", "validate_records", "use_copy", "add_record_metadata"):
        assert declared[name]["value"] == loader["config"][name], name
    assert declared["default_target_schema"]["value"] == loader["config"]["default_target_schema"]
