"""The record writer: msgspec's, plus the last cleaning a warehouse needs.

NUL characters are refused by PostgreSQL in text and JSON alike, so a single one in any
string (a declared field, a nested one, one kept in `_extra`) failed the load of every run.
Searching the encoded line for the NUL escape costs one C-level scan; only a line that holds
one is cleaned (`tapkit.value_checks.strip_nul`) and encoded again. The characters removed are
counted per stream, for the end-of-run log line.

RECORD messages the stream hands over as dicts (`tapkit.sdk_compat`, which also holds how the
SDK encodes a line: `RecordLineWriter.encode_like_sdk`) are gathered here, encoded
`RECORD_BATCH` at a time (one msgspec call for all their lines), and written in pieces of
`RECORD_BUFFER_BYTES`, and before any other message, so a STATE still follows every record
before it. The SDK writes and flushes stdout once per message; under
`PYTHONUNBUFFERED=1` (common in containers) stdout has no buffer at all, and a write per
record into a pipe made the tap 1.65 times slower (`make bench`, BENCHMARKS.md).
"""

from __future__ import annotations

import collections
import sys
import typing as t

from singer_sdk.singerlib import RecordMessage
from typing_extensions import override

from tapkit.pageguard import too_deep
from tapkit.sdk_compat_records import RecordLineWriter
from tapkit.value_checks import strip_nul

#: how a NUL character looks in an encoded line
NUL_ESCAPE = b"\\u0000"
#: pending RECORD lines are written out once they reach this size
RECORD_BUFFER_BYTES = 64 * 1024
#: RECORD messages gathered before their lines are encoded, in one call
RECORD_BATCH = 128


class CleanTextWriter(RecordLineWriter):
    """Writes Singer messages with msgspec; strips NUL from records, counted per stream."""

    @override
    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.nul_removed: collections.Counter[str] = collections.Counter()
        self._pending = bytearray()
        #: RECORD messages taken, their lines not encoded yet
        self._messages: list[dict[str, t.Any]] = []

    @override
    def add_record_line(self, message: dict[str, t.Any]) -> bool:
        """Take a RECORD message (the dict `RecordMessage.to_dict` gives): its line is
        encoded with the next `RECORD_BATCH`, exactly as `serialize_message` would.
        """
        messages = self._messages
        messages.append(message)
        if len(messages) >= RECORD_BATCH:
            self._encode_messages()
        return True

    def _encode_messages(self) -> None:
        """The lines of the messages taken, after the pending ones: all in one call, or, when
        one of them holds a NUL or is nested too deep, one by one (`_encode_one`).
        """
        messages = self._messages
        if not messages:
            return
        self._messages = []
        try:
            lines = self.encode_lines_like_sdk(messages)
        except RecursionError:  # one of them nested too deep: found and refused one by one
            lines = None
        if lines is None or NUL_ESCAPE in lines:
            for message in messages:
                self._encode_one(message)
            return
        self._pending += lines
        if len(self._pending) >= RECORD_BUFFER_BYTES:
            self._write_pending()

    def _encode_one(self, message: dict[str, t.Any]) -> None:
        """One message's line after the pending ones; one holding a NUL or nested too deep
        is written by `write_message`, which cleans or refuses it.
        """
        if not self._add_line(message):
            self.write_message(
                RecordMessage(
                    stream=message["stream"],
                    record=message["record"],
                    version=message.get("version"),
                    time_extracted=message["time_extracted"],
                )
            )

    def _add_line(self, message: dict[str, t.Any]) -> bool:
        """Encode a RECORD message after the pending lines; False, with nothing added, when
        the line holds a NUL or is nested too deep.
        """
        pending = self._pending
        start = len(pending)
        try:
            self.encode_like_sdk(message, pending)
        except RecursionError:
            del pending[start:]
            return False
        if pending.find(NUL_ESCAPE, start) >= 0:
            del pending[start:]
            return False
        pending += b"\n"
        if len(pending) >= RECORD_BUFFER_BYTES:
            self._write_pending()
        return True

    @override
    def flush_records(self) -> None:
        """Write the RECORD lines taken so far to stdout and flush it."""
        self._encode_messages()
        self._write_pending()

    def _write_pending(self) -> None:
        """Write the pending RECORD lines to stdout and flush it."""
        pending = self._pending
        if not pending:
            return
        out = sys.stdout.buffer
        view = memoryview(pending)
        while view:  # an unbuffered stdout may take part of a write
            written = out.write(view)
            view = view[written if written is not None else len(view) :]
        view.release()
        pending.clear()
        sys.stdout.flush()

    @override
    def write_message(self, message: t.Any) -> None:
        """Write the pending RECORD lines, then `message`."""
        self.flush_records()
        super().write_message(message)

    @override
    def serialize_message(self, message: t.Any) -> bytearray:
        """The message's JSON line, NUL-free."""
        try:
            line = super().serialize_message(message)
        except RecursionError:
            raise too_deep(getattr(message, "stream", "?")) from None
        if NUL_ESCAPE in line and isinstance(message, RecordMessage):
            record, removed = strip_nul(message.record)
            if removed:
                self.nul_removed[message.stream] += removed
                message.record = record
                line = super().serialize_message(message)
        return line

    def nul_summary(self) -> list[str]:
        """One line per stream that had NUL characters removed."""
        return [
            f"{stream}: removed {count} NUL character(s) from text values (warehouses refuse them)"
            for stream, count in sorted(self.nul_removed.items())
        ]
