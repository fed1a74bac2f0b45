"""The settings every tap shares, and the checks the JSON schema cannot express.

The contract fixes these names for all five taps, so they are declared once. The SDK
validates types, ranges and enums from the schema; `check_common` adds what a schema cannot
say (plain `http://` only to a loopback host, a start before the end), each message naming
the setting so a Meltano user knows what to fix before any request is sent.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import typing as t
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as date_parser
from singer_sdk import typing as th

from tapkit.accounts import account_property
from tapkit.limits import limit_properties


def common_properties(
    *,
    default_base_url: str | None,
    base_url_required: bool = False,
    base_url_description: str = (
        "Override the vendor's host: a regional server, a proxy or the local emulator. "
        "Plain http:// is accepted only for a loopback host."
    ),
) -> list[th.Property[t.Any]]:
    """The contract's common settings, with the vendor's production host as default."""
    return [
        th.Property(
            "start_date",
            th.DateTimeType,
            description=(
                "First instant to extract on a run with no bookmark. Default: 30 days "
                "before now, clamped to the vendor's history limit."
            ),
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            description="Last instant to extract, for a backfill of a fixed range. Default: now.",
        ),
        th.Property(
            "lookback_days",
            th.IntegerType(minimum=0, maximum=MAX_LOOKBACK_DAYS),
            default=1,
            description="Days re-read before the bookmark on each incremental run (late data).",
        ),
        th.Property(
            "base_url",
            th.StringType,
            default=default_base_url,
            required=base_url_required,
            description=base_url_description,
        ),
        th.Property(
            "request_timeout",
            th.NumberType(exclusive_minimum=0),
            default=120,
            description="Timeout of one HTTP request, in seconds.",
        ),
        th.Property(
            "max_attempts",
            th.IntegerType(minimum=1),
            default=8,
            description=(
                "Attempts per request on retriable failures (429, 5xx, server busy, "
                "connection errors, timeouts, malformed bodies)."
            ),
        ),
        *limit_properties(),
        account_property(),
    ]


#: a century: more would overflow the calendar instead of failing with a message
MAX_LOOKBACK_DAYS = 36500

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(value: t.Any, setting: str = "base_url") -> list[str]:
    """https:// anywhere; http:// only to a loopback host (the emulators)."""
    if value in (None, ""):
        return []
    parts = urlsplit(str(value))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return [f"{setting} must be an http(s) URL such as https://host, got {value!r}"]
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return [
            f"{setting} uses plain http:// to {parts.hostname}; http:// is allowed only for a "
            "loopback host (127.0.0.0/8, ::1, localhost). Use https://"
        ]
    return []


def check_timezone(value: t.Any, setting: str, example: str = "Europe/Madrid") -> list[str]:
    """An IANA time zone name (the calendar of a vendor's days)."""
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        return [f"{setting} must be an IANA time zone name such as {example}, got {value!r}"]
    return []


def parse_datetime_setting(value: t.Any) -> dt.datetime | None:
    """A date-time setting as an aware datetime (UTC when no offset is given)."""
    if value in (None, ""):
        return None
    parsed = value if isinstance(value, dt.datetime) else date_parser.isoparse(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def check_common(config: t.Mapping[str, t.Any]) -> list[str]:
    """Checks shared by every tap, beyond what the JSON schema validates."""
    errors = check_base_url(config.get("base_url"))
    dates: dict[str, dt.datetime | None] = {}
    for setting in ("start_date", "end_date"):
        try:
            dates[setting] = parse_datetime_setting(config.get(setting))
        except (TypeError, ValueError, OverflowError):
            errors.append(
                f"{setting} must be an ISO 8601 date or date-time such as 2026-01-31 or "
                f"2026-01-31T00:00:00Z, got {config.get(setting)!r}"
            )
    start, end = dates.get("start_date"), dates.get("end_date")
    if start and end and start > end:
        errors.append(f"start_date ({start.isoformat()}) is after end_date ({end.isoformat()})")
    return errors
