"""End to end: `meltano run TAP target-postgres` into a real PostgreSQL, twice.

The rows in the warehouse must equal the emulator's ground truth, and a second run with
the state Meltano saved must add no duplicate row.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tapkit.emulators.framework import EmulatorServer
from tests.tap_cases import TAP_CASES, TapCase

ROOT = Path(__file__).resolve().parent.parent
MELTANO = Path(sys.executable).parent / "meltano"
DAYS = 30

pytestmark = pytest.mark.e2e


def meltano_env(case: TapCase, config: dict, postgres, database: str, system_db: Path) -> dict:
    """Settings as Meltano reads them from the environment (they override meltano.yml)."""
    prefix = case.tap.upper().replace("-", "_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_"))}
    env.update({f"{prefix}_{name.upper()}": str(value) for name, value in config.items()})
    env.update(
        {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DATABASE_URI": f"sqlite:///{system_db}",
            "TARGET_POSTGRES_HOST": "127.0.0.1",
            "TARGET_POSTGRES_PORT": str(postgres.port),
            "TARGET_POSTGRES_USER": postgres.user,
            "TARGET_POSTGRES_PASSWORD": "",
            "TARGET_POSTGRES_DATABASE": database,
        }
    )
    return env


def meltano_run(case: TapCase, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(MELTANO), "run", case.tap, "target-postgres"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def warehouse_keys(postgres, database: str, schema: str, table: str, key_fields) -> list[tuple]:
    columns = ", ".join(f'"{field}"' for field in key_fields)
    with psycopg.connect(postgres.url(database)) as connection:
        return [
            tuple(row)
            for row in connection.execute(f'select {columns} from "{schema}"."{table}"').fetchall()
        ]


@pytest.mark.parametrize("case", TAP_CASES, ids=lambda case: case.tap)
def test_meltano_loads_the_ground_truth_into_postgres_and_a_rerun_adds_no_duplicate(
    case: TapCase, postgres, tmp_path: Path
):
    database = case.tap.replace("-", "_") + "_e2e"
    postgres.create_database(database)
    schema = case.tap.replace("-", "_")
    with EmulatorServer(case.make_app()) as emulator:
        today = case.today(case.config(emulator.url, dt.date.today()))
        # the shortest windows: the first run makes many requests, a resumed run very few
        config = {
            **case.config(emulator.url, today - dt.timedelta(days=DAYS)),
            **case.smallest_window,
        }
        env = meltano_env(case, config, postgres, database, tmp_path / "meltano.db")
        truth = case.truth(emulator.app, today - dt.timedelta(days=DAYS), today)

        meltano_run(case, env)
        first_requests = len(emulator.requests)
        for stream, key_fields in case.windowed_streams.items():
            keys = warehouse_keys(postgres, database, schema, stream, key_fields)
            assert len(keys) == len(set(keys)), f"{stream}: duplicate rows"
            assert set(keys) == truth[stream], f"{stream}: rows differ from the emulator's"

        meltano_run(case, env)
        second_requests = len(emulator.requests) - first_requests
        for stream, key_fields in case.windowed_streams.items():
            keys = warehouse_keys(postgres, database, schema, stream, key_fields)
            assert len(keys) == len(set(keys)), f"{stream}: the second run added duplicates"
            assert set(keys) == truth[stream]

    # lookback_days (1) plus the open day, per stream: the second run resumed from its state
    assert second_requests <= 2 * len(case.windowed_streams) < first_requests
