"""The PostgreSQL loader meltano.yml ships loads exactly what target-postgres loads.

meltano.yml runs MeltanoLabs' target-postgres through `loaders/target-postgres-fast`, which
replaces the target's per-record work, its COPY loop and its upsert, and loads each batch
while the next is read (docs/loaders.md). Both executables live in the loader's virtualenv;
these tests feed them the same Singer messages and compare what lands in PostgreSQL, what
they print (the STATE lines) and how they end, on the cases each replaced piece handles:
odd values, a key seen twice in a batch, keys re-read in a later run, many batches, an
append-only stream, a table made by someone else without a primary key, a batch that fails.
"""

from __future__ import annotations

import json
import subprocess
import typing as t
from pathlib import Path

import psycopg
import pytest

from tests.meltano.test_loader_settings import BIG, odd_messages
from tests.meltano_support import ROOT

pytestmark = pytest.mark.e2e

BIN = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin"
STOCK, FAST = "target-postgres", "target-postgres-fast"
#: the metadata columns whose value is the load's own clock
CLOCK_COLUMNS = ("_sdc_received_at", "_sdc_batched_at", "_sdc_sequence", "_sdc_sync_started_at")


#: each executable, run with every record counted as older than the SDK's drain age
AGED = {
    STOCK: (
        "import sys; from target_postgres.target import TargetPostgres as T; "
        "T._MAX_RECORD_AGE_IN_MINUTES = -1; sys.argv[1:] = ['--config', sys.argv[1]]; T.cli()"
    ),
    FAST: (
        "import sys, target_postgres_fast as f; "
        "f.FastTargetPostgres._MAX_RECORD_AGE_IN_MINUTES = -1; "
        "sys.argv[1:] = ['--config', sys.argv[1]]; f.main()"
    ),
}


class Loaded(t.NamedTuple):
    """What one loader left: each table's rows, the STATE lines it printed, its exit code."""

    tables: dict[str, list[tuple]]
    states: list[dict]
    returncode: int
    stderr: str


def settings(postgres, database: str, **extra: t.Any) -> dict[str, t.Any]:
    return {
        "sqlalchemy_url": postgres.url(database).replace("postgresql://", "postgresql+psycopg://"),
        "default_target_schema": "t",
        "load_method": "upsert",
        "add_record_metadata": True,
        "validate_records": False,
        "use_copy": True,
        **extra,
    }


def run_loader(
    executable: str,
    postgres,
    database: str,
    runs: list[list[dict]],
    tmp_path: Path,
    *,
    fresh: bool = True,
    drain_every_record: bool = False,
    **extra: t.Any,
) -> Loaded:
    """Load each run's messages in turn (one process each), into a fresh database unless
    `fresh` is False.

    `drain_every_record` makes the SDK drain every sink and print the latest STATE after each
    record, as it does every 5 minutes of a long run (`_MAX_RECORD_AGE_IN_MINUTES`).
    """
    if fresh:
        postgres.create_database(database)
    config = tmp_path / f"{database}.json"
    config.write_text(json.dumps(settings(postgres, database, **extra)))
    command = [str(BIN / executable), "--config", str(config)]
    if drain_every_record:
        command = [str(BIN / "python"), "-c", AGED[executable], str(config)]
    states: list[dict] = []
    done = None
    for messages in runs:
        done = subprocess.run(
            command,
            input="".join(json.dumps(m) + "\n" for m in messages),
            text=True,
            capture_output=True,
            timeout=300,
        )
        states += [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0:
            break
    assert done is not None
    return Loaded(table_rows(postgres, database), states, done.returncode, done.stderr)


def table_rows(postgres, database: str) -> dict[str, list[tuple]]:
    """Every table of schema `t`, its rows sorted, the clock columns left out."""
    with psycopg.connect(postgres.url(database)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 't' "
                "order by table_name"
            )
        ]
        out = {}
        for table in tables:
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns where table_schema = "
                    "'t' and table_name = %s order by column_name",
                    (table,),
                )
                if name not in CLOCK_COLUMNS
            ]
            listed = ", ".join(f'"{name}"' for name in columns)
            rows = connection.execute(f'select {listed} from t."{table}"').fetchall()
            out[table] = sorted(rows, key=repr)
    return out


