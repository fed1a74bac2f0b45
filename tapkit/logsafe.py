"""Every log line is one line, whatever a vendor (or anyone in the path) puts in its text.

Vendor error bodies, Chat-Tonic's login failure message and parser errors quoting a body
reach the log. Unescaped, a newline in them forges a log line of its own ("ERROR ... all
good") and an ESC sequence rewrites the operator's terminal. At log-record creation (every
logger, every level, like `tapkit.scrub`), the message's control characters are shown as
escapes: a newline as `\\n`, ESC as `\\x1b`. Tracebacks (at DEBUG) keep their lines.
"""

from __future__ import annotations

import logging
import re
import threading
import typing as t

#: C0 controls but tab, DEL, C1 controls, and the Unicode line/paragraph separators
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r"}

_lock = threading.Lock()
_installed = False


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def one_line(text: str) -> str:
    """`text` with its control characters escaped: printed, it is exactly one line."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


class _OneLineRecordFactory:
    """Log-record factory that escapes control characters in each record's message."""

    def __init__(self, inner: t.Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to the logging module
            return record
        if _UNSAFE.search(message):
            record.msg, record.args = one_line(message), None
        return record


def install() -> None:
    """Escape every log message from now on (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        logging.setLogRecordFactory(_OneLineRecordFactory(logging.getLogRecordFactory()))
        _installed = True
