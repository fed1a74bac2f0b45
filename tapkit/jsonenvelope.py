"""Records of a JSON body and the envelope around them (`paging`, `status`, `totalCount`).

Some vendors wrap a page's records in an object that says more: where the next page is,
how many rows the list holds, an error. `iter_enveloped_records` follows the body's parse
events and keeps every other top-level member as soon as it has been read, without holding
the records array whole; `iter_page_records` decodes a page small enough to hold in one
msgspec call instead. Either reads a body, or refuses it, exactly as `tapkit.jsonbody` does
(the same parser, the same switch to exact numbers, the same `BodyError`s).
"""

from __future__ import annotations

import itertools
import typing as t

import ijson

from tapkit.errors import BodyError
from tapkit.jsonparsers import (
    NOT_DECODED,
    current_parser,
    decode_whole,
    exact_numbers,
    has_long_number,
    parse_failure,
    strip_bom,
)

#: a page body decoded whole up to this size (decoded objects take ten to twenty times their
#: bytes); a larger one is streamed (`iter_page_records`)
WHOLE_PAGE_BYTES = 8 * 1024 * 1024


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
    parsers, use_float = current_parser()
    parser = parsers.parse_coro(events, use_float=use_float)
    reader = _EnvelopeReader(array_key, members)
    first = True
    try:
        for raw in chunks:
            chunk = raw
            if first and chunk:
                chunk = strip_bom(chunk).lstrip()
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
        raise parse_failure(exc) from None
    reader.finish()


def iter_page_records(
    chunks: t.Iterable[bytes],
    *,
    members: dict[str, t.Any],
    array_key: str | None = None,
) -> t.Iterator[dict[str, t.Any]]:
    """What `iter_enveloped_records` gives, for a page small enough to hold: decoded whole
    (`page_records`, from the first record asked for).
    """
    yield from page_records(chunks, members=members, array_key=array_key)


def page_records(
    chunks: t.Iterable[bytes],
    *,
    members: dict[str, t.Any],
    array_key: str | None = None,
) -> t.Iterable[dict[str, t.Any]]:
    """What `iter_enveloped_records` gives, for a page small enough to hold: decoded whole,
    now (the list of its records; a body too large or odd, an iterator streaming them).

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
            return iter_enveloped_records(
                itertools.chain(buffered, stream), members=members, array_key=array_key
            )
    data = b"".join(buffered)
    del buffered
    exact = exact_numbers() or has_long_number(data)
    payload = None if exact else _decode_envelope(data, array_key)
    if payload is None:
        return iter_enveloped_records([data], members=members, array_key=array_key)
    key, records, envelope = payload
    members.update((name, value) for name, value in envelope.items() if name != key)
    return records


def _decode_envelope(
    data: bytes, array_key: str | None
) -> tuple[str, list[dict[str, t.Any]], dict[str, t.Any]] | None:
    """The records member and its objects, if the body is a plain envelope (else None)."""
    try:
        payload = decode_whole(strip_bom(data))
    except NOT_DECODED:
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


def iter_single_list_records(chunks: t.Iterable[bytes]) -> t.Iterator[dict[str, t.Any]]:
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