def both(postgres, name: str, runs: list[list[dict]], tmp_path: Path, **extra) -> Loaded:
    """Load with target-postgres and with the wrapper; they must agree in everything."""
    stock = run_loader(STOCK, postgres, f"{name}_stock", runs, tmp_path, **extra)
    fast = run_loader(FAST, postgres, f"{name}_fast", runs, tmp_path, **extra)
    assert fast.tables == stock.tables
    assert fast.states == stock.states
    assert fast.returncode == stock.returncode
    return fast


def conversations(ids: t.Iterable[int], version: str, key: str = "id") -> list[dict]:
    schema = {
        "type": "object",
        "properties": {
            key: {"type": "integer"},
            "at": {"type": ["string", "null"], "format": "date-time"},
            "day": {"type": ["string", "null"], "format": "date"},
            "text": {"type": ["string", "null"]},
            "amount": {"type": ["number", "null"]},
            "_extra": {"type": ["object", "null"]},
        },
    }
    return [
        {"type": "SCHEMA", "stream": "conversations", "key_properties": [key], "schema": schema},
        *(
            {
                "type": "RECORD",
                "stream": "conversations",
                "record": {
                    key: i,
                    "at": f"2026-12-0{1 + i % 7}T{i % 24:02d}:15:00+00:00",
                    "day": f"2026-12-0{1 + i % 7}",
                    "text": f"{version} {i}",
                    "amount": float(f"{i}.25"),
                    "_extra": {"version": version, "n": BIG},
                },
                "time_extracted": "2026-12-07T06:00:00+00:00",
            }
            for i in ids
        ),
        {"type": "STATE", "value": {"bookmarks": {"conversations": {"version": version}}}},
    ]


def test_the_odd_values_land_as_target_postgres_lands_them(postgres, tmp_path):
    loaded = both(postgres, "odd", [odd_messages()], tmp_path)
    rows = loaded.tables["odd"]
    assert len(rows) == len([m for m in odd_messages() if m["type"] == "RECORD"])


def test_many_batches_keys_repeated_and_re_read_land_as_target_postgres_lands_them(
    postgres, tmp_path
):
    first = conversations([*range(250), 7, 7, 120], "first")  # 7 and 120 again, in a batch
    for message in first[-4:-1]:  # the later versions differ: the last one must win
        message["record"]["text"] = f"later {message['record']['id']} {id(message)}"
    second = conversations(range(200, 320), "second")  # 50 keys re-read, 70 new
    loaded = both(postgres, "rereads", [first, second], tmp_path, batch_size_rows=40)
    rows = loaded.tables["conversations"]
    assert len(rows) == 320
    texts = {row[-2]: row[-1] for row in rows}  # columns sorted by name: ..., id, text
    assert texts[7] == first[-3]["record"]["text"]
    assert loaded.states[-1] == {"bookmarks": {"conversations": {"version": "second"}}}


def test_an_append_only_stream_lands_as_target_postgres_lands_it(postgres, tmp_path):
    messages = conversations([1, 2, 2, 3], "appended")
    messages[0]["key_properties"] = []
    loaded = both(postgres, "append", [messages, messages], tmp_path)
    assert len(loaded.tables["conversations"]) == 8


def test_a_schema_that_gains_a_column_mid_stream_lands_as_target_postgres_lands_it(
    postgres, tmp_path
):
    """A second SCHEMA for the same stream with one more column: the SDK starts a new sink,
    drains the old one at the end, and the table gains the column (the wrapper checks a
    table once per sink, so the new sink must see the column the old one did not)."""
    first = conversations(range(25), "first")
    second = conversations(range(20, 45), "second")
    second[0]["schema"]["properties"]["queue"] = {"type": ["string", "null"]}
    for message in second[1:-1]:
        message["record"]["queue"] = f"queue {message['record']['id'] % 3}"
    messages = [*first[:-1], *second]
    loaded = both(postgres, "gains", [messages], tmp_path, batch_size_rows=10)
    rows = loaded.tables["conversations"]
    assert len(rows) == 45
    assert sum(1 for row in rows if "queue 1" in row) == 8


