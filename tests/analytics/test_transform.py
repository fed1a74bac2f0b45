"""The dbt project of transform/ as Meltano runs it, where no warehouse is needed.

Building and testing the models against a warehouse happens in tests/meltano/test_warehouses.py
(`all-to-postgres` ends with `dbt-postgres:build`) and in `make demo` (DuckDB). Here:
- dbt-snowflake parses the whole project with no account configured (no Snowflake is
  reachable from here), so its SQL references and configs hold for the third warehouse;
- a team with two of the five vendors builds only theirs: the other vendors' sources,
  staging models and marts are disabled by the project's variables, Fivetran-style.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.meltano_support import MELTANO, ROOT, checkout_sys_dir

STAGING = {
    "oct8ne": {"stg_oct8ne__sessions", "stg_oct8ne__leads"},
    # one staging model per stream of tap-cobrowser
    "cobrowser": {
        f"stg_cobrowser__{stream}"
        for stream in (
            "conversations",
            "account_stats_hourly",
            "host_stats_hourly",
            "emails",
            "agent_activity",
            "filter_stats_hourly",
            "slots_activity",
            "agent_performance",
            "accounts",
            "agents",
            "hosts",
            "ccc_agents",
            "ccc_agent_groups",
            "ccc_group_accounts",
            "ccc_slots_activity",
        )
    },
    "chattonic": {
        "stg_chattonic__operator_stats_daily",
        "stg_chattonic__dashboard_hourly",
        "stg_chattonic__conversations",
    },
    "eight_by_eight": {
        f"stg_eight_by_eight__{stream}"
        for stream in (
            "agents",
            "queues",
            "interactions",
            "agent_status_changes",
            "survey_responses",
            "queue_intervals",
            "agent_intervals",
            "agent_time_on_status",
        )
    },
    "jaicp": {
        "stg_jaicp__sessions",
        "stg_jaicp__messages",
        "stg_jaicp__clients",
        "stg_jaicp__message_labels",
        "stg_jaicp__session_label_stats",
        "stg_jaicp__switched_sessions_daily",
    },
}
MARTS = {
    "fct_conversations",
    "fct_messages",
    "fct_agent_days",
    "fct_queue_snapshots",
    "dim_agents",
    "fct_queue_intervals",
    "fct_satisfaction",
    "fct_bot_days",
}


def dbt(utility: str, *args: str, target: Path) -> subprocess.CompletedProcess:
    """`meltano invoke UTILITY ARGS` with dbt's target folder in `target`; must succeed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "TARGET_"))}
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env[f"{utility.upper().replace('-', '_')}_TARGET_PATH"] = str(target)
    env[f"{utility.upper().replace('-', '_')}_LOG_PATH"] = str(target / "logs")
    env["MELTANO_SYS_DIR_ROOT"] = str(checkout_sys_dir(target / "meltano-sys"))
    result = subprocess.run(
        [str(MELTANO), "invoke", utility, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


def manifest_models(target: Path) -> dict[str, dict]:
    """model name → its manifest node."""
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    return {n["name"]: n for n in nodes.values() if n["resource_type"] == "model"}


def test_dbt_snowflake_parses_every_model_without_an_account(tmp_path: Path):
    dbt("dbt-snowflake", "parse", target=tmp_path)
    models = manifest_models(tmp_path)
    assert set(models) == set().union(*STAGING.values()) | MARTS
    # every mart reads staging models (or marts built from them), never a vendor's raw table
    # directly (an incremental run runs a staging model's own SQL, macros/staging/, on the
    # raw rows loaded since: its lineage is that staging model)
    for name in MARTS:
        parents = [p.split(".")[-1] for p in models[name]["depends_on"]["nodes"]]
        assert parents and all(p.startswith("stg_") or p in MARTS for p in parents), name
        assert not models[name]["sources"], name


def test_a_team_with_two_vendors_builds_only_their_models(tmp_path: Path):
    enabled = {"oct8ne", "jaicp"}
    switches = {f"contact_center__{v}_enabled": v in enabled for v in STAGING}
    listed = dbt(
        "dbt-duckdb",
        "ls",
        "--quiet",
        "--resource-type",
        "model",
        "--resource-type",
        "source",
        "--output",
        "name",
        "--vars",
        json.dumps(switches),
        target=tmp_path,
    ).stdout.split()
    staging = {name for name in listed if name.startswith("stg_")}
    assert staging == STAGING["oct8ne"] | STAGING["jaicp"]
    # 8x8 makes the queue snapshots: none here; Oct8ne's agents make agent days (handled, AHT)
    built = {"fct_conversations", "fct_messages", "dim_agents", "fct_queue_intervals"}
    assert built | {"fct_agent_days", "fct_satisfaction"} <= set(listed)
    assert "fct_queue_snapshots" not in listed
    sources = {name for name in listed if "." in name}
    assert {s.split(".")[0] for s in sources} == {"oct8ne", "jaicp"}, sources


def test_every_model_carries_the_account_and_its_grain_includes_it():
    """Issue 25: two accounts of one vendor repeat each other's ids, so every staging model
    and mart has `source_account` and its grain test (`unique_key`) names it."""
    import yaml

    grains: dict[str, list[list[str]]] = {}
    for path in (ROOT / "transform" / "models").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            grains[model["name"]] = [
                test["unique_key"]["arguments"]["columns"]
                for test in model.get("data_tests") or []
                if isinstance(test, dict) and "unique_key" in test
            ]
    models = {
        path.stem: path.read_text() for path in (ROOT / "transform" / "models").rglob("*.sql")
    }
    assert set(models) == set().union(*STAGING.values()) | MARTS
    for name, sql in models.items():
        assert "source_account" in sql, name
        assert any("source_account" in columns for columns in grains.get(name, [])), name
