"""The settings every tap shares, and the checks the JSON schema cannot express.

The contract fixes these names for all five taps, so they are declared once. The SDK
validates types, ranges and enums from the schema; `check_common` adds what a schema cannot
say (plain `http://` only to a loopback host, a start before the end), each message naming
the setting so a Meltano user knows what to fix before any request is sent.
"""

from __future__ import annotations

import ipaddress
import typing as t
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk import typing as th

from tapkit.accounts import account_property
from tapkit.datetimes import parse_datetime_setting
from tapkit.limits import limit_properties

if t.TYPE_CHECKING:
    import datetime as dt


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
        *value_rule_properties(),
        account_property(),
    ]


#: the defaults of the value rules' settings, argued in docs/values.md
DEFAULT_ON_INVALID_KEY = "skip"
DEFAULT_ON_SCHEMA_DRIFT = "fail"


def value_rule_properties() -> list[th.Property[t.Any]]:
    """What a tap does with a row it cannot key, and with a stream that looks renamed."""
    return [
        th.Property(
            "on_invalid_key",
            th.StringType(allowed_values=["fail", "skip"]),
            default=DEFAULT_ON_INVALID_KEY,
            description=(
                "A row whose key is missing, null, empty or does not fit its type: skip it "
                "(counted in the end-of-stream warning, with one masked example per field; "
                "the run succeeds) or fail the stream. See docs/values.md."
            ),
        ),
        th.Property(
            "on_schema_drift",
            th.StringType(allowed_values=["fail", "warn"]),
            default=DEFAULT_ON_SCHEMA_DRIFT,
            description=(
                "When most declared fields of a stream never appear in a window's first "
                "records while undeclared fields do (a renamed API): fail before writing the "
                "window, or warn once and load (values kept in _extra). See docs/values.md."
            ),
        ),
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


def _values(value: t.Any) -> list[t.Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def check_path_and_header_values(
    config: t.Mapping[str, t.Any],
    *,
    path_settings: t.Iterable[str] = (),
    header_settings: t.Iterable[str] = (),
) -> list[str]:
    """Values that cannot travel where the tap puts them, refused before the first request.

    - a URL path segment of `.` or `..` is removed by URL normalisation (RFC 3986, done by
      urllib3), so the request would reach another endpoint: no encoding survives it;
    - an HTTP header carries Latin-1 only (`requests` fails with a traceback otherwise).
    Messages never quote the value: these settings are often secrets.
    """
    errors = [
        f"{setting} must not be '.' or '..' (a URL path segment): the request would go to "
        "another endpoint; check the value"
        for setting in path_settings
        if any(str(v).strip() in (".", "..") for v in _values(config.get(setting)) if v)
    ]
    for setting in header_settings:
        for value in _values(config.get(setting)):
            try:
                str(value or "").encode("latin-1")
            except UnicodeEncodeError:
                errors.append(
                    f"{setting} holds characters an HTTP header cannot carry (only Latin-1): "
                    "check that it was copied whole and unchanged"
                )
                break
    return errors


def path_segment(value: t.Any) -> str:
    """`value` as one URL path segment: every reserved character encoded (`/` too)."""
    text = str(value)
    if text in (".", ".."):
        raise ValueError(f"{text!r} cannot be a URL path segment")
    return quote(text, safe="")
