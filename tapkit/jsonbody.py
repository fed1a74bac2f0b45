"""Records from a JSON response body, parsed as the bytes arrive.

A window can hold hundreds of thousands of rows; `response.json()` would hold all of them in
memory at once. A bare array is cut into batches of whole records as the chunks arrive and
each batch decoded by msgspec (`_ArrayBatches`), so memory stays flat at one batch; ijson's
push parser (C backend) reads object bodies, and takes over any body msgspec does not
accept, so one parser has the last word on an odd or broken body (read, or refused) whichever
path it started on. A page small enough
to hold (JAICP's, at most 1,000 rows) is decoded whole (`iter_page_records`).

The body must be what the endpoint returns: a JSON array of objects, or an object holding
one such array; anything else (an HTML error page with status 200, an error object, a body
cut short) raises `BodyError`, which the caller retries, never "no data".
"""

from __future__ import annotations

import itertools
import re
import typing as t

import ijson
import msgspec

from tapkit.errors import BodyError, NumberOverflowError

_BOM = b"\xef\xbb\xbf"
_SNIPPET = 200
#: bytes gathered before a batch of records is cut off and decoded
_BATCH_BYTES = 256 * 1024
#: a batch that finds no record boundary in this much hands the body over to ijson
_BATCH_LIMIT = 16 * 1024 * 1024
#: a page body decoded whole up to this size (decoded objects take ten to twenty times their
#: bytes); a larger one is streamed (`iter_page_records`)
WHOLE_PAGE_BYTES = 8 * 1024 * 1024
#: where one object of an array ends and the next begins (may also match inside a record:
#: a batch cut there does not decode, and an earlier boundary is tried)
_BOUNDARY = re.compile(rb"\}\s*,\s*\{")
_BOUNDARY_TRIES = 4
#: digits enough for an integer beyond 64 bits (19): such a body is left to ijson, whose
#: overflow error switches the run to exact numbers (`use_exact_numbers`); msgspec reads
#: 64-bit integers only
_LONG_DIGITS = b"0" * 19
#: every ASCII digit to `0`, every other byte to a blank: a run of 19 digits becomes
#: `_LONG_DIGITS`
_DIGITS_ONLY = bytes(ord("0") if ord("0") <= byte <= ord("9") else ord(" ") for byte in range(256))


def _has_long_number(data: bytes | bytearray) -> bool:
    r"""True when `data` holds a run of 19 or more ASCII digits (what `rb"\d{19,}"` finds).

    One `translate` and one substring search, both in C, scan a page about fourteen times
    faster than that regular expression, which takes a sixth of a JAICP page's time.
    """
    return _LONG_DIGITS in data.translate(_DIGITS_ONLY)


_decode = msgspec.json.Decoder().decode
#: what makes a fast decode give way to the streaming parser; a body nested deeper than
#: msgspec recurses is read there too, and refused with one line (`tapkit.pageguard.too_deep`)
_NOT_DECODED = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)

#: the parser in use: ijson's C backend with floats, until a body holds a number it cannot
#: represent (an integer beyond 64 bits, `1e309`)
_parsers: t.Any = ijson
_use_float = True


def use_exact_numbers() -> bool:
    """Parse bodies with ijson's pure-Python backend from now on; True if it was not yet.

    The C backend fails on an integer beyond 64 bits or a float beyond a double, so one
    such value would fail its window on every run. The Python backend, with decimals for
    non-integers, reads any number, slower: it is used only once a vendor has sent one. The
    typing rule then keeps the value as sent in `_extra`.
    """
    global _parsers, _use_float
    if _parsers is not ijson:
        return False
    _parsers, _use_float = ijson.get_backend("python"), False
    return True


