"""The record writer: msgspec's, plus the last cleaning a warehouse needs.

NUL characters are refused by PostgreSQL in text and JSON alike, so a single one in any
string (a declared field, a nested one, one kept in `_extra`) failed the load of every run.
Searching the encoded line for the NUL escape costs one C-level scan; only a line that holds
one is cleaned (`tapkit.values.strip_nul`) and encoded again. The characters removed are
counted per stream, for the end-of-run log line.
"""

from __future__ import annotations

import collections
import typing as t

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import RecordMessage
from typing_extensions import override

from tapkit.limits import too_deep
from tapkit.values import strip_nul

#: how a NUL character looks in an encoded line
NUL_ESCAPE = b"\\u0000"


class CleanTextWriter(MsgSpecWriter):
    """Writes Singer messages with msgspec; strips NUL from records, counted per stream."""

    @override
    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.nul_removed: collections.Counter[str] = collections.Counter()

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