def test_a_table_without_the_primary_key_is_upserted_as_target_postgres_does(postgres, tmp_path):
    """A table someone else made, with no primary key: the wrapper cannot use ON CONFLICT."""
    for name in ("nokey_stock", "nokey_fast"):
        postgres.create_database(name)
        with psycopg.connect(postgres.url(name), autocommit=True) as connection:
            connection.execute("create schema t")
            connection.execute(
                "create table t.conversations (id bigint, at timestamp, day date, text text, "
                "amount numeric, _extra jsonb, _sdc_extracted_at timestamp, _sdc_received_at "
                "timestamp, _sdc_batched_at timestamp, _sdc_deleted_at timestamp, "
                "_sdc_sequence bigint, _sdc_table_version bigint, _sdc_sync_started_at bigint)"
            )
    runs = [conversations(range(30), "first"), conversations(range(20, 40), "second")]
    kept = {"fresh": False, "batch_size_rows": 15}
    stock = run_loader(STOCK, postgres, "nokey_stock", runs, tmp_path, **kept)
    fast = run_loader(FAST, postgres, "nokey_fast", runs, tmp_path, **kept)
    assert fast.tables == stock.tables
    assert len(fast.tables["conversations"]) == 40


def test_a_failing_batch_stops_both_with_the_same_rows_and_no_state(postgres, tmp_path):
    """The fourth batch holds an integer PostgreSQL cannot store: the batches before it are
    committed, no STATE is printed (the SDK prints one only once every sink is drained),
    and the run fails, the same with the batch loaded in the background."""
    messages = conversations(range(35), "first")
    messages[32]["record"]["id"] = 2**70
    loaded = both(postgres, "failing", [messages], tmp_path, batch_size_rows=10)
    assert loaded.returncode != 0
    assert loaded.states == []
    assert len(loaded.tables["conversations"]) == 30
    assert "out of range" in loaded.stderr


def test_a_state_is_printed_only_once_its_rows_are_committed(postgres, tmp_path):
    """A long run drains every sink and prints the latest STATE (here after every record):
    each STATE the wrapper prints must follow the commit of every row sent before it, so the
    batch in flight is waited for. Record 8 cannot be stored: the STATE lines printed before
    the failure are target-postgres's, not one more."""
    messages = conversations(range(12), "first")
    records = messages[1:-1]
    records[8]["record"]["id"] = 2**70
    interleaved = [messages[0]]
    for number, record in enumerate(records):
        interleaved += [record, {"type": "STATE", "value": {"after": number}}]
    loaded = both(postgres, "aged", [interleaved], tmp_path, drain_every_record=True)
    assert loaded.returncode != 0
    # the STATE read after a record is printed at the next record's drain: 0-6, not 7
    assert loaded.states == [{"after": number} for number in range(7)]
    assert len(loaded.tables["conversations"]) == 8


