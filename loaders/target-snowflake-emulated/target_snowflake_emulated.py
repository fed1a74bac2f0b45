"""MeltanoLabs target-snowflake, unmodified, loading into fakesnow instead of an account.

Why: the project promises loads into Snowflake, and no Snowflake is reachable from a test run.
fakesnow (an emulator of Snowflake on DuckDB) answers the target's DDL, reflection and MERGE,
but version 0.12.1 lacks what the target's bulk load needs. This wrapper fills those gaps on
the emulator's side, inside the target's own process, and runs the target's CLI unchanged. It
never alters the target's code or SQL generation; it only rewrites, for the emulator, the
statements fakesnow cannot run:

1. ``PUT file://... '@~/...'``: fakesnow knows named and table stages, not the user stage
   ``@~``. The file is copied into a user-stage directory (gzip'ed, as Snowflake's PUT does).
2. ``REMOVE '@~/.../'``: not implemented by fakesnow. Deletes the files under that prefix.
3. ``MERGE INTO t d USING (SELECT $1:col::TYPE ... FROM '@~/...'(file_format => F) QUALIFY
   ROW_NUMBER() OVER (PARTITION BY k ORDER BY SEQ8() DESC) = 1) s ...``: fakesnow cannot
   query staged files in FROM. The staged JSON lines are read (DuckDB ``read_json_objects``)
   into a session temporary table of ``(seq, record)``; ``$1`` becomes ``record``, ``SEQ8()``
   becomes ``seq`` (file order, which SEQ8 stands for here: the last record of a key wins),
   and the QUALIFY moves one level out, over a derived table, so that DuckDB binds ``k`` to
   the staged rows and not to the merge target of fakesnow's join. fakesnow's MERGE also
   needs a current schema for its own temporary table, one per session (see
   `_session_schema`).
4. ``COPY INTO t (cols) FROM (SELECT $1:col::TYPE ... FROM '@~/...') file_format = (...)``
   (append-only and keyless streams): becomes ``INSERT INTO t (cols) SELECT ...`` from the
   same temporary table, answered with COPY's result columns (rows_loaded is the 4th).
5. ``DROP FILE FORMAT [IF EXISTS] name``: fakesnow parses CREATE FILE FORMAT only. Deleted
   from fakesnow's file-format catalog, with Snowflake's error when it does not exist.

fakesnow's server mode is no way around this: the target builds its connection URL from
``account`` and has no host or port setting. Upstream threads (open at fakesnow 0.12.1):
loading from stages, https://github.com/tekumara/fakesnow/issues/35 ; a stage/PUT/COPY/MERGE
bulk load in server mode, https://github.com/tekumara/fakesnow/issues/403 (and its PUT part,
https://github.com/tekumara/fakesnow/issues/409).

The database files go in ``$TARGET_SNOWFLAKE_EMULATOR_PATH`` (one DuckDB file per database,
the user stage under ``user-stage/``). The shim touches fakesnow's cursor (``execute``,
``_duck_conn``) and its file-format catalog table; both are pinned by the exact fakesnow
version in pyproject.toml and by this package's unit tests.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import typing as t
import uuid
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import fakesnow
import snowflake.connector.errors
import sqlglot
from fakesnow.cursor import FakeSnowflakeCursor
from sqlglot import exp

#: the environment variable naming the directory of the emulated account
PATH_VARIABLE = "TARGET_SNOWFLAKE_EMULATOR_PATH"
#: fakesnow's catalog of file formats (what CREATE FILE FORMAT inserts into)
FILE_FORMATS = "_fs_global._fs_information_schema._fs_file_formats"

#: the columns of PUT's answer, one row per file
PUT_COLUMNS = (
    "source",
    "target",
    "source_size",
    "target_size",
    "source_compression",
    "target_compression",
    "status",
    "message",
)

_USER_STAGE = r"'@~/(?P<path>[^']*)'"
_PUT = re.compile(rf"^\s*put\s+(?P<source>\S+)\s+{_USER_STAGE}(?P<options>.*)$", re.I | re.S)
_REMOVE = re.compile(rf"^\s*(?:remove|rm)\s+{_USER_STAGE}\s*;?\s*$", re.I | re.S)
_DROP_FILE_FORMAT = re.compile(
    r"^\s*drop\s+file\s+format\s+(?P<exists>if\s+exists\s+)?(?P<name>.+?)\s*;?\s*$", re.I | re.S
)
_MERGE_SOURCE = re.compile(
    r"\(\s*select\s+(?P<columns>.+?)\s+from\s+"
    + _USER_STAGE
    + r"\s*\(\s*file_format\s*=>\s*(?P<format>[^)]+?)\s*\)\s*"
    r"qualify\s+row_number\(\)\s+over\s*\(\s*partition\s+by\s+(?P<keys>.+?)\s+"
    r"order\s+by\s+seq8\(\)\s+desc\s*\)\s*=\s*1\s*\)",
    re.I | re.S,
)
_COPY = re.compile(
    r"^\s*copy\s+into\s+(?P<table>\S+)\s*(?P<targets>\([^)]*\))\s*from\s*"
    r"\(\s*select\s+(?P<columns>.+?)\s+from\s+"
    + _USER_STAGE
    + r"\s*\)\s*file_format\s*=\s*\(\s*format_name\s*=\s*'(?P<format>[^']+)'\s*\)\s*;?\s*$",
    re.I | re.S,
)
#: a staged record's field, `$1:name` (the target never puts `$1:` inside a literal)
_STAGED_FIELD = re.compile(r"\$1:")


class UserStage:
    """The user stage `@~` of the emulated account: a directory per path prefix."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, path: str) -> Path:
        """The directory of a stage path, refusing one that leaves the stage."""
        directory = (self.root / path).resolve()
        if not directory.is_relative_to(self.root.resolve()):
            raise snowflake.connector.errors.ProgrammingError(
                msg=f"SQL compilation error:\ninvalid stage location '@~/{path}'", errno=1003
            )
        return directory

    def put(self, source: Path, path: str) -> tuple[str, str, int, int, str, str, str, str]:
        """Copy a local file in, gzip'ed unless it already is (PUT's AUTO_COMPRESS)."""
        directory = self.directory(path)
        directory.mkdir(parents=True, exist_ok=True)
        if source.name.endswith(".gz"):
            target = directory / source.name
            shutil.copyfile(source, target)
            compression = "GZIP"
        else:
            target = directory / f"{source.name}.gz"
            with source.open("rb") as raw, gzip.open(target, "wb") as packed:
                shutil.copyfileobj(raw, packed)
            compression = "NONE"
        sizes = source.stat().st_size, target.stat().st_size
        return source.name, target.name, *sizes, compression, "GZIP", "UPLOADED", ""

    def files(self, path: str) -> list[Path]:
        """The staged files whose stage path starts with `path`, in name order."""
        directory = self.directory(path)
        if directory.is_dir():
            return sorted(p for p in directory.rglob("*") if p.is_file())
        prefix = directory.name
        return sorted(p for p in directory.parent.glob(f"{prefix}*") if p.is_file())

    def remove(self, path: str) -> list[str]:
        """Delete the staged files under `path`; their stage names."""
        removed = []
        for file in self.files(path):
            removed.append(str(file.relative_to(self.root.resolve())))
            file.unlink()
        directory = self.directory(path)
        if directory.is_dir() and directory != self.root.resolve():
            shutil.rmtree(directory, ignore_errors=True)
        return removed


