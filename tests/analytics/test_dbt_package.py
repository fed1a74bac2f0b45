"""transform/ as a dbt package: a team's own dbt project installs it and builds the marts.

The way a data team that loads with its own tools uses it (docs/KPIS.md, "As a dbt package"):
a scratch dbt project lists this repository's `transform/` in its packages.yml (a local path;
a git URL with `subdirectory: transform` works the same), names its own schema of Oct8ne's
raw tables, turns the other vendors off, and runs `dbt deps` and `dbt build` on DuckDB. The
raw tables hold the Oct8ne emulator's sessions and leads, typed as a loader types them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import typing as t
from pathlib import Path

import duckdb
import pytest
import yaml

from emulators.oct8ne import Oct8neData
from tests.meltano_support import ROOT

#: the dbt of Meltano's dbt-duckdb utility (`make .meltano/.installed`)
DBT = ROOT / ".meltano" / "utilities" / "dbt-duckdb" / "venv" / "bin" / "dbt"
RAW_SCHEMA = "landing_oct8ne"
DAYS = 10


def readme_queries() -> dict[str, str]:
    """The five questions of docs/analytics.md (From tables to answers): name → its SQL."""
    page = (ROOT / "docs" / "analytics.md").read_text()
    found = re.findall(r"<!-- kpi-query: ([^>]+) -->\n```sql\n(.*?)```", page, re.DOTALL)
    assert len(found) == 5, found
    return {name: sql.strip().rstrip(";") for name, sql in found}


def answer_readme_questions(connection: t.Any, schema: str) -> dict[str, list[tuple]]:
    """Each query's rows on the marts in `schema` (docs/analytics.md names `analytics`)."""
    return {
        name: connection.execute(sql.replace("analytics.", f"{schema}.")).fetchall()
        for name, sql in readme_queries().items()
    }


def scratch_project(folder: Path, database: Path) -> None:
    """A team's dbt project that installs the package from the local path."""
    (folder / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {
                "name": "team_analytics",
                "version": "1.0.0",
                "config-version": 2,
                "profile": "team",
                "vars": {
                    "contact_center__oct8ne_schema": RAW_SCHEMA,
                    "contact_center__oct8ne_enabled": True,
                    "contact_center__cobrowser_enabled": False,
                    "contact_center__chattonic_enabled": False,
                    "contact_center__eight_by_eight_enabled": False,
                    "contact_center__jaicp_enabled": False,
                    "contact_center__sla_threshold_seconds": 30,
                    "contact_center__reporting_timezone": "Europe/Madrid",
                },
                # every staging model carries its vendor's switch: the vars above are enough
            }
        )
    )
    (folder / "packages.yml").write_text(
        yaml.safe_dump({"packages": [{"local": str(ROOT / "transform")}]})
    )
    (folder / "profiles.yml").write_text(
        yaml.safe_dump(
            {
                "team": {
                    "target": "dev",
                    "outputs": {
                        "dev": {
                            "type": "duckdb",
                            "path": str(database),
                            "schema": "team_marts",
                            "threads": 1,
                        }
                    },
                }
            }
        )
    )