def test_the_wrapper_runs_the_target_unchanged_when_a_replaced_source_changed(postgres, tmp_path):
    """Another SDK or target release: the pins no longer match, so the wrapper steps aside."""
    python = BIN / "python"
    checked = subprocess.run(
        [str(python), "-c", "import target_postgres_fast as f; print(f.changed_sources())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert checked.stdout.strip() == "[]"
    postgres.create_database("pins_changed")
    config = tmp_path / "pins.json"
    config.write_text(json.dumps(settings(postgres, "pins_changed")))
    script = (
        "import sys, target_postgres_fast as f; "
        "f.PINNED_SOURCES['PostgresSink.upsert'] = '0' * 32; "
        "sys.argv = ['target-postgres-fast', '--config', sys.argv[1]]; f.main()"
    )
    done = subprocess.run(
        [str(python), "-c", script, str(config)],
        input="".join(json.dumps(m) + "\n" for m in conversations(range(5), "pinned")),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "PostgresSink.upsert changed" in done.stderr
    assert len(table_rows(postgres, "pins_changed")["conversations"]) == 5


# -- the RECORD path: the wrapper's lean loop, and the SDK's where it does not apply ----------


def agents(ids: t.Iterable[int], version: str) -> list[dict]:
    """A second stream, keyed on two columns, to interleave with `conversations`."""
    schema = {
        "type": "object",
        "properties": {
            "team": {"type": "string"},
            "agent_id": {"type": "integer"},
            "name": {"type": ["string", "null"]},
            "since": {"type": ["string", "null"], "format": "date"},
        },
    }
    return [
        {"type": "SCHEMA", "stream": "agents", "key_properties": ["team", "agent_id"],
         "schema": schema},
        *(
            {
                "type": "RECORD",
                "stream": "agents",
                "record": {
                    "team": f"team {i % 2}",
                    "agent_id": i,
                    "name": f"{version} agent {i}",
                    "since": f"2026-0{1 + i % 9}-0{1 + i % 7}",
                },
            }
            for i in ids
        ),
    ]  # fmt: skip


def interleaved(*streams: list[dict]) -> list[dict]:
    """The messages of several streams, one of each in turn, each stream's order kept."""
    out: list[dict] = []
    iterators = [iter(messages) for messages in streams]
    while iterators:
        for iterator in list(iterators):
            message = next(iterator, None)
            if message is None:
                iterators.remove(iterator)
            else:
                out.append(message)
    return out


def batched_at(postgres, database: str, table: str) -> tuple[int, int]:
    """How many distinct `_sdc_batched_at` a table holds (one per batch that wrote rows),
    and how many rows were received before the start of their batch (none should be)."""
    with psycopg.connect(postgres.url(database)) as connection:
        row = connection.execute(
            "select count(distinct _sdc_batched_at), "
            f'count(*) filter (where _sdc_received_at < _sdc_batched_at) from t."{table}"'
        ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize("metadata", [True, False], ids=["sdc-columns", "no-sdc-columns"])
def test_two_streams_interleaved_across_a_schema_change_and_drains_land_as_target_postgres_does(
    postgres, tmp_path, metadata
):
    """Records of two streams in turn, batches of 7 (each sink drained many times mid-stream),
    `conversations` given a second SCHEMA with one more column halfway and then the same
    SCHEMA again (a new sink, then the same one), `_sdc` columns on and off. The wrapper finds
    each stream's sink once and again only when it changes; the rows must be the target's."""
    first = conversations(range(30), "first")
    second = conversations(range(25, 60), "second")
    second[0]["schema"]["properties"]["queue"] = {"type": ["string", "null"]}
    for message in second[1:-1]:
        message["record"]["queue"] = f"queue {message['record']['id'] % 4}"
    repeated = {**second[0], "schema": json.loads(json.dumps(second[0]["schema"]))}
    chats = [*first[:-1], *second[:20], repeated, *second[20:]]
    messages = interleaved(chats, agents(range(40), "first"))
    extra = {"batch_size_rows": 7, "add_record_metadata": metadata, "activate_version": metadata}
    loaded = both(postgres, f"lean_{metadata}".lower(), [messages], tmp_path, **extra)
    assert len(loaded.tables["conversations"]) == 60
    assert len(loaded.tables["agents"]) == 40
    assert loaded.states[-1] == {"bookmarks": {"conversations": {"version": "second"}}}
    if metadata:
        # every record of a batch carries that batch's start, formatted once per batch
        for table in ("conversations", "agents"):
            stock = batched_at(postgres, f"lean_{metadata}_stock".lower(), table)
            fast = batched_at(postgres, f"lean_{metadata}_fast".lower(), table)
            assert fast == stock
            assert fast[0] > 5 and fast[1] == 0
    else:
        assert not any("_sdc" in str(row) for row in loaded.tables["agents"])


def test_activate_version_messages_land_as_target_postgres_lands_them(postgres, tmp_path):
    """ACTIVATE_VERSION around each run (a full-table sync): `_sdc_table_version` comes from
    each RECORD's `version`, and the rows of the older version are deleted at the second."""

    def sync(ids: range, version: int) -> list[dict]:
        messages = conversations(ids, f"v{version}")
        activate = {"type": "ACTIVATE_VERSION", "stream": "conversations", "version": version}
        for message in messages[1:-1]:
            message["version"] = version
        return [messages[0], activate, *messages[1:-1], activate, messages[-1]]

    runs = [sync(range(30), 1), sync(range(10, 25), 2)]
    loaded = both(postgres, "versions", runs, tmp_path, batch_size_rows=8, hard_delete=True)
    assert len(loaded.tables["conversations"]) == 15
    with psycopg.connect(postgres.url("versions_fast")) as connection:
        versions = connection.execute("select distinct _sdc_table_version from t.conversations")
        assert versions.fetchall() == [(2,)]


#: settings under which the SDK's own RECORD path must run: a stream map that drops a column
#: and filters rows, one that copies a stream under another name (two maps for one stream),
#: and flattening of the `_extra` objects into columns
SDK_PATH_SETTINGS = {
    "stream-maps": {
        "stream_maps": {
            "conversations": {"text": "__NULL__", "__filter__": "id % 3 != 0"},
            "agents_copy": {"__source__": "agents", "name": "str(name).upper()"},
        }
    },
    "flattening": {"flattening_enabled": True, "flattening_max_depth": 1},
}


@pytest.mark.parametrize("name", list(SDK_PATH_SETTINGS))
def test_stream_maps_and_flattening_take_the_sdks_path_and_land_as_target_postgres_does(
    postgres, tmp_path, name
):
    messages = interleaved(conversations(range(40), "mapped"), agents(range(20), "mapped"))
    loaded = both(
        postgres, f"sdk_path_{name}".replace("-", "_"), [messages], tmp_path,
        batch_size_rows=9, **SDK_PATH_SETTINGS[name],
    )  # fmt: skip
    if name == "stream-maps":
        assert len(loaded.tables["conversations"]) == 26  # 0, 3, ..., 39 filtered out
        assert len(loaded.tables["agents_copy"]) == 20
        assert all("MAPPED AGENT" in str(row) for row in loaded.tables["agents_copy"])
    else:
        assert len(loaded.tables["conversations"]) == 40


#: records the target refuses, each after a few it loads: the same error either way
REFUSED = {
    "record-before-its-schema": lambda m: [*m[:5], {**m[5], "stream": "unknown"}, *m[6:]],
    "key-missing": lambda m: [*m[:5], {**m[5], "record": {"text": "no id"}}, *m[6:]],
    "no-record": lambda m: [*m[:5], {k: v for k, v in m[5].items() if k != "record"}, *m[6:]],
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_record_stops_both_alike(postgres, tmp_path, case):
    messages = REFUSED[case](conversations(range(12), "refused"))
    loaded = both(postgres, f"refused_{case}".replace("-", "_"), [messages], tmp_path)
    assert loaded.returncode != 0
    assert loaded.tables == {"conversations": []}  # made at its SCHEMA; nothing drained
    expected = {
        "record-before-its-schema": "encountered before a corresponding schema",
        "key-missing": "Record is missing one or more key_properties",
        "no-record": "missing required record key",
    }
    assert expected[case] in loaded.stderr


#: run in the loader's virtualenv: each pinned function in turn given one more line, a
#: comment (a release that changed nothing else), then put back; prints what each change made
#: `changed_sources` report
CHANGE_EACH_PIN = """
import __future__, ast, importlib, inspect, json, sys, textwrap
import target_postgres_fast as f

reported = {}
for number, name in enumerate(f.PINNED_SOURCES):
    function = f.pinned_objects()[name]
    owner = importlib.import_module(function.__module__)
    for part in function.__qualname__.split(".")[:-1]:
        owner = getattr(owner, part)
    source = textwrap.dedent(inspect.getsource(function))
    first = ast.parse(source).body[0].body[0]
    lines = source.splitlines(keepends=True)
    lines.insert(first.lineno - 1, " " * first.col_offset + "# changed\\n")
    path = f"{sys.argv[1]}/changed_{number}.py"
    with open(path, "w") as out:
        out.write("".join(lines))
    namespace = dict(vars(sys.modules[function.__module__]))
    flags = __future__.annotations.compiler_flag
    exec(compile("".join(lines), path, "exec", flags=flags, dont_inherit=True), namespace)
    original = vars(owner)[function.__name__]
    setattr(owner, function.__name__, namespace[function.__name__])
    reported[name] = f.changed_sources()
    setattr(owner, function.__name__, original)
assert f.changed_sources() == []
print(json.dumps(reported))
"""


def test_every_pinned_source_changed_by_one_line_is_caught(tmp_path):
    """Each method the wrapper replaces or relies on, the RECORD path's included: its source
    with one more line is reported by `changed_sources`, and no other is."""
    done = subprocess.run(
        [str(BIN / "python"), "-c", CHANGE_EACH_PIN, str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    reported = json.loads(done.stdout)
    assert "TargetPostgres._process_record_message" in reported
    assert reported == {name: [name] for name in reported}
