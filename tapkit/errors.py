"""The exception types of the core, in one place.

Each says what went wrong for a user, and its base says what the run does about it: the
SDK's `FatalAPIError` stops the stream, `RetriableAPIError` is retried, `BodyError` (a body
that is not what the endpoint returns) re-requests the page, and `DoesNotFitError` (a
`ValueError`) is sorted by the typing rule (`tapkit.record_typer`). Kept apart from the
mechanisms that raise them so that a module catching an error need not import the module
that raises it (the body readers, the limits and the retry policy all know `BodyError`).
"""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

# -- bodies ------------------------------------------------------------------------------


class BodyError(Exception):
    """The response body is not what the endpoint returns (retriable)."""


class NumberOverflowError(BodyError):
    """The body holds a number the C parser refuses (an integer beyond 64 bits, `1e309`);
    retriable: `use_exact_numbers` has switched to a parser that reads it, for the run.
    """


class NotCsvError(BodyError):
    """The body is not CSV with the expected header; `text` is its beginning."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(f"the response is not the expected CSV: {' '.join(text.split())!r}")


class ResponseTooSlowError(BodyError):
    """The whole response took longer than `max_response_seconds` (retried as a timeout)."""


class PageBodyError(Exception):
    """A page's body failed while it was read (`cause`: cut short, reset, unusable) after
    `records` of its records were passed on: one failed attempt of the page, retried in the
    same budget as its request (`tapkit.pageloop`).
    """

    def __init__(self, cause: BaseException, records: int) -> None:
        self.cause = cause
        self.records = records
        super().__init__(str(cause))


# -- limits, deadlines, redirects -------------------------------------------------------


class LimitExceededError(FatalAPIError):
    """A bound of `tapkit.limits` was reached: not retried, the message names the setting."""


class DeadlineExceededError(RetriableAPIError):
    """An attempt outlived `max_response_seconds` before its answer was read (retried)."""


class RedirectRefusedError(FatalAPIError):
    """A redirect to another origin (scheme, host or port), not followed."""


class TokenRenewalError(RetriableAPIError):
    """A 401 to a token that a new one (a login, a client-credentials grant) may replace: the
    request is sent again with it.
    """


class ReportError(FatalAPIError):
    """A report that failed every attempt, or did not finish in time."""


# -- values, keys, state, schema -------------------------------------------------------


class DoesNotFitError(ValueError):
    """The value does not fit the declared type (the typing rule decides where it goes)."""


class KeyMissingError(FatalAPIError):
    """A row came without a usable key field (missing, null, empty or only blanks): it
    cannot be upserted.
    """

    def __init__(self, stream: str, field: str, row: t.Mapping[str, t.Any]) -> None:
        self.field = field
        fields = ", ".join(sorted(map(str, row))[:20])
        value = row.get(field)
        told = (
            f"without its key field '{field}'"
            if field not in row
            else f"with its key field '{field}' {'null' if value is None else repr(value)}"
        )
        super().__init__(
            f"stream '{stream}': a row came {told}; it cannot be "
            "loaded by key, so the stream stops (with the setting on_invalid_key: skip, such "
            f"rows are skipped and counted instead). The row's fields: {fields}"
        )


class KeyTypeError(FatalAPIError):
    """A key field (primary or replication key) got a value that does not fit its type.

    Loading it as null would upsert every such record onto one null key, so the stream
    stops instead, before the record is written.
    """

    #: the key field
    field: str = ""


class NestedMisfitsError(ValueError):
    """Raised by an object or array converter when some values inside did not fit.

    Carries the converted value (misfits nulled) and the misfits as (dotted path, value
    as sent), for the record's `_extra`. Raised only on failure: the common case pays
    nothing for it.
    """

    def __init__(self, value: t.Any, misfits: list[tuple[str, t.Any]]) -> None:
        super().__init__(f"{len(misfits)} nested value(s) do not fit their declared types")
        self.value = value
        self.misfits = misfits


class StateError(ValueError):
    """The state given to the run cannot be used (the message names the stream)."""


class SchemaDriftError(FatalAPIError):
    """Most declared fields of a stream are absent while undeclared ones are present."""
