"""Bounds on every wait and every read, each a setting with a sane default.

A vendor that is broken (or hostile, or a proxy in the path) can otherwise hold a run
forever or exhaust its memory: repeat a full page for ever, let `totalCount` grow, drip one
byte a second (each socket read succeeds, so `request_timeout` never fires), ask for a
`Retry-After` of eleven days, or send a small compressed body that expands without end.
Each bound here is a setting; a breach is one error naming the limit and the setting that
raises it.

- `max_pages_per_window`: pages read for one window (or one unwindowed list);
- a page that repeats the previous page of the same window exactly is an error;
- `max_retry_after_seconds`: a longer `Retry-After` fails at once, naming the wait;
- `max_response_seconds`: a whole response, first byte to last (retried like a timeout);
- `max_response_mb` and `max_decompression_ratio`: the size of one decoded body, and how
  much larger than its compressed bytes it may be;
- `max_field_mb` and `max_csv_line_mb`: one CSV value, one CSV line (`tapkit.csvbody`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import typing as t
from dataclasses import dataclass, field

from singer_sdk import typing as th
from singer_sdk.exceptions import FatalAPIError

from tapkit.jsonbody import BodyError

if t.TYPE_CHECKING:
    import requests

DEFAULT_MAX_PAGES_PER_WINDOW = 10_000
DEFAULT_MAX_RETRY_AFTER_SECONDS = 900.0
DEFAULT_MAX_RESPONSE_SECONDS = 900.0
DEFAULT_MAX_RESPONSE_MB = 1024.0
DEFAULT_MAX_DECOMPRESSION_RATIO = 200.0
DEFAULT_MAX_FIELD_MB = 16.0
DEFAULT_MAX_CSV_LINE_MB = 64.0
#: a body this small is never judged by its ratio (a tiny gzip of a short list is normal)
RATIO_FLOOR_BYTES = 1 << 20
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
                "Longest time to read one whole response body (request_timeout bounds one "
                "socket read only); a slower response is abandoned and retried."
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


class LimitExceededError(FatalAPIError):
    """A bound of `tapkit.limits` was reached: not retried, the message names the setting."""


class ResponseTooSlowError(BodyError):
    """The whole response took longer than `max_response_seconds` (retried as a timeout)."""


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


# -- pages ------------------------------------------------------------------------------


def too_deep(stream: str) -> LimitExceededError:
    """The error of a record nested deeper than Python can render (thousands of levels)."""
    return LimitExceededError(
        f"stream '{stream}': a record nests values too deep to be written (more than about "
        "a thousand levels): refused as hostile input"
    )


def render(record: t.Any, stream: str) -> str:
    """`repr(record)`, or `too_deep` for a record nested beyond the interpreter's limit."""
    try:
        return repr(record)
    except RecursionError:
        raise too_deep(stream) from None


@dataclass
class PageSummary:
    """What identifies a page's content cheaply: its count, first and last record."""

    records: int = 0
    first: str = ""
    last: t.Any = None

    def fingerprint(self, stream: str = "") -> tuple[int, str, str]:
        """Equal for two pages that hold the same records (the last one rendered late: rows
        are post-processed in place, the same way on every page).
        """
        return (self.records, self.first, render(self.last, stream))


@dataclass
class PageGuard:
    """Counts the pages of each window and refuses a page that repeats the one before.

    One per walk (a thread reading ahead has its own). `scope` is the window of a window
    token, or None for a list read without windows.
    """

    limits: Limits
    vendor: str
    stream: str
    _pages: dict[t.Any, int] = field(default_factory=dict)
    _previous: dict[t.Any, tuple[int, str, str]] = field(default_factory=dict)

    def next_request(self, token: t.Any) -> None:
        """Account for the page about to be requested; refuse one beyond the window's limit."""
        scope = getattr(token, "window", None)
        pages = self._pages.get(scope, 0) + 1
        if pages > self.limits.max_pages_per_window:
            raise LimitExceededError(
                f"{self.vendor}: stream '{self.stream}' read max_pages_per_window "
                f"({self.limits.max_pages_per_window}) pages for {_where(scope)} and the "
                "server still offers more; raise that setting or use shorter windows "
                "(window_days)"
            )
        self._pages[scope] = pages

    def page_read(self, token: t.Any, summary: PageSummary | None) -> None:
        """Compare the page just read at `token` with the one before it in the same window."""
        if summary is None:
            return
        scope = getattr(token, "window", None)
        fingerprint = summary.fingerprint(self.stream)
        if summary.records and self._previous.get(scope) == fingerprint:
            raise LimitExceededError(
                f"{self.vendor}: stream '{self.stream}' got page {self._pages.get(scope, 0)} "
                f"of {_where(scope)} with exactly the {summary.records} records of the page "
                "before: the server is not paging; stopped instead of reading the same "
                "records for ever"
            )
        self._previous[scope] = fingerprint


