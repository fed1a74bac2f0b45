"""The project's promises outside the taps' code: settings, docs, Meltano project, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import BIN

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_COMMON = {
    "start_date",
    "end_date",
    "lookback_days",
    "base_url",
    "request_timeout",
    "max_attempts",
}
CONTRACT_SETTINGS = {
    "tap-oct8ne": CONTRACT_COMMON
    | {
        "api_token",
        "domain_id",
        "region",
        "utc_offset",
        "window_days",
        "min_request_interval_seconds",
        "agent_filter",
        "dept_filter",
        "attention_filter",
        "sale",
        "agent_type",
    },
}
SECRETS = {"tap-oct8ne": {"api_token"}}


@pytest.mark.parametrize("tap", CONTRACT_SETTINGS)
def test_about_lists_every_contract_setting_and_marks_secrets(tap: str):
    about = json.loads(
        subprocess.run(
            [str(BIN / tap), "--about", "--format", "json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    properties = about["settings"]["properties"]
    assert CONTRACT_SETTINGS[tap] <= set(properties)
    assert {name for name, prop in properties.items() if prop.get("secret")} == SECRETS[tap]
    assert all(
        prop.get("description")
        for name, prop in properties.items()
        if name in CONTRACT_SETTINGS[tap]
    )


def test_readme_tables_and_meltano_settings_are_generated_from_the_taps():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs.py"), "check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("tap", CONTRACT_SETTINGS)
def test_meltano_yml_declares_the_extractor_as_a_local_plugin(tap: str):
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    plugin = next(p for p in project["plugins"]["extractors"] if p["name"] == tap)
    assert plugin["namespace"] == tap.replace("-", "_")
    assert plugin["pip_url"] == "-e ."
    assert plugin["executable"] == tap
    assert {"catalog", "discover", "state"} <= set(plugin["capabilities"])
    for setting in plugin["settings"]:
        assert setting["description"]
        assert setting.get("sensitive", False) == (setting["name"] in SECRETS[tap])


def test_meltano_yml_has_the_three_loaders_environments_and_a_postgres_job():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    loaders = {p["name"]: p for p in project["plugins"]["loaders"]}
    assert loaders["target-postgres"]["pip_url"].startswith("meltanolabs-target-postgres")
    assert loaders["target-snowflake"]["pip_url"].startswith("meltanolabs-target-snowflake")
    assert "target-duckdb" in loaders
    environments = {e["name"]: e for e in project["environments"]}
    dev_taps = environments["dev"]["config"]["plugins"]["extractors"]
    assert all(t["config"]["base_url"].startswith("http://127.0.0.1:") for t in dev_taps)
    jobs = {j["name"]: j for j in project["jobs"]}
    assert all(task.endswith("target-postgres") for task in jobs["all-to-postgres"]["tasks"])


def test_ruff_finds_nothing():
    result = subprocess.run([str(BIN / "ruff"), "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
