"""Every piece of Meltano SDK knowledge the core needs: private names and the SDK logic it
mirrors, here and in `tapkit/sdk_compat_records.py` (the record fast path), the only two
modules that touch them.

The taps stay on the SDK's public surface everywhere else. What the SDK (0.54) does not offer
publicly is filled here, each gap named next to the code that fills it; SDK logic copied
rather than called names its original in `SDK_SOURCES_MIRRORED`. Each is pinned in
`tests/core/test_sdk_compat.py` (a copy also by its original's source): an SDK upgrade that
changes one fails a named test instead of silently corrupting state or output, and the last
test there keeps the rest of the code base off private SDK names. The rest of the code base
calls the public-named members defined here (`owning_tap`, `send_request`, `around_attempt`,
`attempt_turn`, `request_attempts`, `page_requests`, `build_page_request`, `write_state_now`,
`records_move_bookmark`, `schema_once_per_run`, `extra_config_errors`,
`before_config_validation`, `on_termination`, `before_sync`, `after_sync`, `RecordLineWriter`
re-exported).
"""

from __future__ import annotations

import contextlib
import functools
import typing as t

import backoff
import requests
from singer_sdk import Tap
from singer_sdk.exceptions import ConfigValidationError, RetriableAPIError
from singer_sdk.pagination import BaseAPIPaginator
from typing_extensions import override

from tapkit.sdk_compat_records import RecordFastPath, RecordLineWriter

__all__ = [
    "RETRIABLE_REQUEST_FAILURES",
    "SDK_SOURCES_MIRRORED",
    "CompatStream",
    "CompatTap",
    "PageRequests",
    "RecordLineWriter",
]

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

