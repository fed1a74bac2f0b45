"""Turning vendor rows into typed records: declared fields typed, the rest kept in `_extra`.

Vendors send numbers as strings (always, in CSV), empty strings for "no value", durations
as "hh:mm:ss", timestamps in local time or RFC 2822. Each stream declares its schema once;
a `RecordTyper` built from that schema converts each declared field to the declared type,
and moves every undeclared field into `_extra` so a column the vendor adds later is kept
instead of silently dropped.

The typing rule (docs/contract.md, "Common"): a value that does not fit its declared type never
becomes a silent null. In a key field it stops the stream (`KeyTypeError`) before the record
is written, so nothing is upserted onto a null key; anywhere else, at any depth, the value
is kept as sent in `_extra` under its dotted path (`client.id`, `labels.0.id`) with one
warning per field. The checks run only when a conversion fails: a value that converts costs
nothing more. At the end of a stream `RecordTyper.summary` names the undeclared fields seen
and how many records carried each, so a first run tells a user what the vendor really sends.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import typing as t

from singer_sdk import typing as th

from tapkit.errors import DoesNotFitError, KeyMissingError, KeyTypeError, NestedMisfitsError
from tapkit.values import (
    INT64_MAX,
    INT64_MIN,
    checked_float,
    checked_int,
    datetime_notes,
    int_from_float,
    json_safe,
    strict_iso_datetime,
    strict_rfc2822_datetime,
)

EXTRA = "_extra"
logger = logging.getLogger(__name__)


def extra_property(vendor: str, *, spelling: str = "as sent") -> th.Property[t.Any]:
    """The `_extra` property every stream declares: undeclared vendor fields, kept."""
    return th.Property(
        EXTRA,
        th.ObjectType(additional_properties=True),
        description=f"Fields {vendor} sent that this schema does not declare ({spelling}).",
    )


Converter = t.Callable[[t.Any], t.Any]

#: what a converter raises for a value that does not fit its type
CONVERSION_ERRORS = (TypeError, ValueError, OverflowError)


def json_type_name(value: t.Any) -> str:
    """The JSON type of a value as a user reads it in an error ("string", "object"...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _parse_iso(text: str) -> dt.datetime:
    """ISO 8601 through the standard library's C parser; dateutil for what it refuses.

    `fromisoformat` is about twenty times faster than dateutil's `isoparse`, and a tap
    parses one or two timestamps per row.
    """
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return strict_iso_datetime(text)  # never a lenient guess (see tapkit.values)


def to_int(value: t.Any) -> int | None:
    """Integer from int, float with no fraction, or numeric string.

    A fraction, a non-finite number, an integer outside 64 bits or a blank string does not
    fit (`DoesNotFitError`): in JSON a blank string is a value the vendor sent, not a null
    (a CSV or XML parser gives None for an empty cell; see docs/values.md).
    """
    if value.__class__ is int:  # the common cases, first and cheap
        if INT64_MIN <= value <= INT64_MAX:
            return value
        return checked_int(value)
    if value.__class__ is str:
        try:
            return checked_int(int(value))  # surrounding blanks are accepted, as below
        except ValueError:
            pass
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int):
        return checked_int(value)
    if isinstance(value, float):
        return int_from_float(value)
    text = str(value)
    try:
        return checked_int(int(text))
    except ValueError:
        return int_from_float(float(text))


def to_float(value: t.Any) -> float | None:
    """Number from int, float or numeric string (a decimal comma is accepted).

    NaN, ±Infinity and numbers beyond a double (`1e309`) do not fit (`DoesNotFitError`).
    """
    if value.__class__ is float:
        return checked_float(value)
    if value.__class__ is str:
        try:
            return checked_float(float(value))
        except ValueError:
            pass
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return checked_float(float(value))
    return checked_float(float(str(value).replace(",", ".")))


_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def to_bool(value: t.Any) -> bool | None:
    """Boolean from bool, 0/1 or yes/no/true/false strings (a blank string does not fit)."""
    if value.__class__ is bool:
        return value
    if value is None:
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


#: "[d.]hh:mm:ss[.fffffff]" (.NET's TimeSpan, Oct8ne's `durationFormat=0`): no sign, minutes
#: and seconds below 60, hours below 24 when days are given
_DURATION = re.compile(r"(?:(\d+)\.([01]\d|2[0-3])|(\d+)):([0-5]\d):([0-5]\d)(?:\.(\d+))?")


