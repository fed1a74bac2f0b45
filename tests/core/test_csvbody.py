"""The streamed CSV parser: what vendors send, split into chunks at the worst places."""

from __future__ import annotations

import tracemalloc

import pytest

from tapkit.csvbody import declared_charset, iter_csv_records
from tapkit.errors import BodyError, NotCsvError


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def parse(data: bytes, size: int = 3, **options) -> list[dict]:
    options.setdefault("delimiter", ";")
    return list(iter_csv_records(chunked(data, size), **options))


TRICKY = (
    '\ufeff"id";"name";"note"\r\n'
    '"1";"Chloé; Jürgen";"line one\r\nline two"\r\n'
    '"2";"say ""hi""";""\r\n'
    '"3";"山田";"a;b|c:d,e"\r\n'
).encode()


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64 * 1024])
def test_quotes_separators_newlines_bom_and_non_ascii_survive_any_chunking(size: int):
    rows = parse(TRICKY, size, expected_columns=("id",))
    assert rows == [
        {"id": "1", "name": "Chloé; Jürgen", "note": "line one\r\nline two"},
        {"id": "2", "name": 'say "hi"', "note": None},  # an empty cell: no value (docs/values.md)
        {"id": "3", "name": "山田", "note": "a;b|c:d,e"},
    ]


@pytest.mark.parametrize("separator", [";", ",", ":", "|"])
def test_every_separator(separator: str):
    body = f'"id"{separator}"v"\n"7"{separator}"x{separator}y"\n'.encode()
    assert parse(body, delimiter=separator) == [{"id": "7", "v": f"x{separator}y"}]


def test_a_header_with_no_rows_is_an_empty_window():
    assert parse('\ufeff"id";"name"\r\n'.encode(), expected_columns=("id",)) == []


def test_unquoted_values_and_a_missing_final_newline():
    assert parse(b"id;name\n1;a\n2;b") == [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}]


@pytest.mark.parametrize(
    "body",
    [b"Error: Invalid user or apiKey", b"<html><body>Maintenance</body></html>", b"OK"],
)
def test_a_message_instead_of_csv_is_reported_with_its_text(body: bytes):
    with pytest.raises(NotCsvError) as caught:
        parse(body, expected_columns=("id",))
    assert caught.value.text == body.decode()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b'"id";"name"\n"1";"cut inside a quoted val',  # cut mid-value
        b'"id";"name"\n"1";"a"\n"2"',  # cut between values
    ],
    ids=["empty", "cut inside quotes", "short row"],
)
def test_an_empty_or_cut_body_is_an_error_never_fewer_rows(body: bytes):
    with pytest.raises(BodyError):
        parse(body, expected_columns=("id",))


def test_bytes_that_are_not_utf8_are_an_error():
    with pytest.raises(BodyError):
        parse(b'"id"\n"\xff\xfe"\n')


def test_memory_stays_flat_however_large_the_body():
    row = '"{i}";"Chloé; a value with ""quotes""";"a\nb";"{i}.5"\r\n'
    rows = 200_000

    def body():
        yield b'"id";"name";"note";"avg"\r\n'
        batch = []
        for i in range(rows):
            batch.append(row.format(i=i))
            if len(batch) == 1000:
                yield "".join(batch).encode()
                batch = []

    tracemalloc.start()
    count = 0
    for record in iter_csv_records(body(), delimiter=";", expected_columns=("id",)):
        count += 1
        assert record["note"] == "a\nb"
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == rows
    # about 10 MB of CSV went through; the parser held a chunk and a row at a time
    assert peak < 1_000_000, f"peak {peak:,} bytes"


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("text/csv", "utf-8"),  # no charset: UTF-8, not the ISO-8859-1 of old HTTP
        ("text/csv; charset=UTF-8", "utf-8"),
        ('text/csv; charset="iso-8859-1"', "iso8859-1"),
        ("text/csv; charset=unknown-thing", "utf-8"),
        (None, "utf-8"),
    ],
)
def test_the_charset_is_the_declared_one_or_utf8(content_type, charset):
    assert declared_charset(content_type) == charset


def test_a_latin1_body_is_read_when_declared():
    body = '"id";"name"\n"1";"Chloé"\n'.encode("latin-1")
    assert parse(body, encoding="iso8859-1") == [{"id": "1", "name": "Chloé"}]
