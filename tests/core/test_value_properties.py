"""Property test (issue 22): values generated from JAICP's published schemas arrive as sent.

The schemas are those of tap-jaicp's streams, which `tests/taps/test_jaicp_spec.py` holds field for
field against the vendor's OpenAPI (`reporter-api.yml`: `SessionInfo`, `ExtendedMessage`,
`ClientExtendedInfo` and their nested components). For each, hypothesis generates pages of
rows with every value shape the spec allows and a few it does not: any RFC 3339 spelling
(lowercase `t`/`z`, a space, offsets, any fraction length, leap seconds), blank and
whitespace strings, keys differing only by blanks, integers beyond 64 bits, off-type values,
extra members at the top and inside objects. Each row goes through the stream's own record
typing (its `RecordTyper`: the converters, the UTC date-times and millisecond durations of
`tap_jaicp/client.py`, with `on_invalid_key: skip`).

Asserted: every row with a usable key arrives exactly once, and only those; every value
arrives as sent (a date-time as the same instant, in UTC; a duration in whole seconds), or,
when it does not fit its declared type, as null with the value as sent in `_extra` under its
dotted path and a warning naming the field.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import typing as t

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tap_jaicp.tap import TapJaicp
from tapkit.misfits import field_of
from tapkit.records import EXTRA, RecordTyper

#: a value and what it must become: (sent, expected, misfits as {dotted path: sent})
Case = tuple[t.Any, t.Any, dict[str, t.Any]]

INT64 = (-(2**63), 2**63 - 1)
ODD_TEXT = ["", " ", "\t", "  \n ", " a", "a ", "a", "null", "0", " 7 "]
#: values that fit no declared scalar type but text
NOT_A_NUMBER = ["", " ", "Tuesday", "n/a", "1.2.3"]
NOT_A_DATE = ["", " ", "Tuesday", "10", "2026-13-45T00:00:00Z", " 2026-01-05T13:45:10Z"]


class Instant:
    """An expected date-time: the same instant as sent, emitted in UTC."""

    def __init__(self, value: dt.datetime) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Instant({self.value.isoformat()})"


@st.composite
def rfc3339(draw: st.DrawFn) -> Case:
    """Any RFC 3339 date-time spelling, and the instant it names."""
    day = draw(st.dates(min_value=dt.date(1971, 1, 1), max_value=dt.date(2099, 12, 30)))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    second = draw(st.integers(0, 60))  # 60: a leap second
    digits = draw(st.text("0123456789", max_size=12))
    offset = draw(st.integers(-23 * 60 - 59, 23 * 60 + 59))
    zone = draw(st.sampled_from(["Z", "z", "offset", "compact"]))
    separator = draw(st.sampled_from(["T", "t", " "]))
    text = f"{day.isoformat()}{separator}{hour:02d}:{minute:02d}:{second:02d}"
    if digits:
        text += "." + digits
    if zone in ("Z", "z"):
        text += zone
        offset = 0
    else:
        sign, (hours, minutes) = "+" if offset >= 0 else "-", divmod(abs(offset), 60)
        text += (
            f"{sign}{hours:02d}:{minutes:02d}"
            if zone == "offset"
            else f"{sign}{hours:02d}{minutes:02d}"
        )
    instant = dt.datetime(
        day.year, day.month, day.day, hour, minute, min(second, 59),
        int(digits[:6].ljust(6, "0")),  # beyond microseconds: truncated
        tzinfo=dt.timezone(dt.timedelta(minutes=offset)),
    ) + dt.timedelta(seconds=1 if second == 60 else 0)  # fmt: skip
    return text, Instant(instant), {}


def misfit(values: list[t.Any], path: str) -> st.SearchStrategy[Case]:
    return st.sampled_from(values).map(lambda v: (v, None, {path: v}))


def json_leaf() -> st.SearchStrategy[t.Any]:
    return st.one_of(
        st.none(), st.booleans(), st.integers(*INT64), st.text(max_size=8),
        st.floats(allow_nan=False, allow_infinity=False),
    )  # fmt: skip


def free_json() -> st.SearchStrategy[t.Any]:
    return st.recursive(
        json_leaf(),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _types(prop: dict[str, t.Any]) -> set[str]:
    declared = prop.get("type", [])
    return ({declared} if isinstance(declared, str) else set(declared)) - {"null"}


def value_case(
    prop: dict[str, t.Any], path: str, *, millis: bool = False
) -> st.SearchStrategy[Case]:
    """A value for `prop` at `path`: fitting (most often) or not."""
    types = _types(prop)
    if prop.get("format") == "date-time":
        return st.one_of(rfc3339(), rfc3339(), rfc3339(), misfit(NOT_A_DATE, path))
    if "integer" in types:
        seconds = (lambda v: (v + 500) // 1000) if millis else (lambda v: v)
        fits = st.integers(*INT64).map(lambda v: (v, seconds(v), {}))
        beyond = st.sampled_from([2**63, 2**70, -(2**63) - 1]).map(lambda v: (v, None, {path: v}))
        return st.one_of(fits, fits, fits, beyond, misfit(NOT_A_NUMBER, path))
    if "number" in types:
        fits = st.floats(allow_nan=False, allow_infinity=False).map(lambda v: (v, v, {}))
        return st.one_of(fits, fits, misfit(NOT_A_NUMBER, path))
    if "boolean" in types:
        return st.one_of(st.booleans().map(lambda v: (v, v, {})), misfit(["maybe", ""], path))
    if types == {"string"}:
        text = st.one_of(st.text(max_size=12), st.sampled_from(ODD_TEXT))
        return st.one_of(text.map(lambda v: (v, v, {})), misfit([{"an": "object"}, [1]], path))
    if types == {"object"} and prop.get("properties"):
        return object_case(prop, path)
    if types == {"object"}:
        return free_json().map(lambda v: (v, v, {})).filter(
            lambda c: isinstance(c[0], dict)
        ) | st.just(({}, {}, {}))
    if types == {"array"}:
        items = prop.get("items") or {}
        return st.lists(value_case(items, f"{path}.<i>"), max_size=3).map(
            lambda cases: (
                [c[0] for c in cases],
                [c[1] for c in cases],
                {
                    p.replace("<i>", str(i), 1): v
                    for i, c in enumerate(cases)
                    for p, v in c[2].items()
                },
            )
        )
    return free_json().map(lambda v: (v, v, {}))


@st.composite
def object_case(draw: st.DrawFn, prop: dict[str, t.Any], path: str) -> Case:
    """An object: each declared member present (as a value or null) or left out, plus
    undeclared members, which stay in place inside a nested object.
    """
    sent: dict[str, t.Any] = {}
    expected: dict[str, t.Any] = {}
    misfits: dict[str, t.Any] = {}
    for name, inner in prop["properties"].items():
        if not draw(st.integers(0, 3)):
            continue
        if not draw(st.integers(0, 5)):
            sent[name] = expected[name] = None
            continue
        value, out, inner_misfits = draw(value_case(inner, f"{path}.{name}"))
        sent[name], expected[name] = value, out
        misfits.update(inner_misfits)
    for name, value in draw(
        st.dictionaries(st.sampled_from(["x", "extra", "new"]), json_leaf(), max_size=2)
    ).items():
        if name not in sent:
            sent[name] = expected[name] = value
    return sent, expected, misfits


KEY_TEXT = st.one_of(
    st.text(min_size=1, max_size=6), st.sampled_from(["a", " a", "a ", "", " ", "\t"])
)


@st.composite
def rows_case(
    draw: st.DrawFn, stream: t.Any
) -> list[tuple[dict[str, t.Any], dict[str, t.Any], dict[str, t.Any]]]:
    """A page of rows of `stream`: (row sent, expected declared values, expected `_extra`)."""
    properties = {k: v for k, v in stream.schema["properties"].items() if k != EXTRA}
    millis = set(getattr(stream, "duration_fields", ()))
    keys = draw(st.lists(KEY_TEXT, min_size=1, max_size=8, unique=True))
    rows = []
    for key in keys:
        sent: dict[str, t.Any] = {}
        expected: dict[str, t.Any] = {}
        extra: dict[str, t.Any] = {}
        for name, prop in properties.items():
            if name in stream.primary_keys:
                continue
            if not draw(st.integers(0, 3)):
                continue
            value, out, misfits = draw(value_case(prop, name, millis=name in millis))
            sent[name], expected[name] = value, out
            extra.update(misfits)
        for primary in stream.primary_keys:
            sent[primary] = expected[primary] = key
        for name, value in draw(
            st.dictionaries(
                st.sampled_from(["experimentId", "nluIntent", "x y"]), free_json(), max_size=2
            )
        ).items():
            sent[name] = value
            extra[name] = value
        rows.append((sent, expected, extra))
    return rows


def _stream(name: str) -> t.Any:
    tap = TapJaicp(
        config={"api_token": "property-test-token", "on_invalid_key": "skip"}, validate_config=True
    )
    return tap.streams[name]


def _usable(
    row: dict[str, t.Any], stream: t.Any, expected: dict[str, t.Any], extra: dict[str, t.Any]
) -> bool:
    keys_ok = all(isinstance(row.get(k), str) and row[k].strip() for k in stream.primary_keys)
    replication_ok = stream.replication_key not in extra  # a misfit replication key: skipped
    return keys_ok and replication_ok


def assert_arrived_as_sent(actual: t.Any, expected: t.Any, where: str) -> None:
    if isinstance(expected, Instant):
        parsed = dt.datetime.fromisoformat(actual)
        assert parsed == expected.value and parsed.utcoffset() == dt.timedelta(0), where
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), where
        for name in expected:
            assert_arrived_as_sent(actual[name], expected[name], f"{where}.{name}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for index, item in enumerate(expected):
            assert_arrived_as_sent(actual[index], item, f"{where}.{index}")
    else:
        assert actual == expected and type(actual) is type(expected), (where, actual, expected)


@pytest.mark.parametrize("name", ["sessions", "messages", "clients"])
def test_every_key_arrives_once_and_every_value_as_sent_or_in_extra(name, caplog):
    stream = _stream(name)

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(rows_case(stream))
    def check(page):
        caplog.clear()
        typer = RecordTyper(
            stream.schema,
            overrides=stream.converters,
            datetime_converter=stream.datetime_converter,
            stream_name=stream.name,
            key_fields=stream.key_fields,
            skip_invalid_keys=True,
        )
        emitted = []
        with caplog.at_level(logging.WARNING, logger="tapkit.records"):
            for sent, expected, extra in page:
                record = typer(copy.deepcopy(sent))
                if not _usable(sent, stream, expected, extra):
                    assert record is None, ("a row without a usable key was emitted", sent)
                    continue
                assert record is not None, ("a row with a usable key was lost", sent)
                emitted.append(tuple(record[k] for k in stream.primary_keys))
                for field, value in expected.items():
                    assert_arrived_as_sent(record[field], value, field)
                assert set(record) - {EXTRA} <= set(stream.schema["properties"])
                assert (record[EXTRA] or {}) == extra
        usable = [
            tuple(s[k] for k in stream.primary_keys) for s, e, x in page if _usable(s, stream, e, x)
        ]
        assert emitted == usable, "every usable key exactly once, in order, as sent"
        warned = " ".join(r.getMessage() for r in caplog.records)
        for sent, expected, extra in page:
            if not _usable(sent, stream, expected, extra):
                continue  # skipped, and counted for the end-of-stream warning
            for path in extra:
                if field_of(path) in stream.schema["properties"] or "." in path:
                    assert repr(field_of(path)) in warned, (path, warned)  # a misfit is said
        skipped = len(page) - len(usable)
        assert sum(typer.skipped_counts.values()) == skipped
        assert (skipped > 0) == ("rows skipped for an unusable key" in typer.summary())

    check()
