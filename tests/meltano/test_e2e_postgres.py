"""End to end: `meltano run TAP target-postgres` into a real PostgreSQL, twice.

The rows in the warehouse must equal the emulator's ground truth, and a second run with
the state Meltano saved must add no duplicate row.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from emulators.framework import EmulatorServer
from tests.meltano_support import meltano_env, meltano_run, warehouse_keys
from tests.tap_cases import TAP_CASES, TapCase

if TYPE_CHECKING:
    from pathlib import Path

DAYS = 12

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("case", [c for c in TAP_CASES if c.windowed], ids=lambda c: c.name)
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
            **case.through(case.config(emulator.url, today - dt.timedelta(days=DAYS)), today),
            **case.smallest_window,
        }
        env = meltano_env(case, config, postgres, database, tmp_path / "meltano.db")
        truth = case.truth(emulator.app, today - dt.timedelta(days=DAYS), today)

        meltano_run(case, env)
        first_requests = case.window_requests(emulator)
        for stream, key_fields in case.windowed_streams.items():
            keys = warehouse_keys(postgres, database, schema, stream, key_fields)
            assert len(keys) == len(set(keys)), f"{stream}: duplicate rows"
            assert set(keys) == truth[stream], f"{stream}: rows differ from the emulator's"

        meltano_run(case, env)
        second_requests = case.window_requests(emulator) - first_requests
        for stream, key_fields in case.windowed_streams.items():
            keys = warehouse_keys(postgres, database, schema, stream, key_fields)
            assert len(keys) == len(set(keys)), f"{stream}: the second run added duplicates"
            assert set(keys) == truth[stream]

    # lookback_days (1) plus the open day, per stream: the second run resumed from its state
    assert second_requests <= 2 * len(case.windowed_streams) < first_requests
