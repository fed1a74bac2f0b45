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
- `max_response_seconds`: a whole request, connect to last byte (`tapkit.deadline`; retried
  like a timeout);
- `max_response_mb` and `max_decompression_ratio`: the size of one decoded body, and how
  much larger than its compressed bytes it may be;
- `max_field_mb` and `max_csv_line_mb`: one CSV value, one CSV line (`tapkit.csvbody`).
"""

from __future__ import annotations

import typing as t
import zlib
from dataclasses import dataclass, field

import requests
import urllib3
from singer_sdk import typing as th

from tapkit.deadline import Deadline
from tapkit.errors import LimitExceededError, ResponseTooSlowError

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


class ResponseGuard:
    """Bounds the reading of one body: its duration, its decoded size, its expansion.

    Installed on a response before it is parsed, so every reader of the body (`iter_content`,
    `.content`, `.text`) goes through it. The attempt's `Deadline` (`tapkit.deadline`),
    started before the request was sent, shuts the socket down when it fires: a read blocked
    on a dripping server returns at once, and the read fails as too slow.
    """

    def __init__(
        self, response: requests.Response, limits: Limits, *, vendor: str, stream: str
    ) -> None:
        self.response = response
        self.limits = limits
        self.vendor = vendor
        self.stream = stream
        #: only a body sent compressed can expand: a plain one is judged by its size alone
        self.encoding = response.headers.get("Content-Encoding", "").strip().lower()
        self.compressed = self.encoding not in ("", "identity")
        self._wire = 0
        deadline = getattr(response, "tapkit_deadline", None)
        self.deadline = (
            deadline if isinstance(deadline, Deadline) else Deadline(limits.max_response_seconds)
        )
        self._iter_content = response.iter_content
        response.iter_content = self.iter_content  # type: ignore[method-assign]

    @property
    def expired(self) -> bool:
        """Whether the attempt's deadline has passed."""
        return self.deadline.expired

    def close(self) -> None:
        """Stop the deadline (the body was read, or abandoned)."""
        self.deadline.close()

    def too_slow(self) -> ResponseTooSlowError:
        """The error of a response that outlived `max_response_seconds`."""
        return ResponseTooSlowError(self.deadline.message())

    def iter_content(self, chunk_size: int | None = 1, decode_unicode: bool = False) -> t.Any:
        """The body's chunks, checked against the limits as they come."""
        decoded = 0
        self._wire = 0
        own = self.encoding in ("gzip", "x-gzip", "deflate") and not decode_unicode
        chunks = (
            self._decompressed(chunk_size or 64 * 1024)
            if own
            else self._iter_content(chunk_size, decode_unicode)
        )
        try:
            for chunk in chunks:
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

    def _decompressed(self, chunk_size: int) -> t.Iterator[bytes]:
        """A gzip or deflate body decoded here, counting its bytes on the wire whatever the
        framing (urllib3 counts none of a chunked body's), at most `chunk_size` decoded
        bytes at a time: a bomb is refused before it is expanded.
        """
        decoder = _Inflater(self.encoding)
        try:
            for raw in self.response.raw.stream(64 * 1024, decode_content=False):
                self._wire += len(raw)
                yield from decoder.feed(raw, chunk_size)
            yield from decoder.finish()
        except zlib.error as exc:
            raise requests.exceptions.ContentDecodingError(
                f"the response is not valid {self.encoding} ({exc})"
            ) from None
        except urllib3.exceptions.HTTPError as exc:
            raise requests.exceptions.ChunkedEncodingError(
                f"the response broke off ({type(exc).__name__})"
            ) from None

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
            wire = self._wire or self._wire_bytes()
            ratio = self.limits.max_decompression_ratio
            # urllib3 counts none of a chunked body's bytes (0) in encodings it decodes
            # itself (not gzip or deflate, decoded here): max_response_mb alone bounds those
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


#: the largest body a stream may decode whole (`read_whole`): parsed at once, a body takes
#: ten to twenty times its size (a 24 MB 8x8 body took 357 MB)
WHOLE_BODY_MB = 16.0


def read_whole(response: requests.Response, limits: Limits, *, vendor: str, stream: str) -> bytes:
    """The body of a response a stream must parse at once, refused before it is parsed when
    larger than `WHOLE_BODY_MB` (or `max_response_mb`, if lower).
    """
    cap = min(limits.max_response_mb, WHOLE_BODY_MB)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > cap * MB:
            response.close()
            raise LimitExceededError(
                f"{vendor}: a response of stream '{stream}' is larger than {cap:g} MiB, the "
                f"most this stream parses at once (max_response_mb, at most {WHOLE_BODY_MB:g} "
                "MiB for such a body): refused before parsing"
            )
        chunks.append(chunk)
    return b"".join(chunks)


class _Inflater:
    """gzip (several members too) or deflate (zlib-wrapped or raw), decoded piecewise."""

    def __init__(self, encoding: str) -> None:
        self.gzip = encoding != "deflate"
        self.raw_deflate = False
        self.started = False
        self.members = 0
        self.inflater = self._new()

    def _new(self) -> t.Any:
        if self.gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self.raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes, size: int) -> t.Iterator[bytes]:
        """The decoded bytes of `data`, `size` at most at a time."""
        if not self.started and not self.gzip:
            self.started = True
            try:  # servers differ: a zlib stream, or bare deflate (as urllib3 accepts)
                zlib.decompressobj(zlib.MAX_WBITS).decompress(data[:64], 0)
            except zlib.error:
                self.raw_deflate = True
                self.inflater = self._new()
        while data:
            try:
                out = self.inflater.decompress(data, size)
            except zlib.error:
                if self.members:  # bytes after a whole gzip member: ignored, as urllib3 does
                    return
                raise
            data = self.inflater.unconsumed_tail
            if out:
                yield out
            if self.inflater.eof:
                data = self.inflater.unused_data + data
                self.members += 1
                if not data.strip(b"\0") or not self.gzip:
                    return
                self.inflater = self._new()  # the next gzip member

    def finish(self) -> t.Iterator[bytes]:
        """Whatever the decoder still holds."""
        tail = self.inflater.flush()
        if tail:
            yield tail