def _not_emulated(what: str) -> snowflake.connector.errors.ProgrammingError:
    """The error for a use of the user stage the target 0.20.4 never makes (so not emulated)."""
    return snowflake.connector.errors.ProgrammingError(
        msg=f"{what}: not emulated by target-snowflake-emulated", errno=9999, sqlstate="99999"
    )


def _missing_file_format(name: str) -> snowflake.connector.errors.ProgrammingError:
    """Snowflake's error for a file format that does not exist."""
    return snowflake.connector.errors.ProgrammingError(
        msg=f"SQL compilation error:\nFile format '{name}' does not exist or not authorized.",
        errno=2003,
        sqlstate="02000",
    )


def _literal(value: object) -> str:
    """A SQL literal, quoted and escaped as the emulator's parser expects."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return exp.Literal.string(str(value)).sql(dialect="snowflake")


def _rows_sql(columns: t.Sequence[str], rows: t.Sequence[t.Sequence[object]]) -> str:
    """A SELECT answering `rows` under `columns` (how a handled statement gives its result)."""
    if not rows:
        nulls = ", ".join(f"NULL AS {name}" for name in columns)
        return f"SELECT {nulls} WHERE FALSE"
    selects = [
        "SELECT " + ", ".join(f"{_literal(v)} AS {c}" for c, v in zip(columns, row, strict=True))
        for row in rows
    ]
    return " UNION ALL ".join(selects)


def _bound_source(source: str, params: t.Any) -> str:
    """PUT's source: a literal, or the bound parameter the target passes it as."""
    if named := re.fullmatch(r"%\((\w+)\)s|:(\w+)", source):
        return params[named.group(1) or named.group(2)]
    if source in {"?", "%s"}:
        return params[0]
    return source.strip("'")


