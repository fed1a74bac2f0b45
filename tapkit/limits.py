"""Bounds on every wait and every read, each a setting with a sane default.

A vendor that is broken (or hostile, or a proxy in the path) can otherwise hold a run
forever or exhaust its memory: repeat a full page for ever, let `totalCount` grow, drip one
byte a second (each socket read succeeds, so `request_timeout` never fires), ask for a
`Retry-After` of eleven days, or send a small compressed body that expands without end.
Each bound here is a setting (`limit_properties`, read into `Limits`); a breach is one error
naming the limit and the setting that raises it. The guards that apply them are apart:
`tapkit.pageguard` (pages per window, a repeated page), `tapkit.responseguard` (one body's
time, size and expansion), `tapkit.csvbody` (CSV values and lines).

- `max_pages_per_window`: pages read for one window (or one unwindowed list);
- a page that repeats the previous page of the same window exactly is an error;
- `max_retry_after_seconds`: a longer `Retry-After` fails at once, naming the wait;
- `max_response_seconds`: a whole request, connect to last byte (`tapkit.deadline`; retried
  like a timeout);
- `max_response_mb` and `max_decompression_ratio`: the size of one decoded body, and how
  much larger than its compressed bytes it may be;
- `max_field_mb` and `max_csv_line_mb`: one CSV value, one CSV line (`tapkit.csvbody`).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from singer_sdk import typing as th

from tapkit.errors import LimitExceededError

DEFAULT_MAX_PAGES_PER_WINDOW = 10_000
DEFAULT_MAX_RETRY_AFTER_SECONDS = 900.0
DEFAULT_MAX_RESPONSE_SECONDS = 900.0
DEFAULT_MAX_RESPONSE_MB = 1024.0
DEFAULT_MAX_DECOMPRESSION_RATIO = 200.0
DEFAULT_MAX_FIELD_MB = 16.0
DEFAULT_MAX_CSV_LINE_MB = 64.0
MB = 1 << 20


def limit_properties() -> list[th.Property[t.Any]]:
    """The settings that bound a run; every tap declares them."""
    return [
        th.Property(
            "max_pages_per_window",
            th.IntegerType(minimum=1),
            default=DEFAULT_MAX_PAGES_PER_WINDOW,
            description=(
                "Most pages read for one date window (or one list without windows); more "
                "fails the stream, so a server that never stops paging cannot hold the run."
            ),
        ),
        th.Property(
            "max_retry_after_seconds",
            th.NumberType(minimum=0),
            default=DEFAULT_MAX_RETRY_AFTER_SECONDS,
            description=(
                "Longest Retry-After the tap waits; a longer one fails the run at once, "
                "naming the wait asked."
            ),
        ),
        th.Property(
            "max_response_seconds",
            th.NumberType(exclusive_minimum=0),
            default=DEFAULT_MAX_RESPONSE_SECONDS,
            description=(
                "Longest time for one request, from connecting to the last byte of its "
                "answer (status line, headers, an error answer or a login included; "
                "request_timeout bounds one socket read only); a slower one is abandoned "
                "and retried."
            ),
        ),
        th.Property(
            "max_response_mb",
            th.NumberType(exclusive_minimum=0),
            default=DEFAULT_MAX_RESPONSE_MB,
            description="Largest decoded response body, in MiB; a larger one fails the stream.",
        ),
        th.Property(
            "max_field_mb",
            th.NumberType(exclusive_minimum=0),
            default=DEFAULT_MAX_FIELD_MB,
            description="Largest single CSV value, in MiB; a larger one fails the stream.",
        ),
        th.Property(
            "max_csv_line_mb",
            th.NumberType(exclusive_minimum=0),
            default=DEFAULT_MAX_CSV_LINE_MB,
            description="Longest single line of a CSV body, in MiB; a longer one fails the stream.",
        ),
        th.Property(
            "max_decompression_ratio",
            th.NumberType(minimum=1),
            default=DEFAULT_MAX_DECOMPRESSION_RATIO,
            description=(
                "How many times larger than its compressed bytes a body may expand (beyond "
                "its first MiB); more fails the stream (a decompression bomb)."
            ),
        ),
    ]


@dataclass(frozen=True)
class Limits:
    """The limits of one run, read from the config."""

    max_pages_per_window: int = DEFAULT_MAX_PAGES_PER_WINDOW
    max_retry_after_seconds: float = DEFAULT_MAX_RETRY_AFTER_SECONDS
    max_response_seconds: float = DEFAULT_MAX_RESPONSE_SECONDS
    max_response_mb: float = DEFAULT_MAX_RESPONSE_MB
    max_decompression_ratio: float = DEFAULT_MAX_DECOMPRESSION_RATIO
    max_field_mb: float = DEFAULT_MAX_FIELD_MB
    max_csv_line_mb: float = DEFAULT_MAX_CSV_LINE_MB

    @classmethod
    def from_config(cls, config: t.Mapping[str, t.Any]) -> Limits:
        """The limits set in `config`, defaults for the others."""
        values = {
            name: config[name] for name in cls.__dataclass_fields__ if config.get(name) is not None
        }
        return cls(
            max_pages_per_window=int(values.get("max_pages_per_window", cls.max_pages_per_window)),
            **{
                name: float(value)
                for name, value in values.items()
                if name != "max_pages_per_window"
            },
        )

    def check_retry_after(self, seconds: float, *, vendor: str, stream: str) -> float:
        """`seconds` when within `max_retry_after_seconds`, else a `LimitExceededError`."""
        if seconds > self.max_retry_after_seconds:
            raise LimitExceededError(
                f"{vendor} asked stream '{stream}' to wait {seconds:.0f} s before retrying "
                f"(Retry-After), more than max_retry_after_seconds "
                f"({self.max_retry_after_seconds:g} s); raise that setting to wait that long"
            )
        return seconds
