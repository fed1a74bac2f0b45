"""How a vendor stream sends one request: session, retries, throttle, deadline, error ladder.

The HTTP half of `tapkit.stream.VendorStream`, which builds on it (a tap's streams derive from
`VendorStream`, never from this class): the vendor's base URL and timeout, one keep-alive
session per stream refusing redirects to another origin (`tapkit.redirects`), the objects a
run shares (`tapkit.runscope`), the retry policy and its one line per retry
(`tapkit.httperrors`), the throttle around every attempt (`tapkit.throttle`), the deadline of
an attempt (`tapkit.deadline`) and the error ladder applied to every response.
"""

from __future__ import annotations

import contextlib
import random
import typing as t
from functools import cached_property
from http import HTTPStatus

import requests
from singer_sdk.exceptions import FatalAPIError
from typing_extensions import override

from tapkit.deadline import Deadline, watch_connections
from tapkit.errors import PageBodyError
from tapkit.httperrors import (
    backoff_delay,
    check_response,
    describe_failure,
)
from tapkit.limits import Limits
from tapkit.redirects import guard_redirects
from tapkit.runscope import RunScope
from tapkit.scrub import scrub_exception
from tapkit.sdk_compat import CompatStream

if t.TYPE_CHECKING:
    from tapkit.throttle import MinIntervalThrottle


class HttpStream(CompatStream):
    """A vendor endpoint's HTTP conventions: the request half of `VendorStream`."""

    #: Name of the vendor, for messages ("Oct8ne answered ...").
    vendor: str = "the API"
    #: Settings to check when the vendor refuses the credentials (401/403).
    auth_settings: tuple[str, ...] = ()
    extra_retry_statuses = (HTTPStatus.TOO_MANY_REQUESTS,)

    @property
    @override
    def url_base(self) -> str:
        """The vendor host (or the `base_url` override)."""
        return str(self.config["base_url"]).rstrip("/")

    @property
    @override
    def timeout(self) -> float:  # type: ignore[override]
        """Per-request timeout from `request_timeout`."""
        return float(self.config.get("request_timeout", 120))

    @property
    @override
    def requests_session(self) -> requests.Session:
        """One keep-alive session per stream, reading bodies as they arrive."""
        session = watch_connections(guard_redirects(super().requests_session))
        session.stream = True
        return session

    @property
    def run_scope(self) -> RunScope:
        """The objects shared by every stream of this run (see `tapkit.runscope`)."""
        scope = getattr(self.owning_tap, "run_scope", None)
        if not isinstance(scope, RunScope):
            raise TypeError(f"stream '{self.name}' must belong to a tapkit VendorTap")
        return scope

    @property
    def throttle(self) -> MinIntervalThrottle | None:
        """The shared throttle for this stream's credential, if the vendor has a rate limit."""
        return None

    @cached_property
    def limits(self) -> Limits:
        """The bounds on waits, pages and bodies (`tapkit.limits`), from the settings."""
        return Limits.from_config(self.config)

    @override
    def backoff_max_tries(self) -> int:
        """Attempts per request: `max_attempts`."""
        return int(self.config.get("max_attempts", 8))

    @override
    def backoff_wait_generator(self) -> t.Generator[float, t.Any, None]:
        """Waits between attempts: `Retry-After` when given, else exponential (capped)."""
        attempt = 0
        exception = yield  # type: ignore[misc]
        while True:
            attempt += 1
            exception = yield self.retry_delay(exception, attempt)

    @override
    def backoff_jitter(self, value: float) -> float:
        """A little jitter, never shortening a vendor's `Retry-After`."""
        return value + random.uniform(0, min(1.0, value * 0.1))  # noqa: S311 (jitter, not a secret)

    def retry_delay(self, exception: BaseException | None, attempt: int) -> float:
        """Seconds to wait before attempt `attempt + 1` after `exception`."""
        return backoff_delay(exception, attempt, self.throttle, retry_after_cap=self._capped_wait)

    def _capped_wait(self, seconds: float) -> float:
        """A `Retry-After` within `max_retry_after_seconds`, else the run stops, saying so."""
        return self.limits.check_retry_after(seconds, vendor=self.vendor, stream=self.name)

    @override
    def backoff_handler(self, details: t.Any) -> None:
        """The one line per retry of a request or of a page's body, without the request's
        URL, naming the wait that will really happen: the backoff's, or the throttle's next
        free slot when that is later.
        """
        exception = details.get("exception")
        wait = float(details.get("wait", 0.0))
        throttled = self.throttle.seconds_until_free() if self.throttle else 0.0
        why = ""
        if throttled > wait and self.throttle:
            why = f" (one request every {self.throttle.interval:g} s allowed)"
        if isinstance(exception, PageBodyError):
            why += " (the page is read again whole: rows read twice upsert by key)"
        self.logger.warning(
            "%s: attempt %d of %d failed (%s); retrying in %.1f s%s",
            self.name,
            details.get("tries", 0),
            self.backoff_max_tries(),
            describe_failure(exception),
            max(wait, throttled),
            why,
        )

    @override
    @contextlib.contextmanager
    def attempt_turn(self) -> t.Iterator[None]:
        """Each attempt waits for the throttle's free slot, and the interval runs again from
        the attempt's end (a page's body read, or the attempt failed); errors leave masked.
        """
        if self.throttle:
            self.throttle.acquire()
        try:
            yield
        except Exception as exc:
            scrub_exception(exc)
            raise
        finally:
            if self.throttle:
                self.throttle.finished()

    @override
    def around_attempt(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Each attempt runs under its deadline (`send_under_deadline`)."""

        def under_deadline(prepared_request: requests.PreparedRequest, context: t.Any) -> t.Any:
            return self.send_under_deadline(func, prepared_request, context)

        return under_deadline

    def send_under_deadline(
        self,
        send: t.Callable[..., t.Any],
        prepared_request: requests.PreparedRequest,
        context: t.Any,
    ) -> t.Any:
        """One attempt (a login first, if any) under one `Deadline` of `max_response_seconds`.

        The deadline covers connect, status line, headers, an error body read by
        `validate_response`, and, handed on with the response, the body read by the page
        loop (`ResponseGuard` stops it); a `send` that reads its answer whole (8x8's report
        flow) does so inside the deadline. A late attempt fails as `DeadlineExceededError`,
        retried like a timeout.
        """
        deadline = Deadline(self.limits.max_response_seconds)
        try:
            with deadline.watching():
                response = send(prepared_request, context)
        except FatalAPIError:
            deadline.close()
            raise
        except Exception:
            deadline.close()
            if deadline.expired:
                raise deadline.exceeded() from None
            raise
        if deadline.expired:  # headers cut short by the deadline
            deadline.close()
            response.close()
            raise deadline.exceeded()
        if not isinstance(response, requests.Response):
            # `send` read its (small) answer whole inside the deadline: nothing left to watch
            deadline.close()
            return response
        response.tapkit_deadline = deadline  # type: ignore[attr-defined]
        return response

    @override
    def validate_response(self, response: requests.Response) -> None:
        """401/403 name the settings; other 4xx carry the vendor's message; 429/5xx retry."""
        check_response(
            response,
            vendor=self.vendor,
            stream=self.name,
            auth_settings=self.auth_settings,
            retry_statuses=self.extra_retry_statuses,
        )
