"""The drift guard (tapkit/drift.py): a renamed API fails before its window is written.

Issue 22 item 4: if Oct8ne's JSON export uses display names (`Session Id`, `Start Date`), as
the only public code reading its CSV export does (`Id`, `Date`, `Time`), every declared
column would load as null with only an INFO line to say so.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from emulators.framework import EmulatorServer
from emulators.oct8ne import Oct8neEmulator
from tapkit.drift import drift_finding, drift_message
from tests.cases.oct8ne import OCT8NE, OCT8NE_DOMAIN, OCT8NE_TOKEN
from tests.support import run_tap
from tests.tap_cases import TEST_INTERVAL

DECLARED = [f"field{i}" for i in range(10)]


def test_a_rename_of_most_fields_is_found_and_shown_side_by_side():
    records = [{"field0": 1, **{f"Field {i}": i for i in range(1, 10)}}]
    absent, new = drift_finding(DECLARED, records) or ([], [])
    assert absent == DECLARED[1:] and len(new) == 9
    message = drift_message("s", "in window 2026-01-01..2026-01-31", absent, new)
    assert "9 declared field(s) never appear" in message
    assert "'field1' → 'Field 1'" in message


@pytest.mark.parametrize(
    "records",
    [
        [],  # an empty window says nothing
        [{"field0": 1, "field1": 2, "field2": 3}],  # sparse: the vendor leaves out nulls
        [{"field0": 1, "field1": 2, "field2": 3, "brandNew": 4}],  # sparse, and one new field
        # sparse records whose union covers half the fields, with two new fields
        [{"field0": 1, "field1": 2, "x": 1}, {"field2": 1, "field3": 2, "field4": 3, "y": 2}],
        [dict.fromkeys(DECLARED) | {f"new{i}": i for i in range(20)}],  # nulls count
    ],
)
def test_sparse_records_and_a_vendor_adding_fields_are_not_drift(records):
    assert drift_finding(DECLARED, records) is None


def _display_name(name: str) -> str:
    """`sessionId` → `Session Id`: the display-name spelling of the CSV export."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).title()


class DisplayNames(Oct8neEmulator):
    """Oct8ne answering with display names instead of the names the tap assumes."""

    def _rows(self, kind: str, first: dt.date, last: dt.date, offset: int, q: dict) -> list[dict]:
        rows = super()._rows(kind, first, last, offset, q)
        return [{_display_name(key): value for key, value in row.items()} for row in rows]


def _config(server: EmulatorServer, **changes: object) -> dict:
    today = dt.datetime.now(dt.UTC).date()
    return {**OCT8NE.config(server.url, today - dt.timedelta(days=3)), **changes}


def _app() -> DisplayNames:
    return DisplayNames(api_token=OCT8NE_TOKEN, domain_id=OCT8NE_DOMAIN, interval=TEST_INTERVAL)


def test_a_renamed_export_fails_before_writing_naming_both_sides():
    with EmulatorServer(_app()) as server:
        run = run_tap("tap-oct8ne", _config(server), timeout=120)
    assert run.returncode != 0
    assert not run.records("sessions") and not run.records("leads"), "nothing written"
    errors = [line for line in run.stderr.splitlines() if "never appear" in line]
    assert errors and "ERROR" in errors[0], run.stderr[-2000:]
    # the first stream read fails the run: leads, whose renames are shown side by side
    assert "'creationDate' → 'Creation Date'" in errors[0] and "'leadId' → 'Lead Id'" in errors[0]
    assert "on_schema_drift: warn" in errors[0], "the way to load anyway is named"
    assert "Traceback" not in run.stderr


def test_with_on_schema_drift_warn_the_run_warns_once_and_goes_on():
    with EmulatorServer(_app()) as server:
        run = run_tap("tap-oct8ne", _config(server, on_schema_drift="warn"), timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    warnings = [line for line in run.stderr.splitlines() if "never appear" in line]
    assert len(warnings) == 2, "once per stream"  # sessions and leads
    assert all("WARNING" in line and "Loading anyway" in line for line in warnings)
    # without their key the rows cannot be loaded: skipped (on_invalid_key's default), said
    assert "rows skipped for an unusable key (on_invalid_key: skip): sessionId (" in run.stderr
