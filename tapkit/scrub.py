"""Keep secrets out of every line a tap prints.

The SDK only marks secret settings in the schema. Keys that travel in a query string or a
URL path still reach the output through urllib3's DEBUG lines, `requests` connection errors
("Max retries exceeded with url: /...?apiKey=..."), the SDK's "Backing off" lines, error
bodies and tracebacks. Rather than guard each of those, secrets are registered once and
removed at the two places all of them pass through: log-record creation (every logger,
every level, every handler and formatter) and exception messages.
"""

from __future__ import annotations

import logging
import sys
import threading
import typing as t
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_SECRET_LENGTH = 4

_lock = threading.Lock()
_secrets: list[str] = []
_installed = False


def register_secret(value: object) -> None:
    """Remember a secret, in the spellings it can take inside a URL, and start scrubbing.

    A secret given as a number (`api_token: 987654321987` in YAML or JSON) is masked in
    its printed form: validation errors quote it.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) < _MIN_SECRET_LENGTH:
        return
    spellings = {value, quote(value, safe=""), quote_plus(value)}
    with _lock:
        for spelling in spellings:
            if spelling not in _secrets:
                _secrets.append(spelling)
        # Longest first, so a secret containing another is masked whole.
        _secrets.sort(key=len, reverse=True)
    install()


def registered_secrets() -> tuple[str, ...]:
    """Return the secrets currently masked (for tests and diagnostics)."""
    return tuple(_secrets)


def scrub(text: str) -> str:
    """Return `text` with every registered secret replaced by a mask."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def contains_secret(text: str) -> bool:
    """Tell whether `text` holds any registered secret."""
    return any(secret in text for secret in _secrets)


def scrub_exception(exc: BaseException | None) -> BaseException | None:
    """Mask secrets in an exception's message and in its whole cause/context chain, in place."""
    seen: set[int] = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        _scrub_args(current)
        current = current.__cause__ or current.__context__
    return exc


def _scrub_args(exc: BaseException) -> None:
    try:
        rendered = str(exc)
    except Exception:  # a broken __str__ must not hide the original error
        return
    if contains_secret(rendered) or any(contains_secret(repr(arg)) for arg in exc.args):
        exc.args = (scrub(rendered),)


class _ScrubbingRecordFactory:
    """Log-record factory that masks secrets as each record is created."""

    def __init__(self, inner: t.Callable[..., logging.LogRecord]) -> None:
        self.inner = inner

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        if _secrets:
            _scrub_record(record)
        return record


_STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call: keep whatever the logging module does
        message = str(record.msg)
    if contains_secret(message):
        record.msg, record.args = scrub(message), None
    if record.exc_info and record.exc_info[1] is not None:
        scrub_exception(record.exc_info[1])
    if record.exc_text and contains_secret(record.exc_text):
        record.exc_text = scrub(record.exc_text)
    for key, value in list(record.__dict__.items()):
        if key not in _STANDARD_ATTRIBUTES and contains_secret(repr(value)):
            record.__dict__[key] = scrub(repr(value))


def _scrubbing_excepthook(hook: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    def excepthook(exc_type: type[BaseException], exc: BaseException, tb: t.Any) -> None:
        scrub_exception(exc)
        hook(exc_type, exc, tb)

    excepthook.__scrubbing__ = True  # type: ignore[attr-defined]
    return excepthook


def install() -> None:
    """Install the scrubbing record factory (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        logging.setLogRecordFactory(_ScrubbingRecordFactory(logging.getLogRecordFactory()))
        _installed = True


def guard_excepthook() -> None:
    """Wrap the current `sys.excepthook` so an uncaught error is scrubbed before printing.

    Called after the SDK replaced the hook with its own, so both the SDK's log line and a
    plain traceback print masked text.
    """
    if not getattr(sys.excepthook, "__scrubbing__", False):
        sys.excepthook = _scrubbing_excepthook(sys.excepthook)
