"""Records from a JSON response body, parsed as the bytes arrive.

A window can hold hundreds of thousands of rows; `response.json()` would hold all of them in
memory at once. A bare array is cut into batches of whole records as the chunks arrive and
each batch decoded by msgspec (`_ArrayBatches`), so memory stays flat at one batch; ijson's
push parser (C backend) reads object bodies, and takes over any body msgspec does not
accept, so one parser has the last word on an odd or broken body (read, or refused) whichever
path it started on. A body whose envelope matters (`paging`, a total) is read by
`tapkit.jsonenvelope`, with the same parsers.

The body must be what the endpoint returns: a JSON array of objects, or an object holding
one such array; anything else (an HTML error page with status 200, an error object, a body
cut short) raises `BodyError`, which the caller retries, never "no data".
"""

from __future__ import annotations

import itertools
import re
import typing as t

import ijson

from tapkit.errors import BodyError
from tapkit.jsonenvelope import iter_single_list_records
from tapkit.jsonparsers import (
    BOM,
    NOT_DECODED,
    current_parser,
    decode_whole,
    exact_numbers,
    has_long_number,
    parse_failure,
    strip_bom,
)

_SNIPPET = 200
#: bytes gathered before a batch of records is cut off and decoded
_BATCH_BYTES = 256 * 1024
#: a batch that finds no record boundary in this much hands the body over to ijson
_BATCH_LIMIT = 16 * 1024 * 1024
#: where one object of an array ends and the next begins (may also match inside a record:
#: a batch cut there does not decode, and an earlier boundary is tried)
_BOUNDARY = re.compile(rb"\}\s*,\s*\{")
_BOUNDARY_TRIES = 4


def _snippet(data: bytes) -> str:
    return data[:_SNIPPET].decode("utf-8", "replace").strip()


def iter_json_records(
    chunks: t.Iterable[bytes],
    *,
    array_key: str | None = None,
) -> t.Iterator[dict[str, t.Any]]:
    """Yield each object of the body's record array.

    `array_key` names the member holding the array when the body is an object; when None,
    a bare array is expected, or an object whose first array-valued member holds the records.
    """
    stream = iter(chunks)
    buffered: list[bytes] = []
    head = b""
    for chunk in stream:
        if chunk:
            buffered.append(chunk)
            head = (head + chunk).lstrip()
            if head.startswith(BOM):
                head = head[len(BOM) :].lstrip()
            if head:
                break
    if not head:
        raise BodyError("the response body is empty")
    if head[:1] == b"[" and not exact_numbers():
        yield from _ArrayBatches(buffered, stream).records()
        return
    if head[:1] == b"[":
        yield from _parse_items(buffered, stream, "item")
        return
    if head[:1] == b"{" and array_key is None:
        yield from iter_single_list_records(itertools.chain(buffered, stream))
        return
    if head[:1] == b"{":
        yield from _parse_items(buffered, stream, f"{array_key}.item")
        return
    raise BodyError(f"the response is not JSON: {_snippet(head)!r}")


class _ArrayBatches:
    """The objects of a bare JSON array, decoded by msgspec a batch of whole records at a time.

    A batch ends at an object boundary: `[` + the batch + `]` decodes only when the cut falls
    between two top-level objects (inside a string or a nested value it cannot), so a wrong
    guess costs one failed decode, never a wrong record. Whatever msgspec refuses (a body cut
    short, trailing bytes, a value it does not read the way ijson does) is handed, from the
    first record not yet emitted, to the ijson parser, which emits or refuses it as it does
    any body: the outcome never depends on which parser started.
    """

    def __init__(self, buffered: list[bytes], stream: t.Iterator[bytes]) -> None:
        first = strip_bom(b"".join(buffered)).lstrip()
        self.pending = bytearray(first[1:])  # after the `[`
        self.stream = stream
        #: a batch is tried once this much is pending (doubled while no boundary is found)
        self.wanted = _BATCH_BYTES

    def records(self) -> t.Iterator[dict[str, t.Any]]:
        for chunk in self.stream:
            self.pending += chunk
            if len(self.pending) >= self.wanted:
                if has_long_number(self.pending):
                    break
                batch = self._cut_batch()
                if batch is None:
                    if len(self.pending) > _BATCH_LIMIT:
                        break
                    self.wanted = 2 * len(self.pending)
                    continue
                self.wanted = _BATCH_BYTES
                yield from _objects(batch, "item")
        else:
            tail = None if has_long_number(self.pending) else self._decode_tail()
            if tail is not None:
                yield from _objects(tail, "item")
                return
        # the rest of the body, from the first record not yet emitted, the way ijson reads it
        yield from _parse_items([b"[", bytes(self.pending)], self.stream, "item")

    def _cut_batch(self) -> list[t.Any] | None:
        """The whole records at the start of `pending`, removed from it (None: none found)."""
        ends = _last_boundaries(self.pending)
        for end in reversed(ends):
            try:
                batch: list[t.Any] = decode_whole(b"[" + self.pending[:end] + b"]")
            except NOT_DECODED:
                continue
            del self.pending[:end]
            # the rest starts with the separator: `,` and blanks
            start = self.pending.index(b",") + 1
            del self.pending[:start]
            return batch
        return None

    def _decode_tail(self) -> list[t.Any] | None:
        """The records of the body's last part, which must end the array (None: refused)."""
        try:
            tail: list[t.Any] = decode_whole(b"[" + self.pending)
        except NOT_DECODED:
            return None
        return tail


#: how far back from the end of a batch its last boundaries are looked for first
_BOUNDARY_WINDOW = 64 * 1024


def _last_boundaries(pending: bytearray) -> list[int]:
    """Where the last `_BOUNDARY_TRIES` boundaries of `pending` end their first object.

    Looked for in the batch's last 64 KiB first: a boundary is `}`, blanks, `,`, blanks,
    `{`, so no two overlap and a scan from any offset finds exactly those of a whole scan
    that start there or later; the whole batch is scanned only when the tail holds too few.
    """
    start = max(0, len(pending) - _BOUNDARY_WINDOW)
    while True:
        ends = [m.start() + 1 for m in _BOUNDARY.finditer(pending, start)]
        if len(ends) >= _BOUNDARY_TRIES or start == 0:
            return ends[-_BOUNDARY_TRIES:]
        start = 0


def _parse_items(
    buffered: list[bytes], stream: t.Iterator[bytes], prefix: str
) -> t.Iterator[dict[str, t.Any]]:
    records = ijson.sendable_list()
    parsers, use_float = current_parser()
    parser = parsers.items_coro(records, prefix, use_float=use_float)

    def chunks() -> t.Iterator[bytes]:
        first = True
        for chunk in buffered:
            yield strip_bom(chunk) if first else chunk
            first = False
        yield from stream

    try:
        for chunk in chunks():
            parser.send(chunk)
            if records:
                yield from _objects(records, prefix)
                records.clear()
        parser.close()
    except ijson.JSONError as exc:
        raise parse_failure(exc) from None
    if records:
        yield from _objects(records, prefix)


def _objects(items: list[t.Any], prefix: str) -> t.Iterator[dict[str, t.Any]]:
    for item in items:
        if not isinstance(item, dict):
            raise BodyError(f"expected objects under {prefix!r}, got {type(item).__name__}")
        yield item
