"""Typing vendor values from the schema, and keeping undeclared fields in `_extra`."""

from __future__ import annotations

import datetime as dt

import pytest
from singer_sdk import typing as th

from tapkit.converters import (
    any_to_iso,
    naive_local_to_iso,
    rfc2822_to_iso,
    to_bool,
    to_float,
    to_int,
    to_seconds,
    to_text,
)
from tapkit.csvbody import iter_csv_records
from tapkit.errors import KeyTypeError
from tapkit.records import RecordTyper

SCHEMA = th.PropertiesList(
    th.Property("id", th.IntegerType),
    th.Property("avg", th.NumberType),
    th.Property("disabled", th.BooleanType),
    th.Property("at", th.DateTimeType),
    th.Property("name", th.StringType),
    th.Property("_extra", th.ObjectType(additional_properties=True)),
).to_dict()


def test_csv_strings_become_their_declared_types_and_an_empty_cell_is_null():
    # the CSV rule (docs/values.md): an empty cell is CSV's only "no value", so the CSV
    # parser gives None for it; the typer itself changes no blank (the JSON rule)
    body = b"id;avg;disabled;name;at\n12;3.5;1;;Wed, 14 Mar 2012 16:16:11 +0100\n"
    (cells,) = list(iter_csv_records([body], delimiter=";"))
    row = RecordTyper(SCHEMA)(cells)
    assert row == {
        "id": 12,
        "avg": 3.5,
        "disabled": True,
        "name": None,
        "at": "2012-03-14T16:16:11+01:00",
        "_extra": None,
    }


def test_undeclared_fields_are_kept_in_extra():
    row = RecordTyper(SCHEMA)({"id": 1, "newColumn": "x", "other": 2})
    assert row["_extra"] == {"newColumn": "x", "other": 2}
    assert "newColumn" not in row


def test_a_value_that_does_not_fit_is_null_and_kept_in_extra_with_one_warning(caplog):
    typer = RecordTyper(SCHEMA, stream_name="s")
    first = typer({"id": "n/a"})
    typer({"id": "also bad"})
    assert first["id"] is None and first["_extra"] == {"id": "n/a"}
    assert len([r for r in caplog.records if "does not fit" in r.getMessage()]) == 1


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("00:05:12", 312), ("1.02:00:00", 93600), ("100:00:00", 360000), (312, 312), ("312", 312)],
)
def test_durations_become_whole_seconds(value, seconds):
    assert to_seconds(value) == seconds


@pytest.mark.parametrize(
    "value",
    # issue 27 item 4: beyond 64 bits, four parts, a sign, a fraction, hours or minutes?,
    # hours beyond a day after days, a blank JSON string
    [2**64, -(2**63) - 1, "1:2:3:4", "-0:05:00", "00:00:01.5", "5:07", "1.24:00:00", ""],
)
def test_a_duration_the_rules_cannot_read_exactly_does_not_fit(value):
    with pytest.raises(ValueError):
        to_seconds(value)


def test_scalar_conversions():
    assert to_int("7.0") == 7 and to_int(" 8 ") == 8
    with pytest.raises(ValueError):  # a blank JSON string is a value, not a null
        to_int("")
    assert to_float("2,5") == 2.5 and to_float(3) == 3.0
    assert to_bool("0") is False and to_bool("yes") is True
    with pytest.raises(ValueError):
        to_bool("maybe")


def test_local_times_gain_the_offset_and_rfc2822_keeps_its_own():
    plus_two = dt.timezone(dt.timedelta(hours=2))
    assert naive_local_to_iso(plus_two)("2026-01-05T13:45:10") == "2026-01-05T13:45:10+02:00"
    assert rfc2822_to_iso("Sun, 29 Mar 2026 01:30:00 -0500") == "2026-03-29T01:30:00-05:00"