def _identifier(part: exp.Identifier | None, default: str | None) -> str | None:
    """A name as Snowflake resolves it: unquoted in upper case, quoted as written."""
    if part is None or not part.name:
        return default
    return part.name if part.quoted else part.name.upper()


def _qualified_name(name: str, database: str | None, schema: str | None) -> tuple:
    """(database, schema, name) of an object's name as written in a statement."""
    table = sqlglot.parse_one(f"SELECT 1 FROM {name}", read="snowflake").find(exp.Table)
    assert table is not None
    return (
        _identifier(table.args.get("catalog"), database),
        _identifier(table.args.get("db"), schema),
        _identifier(table.this, None),
    )


@contextlib.contextmanager
def _session_schema(cursor: t.Any) -> t.Iterator[None]:
    """A current schema of the session's own while a MERGE runs.

    fakesnow runs a MERGE through a temporary table, `merge_candidates`, and books it in its
    global catalog under the session's current schema: it fails when the session has none
    (the target connects without one and qualifies every name), and two sessions loading
    two streams of one schema at once (the target drains sinks in parallel) collide on that
    booking. In Snowflake a temporary table is the session's alone; a schema name of the
    session's own gives fakesnow the same isolation. Nothing else in the target's MERGE
    resolves against the current schema.
    """
    connection = cursor._conn
    saved = connection._schema
    connection._schema = f"_FS_SESSION_{id(connection):X}"
    try:
        yield
    finally:
        connection._schema = saved