def load_raw_oct8ne(database: Path) -> int:
    """The emulator's sessions and leads of the last DAYS days as the team's raw tables."""
    data = Oct8neData()
    last = dt.datetime.now(dt.UTC).date()
    first = last - dt.timedelta(days=DAYS - 1)
    sessions = data.sessions(first, last, 0)
    leads = data.leads(first, last, 0)
    loaded = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # the file format of dbt-duckdb's DuckDB (meltano.yml pins its line), not this venv's newer one
    storage = {"storage_compatibility_version": "v1.4.0"}
    with duckdb.connect(str(database), config=storage) as connection:
        connection.execute(f"create schema {RAW_SCHEMA}")
        connection.execute(f"""create table {RAW_SCHEMA}.sessions ("sessionId" varchar,
            "startDate" timestamp, "endDate" timestamp, duration bigint, "waitingTime" bigint,
            "agentId" varchar, "agentName" varchar, "agentType" varchar, "departmentId" varchar,
            "departmentName" varchar, attended boolean, "assistanceRequested" boolean,
            sale boolean, "saleAmount" double, "visitorId" varchar, "visitorName" varchar,
            country varchar, browser varchar, device varchar, url varchar, messages bigint,
            rating bigint, _extra json, _sdc_batched_at timestamp)""")
        connection.executemany(
            f"insert into {RAW_SCHEMA}.sessions values "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    s["sessionId"],
                    s["startUtc"].replace(tzinfo=None),
                    s["endUtc"].replace(tzinfo=None),
                    s["duration"],
                    s["waitingTime"],
                    str(s["agentId"]),
                    s["agentName"],
                    s["agentType"],
                    str(s["departmentId"]),
                    s["departmentName"],
                    s["attended"],
                    s["assistanceRequested"],
                    s["sale"],
                    s["saleAmount"],
                    s["visitorId"],
                    s["visitorName"],
                    s["country"],
                    s["browser"],
                    s["device"],
                    s["url"],
                    s["messages"],
                    s["rating"],
                    json.dumps({"campaign": s["campaign"]}) if "campaign" in s else None,
                    loaded,
                ]
                for s in sessions
            ],
        )
        connection.execute(f"""create table {RAW_SCHEMA}.leads ("leadId" varchar,
            "sessionId" varchar, "creationDate" timestamp, name varchar, email varchar,
            phone varchar, comments varchar, "agentId" varchar, "departmentId" varchar,
            url varchar, country varchar, _extra json, _sdc_batched_at timestamp)""")
        connection.executemany(
            f"insert into {RAW_SCHEMA}.leads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    lead["leadId"],
                    lead["sessionId"],
                    lead["createdUtc"].replace(tzinfo=None),
                    lead["name"],
                    lead["email"],
                    lead["phone"],
                    lead["comments"],
                    str(lead["agentId"]),
                    str(lead["departmentId"]),
                    lead["url"],
                    lead["country"],
                    None,
                    loaded,
                ]
                for lead in leads
            ],
        )
    return len(sessions)


def dbt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """dbt in the scratch project; must succeed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    result = subprocess.run(
        [str(DBT), *args, "--project-dir", str(project), "--profiles-dir", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


def test_a_team_project_installs_the_package_and_builds_the_marts_over_its_own_schema(
    tmp_path: Path,
):
    if not DBT.exists():
        pytest.fail("dbt-duckdb is not installed: run `make .meltano/.installed`")
    project, database = tmp_path / "team_analytics", tmp_path / "team.duckdb"
    project.mkdir()
    scratch_project(project, database)
    sessions = load_raw_oct8ne(database)

    dbt(project, "deps")
    built = dbt(project, "build")

    assert "Completed successfully" in built.stdout, built.stdout[-3000:]
    with duckdb.connect(str(database), read_only=True) as connection:
        tables = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'team_marts' and table_type = 'BASE TABLE'"
            ).fetchall()
        }
        assert {"fct_conversations", "fct_queue_intervals", "fct_satisfaction"} <= tables
        # the other vendors were turned off: nothing of theirs was built
        assert "fct_queue_snapshots" not in tables and "fct_messages" not in tables
        (conversations,) = connection.execute(
            "select count(*) from team_marts.fct_conversations"
        ).fetchone()
        assert conversations == sessions
        # the team's SLA threshold (30 s) is the one the service level counts against
        within, recount = connection.execute(
            "select (select sum(answered_within_sla) from team_marts.fct_queue_intervals), "
            "count(*) from team_marts.fct_conversations where was_answered and wait_seconds <= 30"
        ).fetchone()
        assert within == recount > 0
        # the five questions of docs/analytics.md run on the team's marts; Oct8ne has no status
        # time, so the occupancy question has no row (never a 0)
        answers = answer_readme_questions(connection, "team_marts")
    assert answers["occupancy"] == []
    assert all(answers[name] for name in answers if name != "occupancy"), answers
