"""Records from a CSV response body, parsed as the bytes arrive.

CSV exports can be as large as a vendor lets a window be; reading `response.text` would hold
the whole body (twice: bytes and text) in memory. Here the chunks are decoded incrementally
(a multi-byte character or a BOM split across chunks is fine), cut into lines, and fed to
the `csv` module, which joins the lines of a quoted value that holds newlines. Memory stays
at one chunk plus one row, however large the body.

A body that is not the CSV the endpoint returns must never pass for "no rows":
- an empty body, a body cut inside a quoted value, or a row with another number of fields
  than the header raises `BodyError` (the caller re-requests the page);
- a body whose first line is not a header naming the expected columns (a vendor's error
  message sent with status 200) raises `NotCsvError`, a `BodyError` carrying the text, so
  the tap can recognise the vendor's message (bad key, range too large...) and say so.
"""

from __future__ import annotations

import codecs
import csv
import logging
import typing as t

from tapkit.errors import BodyError, LimitExceededError, NotCsvError
from tapkit.limits import DEFAULT_MAX_CSV_LINE_MB, DEFAULT_MAX_FIELD_MB, MB

logger = logging.getLogger(__name__)

#: How much of a non-CSV body is kept for the error message.
MESSAGE_CHARS = 500


def declared_charset(content_type: str | None, default: str = "utf-8") -> str:
    """The charset a Content-Type names, else `default`.

    Not `requests`' `response.encoding`: for a text/* type without a charset it answers
    ISO-8859-1 (an old HTTP default), which would silently garble a UTF-8 export.
    """
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(" \"'"):
            charset = value.strip(" \"'")
            try:
                return codecs.lookup(charset).name
            except LookupError:
                return default
    return default


def iter_text_lines(
    chunks: t.Iterable[bytes],
    encoding: str = "utf-8",
    *,
    max_line_chars: int = int(DEFAULT_MAX_CSV_LINE_MB * MB),
) -> t.Iterator[str]:
    r"""Lines of a byte stream, each with its "\n", decoded incrementally; BOM dropped.

    The pieces of a line still open are kept apart and joined once (a very long line costs
    linear, not quadratic, time), and a line longer than `max_line_chars` is refused.
    """
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    pieces: list[str] = []
    open_chars = 0
    try:
        for chunk in chunks:
            if not chunk:
                continue
            text = decoder.decode(chunk)
            if "\n" not in text:
                pieces.append(text)
                open_chars += len(text)
                if open_chars > max_line_chars:
                    raise _line_too_long(max_line_chars)
                continue
            first, *complete, rest = text.split("\n")
            pieces.append(first)
            yield "".join(pieces) + "\n"
            for line in complete:
                yield line + "\n"
            pieces, open_chars = [rest], len(rest)
        pieces.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise BodyError(f"the response is not {encoding} text ({exc.reason})") from None
    pending = "".join(pieces)
    if pending:
        yield pending


def _line_too_long(limit: int) -> LimitExceededError:
    return LimitExceededError(
        f"a CSV line of the response is longer than max_csv_line_mb ({limit / MB:g} MiB); "
        "raise that setting if the vendor's rows are really that long"
    )


def unique_header(header: list[str]) -> list[str]:
    """Column names made unique: a repeated `name` becomes `name_2`, `name_3`... (warned).

    A dict keyed by the header would otherwise keep only the last of two same-named columns.
    """
    seen: set[str] = set(header)
    counts: dict[str, int] = {}
    unique: list[str] = []
    for name in header:
        counts[name] = counts.get(name, 0) + 1
        if counts[name] == 1:
            unique.append(name)
            continue
        number = counts[name]
        while f"{name}_{number}" in seen:
            number += 1
        renamed = f"{name}_{number}"
        seen.add(renamed)
        unique.append(renamed)
        logger.warning(
            "the CSV header repeats the column %r: its copy number %d is read as %r",
            name,
            counts[name],
            renamed,
        )
    return unique


def iter_csv_records(
    chunks: t.Iterable[bytes],
    *,
    delimiter: str = ",",
    expected_columns: t.Collection[str] = (),
    encoding: str = "utf-8",
    max_field_mb: float = DEFAULT_MAX_FIELD_MB,
    max_csv_line_mb: float = DEFAULT_MAX_CSV_LINE_MB,
) -> t.Iterator[dict[str, str | None]]:
    """Yield one dict per data row, keyed by the header's column names as sent; a cell is
    its text exactly as sent, an empty cell None (CSV's only way to say "no value";
    docs/values.md).

    `expected_columns`: columns the header must contain (e.g. the stream's key); a first
    line without them is taken for a vendor message and raises `NotCsvError`. A repeated
    column name is renamed (`unique_header`); a value longer than `max_field_mb` or a line
    longer than `max_csv_line_mb` fails with `LimitExceededError` (never retried for ever).
    """
    field_limit = int(max_field_mb * MB)
    if csv.field_size_limit() < field_limit:  # process-wide; only ever raised
        csv.field_size_limit(field_limit)
    lines = iter_text_lines(chunks, encoding, max_line_chars=int(max_csv_line_mb * MB))
    first = next(lines, None)
    if first is None or not first.strip():
        raise BodyError("the response body is empty (not even a CSV header)")
    reader = csv.reader(_chain(first, lines), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error:
        raise NotCsvError(_message(first, lines)) from None
    header = [name.strip() for name in header]
    if not set(expected_columns) <= set(header):
        raise NotCsvError(_message(first, lines))
    if len(set(header)) < len(header):
        header = unique_header(header)
    width = len(header)
    try:
        for row in reader:
            if field_limit < csv.field_size_limit() and any(len(v) > field_limit for v in row):
                raise _field_too_large(field_limit)
            if len(row) == width:  # CSV has no null: an empty cell is "no value"
                yield dict(zip(header, [value or None for value in row], strict=True))
            elif row and any(value.strip() for value in row):
                raise BodyError(
                    f"CSV row {reader.line_num} has {len(row)} fields where the header has "
                    f"{width}: the body is cut short or malformed"
                )
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _field_too_large(field_limit) from None
        raise BodyError(
            f"the CSV body is cut short or malformed near line {reader.line_num} ({exc})"
        ) from None


def _field_too_large(limit: int) -> LimitExceededError:
    return LimitExceededError(
        f"a CSV value of the response is larger than max_field_mb ({limit / MB:g} MiB); "
        "raise that setting if the vendor's values are really that large"
    )


def _chain(first: str, rest: t.Iterator[str]) -> t.Iterator[str]:
    yield first
    yield from rest


def _message(first: str, rest: t.Iterator[str]) -> str:
    """The beginning of a non-CSV body (no more than `MESSAGE_CHARS` are read)."""
    text = first
    for line in rest:
        if len(text) >= MESSAGE_CHARS:
            break
        text += line
    return text[:MESSAGE_CHARS].strip()