def _failure(exc: Exception) -> BodyError:
    if "overflow" in str(exc) and use_exact_numbers():
        return NumberOverflowError(
            "the response holds a number beyond 64 bits; reading it again with a parser "
            "that keeps it (the value goes to _extra)"
        )
    if isinstance(exc, ijson.IncompleteJSONError):
        return BodyError(f"the response body is cut short or malformed JSON ({exc})")
    return BodyError(f"the response is not valid JSON ({exc})")


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
            if head.startswith(_BOM):
                head = head[len(_BOM) :].lstrip()
            if head:
                break
    if not head:
        raise BodyError("the response body is empty")
    if head[:1] == b"[" and _parsers is ijson:
        yield from _ArrayBatches(buffered, stream).records()
        return
    if head[:1] == b"[":
        yield from _parse_items(buffered, stream, "item")
        return
    if head[:1] == b"{" and array_key is None:
        yield from _only_list_records(itertools.chain(buffered, stream))
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
        first = _strip_bom(b"".join(buffered)).lstrip()
        self.pending = bytearray(first[1:])  # after the `[`
        self.stream = stream
        #: a batch is tried once this much is pending (doubled while no boundary is found)
        self.wanted = _BATCH_BYTES

    def records(self) -> t.Iterator[dict[str, t.Any]]:
        for chunk in self.stream:
            self.pending += chunk
            if len(self.pending) >= self.wanted:
                if _has_long_number(self.pending):
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
            tail = None if _has_long_number(self.pending) else self._decode_tail()
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
                batch: list[t.Any] = _decode(b"[" + self.pending[:end] + b"]")
            except _NOT_DECODED:
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
            tail: list[t.Any] = _decode(b"[" + self.pending)
        except _NOT_DECODED:
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


def _only_list_records(chunks: t.Iterable[bytes]) -> t.Iterator[dict[str, t.Any]]:
    """The records of an object body whose list member is not named: its first list, and
    the body refused if it holds a second one (read silently, that one was lost).
    """
    members: dict[str, t.Any] = {}
    yield from iter_enveloped_records(chunks, members=members)
    others = sorted(name for name, value in members.items() if isinstance(value, list))
    if others:
        raise BodyError(
            f"the response holds more than one list (also {', '.join(map(repr, others))}): "
            "which one holds the records is unknown, so the body is refused rather than "
            "half read"
        )


def _strip_bom(chunk: bytes) -> bytes:
    stripped = chunk.lstrip()
    return stripped[len(_BOM) :] if stripped.startswith(_BOM) else chunk


def _parse_items(
    buffered: list[bytes], stream: t.Iterator[bytes], prefix: str
) -> t.Iterator[dict[str, t.Any]]:
    records = ijson.sendable_list()
    parser = _parsers.items_coro(records, prefix, use_float=_use_float)

    def chunks() -> t.Iterator[bytes]:
        first = True
        for chunk in buffered:
            yield _strip_bom(chunk) if first else chunk
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
        raise _failure(exc) from None
    if records:
        yield from _objects(records, prefix)


def _objects(items: list[t.Any], prefix: str) -> t.Iterator[dict[str, t.Any]]:
    for item in items:
        if not isinstance(item, dict):
            raise BodyError(f"expected objects under {prefix!r}, got {type(item).__name__}")
        yield item


class _EnvelopeReader:
    """Follows a body's parse events: the records, and the object's other top-level members."""

    def __init__(self, array_key: str | None, members: dict[str, t.Any]) -> None:
        self.array_key = array_key
        self.members = members
        self.kind: str | None = None
        self.item_prefix: str | None = None
        self.builder: ijson.ObjectBuilder | None = None
        self.member: str | None = None  # the top-level member being built

    def consume(self, events: list[t.Any]) -> t.Iterator[dict[str, t.Any]]:
        for prefix, event, value in events:
            if self.kind is None:
                self._start(event)
            elif self.member is not None:
                self._build_member(prefix, event, value)
            elif self.builder is not None:
                self.builder.event(event, value)
                if prefix == self.item_prefix and event == "end_map":
                    record, self.builder = self.builder.value, None
                    yield record
            elif prefix == self.item_prefix:
                if event != "start_map":
                    raise BodyError(f"expected objects under {prefix!r}, got {event}")
                self.builder = ijson.ObjectBuilder()
                self.builder.event(event, value)
            elif self.kind == "object" and prefix and "." not in prefix:
                self._top_level(prefix, event, value)

    def _start(self, event: str) -> None:
        if event == "start_array":
            self.kind, self.item_prefix = "array", "item"
        elif event == "start_map":
            self.kind = "object"
        else:
            raise BodyError("the response is neither a list nor an object")

    def _top_level(self, prefix: str, event: str, value: t.Any) -> None:
        if (
            event == "start_array"
            and self.item_prefix is None
            and (self.array_key in (None, prefix))
        ):
            self.item_prefix = f"{prefix}.item"
        elif event in ("start_map", "start_array"):
            self.member, self.builder = prefix, ijson.ObjectBuilder()
            self.builder.event(event, value)
        elif event not in ("map_key", "end_array", "end_map"):  # a scalar member
            self.members[prefix] = value

    def _build_member(self, prefix: str, event: str, value: t.Any) -> None:
        assert self.builder is not None
        self.builder.event(event, value)
        if prefix == self.member and event in ("end_map", "end_array"):
            self.members[self.member] = self.builder.value
            self.member, self.builder = None, None

    def finish(self) -> None:
        if self.kind is None:
            raise BodyError("the response body is empty")
        if self.item_prefix is None:
            wanted = f"list {self.array_key!r}" if self.array_key else "list of records"
            raise BodyError(f"the response holds no {wanted}")


