"""Turning vendor rows into typed records: declared fields typed, the rest kept in `_extra`.

Vendors send numbers as strings (always, in CSV), empty strings for "no value", durations
as "hh:mm:ss", timestamps in local time or RFC 2822. Each stream declares its schema once;
a `RecordTyper` built from that schema converts each declared field to the declared type,
and moves every undeclared field into `_extra` so a column the vendor adds later is kept
instead of silently dropped.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import typing as t

from dateutil import parser as date_parser
from singer_sdk import typing as th

EXTRA = "_extra"
logger = logging.getLogger(__name__)


def extra_property(vendor: str, *, spelling: str = "as sent") -> th.Property:
    """The `_extra` property every stream declares: undeclared vendor fields, kept."""
    return th.Property(
        EXTRA,
        th.ObjectType(additional_properties=True),
        description=f"Fields {vendor} sent that this schema does not declare ({spelling}).",
    )


Converter = t.Callable[[t.Any], t.Any]


def _blank_to_none(value: t.Any) -> t.Any:
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    return value


def _parse_iso(text: str) -> dt.datetime:
    """ISO 8601 through the standard library's C parser; dateutil for what it refuses.

    `fromisoformat` is about twenty times faster than dateutil's `isoparse`, and a tap
    parses one or two timestamps per row.
    """
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return date_parser.isoparse(text)


def to_int(value: t.Any) -> int | None:
    """Integer from int, float with no fraction, or numeric string; blank → None."""
    if value.__class__ is int:  # the common cases, first and cheap
        return value
    if value.__class__ is str:
        try:
            return int(value)  # surrounding blanks are accepted, as below
        except ValueError:
            pass
    value = _blank_to_none(value)
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value)
    text = str(value)
    try:
        return int(text)
    except ValueError:
        number = float(text)
        return int(number) if number.is_integer() else round(number)


def to_float(value: t.Any) -> float | None:
    """Number from int, float or numeric string (a decimal comma is accepted); blank → None."""
    if value.__class__ is float:
        return value
    if value.__class__ is str:
        try:
            return float(value)
        except ValueError:
            pass
    value = _blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return float(str(value).replace(",", "."))


_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def to_bool(value: t.Any) -> bool | None:
    """Boolean from bool, 0/1 or yes/no/true/false strings; blank → None."""
    if value.__class__ is bool:
        return value
    value = _blank_to_none(value)
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def to_seconds(value: t.Any) -> int | None:
    """Duration in whole seconds from a number or an "[d.]hh:mm:ss" string; blank → None."""
    if value.__class__ is int:
        return value
    value = _blank_to_none(value)
    if value is None:
        return None
    if isinstance(value, str) and ":" in value:
        days = 0
        text = value
        if "." in text.split(":")[0]:
            day_text, text = text.split(".", 1)
            days = int(day_text)
        parts = [float(p) for p in text.split(":")]
        while len(parts) < 3:
            parts.insert(0, 0.0)
        hours, minutes, seconds = parts[-3:]
        return round(days * 86400 + hours * 3600 + minutes * 60 + seconds)
    return to_int(value)


def naive_local_to_iso(tz: dt.tzinfo) -> Converter:
    """Converter: a timestamp without offset, in `tz`, to ISO 8601 with its offset."""

    def convert(value: t.Any) -> str | None:
        value = _blank_to_none(value)
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
    if len(clock) != 8 or clock[2] != ":" or clock[5] != ":":
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
    """'Wed, 14 Mar 2012 16:16:11 +0100' → '2012-03-14T16:16:11+01:00'; blank → None."""
    value = _blank_to_none(value)
    if value is None:
        return None
    parsed = _parse_rfc2822_exact(value) if value.__class__ is str else None
    if parsed is not None:
        return parsed.isoformat()
    try:
        parsed = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        parsed = date_parser.parse(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def any_to_iso(value: t.Any) -> str | None:
    """Lenient: ISO 8601 or RFC 2822 in, ISO 8601 with offset out (UTC when none given)."""
    value = _blank_to_none(value)
    if value is None:
        return None
    try:
        parsed = _parse_iso(str(value))
    except ValueError:
        return rfc2822_to_iso(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def to_text(value: t.Any) -> str | None:
    """String; blank → None (vendors send "" for "no value")."""
    if value.__class__ is str:
        return value.strip() or None
    value = _blank_to_none(value)
    return None if value is None else str(value)


def _json_types(prop: dict) -> set[str]:
    declared = prop.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    for option in prop.get("anyOf", []):
        types |= _json_types(option)
    return types - {"null"}


def default_converter(prop: dict, *, datetime_converter: Converter = any_to_iso) -> Converter:
    """Pick the converter for one JSON-schema property."""
    types = _json_types(prop)
    if "string" in types and prop.get("format") == "date-time":
        return datetime_converter
    if "integer" in types:
        return to_int
    if "number" in types:
        return to_float
    if "boolean" in types:
        return to_bool
    if types == {"string"}:
        return to_text
    return keep_as_sent


def cached_per_value(convert: Converter, size: int = 4096) -> Converter:
    """`convert`, remembering its answer for each text value (the last `size` or so).

    For date-time fields: rows of a window share their seconds (hourly stats, a busy
    minute), and parsing and formatting a timestamp costs more than a dict lookup. Only
    pure conversions may be cached (the answer depends on the value alone); a value that
    fails is not remembered and fails again.
    """
    cache: dict[str, t.Any] = {}

    def cached(value: t.Any) -> t.Any:
        if value.__class__ is not str:
            return convert(value)
        try:
            return cache[value]
        except KeyError:
            pass
        converted = convert(value)
        if len(cache) >= size:
            cache.clear()
        cache[value] = converted
        return converted

    return cached


def keep_as_sent(value: t.Any) -> t.Any:
    """Objects, arrays and untyped fields pass as the vendor sent them."""
    return value


#: converters that return a value of exactly this class unchanged (their first line)
_ALREADY_TYPED: dict[Converter, type] = {
    to_int: int,
    to_float: float,
    to_bool: bool,
    to_seconds: int,
}


class RecordTyper:
    """Types the declared fields of a row and moves undeclared ones into `_extra`.

    Built once per stream from its schema; `overrides` names fields whose conversion the
    schema cannot tell (a duration given as "hh:mm:ss", a local timestamp...).
    """

    def __init__(
        self,
        schema: dict,
        *,
        overrides: t.Mapping[str, Converter] | None = None,
        datetime_converter: Converter = any_to_iso,
        stream_name: str = "",
    ) -> None:
        properties = dict(schema.get("properties", {}))
        self.keep_extra = EXTRA in properties
        properties.pop(EXTRA, None)
        self.declared = frozenset(properties)
        self.stream_name = stream_name
        self.converters: dict[str, Converter] = {
            name: default_converter(prop, datetime_converter=datetime_converter)
            for name, prop in properties.items()
        }
        self.converters.update(overrides or {})
        for name, prop in properties.items():  # every date-time conversion here is pure
            if prop.get("format") == "date-time":
                self.converters[name] = cached_per_value(self.converters[name])
        #: the per-row loop skips fields passed on as sent, and values already of the type
        #: their converter would hand back unchanged (an int for `to_int`...)
        self._conversions = tuple(
            (name, convert, _ALREADY_TYPED.get(convert))
            for name, convert in self.converters.items()
            if convert is not keep_as_sent
        )
        self._warned: set[str] = set()

    def __call__(self, row: dict) -> dict:
        """Return the typed record (the input dict is reused).

        A value that does not fit its declared type becomes null and is kept, as sent, in
        `_extra` (one warning per field), so odd vendor data neither stops a sync nor is lost.
        """
        extra = None
        # a set comparison in C settles the common case (no undeclared field) per row
        if self.keep_extra and not row.keys() <= self.declared:
            undeclared = [key for key in row if key not in self.declared]
            extra = {key: row.pop(key) for key in undeclared}
        get = row.get
        for name, convert, typed in self._conversions:
            value = get(name)
            if value is not None and value.__class__ is not typed:
                try:
                    row[name] = convert(value)
                except (TypeError, ValueError, OverflowError):
                    row[name] = None
                    extra = extra or {}
                    extra[name] = value
                    self._warn_once(name, value)
        if self.keep_extra:
            row[EXTRA] = extra
        return row

    def _warn_once(self, name: str, value: t.Any) -> None:
        if name in self._warned:
            return
        self._warned.add(name)
        logger.warning(
            "%s: field %r has a value that does not fit its declared type (%r); loaded as "
            "null, the value as sent is kept in _extra",
            self.stream_name,
            name,
            value,
        )