def to_seconds(value: t.Any) -> int | None:
    """Duration in whole seconds from a number of seconds or an "[d.]hh:mm:ss" string.

    Strict like every value (issue 27): beyond 64 bits, a fraction of a second, a negative
    duration (`"-0:05:00"`) or another shape (`"1:2:3:4"`, `"5:07"`: minutes or hours?)
    does not fit, and goes to `_extra` with a warning rather than being computed.
    """
    if value.__class__ is int:
        return checked_int(value)
    if isinstance(value, str) and ":" in value:
        match = _DURATION.fullmatch(value)
        if not match:
            raise DoesNotFitError(f"{value!r} is not a duration [d.]hh:mm:ss")
        days, day_hours, hours, minutes, seconds, fraction = match.groups()
        if (fraction or "").strip("0"):
            raise DoesNotFitError(f"{value!r} is not a whole number of seconds")
        hours = day_hours or hours
        total = int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + int(seconds)
        return checked_int(total)
    return to_int(value)


def naive_local_to_iso(tz: dt.tzinfo) -> Converter:
    """Converter: a timestamp without offset, in `tz`, to ISO 8601 with its offset."""

    def convert(value: t.Any) -> str | None:
        if value is None:
            return None
        parsed = value if isinstance(value, dt.datetime) else _parse_iso(str(value))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.isoformat()

    return convert


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAYS = frozenset(("Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"))


def _parse_rfc2822_exact(text: str) -> dt.datetime | None:
    """'Wed, 14 Mar 2012 16:16:11 +0100' exactly (the form vendors write), else None.

    `email.utils.parsedate_to_datetime` reads every RFC 2822 variant, in Python; this reads
    the one common form several times faster, and leaves the rest (and `-0000`, which means
    "zone unknown") to it.
    """
    parts = text.split(" ")
    if len(parts) != 6 or parts[0] not in _DAYS or parts[2] not in _MONTHS or not text.isascii():
        return None
    day, year, clock, zone = parts[1], parts[3], parts[4], parts[5]
    if len(zone) != 5 or zone[0] not in "+-" or zone == "-0000" or len(year) != 4:
        return None
    if len(clock) != 8 or clock[2] != ":" or clock[5] != ":" or len(day) > 2:
        return None
    digits = day + year + clock[0:2] + clock[3:5] + clock[6:8] + zone[1:]
    if not digits.isdigit():  # ASCII (checked above): no sign, no blank
        return None
    try:
        offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        return dt.datetime(
            int(year),
            _MONTHS[parts[2]],
            int(day),
            int(clock[0:2]),
            int(clock[3:5]),
            int(clock[6:8]),
            tzinfo=dt.timezone(-offset if zone[0] == "-" else offset),
        )
    except ValueError:
        return None


