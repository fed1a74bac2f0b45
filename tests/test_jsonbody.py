"""Streaming JSON bodies: the accepted shapes, and every way a body can be wrong."""

from __future__ import annotations

import json
import random

import pytest

from tapkit.jsonbody import BodyError, iter_json_records

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


@pytest.mark.parametrize("seed", range(3))
def test_the_envelope_is_read_with_the_records_before_or_after_them(seed):
    from tapkit.jsonbody import iter_enveloped_records

    for body in (
        {"paging": {"pageNum": 0, "totalCount": 50}, "status": True, "sessions": ROWS},
        {"sessions": ROWS, "paging": {"pageNum": 0, "totalCount": 50}, "status": True},
    ):
        members: dict = {}
        data = json.dumps(body).encode()
        records = list(
            iter_enveloped_records(chunked(data, seed), members=members, array_key="sessions")
        )
        assert records == ROWS
        assert members == {"paging": {"pageNum": 0, "totalCount": 50}, "status": True}


def test_an_envelope_member_is_known_before_the_records_that_follow_it():
    from tapkit.jsonbody import iter_enveloped_records

    members: dict = {}
    data = json.dumps({"status": False, "rows": ROWS[:2]}).encode()
    seen = [dict(members) for _ in iter_enveloped_records(chunked(data), members=members)]
    assert seen == [{"status": False}, {"status": False}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty"),
        (b'{"status": true}', "no list"),
        (b'"text"', "neither"),
        (json.dumps({"rows": ROWS}).encode()[:-30], "cut short"),
    ],
    ids=["empty", "no list", "not an object", "truncated"],
)
def test_an_enveloped_body_that_is_not_the_answer_is_an_error(body, message):
    from tapkit.jsonbody import iter_enveloped_records

    with pytest.raises(BodyError, match=message):
        list(iter_enveloped_records(chunked(body), members={}))