class Emulation:
    """What a fakesnow cursor runs in place of the statements it lacks (gaps 1-5 above)."""

    def __init__(self, stage: UserStage, run: t.Callable[..., t.Any]) -> None:
        self.stage = stage
        #: fakesnow's own FakeSnowflakeCursor.execute
        self.run = run

    def execute(self, cursor: t.Any, command: str, params: t.Any = None, *a: t.Any, **k: t.Any):
        """Run `command` on `cursor`, emulating it first if fakesnow cannot."""
        if match := _PUT.match(command):
            return self.put(cursor, match, params)
        if match := _REMOVE.match(command):
            return self.remove(cursor, match)
        if match := _DROP_FILE_FORMAT.match(command):
            return self.drop_file_format(cursor, match)
        if match := _COPY.match(command):
            return self.copy(cursor, match)
        if command.lstrip()[:5].lower() == "merge" and (match := _MERGE_SOURCE.search(command)):
            return self.merge(cursor, command, match, params, *a, **k)
        return self.run(cursor, command, params, *a, **k)

    def put(self, cursor: t.Any, match: re.Match, params: t.Any):
        """Gap 1: PUT into the user stage."""
        if match["options"].strip(" ;"):
            raise _not_emulated(f"PUT options ({match['options'].strip()})")
        source = urlparse(_bound_source(match["source"], params))
        row = self.stage.put(Path(url2pathname(source.path)), match["path"])
        return self.run(cursor, _rows_sql(PUT_COLUMNS, [row]))

    def remove(self, cursor: t.Any, match: re.Match):
        """Gap 2: REMOVE from the user stage."""
        removed = self.stage.remove(match["path"])
        return self.run(cursor, _rows_sql(["name", "result"], [(n, "removed") for n in removed]))

    def drop_file_format(self, cursor: t.Any, match: re.Match):
        """Gap 5: DROP FILE FORMAT, as a delete from fakesnow's file-format catalog."""
        key = _qualified_name(match["name"], cursor._conn.database, cursor._conn.schema)
        with cursor._duck_conn.cursor() as catalog:
            condition = "database_name = ? AND schema_name = ? AND name = ?"
            (count,) = catalog.execute(
                f"SELECT count(*) FROM {FILE_FORMATS} WHERE {condition}", key
            ).fetchone()
            if not count and not match["exists"]:
                raise _missing_file_format(key[2])
            catalog.execute(f"DELETE FROM {FILE_FORMATS} WHERE {condition}", key)
        return self.run(cursor, _rows_sql(["status"], [(f"{key[2]} successfully dropped.",)]))

    def _stage_table(self, cursor: t.Any, path: str, file_format: str) -> str:
        """A session temporary table (seq, record) of the JSON records staged under `path`."""
        self._require_json_format(cursor, file_format)
        files = [str(f) for f in self.stage.files(path)]
        if not files:
            raise snowflake.connector.errors.ProgrammingError(
                msg=f"Remote file '@~/{path}' was not found.", errno=253006
            )
        name = f"_fs_user_stage_{uuid.uuid4().hex}"
        listed = ", ".join(_literal(f) for f in files)
        cursor._duck_conn.execute(
            f"CREATE TEMP TABLE {name} AS SELECT row_number() OVER () AS seq, json AS record "
            f"FROM read_json_objects([{listed}], format = 'newline_delimited')"
        )
        return name

    def _require_json_format(self, cursor: t.Any, file_format: str) -> None:
        """The named file format exists and is JSON (the only type the target stages)."""
        key = _qualified_name(file_format.strip("'"), cursor._conn.database, cursor._conn.schema)
        with cursor._duck_conn.cursor() as catalog:
            row = catalog.execute(
                f"SELECT type FROM {FILE_FORMATS} "
                "WHERE database_name = ? AND schema_name = ? AND name = ?",
                key,
            ).fetchone()
        if row is None:
            raise _missing_file_format(key[2])
        if row[0] != "JSON":
            raise _not_emulated(f"reading staged {row[0]} files")

    def _drop_stage_table(self, cursor: t.Any, name: str) -> None:
        # the statement's result is already in the cursor (fakesnow fetches it at once)
        cursor._duck_conn.execute(f"DROP TABLE IF EXISTS temp.main.{name}")

    def merge(self, cursor: t.Any, command: str, match: re.Match, *args: t.Any, **k: t.Any):
        """Gap 3: MERGE from the user stage, its source read from a temporary table."""
        table = self._stage_table(cursor, match["path"], match["format"])
        columns = _STAGED_FIELD.sub("record:", match["columns"])
        source = (
            f"(SELECT * FROM (SELECT {columns}, seq AS _fs_seq FROM temp.main.{table}) "
            f"QUALIFY ROW_NUMBER() OVER (PARTITION BY {match['keys']} ORDER BY _fs_seq DESC) = 1)"
        )
        rewritten = command[: match.start()] + source + command[match.end() :]
        try:
            with _session_schema(cursor):
                return self.run(cursor, rewritten, *args, **k)
        finally:
            self._drop_stage_table(cursor, table)

    def copy(self, cursor: t.Any, match: re.Match):
        """Gap 4: COPY INTO from the user stage, as an INSERT answered like a COPY."""
        table = self._stage_table(cursor, match["path"], match["format"])
        columns = _STAGED_FIELD.sub("record:", match["columns"])
        try:
            self.run(
                cursor,
                f"INSERT INTO {match['table']} {match['targets']} "
                f"SELECT {columns} FROM temp.main.{table} ORDER BY seq",
            )
            (loaded,) = cursor.fetchone()
        finally:
            self._drop_stage_table(cursor, table)
        names = ["file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen"]
        row = (f"@~/{match['path']}", "LOADED", loaded, loaded, 1, 0)
        return self.run(cursor, _rows_sql(names, [row]))


def emulated_execute(emulation: Emulation) -> t.Callable[..., t.Any]:
    """A FakeSnowflakeCursor.execute that goes through `emulation`."""

    def execute(self: t.Any, command: str, params: t.Any = None, *args: t.Any, **kwargs: t.Any):
        return emulation.execute(self, command, params, *args, **kwargs)

    return execute


def install(stage: UserStage) -> Emulation:
    """Route every fakesnow cursor's statements through the emulation of the gaps."""
    emulation = Emulation(stage, FakeSnowflakeCursor.execute)
    FakeSnowflakeCursor.execute = emulated_execute(emulation)  # type: ignore[method-assign]
    return emulation


def emulator_path() -> Path:
    """The account's directory, from the environment, created if missing."""
    value = os.environ.get(PATH_VARIABLE)
    if not value:
        raise SystemExit(
            f"{PATH_VARIABLE} is not set: it names the directory of the emulated account's "
            "database files (meltano.yml sets it for target-snowflake--emulated)."
        )
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def main() -> None:
    """Run target-snowflake's CLI against fakesnow, with the gaps filled."""
    from target_snowflake.target import TargetSnowflake

    path = emulator_path()
    install(UserStage(path / "user-stage"))
    with fakesnow.patch(db_path=path):
        TargetSnowflake.cli()
