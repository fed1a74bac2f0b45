"""target-postgres, loading the same rows with less Python per record and one write per row.

MeltanoLabs' target-postgres bounds every pipeline into PostgreSQL (issue 28; BENCHMARKS.md,
"End to end on unique rows"): on an idle machine it loads about 4,300 rows/s where the taps
write 15,000-40,000. A profile of it, validation already off and COPY on (docs/loaders.md,
"target-postgres-fast"), puts the time in five places, which this wrapper changes and nothing
else:

1. each line is decoded by `json` (msgspec, through the SDK's own `MsgSpecReader`: the same
   values, floats as `Decimal`, integers of any size);
2. every key of every record is looked up in the schema to find the date-time fields
   (`Sink._parse_timestamps_in_record`, 29 lookups of a union type per row): the date-like
   fields are listed once per schema, and only those are parsed, by the same functions;
3. every record becomes a dict of every column before COPY, then a list, with each value's
   bind processor found by name: here one list per row, processors found once per batch;
4. the JSONB columns are serialized by `simplejson` through SQLAlchemy: by msgspec, the
   same JSON values (JSONB stores the parsed value, not the text);
5. the upsert inserts the new keys, then updates every row that has a key in the batch,
   the rows it just inserted included, so PostgreSQL writes each new row twice: here the
   update runs first, then the insert of the keys still missing, the same final table.

Anything outside the fast path (record validation on, a record with a field its schema does
not know, a date it cannot parse, INSERT instead of COPY, an append-only stream) goes through
the target's own code. The replaced SDK methods are private, so the wrapper carries the
sha256 of the source it was written against; if the installed SDK or target differs, it
says so once and runs the target unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import logging
import threading
import typing as t

import msgspec
import sqlalchemy
from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.helpers._typing import get_datelike_property_type
from singer_sdk.sinks.core import Sink
from singer_sdk.target_base import Target
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from target_postgres.sinks import PostgresSink
from target_postgres.target import TargetPostgres
from typing_extensions import override

LOGGER = logging.getLogger("target_postgres_fast")

#: the SDK's parser for each date-like format (singer_sdk.helpers._compat on Python 3.11+)
PARSERS: dict[str, t.Callable[[str], t.Any]] = {
    "date-time": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
}

#: the source this wrapper's behaviour was checked against: each method it replaces or
#: relies on (the SDK writes a STATE only from drain_all, after draining), by sha256 of
#: `inspect.getsource`, its first 32 hex digits (singer-sdk 0.54.9, target-postgres 0.8.1)
PINNED_SOURCES: dict[str, str] = {
    "Sink._validate_and_parse": "970aadabcc4da8c7fd3b877bdd4d32e4",
    "Sink._parse_timestamps_in_record": "b99dc17613b2e3acd049d263869ddb57",
    "PostgresSink.bulk_insert_records": "a6f066d5e83ab86913d7c35b74241da2",
    "PostgresSink._do_copy": "e1253b49c0a0da7e0436be88124559a7",
    "PostgresSink.upsert": "86c71e435916dc99654334d828757ff4",
    "PostgresSink.process_batch": "5b80eca8f94eee1097ec7946db30db56",
    "Target.drain_all": "1da0109210d345c4eb560910ef74e0b1",
    "Target.drain_one": "97c86cb67c13cf79ef979aa1d163879a",
    "Target._write_state_message": "bf40aa5e36ebef4d9921fd7874c6bf2e",
}

_JSON = msgspec.json.Encoder(decimal_format="number")


def pinned_objects() -> dict[str, t.Any]:
    """The functions named in PINNED_SOURCES."""
    return {
        "Sink._validate_and_parse": Sink._validate_and_parse,
        "Sink._parse_timestamps_in_record": Sink._parse_timestamps_in_record,
        "PostgresSink.bulk_insert_records": PostgresSink.bulk_insert_records,
        "PostgresSink._do_copy": PostgresSink._do_copy,
        "PostgresSink.upsert": PostgresSink.upsert,
        "PostgresSink.process_batch": PostgresSink.process_batch,
        "Target.drain_all": Target.drain_all,
        "Target.drain_one": Target.drain_one,
        "Target._write_state_message": Target._write_state_message,
    }


def source_digest(function: t.Any) -> str:
    """sha256 of a function's source text."""
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def changed_sources() -> list[str]:
    """The pinned methods whose installed source differs from the one this was checked on."""
    return [
        name
        for name, function in pinned_objects().items()
        if source_digest(function)[:32] != PINNED_SOURCES[name]
    ]


def jsonb_text(value: t.Any) -> str:
    """A JSONB column's value as COPY sends it: JSON text, `null` for None.

    SQLAlchemy's JSON bind processor (what the target uses) turns None into JSON `null`, not
    SQL NULL (`none_as_null` is off on target-postgres's columns); msgspec writes the same
    values, Decimals as numbers.
    """
    return _JSON.encode(value).decode()


