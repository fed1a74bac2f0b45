"""The response guard: one body's reading bounded in time, size and expansion.

A vendor (or a proxy in the path) can drip one byte a second, so that each socket read
succeeds and `request_timeout` never fires, or send a small compressed body that expands
without end. `ResponseGuard` wraps a response's `iter_content` before the body is parsed:
it shuts the attempt down when its `Deadline` (`tapkit.deadline`) fires, decodes gzip and
deflate itself to count the bytes on the wire, and refuses a body beyond `max_response_mb`
or `max_decompression_ratio` (`tapkit.limits`). `read_whole` bounds a body that a stream
must decode at once.
"""

from __future__ import annotations

import typing as t
import zlib

import requests
import urllib3

from tapkit.deadline import Deadline
from tapkit.errors import LimitExceededError, ResponseTooSlowError
from tapkit.limits import MB, Limits

#: a body this small is never judged by its ratio (a tiny gzip of a short list is normal)
RATIO_FLOOR_BYTES = 1 << 20


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