def _where(scope: t.Any) -> str:
    return f"window {scope}" if scope is not None else "the list"


# -- one response -------------------------------------------------------------------------


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The socket a streamed response reads from (urllib3 2.x keeps its connection)."""
    connection = getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


class ResponseGuard:
    """Bounds the reading of one body: its duration, its decoded size, its expansion.

    Installed on a response before it is parsed, so every reader of the body (`iter_content`,
    `.content`, `.text`) goes through it. A timer shuts the socket down at the deadline: a
    read blocked on a dripping server returns at once, and the read fails as too slow.
    """

    def __init__(
        self, response: requests.Response, limits: Limits, *, vendor: str, stream: str
    ) -> None:
        self.response = response
        self.limits = limits
        self.vendor = vendor
        self.stream = stream
        self.started = time.monotonic()
        #: only a body sent compressed can expand: a plain one is judged by its size alone
        self.compressed = response.headers.get("Content-Encoding", "").strip().lower() not in (
            "",
            "identity",
        )
        self.expired = False
        self._timer = threading.Timer(limits.max_response_seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()
        self._iter_content = response.iter_content
        response.iter_content = self.iter_content  # type: ignore[method-assign]

    def _expire(self) -> None:
        self.expired = True
        sock = _socket_of(self.response)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        else:  # no socket to reach: closing makes the next read fail
            with contextlib.suppress(Exception):
                self.response.close()

    def close(self) -> None:
        """Stop the deadline timer (the body was read, or abandoned)."""
        self._timer.cancel()

    def too_slow(self) -> ResponseTooSlowError:
        """The error of a response that outlived `max_response_seconds`."""
        return ResponseTooSlowError(
            f"the response took longer than max_response_seconds "
            f"({self.limits.max_response_seconds:g} s) to arrive whole"
        )

    def iter_content(self, chunk_size: int | None = 1, decode_unicode: bool = False) -> t.Any:
        """The body's chunks, checked against the limits as they come."""
        decoded = 0
        try:
            for chunk in self._iter_content(chunk_size, decode_unicode):
                decoded += len(chunk)
                self._check_progress(decoded)
                yield chunk
        except (LimitExceededError, ResponseTooSlowError):
            raise
        except Exception:
            if self.expired:
                raise self.too_slow() from None
            raise
        if self.expired:
            raise self.too_slow()

    def _check_progress(self, decoded: int) -> None:
        """Raise if the body is late, larger than allowed, or expands like a bomb."""
        if self.expired:
            raise self.too_slow()
        if decoded > self.limits.max_response_mb * MB:
            raise LimitExceededError(
                f"{self.vendor}: a response of stream '{self.stream}' is larger than "
                f"max_response_mb ({self.limits.max_response_mb:g} MiB); raise that "
                "setting or use shorter windows (window_days)"
            )
        if self.compressed and decoded > RATIO_FLOOR_BYTES:
            wire = self._wire_bytes()
            ratio = self.limits.max_decompression_ratio
            # urllib3 counts none of a chunked body's bytes (0): its expansion cannot be
            # judged, and max_response_mb alone bounds it
            if wire and decoded / wire > ratio:
                raise LimitExceededError(
                    f"{self.vendor}: a response of stream '{self.stream}' expands "
                    f"more than max_decompression_ratio ({ratio:g}) times its "
                    f"compressed size ({wire} bytes became {decoded}): refused as a "
                    "decompression bomb"
                )

    def _wire_bytes(self) -> int:
        try:
            return int(self.response.raw.tell())
        except Exception:  # not a urllib3 response: no ratio to judge
            return 1 << 62
