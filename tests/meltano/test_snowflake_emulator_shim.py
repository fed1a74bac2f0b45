"""The emulated Snowflake's shim, gap by gap (loaders/target-snowflake-emulated).

Each test sends fakesnow a statement in the exact shape MeltanoLabs target-snowflake 0.20.4
generates (its connector's `_get_*_statement` methods) and checks what a Snowflake account
would hold afterwards. The whole flow with the real target is in test_snowflake_emulated.py.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import fakesnow
import pytest
import snowflake.connector
import snowflake.connector.errors
from fakesnow.cursor import FakeSnowflakeCursor
from target_snowflake_emulated import Emulation, UserStage, emulated_execute

pytestmark = pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning")

FORMAT = 'DB.RAW."tf-sessions-0001"'
TABLE = "DB.RAW.SESSIONS"
SELECTS = (
    '$1:"sessionId"::VARCHAR as "sessionId", $1:n::DECIMAL as n, '
    "$1:at_time::TIMESTAMP_NTZ as at_time, $1:_extra::VARIANT as _extra"
)


@pytest.fixture
def stage(tmp_path: Path) -> UserStage:
    return UserStage(tmp_path / "user-stage")


@pytest.fixture
def connection(stage: UserStage, monkeypatch: pytest.MonkeyPatch):
    """A connection to an in-memory emulated account, database DB, with no current schema."""
    emulation = Emulation(stage, FakeSnowflakeCursor.execute)
    monkeypatch.setattr(FakeSnowflakeCursor, "execute", emulated_execute(emulation))
    with fakesnow.patch():
        connection = snowflake.connector.connect(account="a", user="u", password="p", database="DB")
        setup = connection.cursor()
        setup.execute("create schema DB.RAW")
        setup.execute(
            f'create table {TABLE} ("sessionId" varchar, n number, at_time timestamp_ntz, '
            "_extra variant)"
        )
        setup.execute(f"create or replace file format {FORMAT} type = 'JSON' compression = 'AUTO'")
        connection.close()
        # a fresh connection, as the target's pool hands out: no current schema
        connection = snowflake.connector.connect(account="a", user="u", password="p", database="DB")
        yield connection
        connection.close()


@pytest.fixture
def cursor(connection):
    return connection.cursor()


def batch_file(directory: Path, name: str, records: list[dict]) -> Path:
    """A batch file as the target writes it: JSON lines, gzip'ed."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    with gzip.open(path, "wt") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in records)
    return path


def put(cursor, path: Path, sync_id: str) -> list[tuple]:
    """The target's PUT: the file's URI as a bound parameter, the user stage as the target."""
    statement = f"put %(file_uri)s '@~/target-snowflake/{sync_id}'"
    return cursor.execute(statement, {"file_uri": path.as_uri()}).fetchall()


def merge(cursor, sync_id: str) -> tuple:
    """The target's MERGE from the user stage (keys: sessionId), and its counts row."""
    cursor.execute(
        f"merge into {TABLE} d using (select {SELECTS} from '@~/target-snowflake/{sync_id}'"
        f'(file_format => {FORMAT}) QUALIFY ROW_NUMBER() OVER (PARTITION BY "sessionId" '
        'ORDER BY SEQ8() DESC) = 1) s on d."sessionId" = s."sessionId" '
        'when matched then update set d."sessionId" = s."sessionId", d.n = s.n, '
        "d.at_time = s.at_time, d._extra = s._extra "
        'when not matched then insert ("sessionId", n, at_time, _extra) '
        'values (s."sessionId", s.n, s.at_time, s._extra)'
    )
    return cursor.fetchone()


def table_rows(cursor) -> list[tuple]:
    return cursor.execute(
        f'select "sessionId", n, at_time, _extra from {TABLE} order by "sessionId"'
    ).fetchall()


