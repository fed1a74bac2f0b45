"""Reading date-times: every parser of the core, strict where a vendor's value is read.

A vendor's timestamp is read exactly (ISO 8601 / RFC 3339, or RFC 2822) or does not fit
(`DoesNotFitError`): a lenient parser turned `"10"` or `"Tuesday"` into a real-looking
instant. The fast paths (`parse_iso`'s C parser, `parse_rfc2822`'s common form) come first
because a tap reads one or two timestamps per row; the strict readers have the last word.
A date-time setting (`start_date`, `end_date`) or a bookmark is read by
`parse_datetime_setting`, which accepts what a user types (a date alone included).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import typing as t

from dateutil import parser as date_parser

from tapkit.errors import DoesNotFitError

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


def parse_iso(text: str) -> dt.datetime:
    """ISO 8601 through the standard library's C parser; dateutil for what it refuses.

    `fromisoformat` is about twenty times faster than dateutil's `isoparse`, and a tap
    parses one or two timestamps per row.
    """
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return strict_iso_datetime(text)  # never a lenient guess


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAYS = frozenset(("Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"))


def parse_rfc2822(text: str) -> dt.datetime | None:
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


def parse_datetime_setting(value: t.Any) -> dt.datetime | None:
    """A date-time setting as an aware datetime (UTC when no offset is given)."""
    if value in (None, ""):
        return None
    parsed = value if isinstance(value, dt.datetime) else date_parser.isoparse(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