def rfc2822_to_iso(value: t.Any) -> str | None:
    """'Wed, 14 Mar 2012 16:16:11 +0100' → '2012-03-14T16:16:11+01:00'."""
    if value is None:
        return None
    parsed = _parse_rfc2822_exact(value) if value.__class__ is str else None
    if parsed is not None:
        return parsed.isoformat()
    # exactly RFC 2822, never dateutil's guess (it turns "10" or "Tuesday" into a day)
    parsed = strict_rfc2822_datetime(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def any_to_iso(value: t.Any) -> str | None:
    """ISO 8601 (every RFC 3339 spelling) or RFC 2822 in, ISO 8601 with offset out (UTC
    when none given).
    """
    if value is None:
        return None
    try:
        parsed = _parse_iso(str(value))
    except ValueError:
        return rfc2822_to_iso(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def any_to_utc_iso(value: t.Any) -> str | None:
    """As `any_to_iso`, emitted in UTC: for fields the vendor describes as UTC."""
    if value is None:
        return None
    try:
        parsed = _parse_iso(str(value))
    except ValueError:
        text = rfc2822_to_iso(value)
        if text is None:
            return None
        parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC).isoformat()
    return parsed.astimezone(dt.UTC).isoformat()


def to_text(value: t.Any) -> str | None:
    """A string exactly as sent: never stripped, a blank string stays a blank string.

    Stripping changed free text and merged keys that differ only by blanks (`"a"`, `" a"`);
    a blank JSON string is a value the vendor sent, not a null. A number becomes its text; a
    boolean its JSON spelling; an object or array does not fit.
    """
    if value.__class__ is str or value is None:
        return value
    if isinstance(value, (dict, list)):
        raise TypeError("an object or array is not a string")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_types(prop: dict[str, t.Any]) -> set[str]:
    declared = prop.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    for option in prop.get("anyOf", []):
        types |= _json_types(option)
    return types - {"null"}


def default_converter(
    prop: dict[str, t.Any],
    *,
    datetime_converter: Converter = any_to_iso,
    path: str = "",
    stream: str = "",
) -> Converter:
    """Pick the converter for one JSON-schema property (at dotted `path` of `stream`, for
    the messages of a nested date-time).
    """
    types = _json_types(prop)
    if "string" in types and prop.get("format") == "date-time":
        if path:  # nested: cached and noted per field, as `RecordTyper` does for top level
            return cached_per_value(datetime_converter, field=path, stream=stream)
        return datetime_converter
    if "integer" in types:
        return to_int
    if "number" in types:
        return to_float
    if "boolean" in types:
        return to_bool
    if types == {"string"}:
        return to_text
    if types == {"object"}:
        return ObjectConverter(
            prop, datetime_converter=datetime_converter, path=path, stream=stream
        )
    if types == {"array"}:
        return ArrayConverter(prop, datetime_converter=datetime_converter, path=path, stream=stream)
    return keep_as_sent


def cached_per_value(
    convert: Converter, size: int = 4096, *, field: str = "", stream: str = ""
) -> Converter:
    """`convert`, remembering its answer for each text value (the last `size` or so).

    For date-time fields: rows of a window share their seconds (hourly stats, a busy
    minute), and parsing and formatting a timestamp costs more than a dict lookup. Only
    pure conversions may be cached (the answer depends on the value alone); a value that
    fails is not remembered and fails again. What a conversion could not keep (digits
    beyond microseconds, a leap second) is said once per `field` of `stream`.
    """
    return CachedConverter(convert, size, field=field, stream=stream)


class CachedConverter:
    """What `cached_per_value` returns; its `cache` is read directly by a compiled typer."""

    def __init__(self, convert: Converter, size: int, *, field: str = "", stream: str = "") -> None:
        self.convert = convert
        self.size = size
        self.cache: dict[str, t.Any] = {}
        self.field = field
        self.stream = stream
        #: the notes (`datetime_notes`) already logged for this field
        self.noted: set[str] = set()

    def __call__(self, value: t.Any) -> t.Any:
        if value.__class__ is not str:
            return self.convert(value)
        cache = self.cache
        try:
            return cache[value]
        except KeyError:
            pass
        converted = self.convert(value)
        if len(value) > 26 or ":60" in value:  # shorter: no 7th fraction digit, no leap
            self._note(value, converted)
        if len(cache) >= self.size:
            cache.clear()
        cache[value] = converted
        return converted

    def _note(self, value: str, converted: t.Any) -> None:
        """Say once per field what reading `value` could not keep."""
        for note in datetime_notes(value):
            if note not in self.noted:
                self.noted.add(note)
                logger.warning(
                    "%s: field %r: %s (for example %r became %r); said once per field",
                    self.stream or "stream",
                    self.field,
                    note,
                    value,
                    converted,
                )


def keep_as_sent(value: t.Any) -> t.Any:
    """Untyped fields pass as the vendor sent them."""
    return value


def _convert_inside(
    convert: Converter, value: t.Any, path: str, misfits: list[tuple[str, t.Any]]
) -> t.Any:
    """One value inside an object or array, its misfits added to `misfits` under `path`."""
    try:
        return convert(value)
    except NestedMisfitsError as exc:
        misfits.extend((f"{path}.{inner}", sent) for inner, sent in exc.misfits)
        return exc.value
    except CONVERSION_ERRORS:
        misfits.append((path, value))
        return None


def _nested_not_fitting(
    row: dict[str, t.Any],
    name: str,
    value: t.Any,
    misfits: list[tuple[str, t.Any]],
    error: Exception,
) -> list[tuple[str, t.Any]]:
    """A compiled typer's failed field inside an object (see `compile_field_typer`)."""
    if isinstance(error, NestedMisfitsError):
        misfits.extend((f"{name}.{inner}", sent) for inner, sent in error.misfits)
        row[name] = error.value
    else:
        misfits.append((name, value))
        row[name] = None
    return misfits


class ObjectConverter:
    """An object property: its declared fields typed, undeclared ones left in place.

    A value that is not an object does not fit; values inside that do not fit are nulled
    and reported (`NestedMisfitsError`) for the record's `_extra`.
    """

    def __init__(
        self,
        prop: dict[str, t.Any],
        *,
        datetime_converter: Converter = any_to_iso,
        path: str = "",
        stream: str = "",
    ) -> None:
        self._conversions = tuple(
            (name, convert)
            for name, inner in (prop.get("properties") or {}).items()
            if (
                convert := default_converter(
                    inner,
                    datetime_converter=datetime_converter,
                    path=f"{path}.{name}" if path else name,
                    stream=stream,
                )
            )
            is not keep_as_sent
        )
        #: types the declared fields of an object in place; returns the misfits
        self.type_fields = compile_field_typer(self._conversions)
        #: no declared field inside to type (`{"type": "object"}` with no properties)
        self.free_form = not self._conversions

    def __call__(self, value: t.Any) -> dict[str, t.Any]:
        if not isinstance(value, dict):
            raise TypeError("not an object")
        misfits: list[tuple[str, t.Any]] = self.type_fields(value, [], _nested_not_fitting)
        if misfits:
            raise NestedMisfitsError(value, misfits)
        return value


class ArrayConverter:
    """An array property: each item typed as the schema's `items` say."""

    def __init__(
        self,
        prop: dict[str, t.Any],
        *,
        datetime_converter: Converter = any_to_iso,
        path: str = "",
        stream: str = "",
    ) -> None:
        items = prop.get("items") or {}
        self._convert_item = default_converter(
            items, datetime_converter=datetime_converter, path=path or "item", stream=stream
        )
        #: items of any type, passed as sent
        self.free_form = self._convert_item is keep_as_sent

    def __call__(self, value: t.Any) -> list[t.Any]:
        if not isinstance(value, list):
            raise TypeError("not an array")
        convert = self._convert_item
        if convert is keep_as_sent:
            return value
        misfits: list[tuple[str, t.Any]] = []
        for index, item in enumerate(value):
            if item is not None:
                value[index] = _convert_inside(convert, item, str(index), misfits)
        if misfits:
            raise NestedMisfitsError(value, misfits)
        return value


def field_of(path: str) -> str:
    """The schema field of a dotted path: array indices dropped (`labels.0.id` → `labels.id`)."""
    return ".".join(part for part in path.split(".") if not part.isdigit())


#: per converter, a test that a value needs no call: the converter would hand it back
#: unchanged (its own first lines, inlined); `{v}` is the value, `{i}` the field's number
#: the test that `{v}` is an int within 64 bits (`to_int`'s first lines)
INT64_TEST = "{v}.__class__ is int and -9223372036854775808 <= {v} <= 9223372036854775807"
_LEFT_AS_IS: dict[Converter, str] = {
    to_bool: "{v}.__class__ is bool",
    to_seconds: INT64_TEST,
    to_int: INT64_TEST,
    to_text: "{v}.__class__ is str",
    # a finite float minus itself is 0.0; NaN and ±Infinity give NaN
    to_float: "{v}.__class__ is float and {v} - {v} == 0.0",
}
#: per converter: a test and the converter's answer when it holds, without a call (each its
#: converter's own first lines; `{v}` is the value); `inline_form` adds to it
_INLINED: dict[Converter, tuple[str, str]] = {}
_MISSING = object()

C = t.TypeVar("C", bound=Converter)


def inline_form(test: str, answer: str) -> t.Callable[[C], C]:
    """Declare that a converter returns `answer` whenever `test` holds (both Python
    expressions of `{v}`, the value), so a compiled typer skips the call there.

    The pair must say exactly what the converter's own first lines do; the typer tests
    (`tests/test_records.py`) compare the compiled typer with the converters on odd values.
    """

    def declare(convert: C) -> C:
        _INLINED[convert] = (test, answer)
        return convert

    return declare


FieldTyper = t.Callable[[dict[str, t.Any], t.Any, t.Callable[..., t.Any]], t.Any]


def _call_lines(key: str, index: int) -> list[str]:
    """The generated lines calling field `index`'s converter; a failure goes to `slow`."""
    return [
        "            try:",
        f"                row[{key}] = convert_{index}(value)",
        "            except _ERRORS as exc:",
        f"                extra = slow(row, {key}, value, extra, exc)",
    ]


def _left_as_is_test(convert: Converter) -> str | None:
    """The inline test that `convert` would hand a value back unchanged, if there is one."""
    test = _LEFT_AS_IS.get(convert)
    if test is not None:
        return test
    # a free-form object, an array of anything, or an empty array: nothing inside to type
    if isinstance(convert, ObjectConverter) and convert.free_form:
        return "{v}.__class__ is dict"
    if isinstance(convert, ArrayConverter):
        if convert.free_form:
            return "{v}.__class__ is list"
        return "{v}.__class__ is list and not {v}"
    return None


def compile_field_typer(conversions: t.Sequence[tuple[str, Converter]]) -> FieldTyper:
    """One function typing a row's declared fields in straight-line code, built per schema.

    A per-row loop over (field, converter) pairs called a converter per field, even for the
    common value that the converter hands back unchanged (an int in range for an integer
    field); the loop and the calls were a fifth of a tap's time. The generated code tests
    each field's common case inline, with the converter's own first lines (`_LEFT_AS_IS`,
    `_INLINED`, a date-time's cache), calls the converter for anything else, and hands a
    failure to `slow(row, name, value, extra, error)`, so every value ends exactly as its
    converter and the typing rule would make it.
    """
    namespace: dict[str, t.Any] = {
        "_MISSING": _MISSING,
        "_ERRORS": CONVERSION_ERRORS,
        "_Nested": NestedMisfitsError,
        "_nested_not_fitting": _nested_not_fitting,
    }
    lines = ["def type_fields(row, extra, slow):", "    get = row.get"]
    for index, (name, convert) in enumerate(conversions):
        namespace[f"convert_{index}"] = convert
        key = repr(name)
        call = _call_lines(key, index)
        lines += [f"    value = get({key})", "    if value is not None:"]
        left_as_is = _left_as_is_test(convert)
        if left_as_is is not None:
            lines += [
                f"        if not ({left_as_is.format(v='value')}):",
                *call,
            ]
        elif convert in _INLINED:
            test, answer = _INLINED[convert]
            lines += [
                f"        if {test.format(v='value')}:",
                f"            row[{key}] = {answer.format(v='value')}",
                "        else:",
                *call,
            ]
        elif isinstance(convert, ObjectConverter):  # its typer called here, not through it
            namespace[f"nested_{index}"] = convert.type_fields
            lines += [
                "        if value.__class__ is dict:",
                f"            misfits = nested_{index}(value, [], _nested_not_fitting)",
                "            if misfits:",
                f"                extra = slow(row, {key}, value, extra, _Nested(value, misfits))",
                "        else:",
                *call,
            ]
        elif isinstance(convert, CachedConverter):
            namespace[f"cached_{index}"] = convert.cache.get
            lines += [
                "        hit = _MISSING",
                "        if value.__class__ is str:",
                f"            hit = cached_{index}(value, _MISSING)",
                "        if hit is _MISSING:",
                *call,
                "        else:",
                f"            row[{key}] = hit",
            ]
        else:
            lines += [line[4:] for line in call]
    lines.append("    return extra")
    exec(compile("\n".join(lines), f"<typer of {len(conversions)} fields>", "exec"), namespace)  # noqa: S102
    return t.cast("FieldTyper", namespace["type_fields"])


class RecordTyper:
    """Types the declared fields of a row and moves undeclared ones into `_extra`.

    Built once per stream from its schema; `overrides` names fields whose conversion the
    schema cannot tell (a duration given as "hh:mm:ss", a local timestamp...);
    `key_fields` are the primary and replication keys, which must never load as null.
    A row whose key is unusable (missing, null, blank, or not of its type) stops the
    stream, or with `skip_invalid_keys` (the setting `on_invalid_key: skip`) is dropped,
    counted per field with one masked example for the end-of-stream line.
    """

    def __init__(
        self,
        schema: dict[str, t.Any],
        *,
        overrides: t.Mapping[str, Converter] | None = None,
        datetime_converter: Converter = any_to_iso,
        stream_name: str = "",
        key_fields: t.Iterable[str | None] = (),
        skip_invalid_keys: bool = False,
    ) -> None:
        properties = dict(schema.get("properties", {}))
        self.keep_extra = EXTRA in properties
        properties.pop(EXTRA, None)
        self.declared = frozenset(properties)
        self.stream_name = stream_name
        self.key_fields = frozenset(name for name in key_fields if name)
        self._types = {name: sorted(_json_types(prop)) for name, prop in properties.items()}
        #: keys the schema requires: a row without one cannot be upserted
        self.required_keys = tuple(
            name for name in self.key_fields if name in schema.get("required", ())
        )
        self.converters: dict[str, Converter] = {
            name: default_converter(
                prop, datetime_converter=datetime_converter, path=name, stream=stream_name
            )
            for name, prop in properties.items()
        }
        self.converters.update(overrides or {})
        for name, prop in properties.items():  # every date-time conversion here is pure
            convert = self.converters[name]
            if prop.get("format") == "date-time" and not isinstance(convert, CachedConverter):
                self.converters[name] = cached_per_value(convert, field=name, stream=stream_name)
        #: fields passed on as sent are skipped; the rest typed by code built for this schema
        self._type_fields = compile_field_typer(
            [
                (name, convert)
                for name, convert in self.converters.items()
                if convert is not keep_as_sent
            ]
        )
        self._warned: set[str] = set()
        #: undeclared field → records that carried it (for the end-of-stream line)
        self.undeclared_counts: dict[str, int] = {}
        #: declared field (dotted) → records where its value did not fit its type
        self.misfit_counts: dict[str, int] = {}
        self.skip_invalid_keys = skip_invalid_keys
        #: key field → rows skipped for an unusable key, and one masked example of each
        self.skipped_counts: dict[str, int] = {}
        self.skipped_examples: dict[str, str] = {}

    def __call__(self, row: dict[str, t.Any]) -> dict[str, t.Any] | None:
        """Return the typed record (the input dict is reused), or None for a row skipped
        for its key.

        A value that does not fit its declared type becomes null and is kept, as sent, in
        `_extra` under its dotted path (one warning per field), so odd vendor data neither
        stops a sync nor is lost; in a key field it raises `KeyTypeError` (or the row is
        skipped, with `skip_invalid_keys`).
        """
        if not self.skip_invalid_keys:
            return self._typed(row)
        try:
            return self._typed(row)
        except (KeyTypeError, KeyMissingError) as exc:
            self._count_skipped(getattr(exc, "field", ""), row)
            return None

    def _typed(self, row: dict[str, t.Any]) -> dict[str, t.Any]:
        undeclared_values = None
        # a set comparison in C settles the common case (no undeclared field) per row
        if self.keep_extra and not row.keys() <= self.declared:
            undeclared = [key for key in row if key not in self.declared]
            undeclared_values = {key: row.pop(key) for key in undeclared}
            counts = self.undeclared_counts
            for key in undeclared:
                counts[key] = counts.get(key, 0) + 1
        try:
            extra = self._type_fields(row, undeclared_values, self._not_fitting)
            self._check_required_keys(row, undeclared_values)
        except (KeyTypeError, KeyMissingError):
            # the row is not written: its undeclared fields back, for the message or example
            row.update(undeclared_values or {})
            raise
        if self.keep_extra:
            row[EXTRA] = extra
        return row

    def _check_required_keys(
        self, row: dict[str, t.Any], undeclared: dict[str, t.Any] | None
    ) -> None:
        """`KeyMissingError` for a required key missing, null, empty or only blanks."""
        for key in self.required_keys:
            value = row.get(key)
            if value is None or (value.__class__ is str and not value.strip()):
                raise KeyMissingError(self.stream_name, key, {**row, **(undeclared or {})})

    def _not_fitting(
        self,
        row: dict[str, t.Any],
        name: str,
        value: t.Any,
        extra: dict[str, t.Any] | None,
        error: Exception,
    ) -> dict[str, t.Any] | None:
        """A field whose converter failed with `error`, by the typing rule."""
        if isinstance(error, NestedMisfitsError):
            row[name] = error.value
            return self._keep_misfits(extra, [(f"{name}.{p}", v) for p, v in error.misfits])
        if name in self.key_fields:
            raise self._key_error(name, value) from None
        row[name] = None
        return self._keep_misfits(extra, [(name, value)])

    def _keep_misfits(
        self, extra: dict[str, t.Any] | None, misfits: list[tuple[str, t.Any]]
    ) -> dict[str, t.Any] | None:
        """Misfits into `_extra` (when the stream keeps one), counted, warned once each."""
        if self.keep_extra:
            extra = extra or {}
        seen: set[str] = set()
        for path, value in misfits:
            if extra is not None:
                extra[path] = json_safe(value)
            field = field_of(path)
            if field not in seen:
                seen.add(field)
                self.misfit_counts[field] = self.misfit_counts.get(field, 0) + 1
            self._warn_once(field, path, value)
        return extra

    def _key_error(self, name: str, value: t.Any) -> KeyTypeError:
        declared = " or ".join(self._types.get(name, [])) or "its declared type"
        error = KeyTypeError(
            f"stream '{self.stream_name}': key field '{name}' got a JSON {json_type_name(value)} "
            f"({_preview(value)}) that does not fit its declared type ({declared}). The stream "
            "stops here so that no record is loaded with a null key (with the setting "
            "on_invalid_key: skip, such rows are skipped and counted instead); please report "
            "the value so the schema can follow what the vendor sends."
        )
        error.field = name
        return error

    def _count_skipped(self, field: str, row: dict[str, t.Any]) -> None:
        """One more row skipped for `field`; the first one kept as a masked example."""
        self.skipped_counts[field] = self.skipped_counts.get(field, 0) + 1
        if field not in self.skipped_examples:
            self.skipped_examples[field] = masked_example(row, field)

    def _warn_once(self, field: str, path: str, value: t.Any) -> None:
        if field in self._warned:
            return
        self._warned.add(field)
        logger.warning(
            "%s: field %r has a value that does not fit its declared type (%s); loaded as "
            "null, the value as sent is kept in _extra[%r]",
            self.stream_name,
            field,
            _preview(value),
            path,
        )

    def summary(self) -> str:
        """The end-of-stream line: undeclared fields seen, values that did not fit, rows
        skipped for their key.
        """
        name = self.stream_name or "stream"
        if not self.undeclared_counts and not self.misfit_counts and not self.skipped_counts:
            return f"{name}: no undeclared fields seen (every field sent is in the schema)"
        parts = []
        if self.skipped_counts:
            examples = "; ".join(
                f"{field}: {self.skipped_examples[field]}" for field in sorted(self.skipped_counts)
            )
            parts.append(
                f"rows skipped for an unusable key (on_invalid_key: skip): "
                f"{_tally(self.skipped_counts)}; for example {examples}"
            )
        if self.undeclared_counts:
            parts.append(f"undeclared fields kept in _extra: {_tally(self.undeclared_counts)}")
        if self.misfit_counts:
            parts.append(
                f"values not fitting their declared type kept in _extra: "
                f"{_tally(self.misfit_counts)}"
            )
        return f"{name}: " + "; ".join(parts)


def masked_example(row: t.Mapping[str, t.Any], field: str) -> str:
    """A row skipped for its key `field`, told without its data: the key's value when it
    is blank or null (nothing personal in that), else only its JSON type and length, and
    the names and JSON types of the row's other fields (never their values, which may be
    personal data or secrets).
    """
    if field not in row:
        key = "missing"
    else:
        value = row[field]
        if value is None or (isinstance(value, str) and not value.strip()):
            key = repr(value) if value is not None else "null"
        else:
            key = f"a JSON {json_type_name(value)}" + (
                f" of {len(value)} characters" if isinstance(value, str) else ""
            )
    others = [f"{name}: {json_type_name(value)}" for name, value in row.items() if name != field]
    shown = ", ".join(others[:12]) + (
        f", ... ({len(others) - 12} more)" if len(others) > 12 else ""
    )
    return f"{field} {key} in a row of {{{shown}}}"


def _tally(counts: dict[str, int]) -> str:
    """`customField7 (1,234 records), other (1 record)`, most frequent first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(
        f"{name} ({count:,} record{'' if count == 1 else 's'})" for name, count in ordered
    )


def _preview(value: t.Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
