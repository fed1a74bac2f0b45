"""The misfit rule: what becomes of a value that does not fit its declared type.

It never becomes a silent null (docs/contract.md, "Common"): the field holds null (an
object or array holds its values that fit, the others nulled) and the value as sent is kept
under its dotted path (`client.id`, `labels.0.id`) for the record's `_extra`. Written once
here and applied at every depth: a record's field (`tapkit.records`), a field of an object
and an item of an array (`tapkit.schema_converters`, `tapkit.compiled_typer`); `json_safe`
is the form a value is kept in. What is done with the misfits (kept in `_extra`, counted,
warned of; a key field stops the stream) is the record typer's.
"""

from __future__ import annotations

import math
import typing as t

from tapkit.errors import NestedMisfitsError

#: what a converter raises for a value that does not fit its type
CONVERSION_ERRORS = (TypeError, ValueError, OverflowError)


def field_of(path: str) -> str:
    """The schema field of a dotted path: array indices dropped (`labels.0.id` → `labels.id`)."""
    return ".".join(part for part in path.split(".") if not part.isdigit())


def misfit(path: str, value: t.Any, error: Exception, misfits: list[tuple[str, t.Any]]) -> t.Any:
    """What a field at `path` holds when its converter failed on `value` with `error`, the
    values that did not fit added to `misfits` as (dotted path, value as sent).

    An object or array that held misfits (`NestedMisfitsError`) keeps its values that fit,
    its misfits told under `path`; any other value that does not fit becomes null.
    """
    if isinstance(error, NestedMisfitsError):
        misfits.extend((f"{path}.{inner}", sent) for inner, sent in error.misfits)
        return error.value
    misfits.append((path, value))
    return None


def json_safe(value: t.Any) -> t.Any:
    """A value kept in `_extra`, in a form JSON can carry: a non-finite float as its text.

    JSON has no NaN or Infinity; encoded as null, the value as sent would be lost again.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value
