"""The SDK knowledge of the record fast path: a RECORD line encoded as the SDK's msgspec writer
encodes it, and the per-record steps skipped when they would change nothing.

Part of the fence `tapkit/sdk_compat.py` keeps around private SDK names (split from it by
job: this module is what a record costs, that one the tap's and the stream's hooks and the
request path). Each gap is pinned in `tests/core/test_sdk_compat.py`, as there.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property

import singer_sdk.singerlib as singer
from singer_sdk import RESTStream
from singer_sdk.contrib.msgspec import MsgSpecWriter, encoder
from singer_sdk.mapper import SameRecordTransform
from typing_extensions import override

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class RecordLineWriter(MsgSpecWriter):
    """The SDK's msgspec writer, taking RECORD messages as dicts (`add_record_line`) from
    `CompatStream._write_record_message` when the SDK's record path would not change them
    (`tapkit.writer.CleanTextWriter` is the taps' one).
    """

    def encode_like_sdk(self, message: dict[str, t.Any], into: bytearray) -> None:
        """Append `message` (the dict of `Message.to_dict`) to `into`, byte for byte as
        `MsgSpecWriter.serialize_message` encodes it, without its newline.
        """
        # Gap: the SDK's writer encodes with its module's msgspec `encoder` into a shared
        # buffer and offers no way to encode a message into one's own buffer.
        encoder.encode_into(message, into, -1)

    def encode_lines_like_sdk(self, messages: list[dict[str, t.Any]]) -> bytes:
        """The lines of `messages` (dicts of `Message.to_dict`), each byte for byte as
        `MsgSpecWriter.serialize_message` encodes it and followed by its newline, in one call.
        """
        # Gap: as `encode_like_sdk`, for many messages at once (msgspec's `encode_lines`
        # is `encode_into` and a newline per item, without a call per item).
        return encoder.encode_lines(messages)

    def add_record_line(self, message: dict[str, t.Any]) -> bool:
        """Take a RECORD message's line; False (nothing taken): write it by `write_message`."""
        return False

    def flush_records(self) -> None:
        """Write the RECORD lines taken so far."""


class RecordFastPath(RESTStream[t.Any]):
    """A REST stream whose records take the short path when the SDK's would change nothing
    (every property selected, no stream map, no selected child): `CompatStream` builds on it.
    """

    @cached_property
    def _selects_every_property(self) -> bool:
        return all(self.mask.values())

    # Gap (speed): with every property selected, the SDK's `pop_deselected_record_properties`
    # removes nothing but costs a tenth of a tap's time (`make bench`), and with type
    # conformance off it hands the record on unchanged. A catalog that deselects anything
    # takes the SDK's own path.
    @override
    def _generate_record_messages(
        self, record: dict[str, t.Any]
    ) -> t.Generator[singer.RecordMessage, None, None]:
        if not self._selects_every_property:
            yield from super()._generate_record_messages(record)
            return
        for stream_map in self.stream_maps:
            mapped_record = stream_map.transform(record)
            if mapped_record is not None:
                yield singer.RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped_record,
                    version=self._stream_version,
                    time_extracted=dt.datetime.now(dt.UTC),
                )

    @cached_property
    def _record_line_stream(self) -> str | None:
        """The stream name of RECORD lines encoded here, byte for byte as the SDK would.

        None (the SDK's path) unless: tapkit's writer (it gathers the lines), every property
        selected, and no stream map or flattening (the one map is the SDK's pass-through).
        """
        maps = self.stream_maps
        if (
            isinstance(self._tap.message_writer, RecordLineWriter)
            and self._selects_every_property
            and len(maps) == 1
            and type(maps[0]) is SameRecordTransform
            and not (maps[0].flattening_options and maps[0].flattening_enabled)
        ):
            return maps[0].stream_alias
        return None

    # Gap (speed): the SDK builds a message object, a dict from it, and writes and flushes
    # stdout for every record. Here the line is the SDK's own (`RecordMessage.to_dict`
    # through its msgspec encoder), gathered by the writer and written before the next
    # other message (`RecordLineWriter.add_record_line`), so a STATE still follows every
    # record before it (`make bench`, BENCHMARKS.md). A line holding NUL takes the writer's
    # path (it cleans and counts them).
    @override
    def _write_record_message(self, record: dict[str, t.Any]) -> None:
        stream = self._record_line_stream
        if stream is None:
            super()._write_record_message(record)
            return
        message: dict[str, t.Any] = {"type": "RECORD", "stream": stream, "record": record}
        if self._stream_version is not None:
            message["version"] = self._stream_version
        message["time_extracted"] = dt.datetime.now(dt.UTC)
        if not self._record_writer.add_record_line(message):
            super()._write_record_message(record)
            return
        self.state_manager.is_flushed = False

    @cached_property
    def _record_writer(self) -> RecordLineWriter:
        """The writer gathering this stream's RECORD lines (`_record_line_stream` chose it)."""
        return t.cast("RecordLineWriter", self._tap.message_writer)

    @cached_property
    def _children_to_sync(self) -> bool:
        """Whether a child stream is read for each record (selection is fixed for a run)."""
        return any(c.selected or c.has_selected_descendents for c in self.child_streams)

    # Gap (speed): for a stream without partition keys and without a selected child the
    # SDK's per-record step only copies the record and asks each child whether it is
    # selected (a twentieth of a tap's time; JAICP `sessions` with `messages` deselected
    # pays it for every session, `make bench`).
    @override
    def _process_record(
        self,
        record: dict[str, t.Any],
        child_context: Context | None = None,
        partition_context: Context | None = None,
    ) -> None:
        if partition_context or self._children_to_sync:
            super()._process_record(
                record, child_context=child_context, partition_context=partition_context
            )