class DateFields:
    """The date-like fields of one schema, found once instead of once per record and key."""

    def __init__(self, schema: dict[str, t.Any]) -> None:
        properties = schema["properties"]
        self.schema = schema
        self.known = frozenset(properties)
        self.parsers = [
            (name, PARSERS[kind])
            for name, property_schema in properties.items()
            if (kind := get_datelike_property_type(property_schema)) in PARSERS
        ]

    def parse(self, record: dict[str, t.Any]) -> bool:
        """Parse the record's date-like values in place; False if the SDK must handle it.

        The SDK's own path is needed for a field the schema does not know (it warns once)
        and a value that does not parse (it applies the target's error treatment); it then
        starts again from the record as received, since nothing was changed here yet.
        """
        if not record.keys() <= self.known:
            return False
        parsed = []
        try:
            for name, parse in self.parsers:
                value = record.get(name)
                if value is not None:
                    parsed.append((name, parse(value)))
        except (TypeError, ValueError):
            return False
        record.update(parsed)
        return True


class BatchLane:
    """Loads one batch in a thread while the next is read; at most one batch in flight.

    The target reads and converts records in Python (a core), then waits while PostgreSQL
    ingests the COPY and merges the batch (another core). Loading batch N while batch N+1 is
    read overlaps the two. Nothing is promised to the tap early: the SDK writes a STATE only
    after draining every sink, and that write, a new table, a version switch and the end of
    a stream all wait for the batch in flight first, so a STATE is only ever emitted for
    rows that are committed. A batch that fails raises its error at the next wait, in the
    main thread, and the target stops there as it would have.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(self, load: t.Callable[[], None]) -> None:
        """Wait for the batch in flight, then start loading this one."""
        with self._lock:
            self._join()
            self._thread = threading.Thread(target=self._run, args=(load,), name="batch-load")
            self._thread.start()

    def wait(self) -> None:
        """Return once the batch in flight is committed; raise its error if it failed."""
        with self._lock:
            self._join()

    def _run(self, load: t.Callable[[], None]) -> None:
        try:
            load()
        except BaseException as error:  # handed to the main thread, raised there
            self._error = error

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


#: the process's one lane: batches of every stream go through it, one at a time
LANE = BatchLane()


class FastPostgresSink(PostgresSink):
    """PostgresSink with the per-record work listed once per schema or batch."""

    _date_fields: DateFields | None = None

    @override
    def setup(self) -> None:
        LANE.wait()
        super().setup()

    _table: sqlalchemy.Table | None = None

    @override
    def process_batch(self, context: dict[str, t.Any]) -> None:
        LANE.submit(lambda: self._load_batch(context))

    def _load_batch(self, context: dict[str, t.Any]) -> None:
        """The target's process_batch, with the table checked once and a plainer temp table.

        The target reflects the table again for every batch (0.09 s a batch here) and copies
        its primary key onto the temporary table, an index COPY then maintains for rows
        already made unique in Python (bulk_insert_records keeps one version of each key).
        """
        with self.connector._connect() as connection, connection.begin():
            table = self._checked_table(connection)
            temp_table = sqlalchemy.Table(
                self.temp_table_name,
                sqlalchemy.MetaData(),
                *(sqlalchemy.Column(column.name, column.type) for column in table.columns),
                prefixes=["TEMPORARY"],
            )
            temp_table.create(bind=connection)
            self.bulk_insert_records(
                table=temp_table,
                schema=self.schema,
                primary_keys=self.key_properties,
                records=context["records"],
                connection=connection,
            )
            self.upsert(
                from_table=temp_table,
                to_table=table,
                schema=self.schema,
                join_keys=self.key_properties,
                connection=connection,
            )
            self.connector.drop_table(table=temp_table, connection=connection)

    def _checked_table(self, connection: sqlalchemy.engine.Connection) -> sqlalchemy.Table:
        """The keyed table, made to fit the schema by the target on this sink's first batch."""
        if self._table is None:
            self._table = self.connector.prepare_table(
                full_table_name=self.full_table_name,
                schema=self.schema,
                primary_keys=self.key_properties,
                as_temp_table=False,
                connection=connection,
            )
        return self._table

    @override
    def activate_version(self, new_version: int) -> None:
        LANE.wait()
        self._table = None
        super().activate_version(new_version)

    @override
    def clean_up(self) -> None:
        LANE.wait()
        super().clean_up()

    def _dates(self) -> DateFields:
        if self._date_fields is None or self._date_fields.schema is not self.schema:
            self._date_fields = DateFields(self.schema)
        return self._date_fields

    @override
    def _validate_and_parse(self, record: dict) -> dict:
        if self._validator is None and self._dates().parse(record):
            return record
        return super()._validate_and_parse(record)

    @override
    def bulk_insert_records(  # type: ignore[override]
        self,
        table: sqlalchemy.Table,
        schema: dict[str, t.Any],
        records: t.Iterable[dict[str, t.Any]],
        primary_keys: t.Sequence[str],
        connection: sqlalchemy.engine.Connection,
    ) -> int | None:
        if not self.config["use_copy"]:
            return super().bulk_insert_records(table, schema, records, primary_keys, connection)
        columns = self.column_representation(schema)
        if self.append_only is False:
            # the last version of each key, where the key was first seen (the target's order)
            latest: dict[tuple[t.Any, ...], dict[str, t.Any]] = {}
            for record in records:
                latest[tuple([record[key] for key in primary_keys])] = record
            records = latest.values()
        statement = self.generate_copy_statement(table.name, columns)
        self.logger.info("Inserting with SQL: %s", statement)
        self._copy_rows(connection, statement, columns, records)
        return True

    def _copy_rows(
        self,
        connection: sqlalchemy.engine.Connection,
        statement: str,
        columns: list[sqlalchemy.Column],
        records: t.Iterable[dict[str, t.Any]],
    ) -> None:
        """COPY the records' columns in order, each value through its column's processor."""
        names = [column.name for column in columns]
        processors = self._processors(connection, columns)
        sanitize = (
            self.sanitize_null_text_characters
            if self.connector.sanitize_null_text_characters
            else None
        )
        with connection.connection.cursor().copy(statement) as copy:
            write_row = copy.write_row
            for record in records:
                get = record.get
                row = [get(name) for name in names]
                if sanitize is not None:
                    row = [sanitize(value) for value in row]
                for index, process in processors:
                    row[index] = process(row[index])
                write_row(row)

    @staticmethod
    def _processors(
        connection: sqlalchemy.engine.Connection, columns: list[sqlalchemy.Column]
    ) -> list[tuple[int, t.Callable[[t.Any], t.Any]]]:
        """Each column's bind processor, by position; msgspec for JSONB columns."""
        processors = []
        for index, column in enumerate(columns):
            process = column.type.bind_processor(connection.dialect)
            if process is None:
                continue
            if isinstance(column.type, JSONB) and not column.type.none_as_null:
                process = jsonb_text
            processors.append((index, process))
        return processors

    @override
    def upsert(
        self,
        from_table: sqlalchemy.Table,
        to_table: sqlalchemy.Table,
        schema: dict[str, t.Any],
        join_keys: t.Sequence[str],
        connection: sqlalchemy.engine.Connection,
    ) -> int | None:
        if self.append_only is True:
            return super().upsert(from_table, to_table, schema, join_keys, connection)
        columns = list(self.schema["properties"])
        if {column.name for column in to_table.primary_key.columns} == set(join_keys):
            connection.execute(insert_or_update(from_table, to_table, columns, join_keys))
        else:
            for statement in update_then_insert(from_table, to_table, columns, join_keys):
                connection.execute(statement)
        return None