#: Failures of a request that are worth another attempt: the tuple the SDK's
#: `RESTStream.request_decorator` retries (pinned).
RETRIABLE_REQUEST_FAILURES: tuple[type[Exception], ...] = (
    ConnectionResetError,
    RetriableAPIError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

#: The SDK functions whose logic is copied rather than called, and the copy of each (the
#: test pinning an original's source names its copy when the SDK changes it).
SDK_SOURCES_MIRRORED: dict[str, str] = {
    "singer_sdk.streams.rest._HTTPStream.request_records": "PageRequests (the page loop's "
    "counter, request and sync-cost steps) and tapkit.pageloop.PageLoop.records",
    "singer_sdk.streams.rest._HTTPStream.request_decorator": "CompatStream."
    "request_attempts, CompatStream.request_decorator and RETRIABLE_REQUEST_FAILURES (what "
    "is retried, and how)",
    "singer_sdk.contrib.msgspec.serialize_jsonl": "tapkit.sdk_compat_records.RecordLineWriter."
    "encode_like_sdk and encode_lines_like_sdk (RECORD lines encoded as the SDK's "
    "`MsgSpecWriter.serialize_message` encodes them)",
}


class CompatTap(Tap):
    """A tap whose settings checks run with the SDK's own schema validation."""

    def before_config_validation(self) -> None:
        """Called just before the settings are validated (to register secrets, say)."""

    def extra_config_errors(self) -> list[str]:
        """Errors beyond the schema's, reported together with them."""
        return []

    def before_sync(self) -> None:
        """Called once before the first stream is synced (checks of what the run was given)."""

    def after_sync(self) -> None:
        """Called once after every stream was synced (end-of-run summaries)."""

    # Gap: `Tap.sync_all` is declared final and has no hook before the first stream or after
    # the last one.
    @override  # type: ignore[misc]
    def sync_all(self) -> None:
        self.before_sync()
        flush_records = getattr(self.message_writer, "flush_records", None) or (lambda: None)
        try:
            super().sync_all()
        except BaseException:
            # the RECORD lines read before a failure are written, as the SDK's own are; a
            # stdout that is gone must not hide the failure itself
            with contextlib.suppress(OSError, ValueError):
                flush_records()
            raise
        flush_records()
        self.after_sync()

    def on_termination(self, signum: int, frame: t.Any) -> None:
        """SIGTERM or SIGINT arrived; by default the SDK's answer (final STATE, exit 0)."""
        super()._handle_termination(signum, frame)

    # Gap: the SDK installs `_handle_termination` as the SIGTERM/SIGINT handler (it writes
    # the state and exits 0) and offers no public hook to choose the exit code.
    @override
    def _handle_termination(self, signum: int, frame: t.Any) -> None:
        self.on_termination(signum, frame)

    # Gap: the SDK validates the settings inside `Tap.__init__` and offers no hook to add
    # checks of one's own, so that all errors are reported in one ConfigValidationError.
    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        self.before_config_validation()
        try:
            errors = super()._validate_config(raise_errors=True)
        except ConfigValidationError as exc:
            errors = list(exc.errors)
        errors += self.extra_config_errors()
        if errors and raise_errors:
            raise ConfigValidationError(
                "Config validation failed", errors=errors, schema=self.config_jsonschema
            )
        return errors


class CompatStream(RecordFastPath):
    """A REST stream with the few SDK internals the core needs behind public names."""

    #: True: a child stream writes its SCHEMA once per run, not once per parent record.
    schema_once_per_run: t.ClassVar[bool] = False
    _schema_written = False

    def after_sync(self, context: Context | None) -> None:
        """Called when one `sync` of this stream (for `context`) ends, even by an error."""

    # Gap: `Stream.sync` is declared final and has no hook at the end of a stream's sync.
    @override  # type: ignore[misc]
    def sync(self, context: Context | None = None) -> None:
        try:
            super().sync(context)
        finally:
            self.after_sync(context)

    @property
    def owning_tap(self) -> Tap:
        """The tap this stream belongs to (per-run objects live on it)."""
        # Gap: the SDK keeps the stream's tap in a private attribute and has no accessor.
        return self._tap

    def send_request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """Send one prepared request: authenticator, request metrics, `validate_response`."""
        # Gap: `request_records` is overridden (a body cut short is re-read page by page),
        # and the SDK sends a prepared request with its authenticator, metrics and
        # validation only through `_request`.
        return self._request(prepared_request, context)

    def around_attempt(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """What one attempt of a request runs (a deadline): `func` itself here."""
        return func

    def attempt_turn(self) -> t.ContextManager[None]:
        """The turn one attempt takes, from before its request is sent to the end of its
        answer (a page's body included): a throttle's slot. Nothing here.
        """
        return contextlib.nullcontext()

    def request_attempts(
        self,
        also_retried: tuple[type[Exception], ...] = (),
        *,
        target: t.Callable[..., t.Any] | None = None,
        args: tuple[t.Any, ...] = (),
    ) -> Iterator[t.ContextManager[None]]:
        """The attempts of one request, as the SDK's `request_decorator` makes them (pinned):
        the failures it retries (and `also_retried`, in the same budget: a page's body that
        fails), `backoff_max_tries` of them in all, waits from `backoff_wait_generator` with
        `backoff_jitter`, `backoff_handler` told of each retry, and no logger of `backoff`'s
        own. Each attempt is a context manager, entered with its `attempt_turn`; a failure
        inside it is retried, or raised once the budget is spent. `backoff_handler` is told
        what `backoff.on_exception` tells it (`target`: what is sent, `args`).
        """

        def on_backoff(details: t.Any) -> None:
            called: t.Any = {**details, "target": target or self.send_request, "args": args}
            called["kwargs"] = {}
            self.backoff_handler(called)

        for attempt in backoff.retry_context(
            RETRIABLE_REQUEST_FAILURES + also_retried,
            self.backoff_wait_generator,
            max_tries=self.backoff_max_tries,
            on_backoff=on_backoff,
            jitter=self.backoff_jitter,
            logger=None,
        ):
            yield _in_turn(attempt, self.attempt_turn())

    # Mirrors `RESTStream.request_decorator` (pinned): the same failures retried through the
    # same `backoff_*` hooks (`request_attempts`), each attempt in its `attempt_turn` through
    # `around_attempt`.
    @override
    def request_decorator(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        attempt_once = self.around_attempt(func)

        @functools.wraps(func)
        def retried(*args: t.Any, **kwargs: t.Any) -> t.Any:
            for attempt in self.request_attempts(target=func, args=args):
                with attempt:
                    return attempt_once(*args, **kwargs)
            raise AssertionError("unreachable: the last failed attempt raises")

        return retried

    def build_page_request(self, context: Context | None, token: t.Any) -> requests.PreparedRequest:
        """The prepared request for one page, as the SDK's `request_records` builds it
        (`get_http_request`, then `build_prepared_request` with a JSON or form body).
        """
        # Gap: the SDK builds a page's request only in `_prepare_request`, from a paginator.
        return self._prepare_request(context=context, page=_TokenOnly(token))

    @contextlib.contextmanager
    def page_requests(
        self, context: Context | None, *, counted: bool = True
    ) -> Iterator[PageRequests]:
        """Send the pages of `context` as the SDK's `request_records` does: each request
        through `request_decorator(send_request)`, counted in the stream's request metric
        (`counted`: False in a worker thread, the metric not being thread-safe) and passed
        to `update_sync_costs`.
        """
        if not counted:
            yield PageRequests(self, context, None)
            return
        with self.get_http_request_counter() as counter:
            counter.with_context(context)
            yield PageRequests(self, context, counter)

    def records_move_bookmark(self) -> bool:
        """False: a record's replication key never moves the bookmark (windows do)."""
        return True

    def write_state_now(self) -> None:
        """Write a STATE message now, with the state as it stands."""
        # Gap: the SDK writes STATE every STATE_MSG_FREQUENCY records or at stream end only;
        # a completed date window must be bookmarked at once. `_write_state_message` writes
        # only when the state manager is not flushed.
        self.state_manager.is_flushed = False
        self._write_state_message()

    # Gap: no public switch stops records from advancing the bookmark.
    @override
    def _increment_stream_state(
        self, latest_record: dict[str, t.Any], *, context: Context | None = None
    ) -> None:
        if self.records_move_bookmark():
            super()._increment_stream_state(latest_record, context=context)

    # Gap: the SDK writes a child stream's SCHEMA before every parent record's children.
    @override
    def _write_schema_message(self) -> None:
        if self.schema_once_per_run and self._schema_written:
            return
        super()._write_schema_message()
        self._schema_written = True


@contextlib.contextmanager
def _in_turn(attempt: t.ContextManager[t.Any], turn: t.ContextManager[None]) -> Iterator[None]:
    """One attempt of `request_attempts`, run in its turn (left before the attempt decides)."""
    with attempt, turn:
        yield


class _TokenOnly(BaseAPIPaginator[t.Any]):
    """One token, where `RESTStream._prepare_request` reads it (`current_value`)."""

    @override
    def get_next(self, response: requests.Response) -> t.Any:
        raise TypeError("a token holder does not page")


class PageRequests:
    """One context's page requests, sent as the SDK's `RESTStream.request_records` sends
    them (a copy of its per-request steps, pinned by `SDK_SOURCES_MIRRORED`).

    What the page loop does otherwise (`tapkit.pageloop`), it does on purpose: a page is
    retried with its body (`attempts`: a body that fails is one more failed attempt of the
    same budget, not a loop around the request's own retries); an empty page does not end
    the walk (the paginator says when it ends, so an empty date window is followed by the
    next one: the SDK's `continue_if_empty` is never asked).
    """

    def __init__(self, stream: CompatStream, context: Context | None, counter: t.Any) -> None:
        self.stream = stream
        self.context = context
        self._counter = counter
        self._send_once = stream.around_attempt(stream.send_request)

    def build(self, token: t.Any) -> requests.PreparedRequest:
        """The request for the page at `token` (`CompatStream.build_page_request`)."""
        return self.stream.build_page_request(self.context, token)

    def attempts(
        self, also_retried: tuple[type[Exception], ...] = ()
    ) -> Iterator[t.ContextManager[None]]:
        """The attempts of one page (`CompatStream.request_attempts`): `send` inside each."""
        return self.stream.request_attempts(also_retried)

    def send(self, prepared_request: requests.PreparedRequest) -> requests.Response:
        """Send one attempt of one page's request (no retry of its own: it runs inside an
        attempt of `attempts`); an accepted answer is counted and costed.
        """
        response: requests.Response = self._send_once(prepared_request, self.context)
        if self._counter is not None:
            self._counter.increment()
        self.stream.update_sync_costs(prepared_request, response, self.context)
        return response
