"""Strict value checks: a vendor value either fits its declared type exactly, or it does not.

Lenient conversion invented data: `4.6` in an integer column became 5, `NaN` or `1e309`
became null with nothing kept, an integer above 2^63 reached the warehouse and failed the
load (of every run, since the window is re-read). Each check here raises `DoesNotFitError`
(a `ValueError`) instead (date-times are read as strictly, by `tapkit.datetimes`), and the
misfit rule (`tapkit.misfits`) decides where the value goes: kept as sent in `_extra`, or an
error when the field is a key.

Text is cleaned of NUL characters (PostgreSQL refuses them in text and JSON) by
`strip_nul`, which the record writer applies to every string of a record, counted per stream.
"""

from __future__ import annotations

import math
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
