"""target-postgres, loading the same rows with less Python per record and one write per row.

MeltanoLabs' target-postgres bounds every pipeline into PostgreSQL (issue 28; BENCHMARKS.md,
"End to end on unique rows"): on an idle machine it loads about 4,300 rows/s where the taps
write 15,000-40,000. A profile of it, validation already off and COPY on (docs/loaders.md,
"target-postgres-fast"), puts the time in the places below, which this wrapper changes and
nothing else:

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
   update runs first, then the insert of the keys still missing, the same final table;
6. the SDK's handling of each RECORD (`Target._process_record_message`) finds the
   stream's maps, its sink and the sink's settings again for every record, copies the
   record, formats the batch's start time into `_sdc_batched_at` again, and makes 20
   method and property calls (over 30 with the calls they make): for a stream without
   stream maps or flattening, these are found once per sink (`LeanStream`), the record is
   not copied (nothing else holds it), and the same steps run in the same order with 5.

Anything outside the fast path (record validation on, a record with a field its schema does
not know, a date it cannot parse, INSERT instead of COPY, an append-only stream, a stream
with stream maps or flattening) goes through the target's own code. The replaced SDK
methods are private, so the wrapper carries the sha256 of the source it was written
against; if the installed SDK or target differs, it says so once and runs the target
unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import logging
import threading
import time
import typing as t

import msgspec
import sqlalchemy
from singer_sdk.contrib.msgspec import MsgSpecReader
from singer_sdk.helpers._typing import get_datelike_property_type
from singer_sdk.mapper import SameRecordTransform, StreamMap
from singer_sdk.metrics import Counter
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
    # what FastTargetPostgres._process_record_message repeats, inlines or relies on, each
    # looked up on the class the wrapper inherits from (an override added there is caught)
    "TargetPostgres._process_record_message": "08aaf4096e2d39e7c3826848feebbaac",
    "TargetPostgres.get_sink": "c035d10e44bdfb329f4227a5e5f6c133",
    "TargetPostgres._handle_max_record_age": "5762750ab10354049bb9fd31787d3530",
    "TargetPostgres._max_record_age_in_minutes": "a31b250546161e1b4ab7dd72d883c2bf",
    "MsgSpecReader.process_lines": "f6d848854616d1d8f15ee84c52d07d1e",
    "SameRecordTransform.transform": "db46d82cacfd5593cfc76f63521added",
    "SameRecordTransform.flatten_record": "ccb0ee05e2c2b8600293fe4af8668305",
    "SameRecordTransform.flattening_enabled": "9e9ab2f48c35207ea0eac37759a01f6e",
    "StreamMap.transform": "3d21910fbf85f850545ea4db19984353",
    "PostgresSink._get_context": "4e0d39040097dc9b9be88c7c3c7d5754",
    "PostgresSink.include_sdc_metadata_properties": "15fc7038b734c4844ed3126a0f1cf353",
    "PostgresSink._add_sdc_metadata_to_record": "0ac381cf306bfc0c53a9635b73e6ba94",
    "PostgresSink.preprocess_record": "f8282df62eb5388bf0f290caf1097334",
    "PostgresSink._singer_validate_message": "018b08ee7f624f618b592153319c9500",
    "PostgresSink.tally_record_read": "b1cfae5f7a3fab1f5160e787ec04259a",
    "PostgresSink.process_record": "5896c8423a34491245b8e983ea5ba560",
    "PostgresSink.record_counter_metric": "f53ce85c45913f908bd62efa68baf071",
    "PostgresSink.is_full": "662da81db8ad2d5a8dd315c3ac5da663",
    "PostgresSink.current_size": "d5a202dd74824174865369e278ddcc28",
    "PostgresSink.max_size": "0ac6a26a385f86a75a7848c260172b0c",
    "PostgresSink.batch_size_rows": "0345d02d9cfb9d68b119e6ca78ee65fa",
}

_JSON = msgspec.json.Encoder(decimal_format="number")


def pinned_objects() -> dict[str, t.Any]:
    """The functions named in PINNED_SOURCES; of a property, its getter."""
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
        "TargetPostgres._process_record_message": TargetPostgres._process_record_message,
        "TargetPostgres.get_sink": TargetPostgres.get_sink,
        "TargetPostgres._handle_max_record_age": TargetPostgres._handle_max_record_age,
        "TargetPostgres._max_record_age_in_minutes": TargetPostgres._max_record_age_in_minutes.fget,
        "MsgSpecReader.process_lines": MsgSpecReader.process_lines,
        "SameRecordTransform.transform": SameRecordTransform.transform,
        "SameRecordTransform.flatten_record": SameRecordTransform.flatten_record,
        "SameRecordTransform.flattening_enabled": inspect.getattr_static(
            SameRecordTransform, "flattening_enabled"
        ).fget,
        "StreamMap.transform": StreamMap.transform,
        "PostgresSink._get_context": PostgresSink._get_context,
        "PostgresSink.include_sdc_metadata_properties": (
            PostgresSink.include_sdc_metadata_properties.fget
        ),
        "PostgresSink._add_sdc_metadata_to_record": PostgresSink._add_sdc_metadata_to_record,
        "PostgresSink.preprocess_record": PostgresSink.preprocess_record,
        "PostgresSink._singer_validate_message": PostgresSink._singer_validate_message,
        "PostgresSink.tally_record_read": PostgresSink.tally_record_read,
        "PostgresSink.process_record": PostgresSink.process_record,
        "PostgresSink.record_counter_metric": PostgresSink.record_counter_metric.fget,
        "PostgresSink.is_full": PostgresSink.is_full.fget,
        "PostgresSink.current_size": PostgresSink.current_size.fget,
        "PostgresSink.max_size": PostgresSink.max_size.fget,
        "PostgresSink.batch_size_rows": PostgresSink.batch_size_rows.fget,
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


class LeanStream:
    """What the SDK looks up again for every RECORD of one stream, looked up once per sink.

    Only for a stream whose one stream map is the SDK's identity map (no `stream_maps` for
    it, no flattening) and whose sink is a FastPostgresSink (its per-record methods are the
    pinned ones); `usable` is False otherwise, and its records take the SDK's path. Valid
    while the target's stream maps and active sink for the stream are still these objects.
    """

    __slots__ = (
        "all_maps",
        "batch_started",
        "batched_at",
        "counter",
        "maps",
        "max_size",
        "metadata",
        "sink",
        "usable",
    )

    def __init__(self, all_maps: dict[str, list[StreamMap]], stream_name: str, sink: Sink) -> None:
        maps = all_maps[stream_name]
        self.all_maps = all_maps
        self.maps = maps
        self.sink = sink
        self.usable = (
            len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and maps[0].stream_alias == stream_name
            and not (maps[0].flattening_options and maps[0].flattening_enabled)
            and type(sink) is FastPostgresSink
        )
        # fixed for the sink's life: its config (copied when it was made) and batch size
        self.metadata: bool = sink.include_sdc_metadata_properties
        self.max_size: int = sink.max_size
        self.counter: Counter = sink.record_counter_metric
        #: the batch whose start `batched_at` is (its `batch_start_time` object), formatted
        self.batch_started: t.Any = None
        self.batched_at: str | None = None

    def add_metadata(
        self, record: dict[str, t.Any], message: dict[str, t.Any], context: dict[str, t.Any]
    ) -> None:
        """Sink._add_sdc_metadata_to_record, the batch's start formatted once per batch.

        The same values, set in the same order. `_sdc_batched_at` is the batch context's
        `batch_start_time` as ISO text: a datetime (immutable) made once per batch, so its
        text is kept until the context holds another object, instead of made per record.
        """
        started = context.get("batch_start_time")
        if started is not self.batch_started:
            self.batch_started = started
            self.batched_at = started.isoformat() if started else None
        record["_sdc_extracted_at"] = message.get("time_extracted")
        record["_sdc_received_at"] = dt.datetime.now(tz=dt.UTC).isoformat()
        record["_sdc_batched_at"] = self.batched_at or dt.datetime.now(tz=dt.UTC).isoformat()
        record["_sdc_deleted_at"] = record.get("_sdc_deleted_at")
        record["_sdc_sequence"] = round(time.time() * 1000)
        record["_sdc_table_version"] = message.get("version")
        record["_sdc_sync_started_at"] = self.sink.sync_started_at


class FastTargetPostgres(TargetPostgres):
    """TargetPostgres reading lines with msgspec and loading through FastPostgresSink."""

    message_reader_class = MsgSpecReader
    default_sink_class = FastPostgresSink

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        #: each stream's LeanStream, found again when its stream maps or sink change
        self._lean: dict[str, LeanStream] = {}
        super().__init__(*args, **kwargs)

    @override
    def _process_schema_message(self, message_dict: dict[str, t.Any]) -> None:
        self._lean.clear()
        super()._process_schema_message(message_dict)

    @override
    def _process_activate_version_message(self, message_dict: dict[str, t.Any]) -> None:
        self._lean.clear()
        super()._process_activate_version_message(message_dict)

    @override
    def _process_batch_message(self, message_dict: dict[str, t.Any]) -> None:
        self._lean.clear()
        super()._process_batch_message(message_dict)

    @override
    def _process_record_message(self, message_dict: dict[str, t.Any]) -> None:
        """The SDK's method with the stream's lookups done once per sink (LeanStream).

        The same steps in the same order, for the one identity stream map; any other case
        (stream maps, flattening, a record before its SCHEMA, a line without a record) is
        the SDK's own code. The record is not copied: the SDK copies it so that each of a
        stream's maps transforms its own, and here there is one map, which returns it as
        is; the message it came in is the reader's, dropped once this returns
        (GenericSingerReader.process_lines), so changing the record in place is unseen.
        """
        stream_name: t.Any = message_dict.get("stream")
        lean = self._lean.get(stream_name)
        sinks = self._sinks_active
        if (
            lean is None
            or lean.sink is not sinks.get(stream_name)
            or lean.maps is not lean.all_maps.get(stream_name)
        ):
            lean = self._lean_stream(stream_name)
        if lean is None or not lean.usable or "record" not in message_dict:
            super()._process_record_message(message_dict)
            return

        record = message_dict["record"]
        sink = lean.sink
        context = sink._get_context(record)
        if lean.metadata:
            lean.add_metadata(record, message_dict, context)
        else:
            sink._remove_sdc_metadata_from_record(record)
        sink._validate_and_parse(record)
        # preprocess_record: the SDK's, which returns the record unchanged
        for key in sink._key_properties:
            if key not in record:
                sink._singer_validate_message(record)  # raises the SDK's error
        sink._total_records_read += 1  # tally_record_read
        sink._batch_records_read += 1
        try:  # BatchSink.process_record
            context["records"].append(record)
        except KeyError:
            context["records"] = [record]
        lean.counter.increment()
        sink._after_process_record(context)
        if sink._batch_records_read >= lean.max_size:  # is_full
            self.logger.info(
                "Target sink for '%s' is full. Current size is '%s'. Draining...",
                sink.stream_name,
                sink._batch_records_read,
            )
            self.drain_one(sink)
        if (time.time() - self._last_full_drain_at) / 60 > self._MAX_RECORD_AGE_IN_MINUTES:
            self._handle_max_record_age()

    def _lean_stream(self, stream_name: str) -> LeanStream | None:
        """The stream's LeanStream, kept until its maps or sink change; None before its
        SCHEMA (the SDK's path then raises its error)."""
        all_maps = self.mapper.stream_maps
        sink = self._sinks_active.get(stream_name)
        if stream_name not in all_maps or sink is None:
            return None
        lean = self._lean[stream_name] = LeanStream(all_maps, stream_name, sink)
        return lean

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
