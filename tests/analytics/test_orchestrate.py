"""The Dagster code location (orchestrate/): it loads, and its graph is the project's.

Dagster, dagster-dbt and dbt live in their own environment (.venv-orchestrate, `make
orchestrate`), so the code location is run there as a subprocess. The expected assets are
derived, never listed by hand: the streams from the taps' own catalogs, the models and the
sources each staging model reads from dbt's manifest.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from tap_8x8.tap import Tap8x8
from tap_chattonic.tap import TapChattonic
from tap_cobrowser.tap import TapCoBrowser
from tap_jaicp.tap import TapJaicp
from tap_oct8ne.tap import TapOct8ne

ROOT = Path(__file__).resolve().parents[2]
ORCHESTRATE_BIN = ROOT / ".venv-orchestrate" / "bin"
TAPS = {
    "tap-oct8ne": TapOct8ne,
    "tap-cobrowser": TapCoBrowser,
    "tap-chattonic": TapChattonic,
    "tap-8x8": Tap8x8,
    "tap-jaicp": TapJaicp,
}

pytestmark = pytest.mark.skipif(
    not (ORCHESTRATE_BIN / "dagster").exists(),
    reason="the Dagster environment is not installed: make .venv-orchestrate/bin/.installed",
)


@pytest.fixture(scope="module")
def dagster_env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("dagster-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        CHAT_TAPS_DBT_TARGET=str(home / "dbt-target"),
        CHAT_TAPS_ACCOUNTS_FILE=str(home / "no-accounts.yml"),
        PYTHONWARNINGS="ignore",
    )
    return env


def in_dagster_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(ORCHESTRATE_BIN / args[0]), *args[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


@pytest.fixture(scope="module")
def asset_graph(dagster_env) -> dict:
    # Dagster's superseded APIs warn with FutureWarning subclasses: an error here, so the
    # code location keeps to the current ones (a dependency's own DeprecationWarning at
    # import is not ours to fix)
    env = {**dagster_env, "PYTHONWARNINGS": "ignore,error::FutureWarning"}
    out = in_dagster_env(env, "python", "-m", "orchestrate.graph", "--json").stdout
    return json.loads(out)


@pytest.fixture(scope="module")
def manifest(dagster_env, asset_graph) -> dict:
    """dbt's manifest as the code location parsed it."""
    return json.loads((Path(dagster_env["CHAT_TAPS_DBT_TARGET"]) / "manifest.json").read_text())


def test_dagster_definitions_validate(dagster_env):
    result = in_dagster_env(
        dagster_env, "dagster", "definitions", "validate", "-m", "orchestrate.definitions"
    )
    assert "Validation successful" in result.stdout + result.stderr


def test_every_stream_and_every_model_is_an_asset(asset_graph, manifest):
    source_of_schema = {s["schema"]: s["source_name"] for s in manifest["sources"].values()}
    assets = asset_graph["assets"]
    for tap, tap_class in TAPS.items():
        catalog = tap_class(config={}, validate_config=False).catalog_dict
        source = source_of_schema[tap.replace("-", "_")]
        for entry in catalog["streams"]:
            key = f"{source}/{entry['tap_stream_id']}"
            assert key in assets, key
            assert assets[key]["kinds"] == ["meltano"]
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert models and models <= set(assets)


def test_stream_tables_feed_the_staging_models_that_read_them(asset_graph, manifest):
    assets = asset_graph["assets"]
    edges = 0
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        read = {
            "/".join(manifest["sources"][parent][k] for k in ("source_name", "name"))
            for parent in node["depends_on"]["nodes"]
            if parent.startswith("source.")
        }
        assert read <= set(assets[node["name"]]["inputs"]), node["name"]
        edges += len(read)
    assert edges >= len([n for n in manifest["nodes"] if ".stg_" in n])
    # and the marts read the staging models: vendor -> table -> staging -> mart
    assert any(i.startswith("stg_") for i in assets["fct_conversations"]["inputs"])


def test_schedules_and_freshness_follow_the_project(asset_graph, manifest):
    import yaml

    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    crons = {s["interval"] for s in project["schedules"]}
    assert set(asset_graph["schedules"].values()) == crons
    weekly = next(s for s in project["schedules"] if s["name"] == "whole-history-tests-postgres")
    assert asset_graph["schedules"]["whole_history_tests_job_schedule"] == weekly["interval"]
    windowed = [k for k, a in asset_graph["assets"].items() if a["partitions"]]
    assert windowed
    assert all(
        a["partitions"] == "DailyPartitionsDefinition"
        for a in asset_graph["assets"].values()
        if a["partitions"]
    )
    # a freshness policy per source table, failing after the dbt source's error_after
    hours = {"minute": 1 / 60, "hour": 1, "day": 24}
    expected = {}
    for source in manifest["sources"].values():
        error_after = (source.get("freshness") or {}).get("error_after") or {}
        if error_after.get("count"):
            key = f"{source['source_name']}/{source['name']}"
            expected[key] = error_after["count"] * hours[error_after.get("period", "hour")]
    found = {
        k: a["freshness_hours"] for k, a in asset_graph["assets"].items() if a["freshness_hours"]
    }
    assert expected and found == expected


