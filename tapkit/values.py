"""Strict value checks: a vendor value either fits its declared type exactly, or it does not.

Lenient conversion invented data: `4.6` in an integer column became 5, `NaN` or `1e309`
became null with nothing kept, an integer above 2^63 reached the warehouse and failed the
load (of every run, since the window is re-read), a date parser turned `"10"` or
`"Tuesday"` into a real-looking timestamp. Each check here raises `DoesNotFitError` (a
`ValueError`) instead, and the typing rule of `tapkit.records` decides where the value goes:
kept as sent in `_extra`, or an error when the field is a key.

Text is cleaned of NUL characters (PostgreSQL refuses them in text and JSON) by
`strip_nul`, which the record writer applies to every string of a record, counted per stream.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import re
import typing as t

from tapkit.errors import DoesNotFitError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def checked_int(value: int) -> int:
    """`value` when it fits a signed 64-bit integer (what warehouses store).

    Else `DoesNotFitError`.
    """
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise DoesNotFitError(f"integer {value} is out of the 64-bit range")


def int_from_float(value: float) -> int:
    """A float that holds a whole number, as an int; a fraction or non-finite value does not fit.

    Never rounded: `4.6` in an integer field is a vendor telling something the schema does
    not expect, kept as sent rather than changed into 5.
    """
    if not math.isfinite(value):
        raise DoesNotFitError(f"{value!r} is not a finite number")
    if not value.is_integer():
        raise DoesNotFitError(f"{value!r} is not a whole number")
    return checked_int(int(value))


def checked_float(value: float) -> float:
    """`value` when finite; NaN and ±Infinity (also `1e309`, which overflows) do not fit."""
    if math.isfinite(value):
        return value
    raise DoesNotFitError(f"{value!r} is not a finite number")


def json_safe(value: t.Any) -> t.Any:
    """A value kept in `_extra`, in a form JSON can carry: a non-finite float as its text.

    JSON has no NaN or Infinity; encoded as null, the value as sent would be lost again.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


# -- dates ------------------------------------------------------------------------------

#: ISO 8601 / RFC 3339 as vendors send it: a full date, optionally a time (any fraction
#: length, second 60 for a leap second), optionally an offset; the designators `T` and `Z`
#: in either case (RFC 3339 section 5.6 allows lowercase `t` and `z`)
_ISO_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?"
)
#: the fraction digits beyond microseconds (the seventh onwards) of a date-time
_SUB_MICROSECOND = re.compile(r"[.,]\d{6}(\d+)")
#: a leap second: second 60
_LEAP_SECOND = re.compile(r"[Tt ]\d{2}:\d{2}:60")
ONE_SECOND = dt.timedelta(seconds=1)
#: RFC 2822 (RFC 5322 section 3.3): "Wed, 14 Mar 2012 16:16:11 +0100", the weekday optional
_RFC2822 = re.compile(
    r"(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})? "
    r"(?:[+-]\d{4}|UT|GMT)"
)


def strict_iso_datetime(text: str) -> dt.datetime:
    """An ISO 8601 / RFC 3339 date or date-time, exactly as sent; anything else does not fit.

    `"10"`, `"2026"`, `"Tuesday"`, `"10:00 CET"` are not instants: parsing them leniently
    would invent a day. Surrounding blanks are not part of an RFC 3339 date-time either.
    What Python's `datetime` cannot hold is mapped, and said by `datetime_notes`:
    - a leap second (`23:59:60Z`) is the instant that follows second 59, `00:00:00Z` of the
      next day (as PostgreSQL and POSIX time read it);
    - digits beyond microseconds are dropped (truncated, never rounded: a rounded
      `23:59:59.9999996` would move into the next day, and so into another window).
    """
    match = _ISO_DATETIME.fullmatch(text)
    if not match:
        raise DoesNotFitError(f"{text!r} is not an ISO 8601 date-time")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    leap = second == "60"
    # 24:00 (ISO 8601's end of a day) is the next day's midnight; 24:01 is no time
    midnight_24 = hour == "24" and minute == "00" and (second or "00") == "00"
    if midnight_24 and (fraction or "").strip("0"):
        midnight_24 = False
    try:
        parsed = dt.datetime(
            int(year),
            int(month),
            int(day),
            0 if midnight_24 else int(hour or 0),
            int(minute or 0),
            59 if leap else int(second or 0),
            int((fraction or "")[:6].ljust(6, "0")),
            tzinfo=_zone(zone),
        )
        if leap:
            parsed += ONE_SECOND
        elif midnight_24:
            parsed += dt.timedelta(days=1)
    except (ValueError, OverflowError):
        raise DoesNotFitError(f"{text!r} is not a valid ISO 8601 date-time") from None
    return parsed


def _zone(zone: str | None) -> dt.tzinfo | None:
    """The `tzinfo` of an RFC 3339 offset (`Z`, `z`, `+01:00`, `+0100`, `+01`)."""
    if zone is None:
        return None
    if zone in ("Z", "z"):
        return dt.UTC
    digits = zone[1:].replace(":", "")
    offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return dt.timezone(-offset if zone[0] == "-" else offset)


def datetime_notes(text: str) -> list[str]:
    """What reading `text` as a date-time changed that cannot be kept: sub-microsecond
    digits dropped, a leap second moved to the next second (empty for most values).
    """
    notes = []
    extra = _SUB_MICROSECOND.search(text)
    if extra:
        notes.append(
            f"{len(extra.group(1))} digit(s) beyond microseconds are dropped (truncated, "
            "never rounded)"
        )
    if _LEAP_SECOND.search(text):
        notes.append("a leap second (second 60) becomes the first instant after second 59")
    return notes


def strict_rfc2822_datetime(text: str) -> dt.datetime:
    """An RFC 2822 date-time with an explicit zone, exactly; anything else does not fit."""
    text = " ".join(text.split())
    if not _RFC2822.fullmatch(text):
        raise DoesNotFitError(f"{text!r} is not an RFC 2822 date-time")
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise DoesNotFitError(f"{text!r} is not a valid RFC 2822 date-time") from None


# -- NUL -----------------------------------------------------------------------------------

NUL = "\x00"


def strip_nul(value: t.Any) -> tuple[t.Any, int]:
    """`value` with every NUL character removed from its strings (keys too), and how many."""
    if isinstance(value, str):
        count = value.count(NUL)
        return (value.replace(NUL, ""), count) if count else (value, 0)
    if isinstance(value, dict):
        total = 0
        cleaned = {}
        for key, item in value.items():
            clean_key, in_key = strip_nul(key)
            cleaned[clean_key], in_item = strip_nul(item)
            total += in_key + in_item
        return cleaned, total
    if isinstance(value, list):
        total = 0
        items = []
        for item in value:
            clean_item, count = strip_nul(item)
            items.append(clean_item)
            total += count
        return items, total
    return value, 0