def test_fast_paths_give_the_same_values_as_the_general_ones():
    # ints, floats and strings already of their type skip the general conversion
    assert to_int(5) == 5 and to_int(True) == 1 and to_int(" 12 ") == 12 and to_int("-3") == -3
    assert to_float(1.5) == 1.5 and to_float(" 2.5 ") == 2.5
    assert to_bool(False) is False and to_seconds(90) == 90 and to_seconds("00:01:30") == 90
    # text exactly as sent (issue 22): never stripped, a blank string stays itself
    assert to_text("  Ana ") == "  Ana " and to_text("   ") == "   " and to_text("") == ""
    assert to_text(7) == "7" and to_text(True) == "true"
    with pytest.raises(ValueError):
        to_float("   ")


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2026-01-05T13:45:10Z", "2026-01-05T13:45:10+00:00"),
        ("2026-01-05 13:45:10.250+01:00", "2026-01-05T13:45:10.250000+01:00"),
        # refused by the standard library's parser, read by dateutil's
        ("2026-01-05T24:00:00Z", "2026-01-06T00:00:00+00:00"),
        ("Mon, 05 Jan 2026 13:45:10 +0100", "2026-01-05T13:45:10+01:00"),
    ],
)
def test_timestamps_parse_whatever_iso_flavour_or_rfc_2822(value, iso):
    assert any_to_iso(value) == iso


def test_rfc2822_read_fast_gives_what_the_strict_reader_gives():
    import email.utils
    import random

    from tapkit.converters import rfc2822_to_iso
    from tapkit.datetimes import strict_rfc2822_datetime

    rng = random.Random(7)
    texts = [
        "Wed, 14 Mar 2012 16:16:11 -0000",  # zone unknown: UTC, as before
        "Wed, 4 Mar 2012 16:16:11 +0100",
        "Wed, 14 Mar 12 16:16:11 +0100",  # two-digit year
        "14 Mar 2012 16:16:11 +0100",  # no weekday
        "Wed, 14 Mar 2012 16:16 +0100",  # no seconds
    ]
    for _ in range(2000):
        instant = dt.datetime(2000, 1, 1) + dt.timedelta(seconds=rng.randrange(10**9))
        zone = dt.timezone(dt.timedelta(minutes=rng.choice([0, 60, -300, 330, -570, 840])))
        texts.append(instant.replace(tzinfo=zone).strftime("%a, %d %b %Y %H:%M:%S %z"))
    texts += ["Wed, +4 Mar 2012 16:16:11 +0100", "Wed, 14 Mar 2012 25:16:11 +0100"]
    for text in texts:
        try:
            expected = strict_rfc2822_datetime(text)
        except ValueError as exc:  # the strict reader refuses it: so must the fast one
            with pytest.raises(type(exc)):
                rfc2822_to_iso(text)
            continue
        assert expected == email.utils.parsedate_to_datetime(text)
        if expected.tzinfo is None:
            expected = expected.replace(tzinfo=dt.UTC)
        assert rfc2822_to_iso(text) == expected.isoformat(), text


def test_a_cached_date_time_conversion_answers_as_the_conversion_does():
    from tapkit.converters import cached_per_value, rfc2822_to_iso

    cached = cached_per_value(rfc2822_to_iso, size=3)
    values = [f"Wed, 14 Mar 2012 16:16:{s:02d} +0100" for s in (1, 2, 1, 3, 4, 1, 2)]
    assert [cached(v) for v in values] == [rfc2822_to_iso(v) for v in values]
    with pytest.raises(ValueError):
        cached("not a date")
    with pytest.raises(ValueError):
        cached("not a date")


NESTED = th.PropertiesList(
    th.Property("id", th.StringType),
    th.Property("count", th.IntegerType),
    th.Property(
        "client", th.ObjectType(th.Property("id", th.StringType), additional_properties=True)
    ),
    th.Property(
        "labels",
        th.ArrayType(
            th.ObjectType(th.Property("priority", th.IntegerType), additional_properties=True)
        ),
    ),
    th.Property("_extra", th.ObjectType(additional_properties=True)),
).to_dict()