def test_eager_builds_check_the_day_and_a_weekly_job_all_of_history(asset_graph, manifest):
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    whole_history = {n["name"] for n in tests if "whole_history" in n["tags"]}
    # the grains of staging and of the incremental marts, every staged key kept
    assert "assert_marts_keep_every_staged_key" in whole_history
    assert any(name.startswith("unique_key_fct_messages") for name in whole_history)
    checks = set(asset_graph["checks"])
    assert "not_null_fct_messages_message_id" in checks
    assert not checks & whole_history


def test_accounts_partition_by_account_and_day(dagster_env, tmp_path):
    accounts = tmp_path / "accounts.yml"
    accounts.write_text(
        textwrap.dedent(
            """
            tap-chattonic:
              - {name: client-1, env: {access_token: CLIENT_1_TOKEN}}
              - {name: client-2, credential: shared-login, env: {access_token: CLIENT_2_TOKEN}}
              - {name: client-3, credential: shared-login, env: {access_token: CLIENT_3_TOKEN}}
            """
        )
    )
    env = {**dagster_env, "CHAT_TAPS_ACCOUNTS_FILE": str(accounts)}
    found = json.loads(in_dagster_env(env, "python", "-m", "orchestrate.graph", "--json").stdout)[
        "assets"
    ]
    assert found["chattonic/operator_stats_daily"]["dimensions"] == ["account", "date"]
    assert found["oct8ne/sessions"]["partitions"] == "DailyPartitionsDefinition"
    script = textwrap.dedent(
        """
        from orchestrate.definitions import CREDENTIAL_TAG, build_definitions
        import dagster as dg
        defs = build_definitions()
        job = defs.resolve_job_def("load_tap_chattonic__windowed")
        for account in ("client-1", "client-2", "client-3"):
            key = dg.MultiPartitionKey({"account": account, "date": "2026-01-02"})
            tags = job.partitioned_config.get_tags_for_partition_key(key)
            # a backfill passes the key as its string
            launched = job.partitioned_config.get_tags_for_partition_key(str(key))
            print(account, tags[CREDENTIAL_TAG], launched[CREDENTIAL_TAG])
        """
    )
    lines = in_dagster_env(env, "python", "-c", script).stdout.split("\n")
    tags = {}
    for line in lines:
        if line.strip():
            account, tag, launched = line.split()
            assert launched == tag, account
            tags[account] = tag
    assert tags["client-2"] == tags["client-3"] != tags["client-1"]


#: prints the dbt profile folder the code location picked and its manifest's adapter
PROFILE_OF_CODE_LOCATION = (
    "from orchestrate.definitions import DBT_PROJECT, MANIFEST; "
    "print(DBT_PROJECT.profiles_dir.name, MANIFEST['metadata']['adapter_type'])"
)


def test_dbt_assets_follow_the_loader_to_its_warehouse(dagster_env, tmp_path):
    """CHAT_TAPS_LOADER picks the dbt profile (PostgreSQL is built in, end to end, by
    test_orchestrate_concurrency.py); a loader without one stops the code location, saying
    which setting to fix.
    """
    env = {
        **dagster_env,
        "CHAT_TAPS_LOADER": "target-snowflake",
        "CHAT_TAPS_DBT_TARGET": str(tmp_path / "dbt-target"),
    }
    picked = in_dagster_env(env, "python", "-c", PROFILE_OF_CODE_LOCATION).stdout.split()
    assert picked == ["snowflake", "snowflake"]
    refused = subprocess.run(
        [str(ORCHESTRATE_BIN / "python"), "-c", PROFILE_OF_CODE_LOCATION],
        cwd=ROOT,
        env={**env, "CHAT_TAPS_LOADER": "target-bigquery"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert refused.returncode != 0
    last_line = refused.stderr.strip().splitlines()[-1]
    assert "CHAT_TAPS_LOADER='target-bigquery'" in last_line
    assert "target-duckdb, target-postgres, target-snowflake" in last_line
