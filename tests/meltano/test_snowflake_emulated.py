"""The real target-snowflake loads every stream of the five taps into an emulated Snowflake.

No Snowflake account is reachable from a test run, so `meltano run all-to-snowflake--emulated`
runs MeltanoLabs' target-snowflake, unmodified and in its own plugin virtualenv, against
fakesnow (Snowflake emulated on DuckDB files) through loaders/target-snowflake-emulated. This
proves the target's whole SQL flow on our streams: schemas and tables created from the taps'
schemas, the column types it maps them to, PUT to the user stage, MERGE (upsert) from it, and
that a second run upserts instead of duplicating. What it cannot prove is in docs/operating.md
("What is proven"); the opt-in test against a real account is in test_warehouses.py.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import subprocess
import time
import typing as t
from collections import Counter
from pathlib import Path

import pytest

from tests.meltano.test_warehouses import (
    DAYS,
    expected_keys,
    meltano,
    project_env,
    running_emulators,
    schema_of,
)
from tests.meltano_support import (
    ROOT,
    as_emitted,
    assert_rerun_added_only_snapshots,
    assert_tables_hold_the_truth,
)
from tests.tap_cases import TAP_CASES

pytestmark = pytest.mark.e2e

LOADER_PYTHON = ROOT / ".meltano" / "loaders" / "target-snowflake--emulated" / "venv" / "bin"
#: meltano.yml's dev environment: the database the emulated account loads into
DATABASE = "CHAT_TAPS"

#: Run by the loader's own Python (fakesnow lives there): every table of the account with its
#: row count and column types, and the key columns asked for, pickled to a file.
READ_ACCOUNT = """
import json, pickle, sys
import fakesnow, snowflake.connector
path, database, wanted, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
with fakesnow.patch(db_path=path):
    cursor = snowflake.connector.connect(
        account="emulated", user="emulated", password="emulated", database=database).cursor()
    tables = {}
    for schema, table in cursor.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema <> 'INFORMATION_SCHEMA' and table_type = 'BASE TABLE'").fetchall():
        (rows,) = cursor.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
        types = dict(cursor.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = %s and table_name = %s", (schema, table)).fetchall())
        tables[(schema, table)] = {"rows": rows, "types": types}
    keys = {}
    for schema, table, fields in wanted:
        columns = ", ".join(f'"{field}"' for field in fields)
        keys[(schema, table)] = cursor.execute(
            f'select {columns} from "{schema}"."{table}"').fetchall()
with open(out, "wb") as handle:
    pickle.dump({"tables": tables, "keys": keys}, handle)
"""


class EmulatedAccount:
    """What the emulated account at `path` holds, read through fakesnow as a client would."""

    def __init__(self, path: Path, scratch: Path) -> None:
        self.path = path
        self.scratch = scratch

    def read(self, wanted: t.Sequence[tuple[str, str, tuple[str, ...]]] = ()) -> dict:
        """{"tables": (SCHEMA, TABLE) → rows and types, "keys": (SCHEMA, TABLE) → key rows}."""
        out = self.scratch / "account.pickle"
        subprocess.run(
            [
                str(LOADER_PYTHON / "python"),
                "-c",
                READ_ACCOUNT,
                str(self.path),
                DATABASE,
                json.dumps(wanted),
                str(out),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        return pickle.loads(out.read_bytes())

    def table_rows(self, account: dict, tap: str) -> dict[str, int]:
        """table → rows for a tap's schema, tables named as the streams (Snowflake upper-cases)."""
        schema = schema_of(tap).upper()
        return {
            table.lower(): facts["rows"]
            for (owner, table), facts in account["tables"].items()
            if owner == schema
        }


def snowflake_type(schema: dict) -> str | None:
    """The Snowflake type target-snowflake maps a JSON schema to (fakesnow's names), or None
    when the schema allows several types other than null (the target's choice is its own)."""
    types = schema.get("type", [])
    types = {types} if isinstance(types, str) else set(types) - {"null"}
    if types & {"object", "array"}:
        return "VARIANT"
    if len(types) != 1:
        return None
    (kind,) = types
    if kind == "string":
        return {"date-time": "TIMESTAMP_NTZ", "date": "DATE"}.get(schema.get("format"), "TEXT")
    return {"integer": "NUMBER", "number": "FLOAT", "boolean": "BOOLEAN"}[kind]


def declared_schema(case, server_url: str, stream: str) -> dict:
    """The JSON schema the tap declares for `stream` (what the target builds its table from)."""
    tap = case.tap_class(config=case.config(server_url, dt.date.today()), validate_config=False)
    return tap.streams[stream].schema


def test_all_to_snowflake_emulated_loads_every_stream_upserts_on_rerun_and_maps_types(
    postgres, tmp_path: Path
):
    account_path = tmp_path / "fakesnow"
    account = EmulatedAccount(account_path, tmp_path)
    typed_streams = {case.tap: next(iter(case.windowed_streams)) for case in TAP_CASES}
    with running_emulators(TAP_CASES) as servers:
        env = project_env(
            TAP_CASES,
            servers,
            postgres,
            "unused",
            f"sqlite:///{tmp_path / 'meltano.db'}",
            workdir=tmp_path,
        )
        env["TARGET_SNOWFLAKE__EMULATED_EMULATOR_PATH"] = str(account_path)
        truth = {case.tap: expected_keys(case, servers[case.tap]) for case in TAP_CASES}
        declared = {
            case.tap: declared_schema(case, servers[case.tap].url, typed_streams[case.tap])
            for case in TAP_CASES
        }

        started = time.monotonic()
        meltano("run", "all-to-snowflake--emulated", env=env)
        first_run = time.monotonic() - started
        wanted = [
            (schema_of(case.tap).upper(), stream.upper(), fields)
            for case in TAP_CASES
            for stream, fields in case.windowed_streams.items()
        ]
        after_first = account.read(wanted)
        started = time.monotonic()
        meltano("run", "all-to-snowflake--emulated", env=env)
        second_run = time.monotonic() - started
        after_second = account.read(wanted)

    first = {case.tap: account.table_rows(after_first, case.tap) for case in TAP_CASES}
    second = {case.tap: account.table_rows(after_second, case.tap) for case in TAP_CASES}
    print(f"\nemulated Snowflake, {DAYS} days: runs {first_run:.0f}s and {second_run:.0f}s")
    print("rows after run 1:", json.dumps(first, sort_keys=True))
    print("rows after run 2:", json.dumps(second, sort_keys=True))
    for case in TAP_CASES:
        schema = schema_of(case.tap).upper()

        def keys_of(table: str, fields: tuple[str, ...], schema: str = schema) -> list[tuple]:
            rows = after_first["keys"][(schema, table.upper())]
            return [tuple(as_emitted(value) for value in row) for row in rows]

        assert_tables_hold_the_truth(case, truth[case.tap], first[case.tap], keys_of)
    assert_rerun_added_only_snapshots(TAP_CASES, first, second)
    for case in (case for case in TAP_CASES if not case.windowed):
        for stream in case.windowed_streams:
            table = (schema_of(case.tap).upper(), stream.upper())
            snapshots = Counter(after_second["keys"][table])
            once = set(after_first["keys"][table])
            assert set(snapshots) == once and set(snapshots.values()) == {2}, (
                f"{case.tap}.{stream}: not exactly one more snapshot of each: {snapshots}"
            )

    for case in TAP_CASES:
        stream = typed_streams[case.tap]
        seen = after_first["tables"][(schema_of(case.tap).upper(), stream.upper())]["types"]
        seen = {column.lower(): kind for column, kind in seen.items()}
        print(f"{case.tap}.{stream} column types:", json.dumps(seen, sort_keys=True))
        properties = declared[case.tap]["properties"]
        expected = {
            name.lower(): kind
            for name, schema in properties.items()
            if (kind := snowflake_type(schema)) is not None
        }
        assert {name: seen[name] for name in expected} == expected, f"{case.tap}.{stream}"
        assert seen["_extra"] == "VARIANT", f"{case.tap}.{stream}: _extra is {seen['_extra']}"


def singer_lines(*messages: dict) -> str:
    return "".join(json.dumps(message) + "\n" for message in messages)


def test_the_target_adds_a_column_a_stream_gains_and_appends_a_keyless_stream(tmp_path: Path):
    """Schema evolution and the COPY path, which no tap of ours takes (they all have keys)."""
    account_path = tmp_path / "fakesnow"
    properties = {"id": {"type": "string"}, "n": {"type": ["integer", "null"]}}
    first = {"type": "object", "properties": properties}
    second = {**first, "properties": {**properties, "channel": {"type": ["string", "null"]}}}
    events = {"type": "object", "properties": {"message": {"type": "string"}}}
    messages = singer_lines(
        {
            "type": "SCHEMA",
            "stream": "s",
            "key_properties": ["id"],
            "schema": first,
        },
        {"type": "RECORD", "stream": "s", "record": {"id": "a", "n": 1}},
        {"type": "SCHEMA", "stream": "events", "key_properties": [], "schema": events},
        {"type": "RECORD", "stream": "events", "record": {"message": "x"}},
        {"type": "RECORD", "stream": "events", "record": {"message": "x"}},
        {"type": "STATE", "value": {"bookmarks": {}}},
        {
            "type": "SCHEMA",
            "stream": "s",
            "key_properties": ["id"],
            "schema": second,
        },
        {"type": "RECORD", "stream": "s", "record": {"id": "b", "n": 2, "channel": "web"}},
        {"type": "RECORD", "stream": "s", "record": {"id": "a", "n": 3, "channel": "chat"}},
    )
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "account": "emulated",
                "user": "emulated",
                "password": "emulated",
                "database": DATABASE,
                "default_target_schema": "evolving",
            }
        )
    )
    result = subprocess.run(
        [str(LOADER_PYTHON / "target-snowflake-emulated"), "--config", str(config)],
        input=messages,
        text=True,
        capture_output=True,
        env={"TARGET_SNOWFLAKE_EMULATOR_PATH": str(account_path), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    account = EmulatedAccount(account_path, tmp_path).read(
        [("EVOLVING", "S", ("id", "n", "channel")), ("EVOLVING", "EVENTS", ("message",))]
    )
    assert sorted(account["keys"][("EVOLVING", "S")]) == [("a", 3, "chat"), ("b", 2, "web")]
    assert account["tables"][("EVOLVING", "S")]["types"]["CHANNEL"] == "TEXT"
    assert account["keys"][("EVOLVING", "EVENTS")] == [("x",), ("x",)]