def test_a_nested_value_that_does_not_fit_is_kept_in_extra_under_its_dotted_path(caplog):
    typer = RecordTyper(NESTED, stream_name="s", key_fields=("id",))
    row = typer(
        {
            "id": 7,
            "client": {"id": {"v": 1}, "x": 1},
            "labels": [{"priority": "2"}, {"priority": "hi"}],
        }
    )
    assert row["id"] == "7" and row["client"] == {"id": None, "x": 1}
    assert row["labels"] == [{"priority": 2}, {"priority": None}]
    assert row["_extra"] == {"client.id": {"v": 1}, "labels.1.priority": "hi"}
    typer({"id": "8", "labels": [{"priority": "no"}]})
    warnings = [r.getMessage() for r in caplog.records if "does not fit" in r.getMessage()]
    assert len(warnings) == 2, "one warning per field, whatever the index"
    assert "labels.priority (2 records), client.id (1 record)" in typer.summary()


def test_a_key_that_does_not_fit_raises_naming_stream_field_and_json_type():
    typer = RecordTyper(NESTED, stream_name="clients", key_fields=("id",))
    with pytest.raises(KeyTypeError, match=r"stream 'clients': key field 'id' got a JSON object"):
        typer({"id": {"oid": "18e712ca"}})


def test_the_summary_counts_undeclared_fields_per_record():
    typer = RecordTyper(NESTED, stream_name="s")
    for _ in range(1234):
        typer({"id": "1", "customField7": 1})
    typer({"id": "2", "other": None})
    assert typer.summary() == (
        "s: undeclared fields kept in _extra: customField7 (1,234 records), other (1 record)"
    )
    assert "no undeclared fields" in RecordTyper(NESTED, stream_name="t").summary()


ODD_VALUES = [
    None, "", "  ", " x ", "x", "7", " 12 ", "1.5", "nan", "true", "no", 0, 1, -1, 2**63,
    -(2**63) - 1, 2**63 - 1, 1.0, 2.5, float("nan"), float("inf"), True, False, [], [1],
    [{"id": "3"}], [{"id": "x"}, None], {}, {"id": " 4 ", "name": 5}, {"id": [1]},
    "2026-01-05T13:45:10Z", "2026-13-45", 1767620710000,
    # issue 22: blanks kept, every RFC 3339 spelling, integer millisecond arithmetic
    "\t", " a", "a ", "2026-01-05t13:45:10z", "2026-12-31T23:59:60Z",
    "2026-01-05T13:45:10.1234567891+02:00", 2**53 + 1, 9007199254740993500, 2**64, 1500, 2500,
    # issue 27 item 4: durations read strictly
    "1:2:3:4", "-0:05:00", "00:05:00", "1.02:00:00", "00:00:01.5",
]  # fmt: skip