def test_put_copies_the_file_into_the_user_stage(cursor, stage: UserStage, tmp_path: Path):
    path = batch_file(tmp_path / "batches", "b1.json.gz", [{"sessionId": "a"}])
    (row,) = put(cursor, path, "sessions-1")
    assert row[0] == "b1.json.gz" and row[6] == "UPLOADED"
    staged = stage.files("target-snowflake/sessions-1")
    assert [p.name for p in staged] == ["b1.json.gz"]
    assert staged[0].read_bytes() == path.read_bytes()


def test_put_compresses_an_uncompressed_file_as_snowflake_does(cursor, stage, tmp_path: Path):
    path = tmp_path / "b1.json"
    path.write_text('{"sessionId": "a"}\n')
    (row,) = put(cursor, path, "sessions-1")
    assert row[1] == "b1.json.gz"
    (staged,) = stage.files("target-snowflake/sessions-1")
    assert gzip.decompress(staged.read_bytes()) == path.read_bytes()


def test_put_refuses_a_stage_path_that_leaves_the_stage(cursor, tmp_path: Path):
    path = batch_file(tmp_path, "b1.json.gz", [])
    with pytest.raises(snowflake.connector.errors.ProgrammingError):
        put(cursor, path, "../../outside")


def test_remove_deletes_the_staged_files_of_a_sync(cursor, stage: UserStage, tmp_path: Path):
    for sync_id in ("sessions-1", "sessions-2"):
        put(cursor, batch_file(tmp_path / sync_id, "b.json.gz", []), sync_id)
    removed = cursor.execute("remove '@~/target-snowflake/sessions-1/'").fetchall()
    assert removed == [("target-snowflake/sessions-1/b.json.gz", "removed")]
    assert stage.files("target-snowflake/sessions-1") == []
    assert len(stage.files("target-snowflake/sessions-2")) == 1


def test_merge_from_the_user_stage_upserts_and_the_last_record_of_a_key_wins(
    cursor, tmp_path: Path
):
    first = [
        {"sessionId": "a", "n": 1, "at_time": "2026-11-20T03:00:00+00:00", "_extra": {"x": 1}},
        {"sessionId": "b", "n": 2, "at_time": "2026-11-20T04:00:00+00:00", "_extra": None},
        {"sessionId": "a", "n": 3, "at_time": "2026-11-20T05:00:00+00:00", "_extra": {"x": 3}},
    ]
    put(cursor, batch_file(tmp_path / "1", "b.json.gz", first), "sessions-1")
    assert sum(merge(cursor, "sessions-1")) == 2
    rows = table_rows(cursor)
    assert [(r[0], r[1]) for r in rows] == [("a", 3), ("b", 2)]
    assert json.loads(rows[0][3]) == {"x": 3}
    assert rows[0][2].isoformat() == "2026-11-20T05:00:00"

    again = [{"sessionId": "b", "n": 20, "at_time": None, "_extra": None}, {"sessionId": "c"}]
    put(cursor, batch_file(tmp_path / "2", "b.json.gz", again), "sessions-2")
    assert merge(cursor, "sessions-2") == (1, 1)  # c inserted, b updated
    assert [(r[0], r[1]) for r in table_rows(cursor)] == [("a", 3), ("b", 20), ("c", None)]


def test_merge_leaves_no_temporary_table_and_no_current_schema_behind(cursor, tmp_path: Path):
    put(cursor, batch_file(tmp_path, "b.json.gz", [{"sessionId": "a"}]), "sessions-1")
    merge(cursor, "sessions-1")
    leftovers = cursor._duck_conn.execute(
        "select table_name from duckdb_tables() where temporary and table_name like '_fs_user%'"
    ).fetchall()
    assert leftovers == []
    assert cursor._conn.schema is None


