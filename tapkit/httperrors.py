"""The HTTP side of every request: which failures are retried, how long to wait, what to say.

One error ladder for all vendors (`check_response`): 401/403 fail at once naming the settings
to check; 429 and 5xx are retried; other 4xx fail with the vendor's message; an HTML page
where data was expected (a proxy, a maintenance page) is retried. Waits honour `Retry-After`
(seconds or an HTTP date), else grow exponentially up to a minute, and a 429 waits at least
the vendor's request interval. Messages are short and have secrets masked.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
import typing as t
from http import HTTPStatus

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tapkit.errors import BodyError, PageBodyError
from tapkit.netfailure import connection_failure
from tapkit.scrub import scrub

if t.TYPE_CHECKING:
    from tapkit.throttle import MinIntervalThrottle

MAX_BACKOFF_SECONDS = 60.0
_ERROR_BODY_CHARS = 500
#: how much of an error answer is read: its message is in its first bytes
ERROR_BODY_BYTES = 64 * 1024

#: Failures while reading a body that was accepted: retried by re-requesting the page.
BODY_FAILURES: tuple[type[BaseException], ...] = (
    BodyError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    ConnectionResetError,
)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(
    exception: BaseException | None,
    attempt: int,
    throttle: MinIntervalThrottle | None,
    *,
    retry_after_cap: t.Callable[[float], float] | None = None,
) -> float:
    """Seconds to wait before attempt `attempt + 1` after `exception` (the throttle too).

    `retry_after_cap` checks a vendor's `Retry-After` (`Limits.check_retry_after`: a wait
    beyond the setting stops the run instead of sleeping for hours).
    """
    response = getattr(exception, "response", None)
    delay = min(float(2 ** (attempt - 1)), MAX_BACKOFF_SECONDS)
    if response is not None:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            delay = retry_after_cap(retry_after) if retry_after_cap else retry_after
        elif response.status_code == HTTPStatus.TOO_MANY_REQUESTS and throttle:
            delay = max(delay, throttle.interval)
    if throttle:
        throttle.defer(delay)
    return delay


def check_response(
    response: requests.Response,
    *,
    vendor: str,
    stream: str,
    auth_settings: t.Sequence[str],
    retry_statuses: t.Container[int],
) -> None:
    """Raise the SDK's fatal or retriable error for a response that holds no data."""
    status = response.status_code
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
        settings = " and ".join(auth_settings) or "the credentials"
        raise FatalAPIError(
            f"{vendor} refused the credentials (HTTP {status}) for stream "
            f"'{stream}': check the setting(s) {settings}. "
            f"{vendor} said: {vendor_message(response)}"
        )
    if status in retry_statuses or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        raise RetriableAPIError(
            f"{vendor} answered HTTP {status} for stream '{stream}': {vendor_message(response)}",
            response,
        )
    if status >= HTTPStatus.BAD_REQUEST:
        raise FatalAPIError(
            f"{vendor} rejected the request of stream '{stream}' (HTTP {status}): "
            f"{vendor_message(response)}"
        )
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type.lower():
        raise RetriableAPIError(
            f"{vendor} answered an HTML page instead of data for stream "
            f"'{stream}' (a proxy or maintenance page?)",
            response,
        )


def read_capped(response: requests.Response, cap: int) -> tuple[bytes, bool]:
    """At most `cap` decoded bytes of the body, and whether it held more.

    An error answer or a login is read only this far (a hostile 300 MB error body must not
    reach memory), under the attempt's deadline; the response is then closed, so what is
    left unread never reaches a later request on the same connection.
    """
    data = bytearray()
    more = False
    try:
        for chunk in response.iter_content(chunk_size=min(cap + 1, 64 * 1024)):
            data += chunk
            if len(data) > cap:
                more = True
                break
    finally:
        response.close()  # keeps a connection read to its end, drops one left half-read
    return bytes(data[:cap]), more


def vendor_message(response: requests.Response) -> str:
    """The vendor's error text (its first KiBs only), short and with secrets masked."""
    cached = getattr(response, "tapkit_error_text", None)
    if isinstance(cached, str):
        return cached
    try:
        data, _ = read_capped(response, ERROR_BODY_BYTES)
    except Exception:  # the body could not be read; the status says enough
        data = b""
    try:
        text = data.decode(response.encoding or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        text = data.decode("utf-8", "replace")
    text = " ".join(text.split())[:_ERROR_BODY_CHARS] or response.reason or "(no message)"
    response.tapkit_error_text = scrub(text)  # type: ignore[attr-defined]
    return response.tapkit_error_text  # type: ignore[attr-defined,no-any-return]


def describe_failure(exc: BaseException | None) -> str:
    """A one-line description of a failed attempt, secrets masked."""
    if exc is None:
        return "unknown error"
    if isinstance(exc, PageBodyError):
        how = f"broke off after {exc.records} records" if exc.records else "was unusable"
        return f"the response {how}: {describe_failure(exc.cause)}"
    response = getattr(exc, "response", None)
    if isinstance(exc, (RetriableAPIError, FatalAPIError)):
        return scrub(str(exc))
    if isinstance(exc, requests.exceptions.ConnectionError) and response is None:
        return connection_failure(exc)  # the host and why: DNS, refused, TLS, no answer
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    return scrub(f"{type(exc).__name__}: {exc}")
