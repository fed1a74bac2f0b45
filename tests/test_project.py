"""The project's promises outside the taps' code: settings, docs, Meltano project, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import BIN
from tests.tap_cases import TAP_CASES, TapCase

ROOT = Path(__file__).resolve().parent.parent
by_tap = pytest.mark.parametrize("case", TAP_CASES, ids=lambda case: case.tap)


@by_tap
def test_about_lists_every_contract_setting_and_marks_secrets(case: TapCase):
    command = [str(BIN / case.tap), "--about", "--format", "json"]
    about = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    properties = about["settings"]["properties"]
    assert case.contract_settings <= set(properties)
    secret = {name for name, prop in properties.items() if prop.get("secret")}
    assert secret == case.secret_settings
    assert all(properties[name].get("description") for name in case.contract_settings)


def test_readme_tables_and_meltano_settings_are_generated_from_the_taps():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs.py"), "check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


@by_tap
def test_meltano_yml_declares_the_extractor_as_a_local_plugin(case: TapCase):
    tap = case.tap
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    plugin = next(p for p in project["plugins"]["extractors"] if p["name"] == tap)
    assert plugin["namespace"] == tap.replace("-", "_")
    assert plugin["pip_url"] == "-e ."
    assert plugin["executable"] == tap
    assert {"catalog", "discover", "state"} <= set(plugin["capabilities"])
    for setting in plugin["settings"]:
        assert setting["description"]
        assert setting.get("sensitive", False) == (setting["name"] in case.secret_settings)


def test_meltano_yml_has_the_three_loaders_environments_and_a_postgres_job():
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    loaders = {p["name"]: p for p in project["plugins"]["loaders"]}
    assert loaders["target-postgres"]["pip_url"].startswith("meltanolabs-target-postgres")
    assert loaders["target-snowflake"]["pip_url"].startswith("meltanolabs-target-snowflake")
    assert "target-duckdb" in loaders
    environments = {e["name"]: e for e in project["environments"]}
    dev_taps = environments["dev"]["config"]["plugins"]["extractors"]
    assert all(t["config"]["base_url"].startswith("http://127.0.0.1:") for t in dev_taps)
    assert {t["name"] for t in dev_taps} == {case.tap for case in TAP_CASES}
    jobs = {j["name"]: j for j in project["jobs"]}
    for job, target in [("all-to-postgres", "target-postgres"), ("all-to-duckdb", "target-duckdb")]:
        *loads, transform = jobs[job]["tasks"]
        assert sorted(loads) == sorted(f"{c.tap} {target}" for c in TAP_CASES)
        # the marts are built once every tap has loaded
        assert transform == f"dbt-{target.removeprefix('target-')}:build"


def test_ruff_finds_nothing():
    result = subprocess.run([str(BIN / "ruff"), "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
