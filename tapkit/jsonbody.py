"""Records from a JSON response body, parsed as the bytes arrive.

A window can hold hundreds of thousands of rows; `response.json()` would hold all of them in
memory at once. ijson's push parser (C backend) turns each chunk into records as it comes,
so memory stays flat. The body must be what the endpoint returns: a JSON array of objects,
or an object holding one such array; anything else (an HTML error page with status 200, an
error object, a body cut short) raises `BodyError`, which the caller retries, never "no data".
"""

from __future__ import annotations

import typing as t

import ijson

_BOM = b"\xef\xbb\xbf"
_SNIPPET = 200

#: the parser in use: ijson's C backend with floats, until a body holds a number it cannot
#: represent (an integer beyond 64 bits, `1e309`)
_parsers: t.Any = ijson
_use_float = True


class BodyError(Exception):
    """The response body is not what the endpoint returns (retriable)."""


class NumberOverflowError(BodyError):
    """The body holds a number the C parser refuses (an integer beyond 64 bits, `1e309`);
    retriable: `use_exact_numbers` has switched to a parser that reads it, for the run.
    """


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
    if head[:1] == b"[":
        prefix = "item"
    elif head[:1] == b"{":
        key = array_key or _find_array_key(buffered, stream)
        prefix = f"{key}.item"
    else:
        raise BodyError(f"the response is not JSON: {_snippet(head)!r}")
    yield from _parse_items(buffered, stream, prefix)


def _find_array_key(buffered: list[bytes], stream: t.Iterator[bytes]) -> str:
    """Read ahead (keeping what was read) until the first array member at depth 1 appears."""
    events = ijson.sendable_list()
    parser = _parsers.parse_coro(events)
    pending = list(buffered)
    try:
        while True:
            for chunk in pending:
                parser.send(_strip_bom(chunk) if chunk is buffered[0] else chunk)
                for prefix, event, _ in events:
                    if event == "start_array" and prefix and "." not in prefix:
                        return str(prefix)
                events.clear()
            next_chunk = next(stream, None)
            if next_chunk is None:
                break
            buffered.append(next_chunk)
            pending = [next_chunk]
        parser.close()
    except ijson.JSONError as exc:
        raise _failure(exc) from None
    raise BodyError(f"the response holds no list of records: {_snippet(b''.join(buffered))!r}")


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
