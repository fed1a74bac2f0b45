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


class BodyError(Exception):
    """The response body is not what the endpoint returns (retriable)."""


def _snippet(data: bytes) -> str:
    return data[:_SNIPPET].decode("utf-8", "replace").strip()


def iter_json_records(
    chunks: t.Iterable[bytes],
    *,
    array_key: str | None = None,
) -> t.Iterator[dict]:
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
    parser = ijson.parse_coro(events)
    pending = list(buffered)
    try:
        while True:
            for chunk in pending:
                parser.send(_strip_bom(chunk) if chunk is buffered[0] else chunk)
                for prefix, event, _ in events:
                    if event == "start_array" and prefix and "." not in prefix:
                        return prefix
                events.clear()
            next_chunk = next(stream, None)
            if next_chunk is None:
                break
            buffered.append(next_chunk)
            pending = [next_chunk]
        parser.close()
    except ijson.JSONError as exc:
        raise BodyError(f"the response is not valid JSON ({exc})") from None
    raise BodyError(f"the response holds no list of records: {_snippet(b''.join(buffered))!r}")


def _strip_bom(chunk: bytes) -> bytes:
    stripped = chunk.lstrip()
    return stripped[len(_BOM) :] if stripped.startswith(_BOM) else chunk


def _parse_items(buffered: list[bytes], stream: t.Iterator[bytes], prefix: str) -> t.Iterator[dict]:
    records = ijson.sendable_list()
    parser = ijson.items_coro(records, prefix, use_float=True)

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
    except ijson.IncompleteJSONError as exc:
        raise BodyError(f"the response body is cut short or malformed JSON ({exc})") from None
    except ijson.JSONError as exc:
        raise BodyError(f"the response is not valid JSON ({exc})") from None
    if records:
        yield from _objects(records, prefix)


def _objects(items: list, prefix: str) -> t.Iterator[dict]:
    for item in items:
        if not isinstance(item, dict):
            raise BodyError(f"expected objects under {prefix!r}, got {type(item).__name__}")
        yield item
