"""Streaming JSON bodies: the accepted shapes, and every way a body can be wrong."""

from __future__ import annotations

import json
import random

import pytest

from tapkit.errors import BodyError
from tapkit.jsonbody import iter_json_records
from tapkit.jsonenvelope import iter_enveloped_records, iter_page_records

#: the streaming envelope reader, and the one for pages small enough to decode whole
ENVELOPE_READERS = pytest.mark.parametrize(
    "reader", [iter_enveloped_records, iter_page_records], ids=["streamed", "whole page"]
)

ROWS = [{"id": i, "name": f"ñame {i}", "value": i / 3} for i in range(50)]


def chunked(data: bytes, seed: int = 0):
    rng = random.Random(seed)
    position = 0
    while position < len(data):
        size = rng.randint(1, 17)
        yield data[position : position + size]
        position += size


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    "body",
    [ROWS, {"sessions": ROWS}, {"total": 50, "meta": {"a": [1]}, "data": ROWS}],
    ids=["array", "object", "object with metadata first"],
)
def test_records_come_out_whatever_the_chunk_boundaries(body, seed):
    data = json.dumps(body).encode()
    assert list(iter_json_records(chunked(data, seed))) == ROWS


def test_a_bom_and_whitespace_before_the_body_are_accepted():
    data = b"\xef\xbb\xbf \n" + json.dumps(ROWS).encode()
    assert list(iter_json_records(chunked(data))) == ROWS


def test_an_empty_array_is_no_records():
    assert list(iter_json_records([b"[]"])) == []
    assert list(iter_json_records([b'{"items": []}'])) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b"<html><body>Maintenance</body></html>", "not JSON"),
        (json.dumps(ROWS).encode()[:-40], "cut short"),
        (b'{"error": "Invalid token"}', "no list of records"),
        (b"[1, 2, 3]", "expected objects"),
        (b'[{"a": 1}] trailing', "malformed"),
    ],
    ids=["empty", "html", "truncated", "error object", "not objects", "trailing garbage"],
)
def test_a_body_that_is_not_the_endpoints_answer_is_an_error(body, message):
    with pytest.raises(BodyError, match=message):
        list(iter_json_records(chunked(body)))


def test_a_named_member_is_read_when_given():
    body = json.dumps({"paging": {"totalCount": 2}, "clients": ROWS[:2]}).encode()
    assert list(iter_json_records([body], array_key="clients")) == ROWS[:2]


@ENVELOPE_READERS
@pytest.mark.parametrize("seed", range(3))
def test_the_envelope_is_read_with_the_records_before_or_after_them(seed, reader):
    for body in (
        {"paging": {"pageNum": 0, "totalCount": 50}, "status": True, "sessions": ROWS},
        {"sessions": ROWS, "paging": {"pageNum": 0, "totalCount": 50}, "status": True},
    ):
        members: dict = {}
        data = json.dumps(body).encode()
        records = list(reader(chunked(data, seed), members=members, array_key="sessions"))
        assert records == ROWS
        assert members == {"paging": {"pageNum": 0, "totalCount": 50}, "status": True}


@ENVELOPE_READERS
def test_an_envelope_member_is_known_before_the_records_that_follow_it(reader):
    members: dict = {}
    data = json.dumps({"status": False, "rows": ROWS[:2]}).encode()
    seen = [dict(members) for _ in reader(chunked(data), members=members)]
    assert seen == [{"status": False}, {"status": False}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b'{"status": true}', "no list"),
        (b'"text"', "neither"),
        (json.dumps({"rows": ROWS}).encode()[:-30], "cut short"),
        (json.dumps({"rows": [1, 2]}).encode(), "expected objects"),
    ],
    ids=["empty", "no list", "not an object", "truncated", "not objects"],
)
@ENVELOPE_READERS
def test_an_enveloped_body_that_is_not_the_answer_is_an_error(body, message, reader):
    with pytest.raises(BodyError, match=message):
        list(reader(chunked(body), members={}))


#: records whose text holds what an object boundary looks like, inside strings and nested
TRICKY = [
    {
        "id": i,
        "note": 'a "}, {" in text, a \\ and a } , { too' * (i % 3),
        "nested": {"labels": [{"id": 1}, {"id": 2}]} if i % 2 else {"x": {"y": i}},
        "values": [i, i / 7, None, True],
    }
    for i in range(8000)
]


@pytest.mark.parametrize("seed", range(3))
def test_a_large_array_comes_out_record_for_record_whatever_its_text(seed):
    data = json.dumps(TRICKY).encode()
    assert len(data) > 1_000_000  # several batches of 256 KiB
    rng = random.Random(seed)
    chunks, position = [], 0
    while position < len(data):
        size = rng.choice([1, 7, 1000, 65536, 300_000])
        chunks.append(data[position : position + size])
        position += size
    assert list(iter_json_records(chunks)) == TRICKY


def test_a_large_array_cut_short_yields_its_whole_records_then_fails():
    data = json.dumps(TRICKY).encode()
    cut = data[: len(data) * 3 // 4]
    records = []
    with pytest.raises(BodyError, match="cut short"):
        for record in iter_json_records([cut[i : i + 65536] for i in range(0, len(cut), 65536)]):
            records.append(record)
    assert records == TRICKY[: len(records)]
    assert len(records) > len(TRICKY) // 2


def test_long_number_scan_finds_exactly_what_the_pattern_finds() -> None:
    """The scan that sends a body with a 64-bit-overflowing integer to the exact parser."""
    import re

    from tapkit.jsonbody import has_long_number

    pattern = re.compile(rb"\d{19,}")
    rng = random.Random(17)
    alphabet = b"0123456789" * 8 + b' ,.-e"\xd9\xa3'
    for _ in range(5000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert has_long_number(data) is bool(pattern.search(data)), data
        assert has_long_number(bytearray(data)) is bool(pattern.search(data)), data
    assert has_long_number(b'{"id": 9223372036854775808}')
    assert not has_long_number(b'{"id": 922337203685477580, "x": 1}')


def test_last_boundaries_are_those_of_a_whole_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch cut looks at the tail first; it must pick the very cuts a whole scan picks."""
    from tapkit import jsonbody

    monkeypatch.setattr(jsonbody, "_BOUNDARY_WINDOW", 40)  # windows that cut boundaries
    rng = random.Random(11)
    pieces = [b"}", b",", b"{", b" ", b"\n", b"abc", b"}, {", b"} ,\n{", b'"x": 1']
    for _ in range(3000):
        data = bytearray(b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))))
        whole = [m.start() + 1 for m in jsonbody._BOUNDARY.finditer(data)]
        assert jsonbody._last_boundaries(data) == whole[-jsonbody._BOUNDARY_TRIES :], data
