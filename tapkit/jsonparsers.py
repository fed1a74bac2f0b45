"""The JSON parsers a run uses, and what their failures mean.

Bodies are decoded by msgspec where it can (a batch of whole records, a page held whole) and
by ijson's push parser otherwise. ijson's C backend reads numbers as doubles and 64-bit
integers; the first body holding a number beyond them (`1e309`, an integer beyond 64 bits)
switches the run to the exact pure-Python backend (`use_exact_numbers`), so one such value
does not fail its window on every run. `tapkit.jsonbody` and `tapkit.jsonenvelope` read
the parser in use here, and turn a parser's error into a `BodyError` here.
"""

from __future__ import annotations

import typing as t

import ijson
import msgspec

from tapkit.errors import BodyError, NumberOverflowError

#: the UTF-8 byte order mark some servers put before a body
BOM = b"\xef\xbb\xbf"
#: digits enough for an integer beyond 64 bits (19): such a body is left to ijson, whose
#: overflow error switches the run to exact numbers (`use_exact_numbers`); msgspec reads
#: 64-bit integers only
_LONG_DIGITS = b"0" * 19
#: every ASCII digit to `0`, every other byte to a blank: a run of 19 digits becomes
#: `_LONG_DIGITS`
_DIGITS_ONLY = bytes(ord("0") if ord("0") <= byte <= ord("9") else ord(" ") for byte in range(256))


def has_long_number(data: bytes | bytearray) -> bool:
    r"""True when `data` holds a run of 19 or more ASCII digits (what `rb"\d{19,}"` finds).

    One `translate` and one substring search, both in C, scan a page about fourteen times
    faster than that regular expression, which takes a sixth of a JAICP page's time.
    """
    return _LONG_DIGITS in data.translate(_DIGITS_ONLY)


#: a whole body, decoded at once
decode_whole = msgspec.json.Decoder().decode
#: what makes a fast decode give way to the streaming parser; a body nested deeper than
#: msgspec recurses is read there too, and refused with one line (`tapkit.pageguard.too_deep`)
NOT_DECODED = (msgspec.DecodeError, msgspec.ValidationError, RecursionError)

#: the parser in use: ijson's C backend with floats, until a body holds a number it cannot
#: represent (an integer beyond 64 bits, `1e309`)
_parsers: t.Any = ijson
_use_float = True


def current_parser() -> tuple[t.Any, bool]:
    """The ijson backend in use and whether it reads numbers as floats (`use_exact_numbers`)."""
    return _parsers, _use_float


def exact_numbers() -> bool:
    """Whether the run reads numbers exactly (a body held one a double cannot)."""
    return _parsers is not ijson


def use_exact_numbers() -> bool:
    """Parse bodies with ijson's pure-Python backend from now on; True if it was not yet.

    The C backend fails on an integer beyond 64 bits or a float beyond a double, so one
    such value would fail its window on every run. The Python backend, with decimals for
    non-integers, reads any number, slower: it is used only once a vendor has sent one. The
    typing rule then keeps the value as sent in `_extra`.
    """
    global _parsers, _use_float
    if _parsers is not ijson:
        return False
    _parsers, _use_float = ijson.get_backend("python"), False
    return True


def parse_failure(exc: Exception) -> BodyError:
    """The `BodyError` of a parser's error (switching to exact numbers on an overflow)."""
    if "overflow" in str(exc) and use_exact_numbers():
        return NumberOverflowError(
            "the response holds a number beyond 64 bits; reading it again with a parser "
            "that keeps it (the value goes to _extra)"
        )
    if isinstance(exc, ijson.IncompleteJSONError):
        return BodyError(f"the response body is cut short or malformed JSON ({exc})")
    return BodyError(f"the response is not valid JSON ({exc})")


def strip_bom(chunk: bytes) -> bytes:
    """`chunk` without a leading UTF-8 byte order mark."""
    stripped = chunk.lstrip()
    return stripped[len(BOM) :] if stripped.startswith(BOM) else chunk