def iter_enveloped_records(
    chunks: t.Iterable[bytes],
    *,
    members: dict[str, t.Any],
    array_key: str | None = None,
) -> t.Iterator[dict[str, t.Any]]:
    """Records as `iter_json_records` gives them, and the envelope around them, in one pass.

    For vendors whose object body says more than the records (`paging`, `status`, an
    `error`): every other top-level member is stored in `members` as soon as it has been
    read, so a caller can look at it between records or once the body is done. The records
    array is never held whole. Slower per record than `iter_json_records` (the events pass
    through Python), so use it only where the envelope matters.
    """
    events = ijson.sendable_list()
    parser = _parsers.parse_coro(events, use_float=_use_float)
    reader = _EnvelopeReader(array_key, members)
    first = True
    try:
        for raw in chunks:
            chunk = raw
            if first and chunk:
                chunk = _strip_bom(chunk).lstrip()
                first = not chunk
            if chunk:
                parser.send(chunk)
                yield from reader.consume(events)
                events.clear()
        if first:
            raise BodyError("the response body is empty")
        parser.close()
        yield from reader.consume(events)
    except ijson.JSONError as exc:
        raise _failure(exc) from None
    reader.finish()


def iter_page_records(
    chunks: t.Iterable[bytes],
    *,
    members: dict[str, t.Any],
    array_key: str | None = None,
) -> t.Iterator[dict[str, t.Any]]:
    """What `iter_enveloped_records` gives, for a page small enough to hold: decoded whole.

    For paged lists (JAICP's pages hold at most 1,000 rows) one msgspec decode of the body
    beats following its parse events. A body beyond `WHOLE_PAGE_BYTES` is streamed instead:
    held whole, a 32 MB page took 600 MB. A body that is not a plain envelope of objects goes
    through `iter_enveloped_records`, so it is read, or refused, exactly as there.
    """
    stream = iter(chunks)
    buffered: list[bytes] = []
    size = 0
    for chunk in stream:
        buffered.append(chunk)
        size += len(chunk)
        if size > WHOLE_PAGE_BYTES:
            # a page larger than any sane one: streamed, so memory stays at one record
            yield from iter_enveloped_records(
                itertools.chain(buffered, stream), members=members, array_key=array_key
            )
            return
    data = b"".join(buffered)
    del buffered
    exact = _parsers is not ijson or _has_long_number(data)
    payload = None if exact else _decode_envelope(data, array_key)
    if payload is None:
        yield from iter_enveloped_records([data], members=members, array_key=array_key)
        return
    key, records, envelope = payload
    members.update((name, value) for name, value in envelope.items() if name != key)
    yield from records


def _decode_envelope(
    data: bytes, array_key: str | None
) -> tuple[str, list[dict[str, t.Any]], dict[str, t.Any]] | None:
    """The records member and its objects, if the body is a plain envelope (else None)."""
    try:
        payload = _decode(_strip_bom(data))
    except _NOT_DECODED:
        return None
    if not isinstance(payload, dict):
        return None
    if array_key is None:
        array_key = next((k for k, v in payload.items() if isinstance(v, list)), None)
    records = payload.get(array_key) if array_key else None
    if not array_key or not isinstance(records, list):
        return None
    if not all(isinstance(r, dict) for r in records):
        return None
    return array_key, records, payload