def test_copy_from_the_user_stage_appends_and_answers_like_copy(cursor, tmp_path: Path):
    records = [{"sessionId": "a", "n": 1}, {"sessionId": "a", "n": 2}]
    put(cursor, batch_file(tmp_path, "b.json.gz", records), "sessions-1")
    rows = cursor.execute(
        f'copy into {TABLE} ("sessionId", n, at_time, _extra) from (select {SELECTS} from '
        f"'@~/target-snowflake/sessions-1')file_format = (format_name='{FORMAT}')"
    ).fetchall()
    # the target sums the fourth column, rows_loaded
    assert sum(row[3] for row in rows) == 2
    assert [(r[0], r[1]) for r in table_rows(cursor)] == [("a", 1), ("a", 2)]


def test_reading_a_stage_needs_an_existing_json_file_format(cursor, tmp_path: Path):
    put(cursor, batch_file(tmp_path, "b.json.gz", [{"sessionId": "a"}]), "sessions-1")
    cursor.execute(f"drop file format if exists {FORMAT}")
    with pytest.raises(snowflake.connector.errors.ProgrammingError, match="does not exist"):
        merge(cursor, "sessions-1")


def test_drop_file_format_removes_it_and_if_exists_tolerates_a_missing_one(cursor):
    formats = "select name from _fs_global._fs_information_schema._fs_file_formats"
    assert cursor.execute(formats).fetchall() == [("tf-sessions-0001",)]
    (status,) = cursor.execute(f"drop file format if exists {FORMAT}").fetchone()
    assert status == "tf-sessions-0001 successfully dropped."
    assert cursor.execute(formats).fetchall() == []
    cursor.execute(f"drop file format if exists {FORMAT}")
    with pytest.raises(snowflake.connector.errors.ProgrammingError, match="does not exist"):
        cursor.execute(f"drop file format {FORMAT}")


def test_statements_fakesnow_runs_itself_pass_through_unchanged(cursor):
    assert cursor.execute("select 1 + 1").fetchone() == (2,)
    assert cursor.execute(f"select count(*) from {TABLE}").fetchone() == (0,)


def test_two_sessions_merge_into_one_schema_at_once(connection, cursor, tmp_path: Path):
    """Two sessions with no current schema and open transactions merge into one schema (the
    target drains streams in parallel, each on a pooled connection of its own)."""
    cursor.execute(f"create table DB.RAW.LEADS like {TABLE}")
    other = snowflake.connector.connect(account="a", user="u", password="p", database="DB")
    sessions = [{"sessionId": "a", "n": 1}]
    put(cursor, batch_file(tmp_path / "1", "b.json.gz", sessions), "sessions-1")
    put(cursor, batch_file(tmp_path / "2", "b.json.gz", [{"sessionId": "l"}]), "leads-1")
    for session in (connection, other):
        session.autocommit(False)
    merge(cursor, "sessions-1")
    leads = other.cursor()
    leads.execute(f"create or replace file format {FORMAT} type = 'JSON'")
    leads.execute(
        f"merge into DB.RAW.LEADS d using (select {SELECTS} from '@~/target-snowflake/leads-1'"
        f'(file_format => {FORMAT}) QUALIFY ROW_NUMBER() OVER (PARTITION BY "sessionId" '
        'ORDER BY SEQ8() DESC) = 1) s on d."sessionId" = s."sessionId" '
        'when not matched then insert ("sessionId") values (s."sessionId")'
    )
    connection.commit()
    other.commit()
    assert cursor.execute(f'select "sessionId" from {TABLE}').fetchall() == [("a",)]
    assert cursor.execute('select "sessionId" from DB.RAW.LEADS').fetchall() == [("l",)]


def test_a_put_option_the_target_never_sends_is_refused_not_ignored(cursor, tmp_path: Path):
    path = batch_file(tmp_path, "b1.json.gz", [])
    with pytest.raises(snowflake.connector.errors.ProgrammingError, match="not emulated"):
        cursor.execute(f"put '{path.as_uri()}' '@~/target-snowflake/s1' auto_compress = false")
