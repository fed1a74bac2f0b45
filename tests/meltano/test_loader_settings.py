"""The loader settings meltano.yml ships are correct on the values our taps emit.

target-postgres runs with `validate_records: false` and `use_copy: true` (docs/loaders.md,
figures in BENCHMARKS.md). Skipping the loader's validation is safe only because every record
a tap emits fits the SCHEMA it emits (the contract suite checks it on every tap); these tests
keep the two other halves of that bargain: a tap's stream maps keep records fitting the schema
they announce (or the case where they do not is known and documented), and COPY writes the
odd values a tap emits exactly as INSERT would have.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import typing as t
from pathlib import Path

import psycopg
import pytest
import yaml

from emulators.framework import EmulatorServer
from tapkit.value_checks import strip_nul
from tests.cases import cobrowser
from tests.meltano_support import ROOT
from tests.support import run_tap

TARGET_POSTGRES = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin"


def loader_config(name: str) -> dict[str, t.Any]:
    """A loader's `config:` block in meltano.yml."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    (loader,) = [p for p in project["plugins"]["loaders"] if p["name"] == name]
    return dict(loader.get("config", {}))


def test_meltano_yml_ships_target_postgres_with_copy_and_without_second_validation():
    config = loader_config("target-postgres")
    assert config["validate_records"] is False
    assert config["use_copy"] is True


# -- stream maps keep records fitting the SCHEMA the tap emits ----------------------------------

#: maps a user would write on CoBrowser's conversations: a typed new column, a literal, a copy
#: under a new name, a changed type, a dropped column
TYPED_MAPS = {
    "conversations": {
        "duration_minutes": "float(duration_secs / 60) if duration_secs is not None else None",
        "source": "'cobrowser'",
        "agent": "assigned_agent_id",
        "browse_id": "str(browse_id)",
        "transcriptUrl": "__NULL__",
    }
}


def cobrowser_run(tmp_path: Path, maps: dict) -> t.Any:
    with EmulatorServer(cobrowser.make_app()) as emulator:
        case = cobrowser.CASE
        # today in the server's calendar, taken once; the run reads through it and no further
        today = case.today(case.config(emulator.url, dt.date.today()))
        config = case.through(case.config(emulator.url, today - dt.timedelta(days=3)), today)
        return run_tap(case.tap, config | {"stream_maps": maps})


def test_typed_stream_maps_emit_records_that_fit_the_schema_they_announce(tmp_path: Path):
    run = cobrowser_run(tmp_path, TYPED_MAPS)
    assert run.returncode == 0, run.stderr[-3000:]
    records = run.records("conversations")
    assert records, "the emulator holds conversations in these days"
    (schema,) = [
        m["schema"]
        for m in run.messages
        if m["type"] == "SCHEMA" and m["stream"] == "conversations"
    ]
    properties = schema["properties"]
    assert "transcriptUrl" not in properties
    assert "string" in properties["browse_id"]["type"]
    assert {"duration_minutes", "source", "agent"} <= properties.keys()
    assert all(isinstance(r["browse_id"], str) and r["source"] == "cobrowser" for r in records)
    assert run.schema_violations() == []


@pytest.mark.parametrize(
    ("column", "expression"),
    [("duration_minutes", "duration_secs / 60"), ("num_messages", "num_messages / 2")],
    ids=["new column", "existing column"],
)
def test_an_untyped_expression_breaks_the_guarantee(tmp_path: Path, column: str, expression: str):
    """The SDK types a map expression from its outer call (`int(`, `float(`, `str(`, a quoted
    literal), else keeps the type of the property of that name, else calls it a string: an
    arithmetic expression announces a string (new column) or an integer (existing column) and
    emits fractions. docs/loaders.md tells users to wrap such an expression in `float(...)`,
    or to turn the loader's validation back on."""
    run = cobrowser_run(tmp_path, {"conversations": {column: expression}})
    assert run.returncode == 0, run.stderr[-3000:]
    violations = run.schema_violations()
    assert violations and all(column in v for v in violations)


# -- COPY writes the taps' odd values as they were emitted --------------------------------------

ODD_TEXTS = [
    "tab\there",
    "line\nbreak and\r\ncrlf",
    "back\\slash \\N \\t literal",
    'quote " and comma , and semicolon ;',
    "",
    "NUL\x00stripped",
    "ünïcödé — 日本語 🙂",
    "\\",
    "trailing backslash\\",
]
BIG = 9_007_199_254_740_993  # above 2**53: a float would round it


def odd_messages() -> list[dict]:
    schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "text": {"type": ["string", "null"]},
            "big": {"type": ["integer", "null"]},
            "at": {"type": ["string", "null"], "format": "date-time"},
            "amount": {"type": ["number", "null"]},
            "_extra": {"type": ["object", "null"]},
        },
    }
    records = []
    for i, text in enumerate(ODD_TEXTS):
        cleaned, _ = strip_nul(text)  # what the record writer emits
        records.append(
            {
                "id": i,
                "text": cleaned,
                "big": BIG * (-1 if i % 2 else 1),
                "at": f"2026-0{1 + i % 9}-15T0{i}:30:45.123456+00:00",
                "amount": 12.5 + i,
                "_extra": {"note": cleaned, "nested": {"list": [1, "a\tb", None]}, "n": BIG},
            }
        )
    records.append(
        {"id": 99, "text": None, "big": None, "at": None, "amount": None, "_extra": None}
    )
    return [
        {"type": "SCHEMA", "stream": "odd", "key_properties": ["id"], "schema": schema},
        *({"type": "RECORD", "stream": "odd", "record": r} for r in records),
        {"type": "STATE", "value": {}},
    ]


def load(postgres, database: str, tmp_path: Path, **settings: t.Any) -> list[tuple]:
    postgres.create_database(database)
    config = tmp_path / f"{database}.json"
    config.write_text(
        json.dumps(
            {
                "sqlalchemy_url": postgres.url(database).replace(
                    "postgresql://", "postgresql+psycopg://"
                ),
                "default_target_schema": "t",
                "load_method": "upsert",
                **settings,
            }
        )
    )
    lines = "".join(json.dumps(m) + "\n" for m in odd_messages())
    result = subprocess.run(
        [str(TARGET_POSTGRES / "target-postgres"), "--config", str(config)],
        input=lines,
        text=True,
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with psycopg.connect(postgres.url(database)) as connection:
        return connection.execute(
            'select id, text, big, "at", amount, _extra from t.odd order by id'
        ).fetchall()


@pytest.mark.e2e
def test_copy_loads_the_odd_values_exactly_as_emitted_and_as_insert_does(postgres, tmp_path):
    copied = load(postgres, "copy_odd", tmp_path, use_copy=True, validate_records=False)
    inserted = load(postgres, "insert_odd", tmp_path, use_copy=False, validate_records=True)
    assert copied == inserted
    sent = [m["record"] for m in odd_messages() if m["type"] == "RECORD"]
    assert [row[0] for row in copied] == [r["id"] for r in sent]
    for row, record in zip(copied, sent, strict=True):
        _, text, big, at, amount, extra = row
        assert text == record["text"]
        assert big == record["big"]
        assert extra == record["_extra"]
        if record["at"] is None:
            assert at is None
        else:
            # a `timestamp without time zone` column, in UTC (target-postgres's mapping)
            emitted = dt.datetime.fromisoformat(record["at"]).astimezone(dt.UTC)
            assert at == emitted.replace(tzinfo=None)
        assert amount == record["amount"]
    assert copied[5][1] == "NULstripped"
