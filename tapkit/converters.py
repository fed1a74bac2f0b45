"""Value converters: one vendor value to its declared type, exactly, or it does not fit.

Vendors send numbers as strings (always, in CSV), durations as "hh:mm:ss", timestamps in
local time or RFC 2822. Each converter here takes one value and returns it typed, or raises
one of `CONVERSION_ERRORS` (`tapkit.misfits`) for a value that does not fit; it never
guesses (docs/values.md). A converter whose common case is a value handed back unchanged (an
int in range for an integer field) declares that case once with `inline_form`: the
converter is built from that declaration, and a compiled typer (`tapkit.compiled_typer`)
writes the same declaration inline, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import typing as t

from tapkit.datetimes import datetime_notes, parse_iso, parse_rfc2822, strict_rfc2822_datetime
from tapkit.errors import DoesNotFitError
from tapkit.value_checks import checked_float, checked_int, int_from_float

#: the typing's warnings share the logger of `tapkit.records`, which users filter logs on
logger = logging.getLogger("tapkit.records")


Converter = t.Callable[[t.Any], t.Any]
C = t.TypeVar("C", bound=Converter)

#: the test that `{v}` is an int within 64 bits (what warehouses store)
INT64_TEST = "{v}.__class__ is int and -9223372036854775808 <= {v} <= 9223372036854775807"
#: the answer of a converter that hands its value back unchanged
AS_IS = "{v}"


def inline_form(test: str, answer: str = AS_IS) -> t.Callable[[C], C]:
    """Build a converter that returns `answer` whenever `test` holds (both Python expressions
    of `{v}`, the value) and else what the decorated function returns.

    The declaration is the converter's only description of its common case: the converter
    is compiled from it here, and a compiled typer (`tapkit.compiled_typer`) writes the same
    two expressions inline, skipping the call, so the two cannot say different things. The
    typer tests (`tests/core/test_records.py`) compare the compiled typer with the converters
    called in turn on odd values.
    """

    def declare(otherwise: C) -> C:
        source = (
            "def convert(value):\n"
            f"    if {test.format(v='value')}:\n"
            f"        return {answer.format(v='value')}\n"
            "    return otherwise(value)\n"
        )
        namespace: dict[str, t.Any] = {"otherwise": otherwise}
        exec(compile(source, f"<inline form of {otherwise.__name__}>", "exec"), namespace)  # noqa: S102
        convert = functools.update_wrapper(namespace["convert"], otherwise)
        setattr(convert, "inlined", (test, answer))  # noqa: B010 (a function's attribute)
        return t.cast("C", convert)

    return declare


def inlined(convert: Converter) -> tuple[str, str] | None:
    """The (test, answer) a converter declares for its common case, if any."""
    return getattr(convert, "inlined", None)


@inline_form(INT64_TEST)
def to_int(value: t.Any) -> int | None:
    """Integer from int, float with no fraction, or numeric string.

    A fraction, a non-finite number, an integer outside 64 bits or a blank string does not
    fit (`DoesNotFitError`): in JSON a blank string is a value the vendor sent, not a null
    (a CSV or XML parser gives None for an empty cell; see docs/values.md).
    """
    if value.__class__ is str:  # the common case after an int in range (the inline form)
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


# a finite float minus itself is 0.0; NaN and ±Infinity give NaN
@inline_form("{v}.__class__ is float and {v} - {v} == 0.0")
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


@inline_form("{v}.__class__ is bool")
def to_bool(value: t.Any) -> bool | None:
    """Boolean from bool, 0/1 or yes/no/true/false strings (a blank string does not fit)."""
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


@inline_form(INT64_TEST)
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
        parsed = value if isinstance(value, dt.datetime) else parse_iso(str(value))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.isoformat()

    return convert


def rfc2822_to_iso(value: t.Any) -> str | None:
    """'Wed, 14 Mar 2012 16:16:11 +0100' → '2012-03-14T16:16:11+01:00'."""
    if value is None:
        return None
    parsed = parse_rfc2822(value) if value.__class__ is str else None
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
        parsed = parse_iso(str(value))
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
        parsed = parse_iso(str(value))
    except ValueError:
        text = rfc2822_to_iso(value)
        if text is None:
            return None
        parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC).isoformat()
    return parsed.astimezone(dt.UTC).isoformat()


@inline_form("{v}.__class__ is str")
def to_text(value: t.Any) -> str | None:
    """A string exactly as sent: never stripped, a blank string stays a blank string.

    Stripping changed free text and merged keys that differ only by blanks (`"a"`, `" a"`);
    a blank JSON string is a value the vendor sent, not a null. A number becomes its text; a
    boolean its JSON spelling; an object or array does not fit.
    """
    if value is None:
        return value
    if isinstance(value, (dict, list)):
        raise TypeError("an object or array is not a string")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


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