def insert_or_update(
    from_table: sqlalchemy.Table,
    to_table: sqlalchemy.Table,
    columns: list[str],
    join_keys: t.Sequence[str],
) -> sqlalchemy.Executable:
    """One INSERT ... ON CONFLICT over the primary key: one index probe and one write a row.

    The batch holds each key once (bulk_insert_records keeps the last version), as ON
    CONFLICT DO UPDATE requires.
    """
    statement = postgresql.insert(to_table).from_select(
        list(from_table.columns), sqlalchemy.select(*from_table.columns)
    )
    changed = {name: statement.excluded[name] for name in columns if name not in join_keys}
    if not changed:
        return statement.on_conflict_do_nothing(index_elements=list(join_keys))
    return statement.on_conflict_do_update(index_elements=list(join_keys), set_=changed)


def update_then_insert(
    from_table: sqlalchemy.Table,
    to_table: sqlalchemy.Table,
    columns: list[str],
    join_keys: t.Sequence[str],
) -> list[sqlalchemy.Executable]:
    """The target's two statements in the other order, for a table without that primary key.

    The rows whose key is already there take the batch's values, then the keys still
    missing are inserted: the same table as the target's insert-then-update, without
    updating the rows just inserted.
    """
    same_key = sqlalchemy.and_(
        *(from_table.columns[key] == to_table.columns[key] for key in join_keys)
    )
    values = {to_table.columns[name]: from_table.columns[name] for name in columns}
    missing = sqlalchemy.and_(*(to_table.columns[key].is_(None) for key in join_keys))
    new_rows = (
        sqlalchemy.select(*from_table.columns)
        .select_from(from_table.outerjoin(to_table, same_key))
        .where(missing)
    )
    return [
        sqlalchemy.update(to_table).where(same_key).values(values),
        sqlalchemy.insert(to_table).from_select(list(from_table.columns), new_rows),
    ]


class FastTargetPostgres(TargetPostgres):
    """TargetPostgres reading lines with msgspec and loading through FastPostgresSink."""

    message_reader_class = MsgSpecReader
    default_sink_class = FastPostgresSink

    @override
    def _write_state_message(self, state: dict) -> None:
        LANE.wait()
        super()._write_state_message(state)


def main() -> None:
    """Run the fast target, or the target unchanged if its sources are not the pinned ones."""
    changed = changed_sources()
    if changed:
        LOGGER.warning(
            "target-postgres-fast: %s changed since this wrapper was checked "
            "(singer-sdk 0.54.9, target-postgres 0.8.1); running target-postgres unchanged",
            ", ".join(changed),
        )
        TargetPostgres.cli()
        return
    FastTargetPostgres.cli()
