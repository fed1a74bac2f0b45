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

import email.utils
import math
import re
import typing as t

from dateutil.parser import isoparse
from singer_sdk.exceptions import FatalAPIError

if t.TYPE_CHECKING:
    import datetime as dt

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class DoesNotFitError(ValueError):
    """The value does not fit the declared type (the typing rule decides where it goes)."""


class KeyMissingError(FatalAPIError):
    """A row came without one of its required key fields: it cannot be upserted."""

    def __init__(self, stream: str, field: str, row: t.Mapping[str, t.Any]) -> None:
        fields = ", ".join(sorted(map(str, row))[:20])
        super().__init__(
            f"stream '{stream}': a row came without its key field '{field}' (or with null); "
            f"it cannot be loaded by key, so the stream stops. The row's fields: {fields}"
        )


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

#: ISO 8601 as vendors send it: a full date, optionally a time, optionally an offset
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
#: RFC 2822 (RFC 5322 section 3.3): "Wed, 14 Mar 2012 16:16:11 +0100", the weekday optional
_RFC2822 = re.compile(
    r"(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}(?::\d{2})? "
    r"(?:[+-]\d{4}|UT|GMT)"
)


def strict_iso_datetime(text: str) -> dt.datetime:
    """An ISO 8601 date or date-time, exactly; anything else does not fit.

    `"10"`, `"2026"`, `"Tuesday"`, `"10:00 CET"` are not instants: parsing them leniently
    would invent a day.
    """
    text = text.strip()
    if not _ISO_DATETIME.fullmatch(text):
        raise DoesNotFitError(f"{text!r} is not an ISO 8601 date-time")
    try:  # dateutil's ISO parser (not its guessing one): 24:00, comma fractions, ...
        return isoparse(text)
    except (ValueError, OverflowError):
        raise DoesNotFitError(f"{text!r} is not a valid ISO 8601 date-time") from None


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