def test_the_compiled_typer_types_exactly_as_each_converter_called_in_turn():
    """The inline forms (free-form objects, empty arrays, text, a declared `inline_form`,
    nested objects) change no value, misfit or `_extra` against calling the converters."""
    import copy
    import random

    from tap_jaicp.client import ms_to_seconds
    from tapkit.converters import inline_form, keep_as_sent
    from tapkit.misfits import CONVERSION_ERRORS

    @inline_form("{v}.__class__ is int and 0 <= {v} < 10**12", "round({v} / 1000)")
    def millis(value):
        number = to_int(value)
        return None if number is None else round(number / 1000)

    item = th.ObjectType(
        th.Property("id", th.IntegerType), th.Property("name", th.StringType),
        additional_properties=True,
    )  # fmt: skip
    schema = th.PropertiesList(
        th.Property("n", th.IntegerType), th.Property("f", th.NumberType),
        th.Property("b", th.BooleanType), th.Property("s", th.StringType),
        th.Property("at", th.DateTimeType), th.Property("ms", th.IntegerType),
        th.Property("free", th.ObjectType(additional_properties=True)),
        th.Property("obj", item), th.Property("items", th.ArrayType(item)),
        th.Property("any", th.ArrayType(th.CustomType({}))),
        th.Property("jaicp_ms", th.IntegerType), th.Property("dur", th.IntegerType),
        th.Property("_extra", th.ObjectType(additional_properties=True)),
    ).to_dict()  # fmt: skip
    overrides = {"ms": millis, "jaicp_ms": ms_to_seconds, "dur": to_seconds}
    compiled = RecordTyper(schema, overrides=overrides, stream_name="s")
    called = RecordTyper(schema, overrides=overrides, stream_name="s")

    def call_each(row):
        extra = None
        for name, convert in called.converters.items():
            value = row.get(name)
            if convert is keep_as_sent or value is None:
                continue
            try:
                row[name] = convert(value)
            except CONVERSION_ERRORS as exc:
                extra = called._not_fitting(row, name, value, extra, exc)
        row["_extra"] = extra
        return row

    rng = random.Random(11)
    names = [n for n in schema["properties"] if n != "_extra"]
    for _ in range(5000):
        row = {name: rng.choice(ODD_VALUES) for name in rng.sample(names, rng.randint(1, 10))}
        expected = call_each(copy.deepcopy(row))
        assert repr(compiled(copy.deepcopy(row))) == repr(expected), row
    assert compiled.misfit_counts == called.misfit_counts


@pytest.mark.parametrize("skip", [False, True])
def test_a_row_shape_s_own_typer_types_exactly_as_the_typer_of_any_row(skip):
    """A row of a shape seen before (its keys, in order) is typed by that shape's own code:
    the same records, errors, `_extra`, counts and skipped rows as the typer of any row,
    undeclared fields, misfits at every depth and unusable keys included.
    """
    import copy
    import random

    from tap_jaicp.client import ms_to_seconds
    from tapkit.errors import KeyMissingError

    item = th.ObjectType(
        th.Property("id", th.IntegerType), th.Property("name", th.StringType),
        additional_properties=True,
    )  # fmt: skip
    schema = th.PropertiesList(
        th.Property("key", th.StringType, required=True), th.Property("n", th.IntegerType),
        th.Property("f", th.NumberType), th.Property("b", th.BooleanType),
        th.Property("s", th.StringType), th.Property("at", th.DateTimeType),
        th.Property("free", th.ObjectType(additional_properties=True)),
        th.Property("obj", item), th.Property("items", th.ArrayType(item)),
        th.Property("jaicp_ms", th.IntegerType), th.Property("dur", th.IntegerType),
        th.Property("_extra", th.ObjectType(additional_properties=True)),
    ).to_dict()  # fmt: skip
    options = {
        "overrides": {"jaicp_ms": ms_to_seconds, "dur": to_seconds},
        "stream_name": "s",
        "key_fields": ("key", "n"),
        "skip_invalid_keys": skip,
    }
    shaped, general = RecordTyper(schema, **options), RecordTyper(schema, **options)
    general._typer_of_shape = lambda row: general._typed  # every row by the typer of any row

    def typed(typer, row):
        try:
            return repr(typer(row))
        except (KeyTypeError, KeyMissingError) as exc:
            return f"{type(exc).__name__}: {exc} {row!r}"

    rng = random.Random(5)
    names = [n for n in schema["properties"] if n != "_extra"] + ["odd", "other"]
    values = [*ODD_VALUES, {"id": 1, "name": " x "}, [{"id": "2"}, None, {"id": 2**70}]]
    shapes = [rng.sample(names, rng.randint(1, 10)) for _ in range(40)]
    shapes += [["key", "n", "s", "odd"]] * 5  # the common case: keys usable
    for _ in range(4000):
        shape = rng.choice(shapes)
        row = {
            name: rng.choice(values) if rng.random() < 0.3 else f"v{rng.randint(0, 9)}"
            for name in shape
        }
        if "n" in row and rng.random() < 0.7:
            row["n"] = rng.randint(-5, 5)
        assert typed(shaped, copy.deepcopy(row)) == typed(general, copy.deepcopy(row)), row
    assert shaped._shape_typers, "no shape was given its own typer"
    for counts in ("undeclared_counts", "misfit_counts", "skipped_counts", "skipped_examples"):
        assert getattr(shaped, counts) == getattr(general, counts), counts


