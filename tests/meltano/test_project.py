"""The project's promises outside the taps' code: settings, docs, Meltano project, CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from singer_sdk.exceptions import ConfigValidationError

from scripts import registry
from tests.support import BIN
from tests.tap_cases import TAP_CASES, TapCase

ROOT = Path(__file__).resolve().parents[2]
by_tap = pytest.mark.parametrize("case", TAP_CASES, ids=lambda case: case.name)


@by_tap
def test_about_lists_every_contract_setting_and_marks_secrets(case: TapCase):
    command = [str(BIN / case.tap), "--about", "--format", "json"]
    about = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    properties = about["settings"]["properties"]
    assert case.contract_settings <= set(properties)
    secret = {name for name, prop in properties.items() if prop.get("secret")}
    assert secret == case.secret_settings
    assert all(properties[name].get("description") for name in case.contract_settings)


def test_every_tap_of_the_registry_is_under_the_generic_suites_and_says_what_it_is():
    """A tap of [project.scripts] without a case in tests/cases/ would skip every suite."""
    # a tap may have several cases (8x8: real-time, Analytics), never none
    assert sorted({case.tap for case in TAP_CASES}) == sorted(registry.project_taps())
    for tap in registry.project_taps():
        tap_class = registry.tap_class(tap)
        assert tap_class.name == tap
        assert tap_class.label and tap_class.description and tap_class.keywords, tap


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
    # MeltanoLabs' target-postgres, through our wrapper, which pins the release it wraps
    assert loaders["target-postgres"]["pip_url"] == "./loaders/target-postgres-fast"
    assert loaders["target-postgres"]["executable"] == "target-postgres-fast"
    wrapper = (ROOT / "loaders" / "target-postgres-fast" / "pyproject.toml").read_text()
    assert '"meltanolabs-target-postgres==0.8.1"' in wrapper
    assert loaders["target-snowflake"]["pip_url"].startswith("meltanolabs-target-snowflake")
    assert "target-duckdb" in loaders
    environments = {e["name"]: e for e in project["environments"]}
    dev_taps = environments["dev"]["config"]["plugins"]["extractors"]
    assert all(t["config"]["base_url"].startswith("http://127.0.0.1:") for t in dev_taps)
    assert {t["name"] for t in dev_taps} == set(registry.project_taps())
    jobs = {j["name"]: j for j in project["jobs"]}
    for job, target in [("all-to-postgres", "target-postgres"), ("all-to-duckdb", "target-duckdb")]:
        *loads, transform = jobs[job]["tasks"]
        assert sorted(loads) == sorted(f"{tap} {target}" for tap in registry.project_taps())
        # the marts are built once every tap has loaded
        assert transform == f"dbt-{target.removeprefix('target-')}:build"


def test_ruff_finds_nothing():
    result = subprocess.run([str(BIN / "ruff"), "check", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


# --- Meltano plugin definitions ---------------------------------------------------------------

#: The SDK's built-in settings (stream maps, flattening, batch), as Meltano names them: a
#: setting Meltano does not know is dropped, and its TAP_X_... variable with it.
SDK_SETTINGS = {
    "stream_maps",
    "stream_map_config",
    "flattening_enabled",
    "flattening_max_depth",
    "batch_config.encoding.format",
    "batch_config.encoding.compression",
    "batch_config.storage.root",
    "batch_config.storage.prefix",
}


def about_json(tap: str) -> dict:
    """`tap --about --format json`."""
    command = [str(BIN / tap), "--about", "--format", "json"]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def meltano_yml_extractor(tap: str) -> dict:
    """The entry of `tap` in meltano.yml."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    return next(p for p in project["plugins"]["extractors"] if p["name"] == tap)


def plugin_file(tap: str) -> dict:
    """plugins/extractors/<tap>.yml."""
    return yaml.safe_load((ROOT / "plugins" / "extractors" / f"{tap}.yml").read_text())


