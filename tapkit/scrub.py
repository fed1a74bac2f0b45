"""Keep secrets out of every line a tap prints.

The SDK only marks secret settings in the schema. Keys that travel in a query string or a
URL path still reach the output through urllib3's DEBUG lines, `requests` connection errors
("Max retries exceeded with url: /...?apiKey=..."), the SDK's "Backing off" lines, error
bodies and tracebacks. Rather than guard each of those, secrets are registered once and
removed at the two places all of them pass through: log-record creation (every logger,
every level, every handler and formatter) and exception messages.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
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
    its printed form: validation errors quote it. One given as a list or an object (a
    mistake in a config file) is masked whole, as Python and JSON print it, and each of its
    values on its own.
    """
    if isinstance(value, (list, tuple, dict)):
        for item in value.values() if isinstance(value, dict) else value:
            register_secret(item)
        for rendering in _renderings(value):
            _register_spelling(rendering)
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) < _MIN_SECRET_LENGTH:
        return
    for spelling in {value, quote(value, safe=""), quote_plus(value)}:
        _register_spelling(spelling)


def _renderings(value: list[t.Any] | tuple[t.Any, ...] | dict[t.Any, t.Any]) -> set[str]:
    renderings = {repr(value)}
    with contextlib.suppress(TypeError, ValueError):
        renderings.add(json.dumps(value))
    return renderings


def _register_spelling(spelling: str) -> None:
    if len(spelling) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if spelling not in _secrets:
            _secrets.append(spelling)
        # Longest first, so a secret containing another is masked whole.
        _secrets.sort(key=len, reverse=True)
    install()


def registered_secrets() -> tuple[str, ...]:
    """Return the secrets currently masked (for tests and diagnostics)."""
    return tuple(_secrets)


#: the user-info of a URL (`https://user:password@host`), whatever the URL
_USER_INFO = re.compile(r"(?<=://)[^/\s@'\"]+@")


def scrub(text: str) -> str:
    """Return `text` with every registered secret, and any URL's user-info, masked."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    if "@" in text:
        text = _USER_INFO.sub(f"{MASK}@", text)
    return text


def contains_secret(text: str) -> bool:
    """Tell whether `text` holds any registered secret, or a URL with user-info."""
    return any(secret in text for secret in _secrets) or (
        "@" in text and _USER_INFO.search(text) is not None
    )


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


def install() -> None:
    """Install the scrubbing record factory (once per process)."""
    global _installed  # noqa: PLW0603 (one process-wide install, under the lock)
    with _lock:
        if _installed:
            return
        logging.setLogRecordFactory(_ScrubbingRecordFactory(logging.getLogRecordFactory()))
        _installed = True