def test_jaicp_milliseconds_become_seconds_in_integer_arithmetic():
    """Issue 22: a float division was a second off beyond 2^53 ms."""
    from tap_jaicp.client import ms_to_seconds

    huge = (2**53 + 1) * 1000  # 2^53 + 1 seconds, in milliseconds
    assert ms_to_seconds(huge) == 2**53 + 1 != round(huge / 1000)
    assert [ms_to_seconds(v) for v in (0, 499, 500, 1500, 2500, "2500")] == [0, 0, 1, 2, 3, 3]
    with pytest.raises(ValueError):
        ms_to_seconds(2**64)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        # RFC 3339 section 5.6: "T" and "Z" may be lowercase
        ("2026-01-05t13:45:10z", "2026-01-05T13:45:10+00:00"),
        # a leap second is the instant after second 59 (as PostgreSQL reads it)
        ("2016-12-31T23:59:60Z", "2017-01-01T00:00:00+00:00"),
        ("2016-12-31T15:59:60-08:00", "2016-12-31T16:00:00-08:00"),
        # any fraction length: beyond microseconds truncated, never rounded into another day
        ("2026-01-05T23:59:59.9999999999Z", "2026-01-05T23:59:59.999999+00:00"),
        ("2026-01-05T13:45:10.1Z", "2026-01-05T13:45:10.100000+00:00"),
    ],
)
def test_every_rfc_3339_spelling_is_read(value, iso):
    assert any_to_iso(value) == iso


@pytest.mark.parametrize("value", [" 2026-01-05T13:45:10Z", "2026-01-05T13:45:10Z ", "", "  "])
def test_a_date_time_with_blanks_around_or_blank_does_not_fit(value):
    with pytest.raises(ValueError):
        any_to_iso(value)


def test_what_a_date_time_loses_is_said_once_per_field(caplog):
    typer = RecordTyper(SCHEMA, stream_name="s")
    for second in range(3):
        typer({"id": 1, "at": f"2026-01-05T13:45:0{second}.123456789Z"})
    typer({"id": 2, "at": "2016-12-31T23:59:60Z"})
    notes = [r.getMessage() for r in caplog.records if "field 'at'" in r.getMessage()]
    assert len(notes) == 2, notes
    assert "3 digit(s) beyond microseconds are dropped" in notes[0]
    assert "'2026-01-05T13:45:00.123456789Z' became '2026-01-05T13:45:00.123456+00:00'" in notes[0]
    assert "leap second" in notes[1] and "'2017-01-01T00:00:00+00:00'" in notes[1]


def test_utc_fields_are_emitted_in_utc():
    from tap_jaicp.client import epoch_ms_or_iso

    assert epoch_ms_or_iso("2026-01-05T15:45:10+02:00") == "2026-01-05T13:45:10+00:00"
    assert epoch_ms_or_iso(1767620710123) == "2026-01-05T13:45:10.123000+00:00"


def test_keys_differing_only_by_blanks_are_two_rows_and_a_blank_key_is_skipped():
    typer = RecordTyper(
        {"properties": {"id": {"type": ["string"]}}, "required": ["id"]},
        stream_name="s",
        key_fields=("id",),
        skip_invalid_keys=True,
    )
    rows = [typer({"id": v}) for v in ("a", " a", "a ", "", "  ", None)]
    assert [row and row["id"] for row in rows] == ["a", " a", "a ", None, None, None]
    assert typer.skipped_counts == {"id": 3}
    assert "rows skipped for an unusable key (on_invalid_key: skip): id (3 records)" in (
        typer.summary()
    )