def changelog_release() -> str:
    """The newest released version of CHANGELOG.md (its first `## [X.Y.Z] - date`)."""
    match = re.search(
        r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d\d-\d\d$",
        (ROOT / "CHANGELOG.md").read_text(),
        re.MULTILINE,
    )
    return match.group(1) if match else ""


def declares(names: set[str], setting: str) -> bool:
    """A top-level --about setting is declared by name or by its dotted leaves."""
    return setting in names or any(name.startswith(f"{setting}.") for name in names)


@by_tap
def test_meltano_yml_declares_every_about_setting_the_sdk_ones_included(case: TapCase):
    about = about_json(case.tap)
    plugin = meltano_yml_extractor(case.tap)
    names = {setting["name"] for setting in plugin["settings"]}
    assert names >= SDK_SETTINGS
    missing = [s for s in about["settings"]["properties"] if not declares(names, s)]
    assert not missing, f"{case.tap}: --about settings Meltano would drop: {missing}"
    assert all(setting["label"] for setting in plugin["settings"])
    assert set(about["capabilities"]) <= set(plugin["capabilities"])
    for group in plugin["settings_group_validation"]:
        assert set(about["settings"].get("required", [])) <= set(group) <= names


@by_tap
def test_plugin_file_is_a_hub_definition_installing_the_released_tag(case: TapCase):
    # Meltano Hub's own JSON schema validates every definition in tests/meltano/test_release.py
    definition = plugin_file(case.tap)
    assert definition["name"] == case.tap
    assert definition["namespace"] == case.tap.replace("-", "_")
    assert definition["executable"] == case.tap
    release = changelog_release()
    ref = f"v{release}" if release else "main"  # before the first release: the default branch
    assert re.fullmatch(
        rf"git\+https://github\.com/[\w.-]+/chat-taps\.git@{ref}", definition["pip_url"]
    )
    assert definition["repo"] in definition["pip_url"]
    assert definition["docs"].startswith(definition["repo"])
    assert "meltano_sdk" in definition["keywords"]
    for setting in definition["settings"]:
        assert setting["label"] and setting["description"], setting["name"]
        assert all(isinstance(o["value"], str) for o in setting.get("options", []))
    # the project's own entry is the same definition, installed from this checkout
    project_entry = meltano_yml_extractor(case.tap)
    assert project_entry["pip_url"] == "-e ."
    for field in ("capabilities", "settings_group_validation", "settings", "label", "variant"):
        assert project_entry[field] == definition[field], field


@by_tap
def test_each_settings_group_is_a_complete_configuration_and_none_has_a_spare(case: TapCase):
    groups = meltano_yml_extractor(case.tap)["settings_group_validation"]
    assert groups
    for group in groups:
        assert not settings_errors(case, group), f"{case.tap}: {group} alone is refused"
        for left_out in group:
            rest = [name for name in group if name != left_out]
            assert settings_errors(case, rest), f"{case.tap}: {group} without {left_out} accepted"


def settings_errors(case: TapCase, names: list[str]) -> list[str]:
    """The tap's complaints about a configuration holding only `names` (made-up values)."""
    config = {name: "https://vendor.example.com" if name == "base_url" else "x" for name in names}
    try:
        case.tap_class(config=config, validate_config=True, setup_mapper=False)
    except ConfigValidationError as exc:
        return list(exc.errors)
    return []


def test_readme_install_lines_install_a_clone_and_name_the_released_tag_once_there_is_one():
    readme = (ROOT / "README.md").read_text()
    install = readme.split("<!-- install -->", 1)[1].split("<!-- /install -->", 1)[0]
    assert "local-plugins/extractors/tap-oct8ne.yml" in install
    assert 'pip install "$CHAT_TAPS"' in install
    release = changelog_release()
    if not release:  # nothing published: no line may point at a release
        assert "raw.githubusercontent.com" not in install and "@v" not in install
        return
    assert f"chat-taps.git@v{release}'" in install
    assert "--from-ref https://raw.githubusercontent.com/" in install
    assert f"/v{release}/plugins/extractors/tap-oct8ne.yml" in install
