"""A typer compiled per schema: a row's declared fields typed in straight-line code.

A per-row loop over (field, converter) pairs called a converter per field, even for the
common value that the converter hands back unchanged; the loop and the calls were a fifth
of a tap's time. The code generated here writes each converter's declared inline form
(`tapkit.converters.inline_form`), a nested object's own typer, a date-time's cache lookup,
and calls the converter for anything else, so every value ends exactly as its converter and
the misfit rule (`tapkit.misfits`) would make it. A row shape the vendor sends again (its
keys, in order) gets a typer of its own (`compile_shape_typer`), which reads only the fields
that shape holds.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from tapkit.converters import AS_IS, Converter, inlined
from tapkit.errors import NestedMisfitsError
from tapkit.misfits import CONVERSION_ERRORS, misfit

_MISSING = object()
FieldTyper = t.Callable[[dict[str, t.Any], t.Any, t.Callable[..., t.Any]], t.Any]


def nested_not_fitting(
    row: dict[str, t.Any],
    name: str,
    value: t.Any,
    misfits: list[tuple[str, t.Any]],
    error: Exception,
) -> list[tuple[str, t.Any]]:
    """A compiled typer's failed field inside an object: the misfit rule, misfits returned."""
    row[name] = misfit(name, value, error, misfits)
    return misfits


def _call_lines(key: str, index: int) -> list[str]:
    """The generated lines calling field `index`'s converter; a failure goes to `slow`."""
    return [
        "            try:",
        f"                row[{key}] = convert_{index}(value)",
        "            except _ERRORS as exc:",
        f"                extra = slow(row, {key}, value, extra, exc)",
    ]


def _field_lines(
    index: int, name: str, convert: Converter, namespace: dict[str, t.Any], fetch: str
) -> list[str]:
    """The generated lines typing field `name` (read by the expression `fetch`) with its
    converter, registered in `namespace` under `index`.
    """
    namespace[f"convert_{index}"] = convert
    key = repr(name)
    call = _call_lines(key, index)
    lines = [f"    value = {fetch}", "    if value is not None:"]
    form = inlined(convert)
    nested = getattr(convert, "type_fields", None)
    cache = getattr(convert, "cache", None)
    if form is not None and form[1] == AS_IS:  # handed back unchanged: nothing to write
        lines += [
            f"        if not ({form[0].format(v='value')}):",
            *call,
        ]
    elif form is not None:
        lines += [
            f"        if {form[0].format(v='value')}:",
            f"            row[{key}] = {form[1].format(v='value')}",
            "        else:",
            *call,
        ]
    elif nested is not None:  # an object's typer called here, not through it
        namespace[f"nested_{index}"] = nested
        lines += [
            "        if value.__class__ is dict:",
            f"            misfits = nested_{index}(value, [], nested_not_fitting)",
            "            if misfits:",
            f"                extra = slow(row, {key}, value, extra, _Nested(value, misfits))",
            "        else:",
            *call,
        ]
    elif isinstance(cache, dict):
        namespace[f"cached_{index}"] = cache.get
        lines += [
            "        hit = _MISSING",
            "        if value.__class__ is str:",
            f"            hit = cached_{index}(value, _MISSING)",
            "        if hit is _MISSING:",
            *call,
            "        else:",
            f"            row[{key}] = hit",
        ]
    else:
        lines += [line[4:] for line in call]
    return lines


def _namespace() -> dict[str, t.Any]:
    return {
        "_MISSING": _MISSING,
        "_ERRORS": CONVERSION_ERRORS,
        "_Nested": NestedMisfitsError,
        "nested_not_fitting": nested_not_fitting,
    }


def compile_field_typer(conversions: t.Sequence[tuple[str, Converter]]) -> FieldTyper:
    """One function typing a row's declared fields in straight-line code, built per schema.

    Each field's common case is written inline: the converter's declared inline form
    (`inlined`: a test, and the answer when it holds), a nested object's own typer
    (`type_fields`), a date-time's cache (`cache`); the converter is called for anything
    else, and a failure is handed to `slow(row, name, value, extra, error)`.
    """
    namespace = _namespace()
    lines = ["def type_fields(row, extra, slow):", "    get = row.get"]
    for index, (name, convert) in enumerate(conversions):
        lines += _field_lines(index, name, convert, namespace, f"get({name!r})")
    lines.append("    return extra")
    exec(compile("\n".join(lines), f"<typer of {len(conversions)} fields>", "exec"), namespace)  # noqa: S102
    return t.cast("FieldTyper", namespace["type_fields"])


@dataclass(frozen=True)
class RowShape:
    """What a shape typer knows of the rows it types: the fields a row of that shape holds
    (its keys, in order), and what the record typer makes of them.
    """

    #: the declared fields present, with their converters, in the schema's order
    conversions: t.Sequence[tuple[str, Converter]]
    #: the undeclared keys, in the row's order: moved to `_extra` (empty: kept in the row)
    undeclared: t.Sequence[str]
    #: the key fields the schema requires (all present in the shape)
    required: t.Sequence[str]
    #: the field the undeclared keys and the misfits go to (`_extra`); None: none
    extra_field: str | None


def compile_shape_typer(
    shape: RowShape,
    *,
    slow: t.Callable[..., t.Any],
    missing_key: t.Callable[[dict[str, t.Any], t.Any, str], t.NoReturn],
    undeclared_counts: dict[str, int],
    key_errors: tuple[type[Exception], ...],
) -> t.Callable[[dict[str, t.Any]], dict[str, t.Any]]:
    """One function typing a whole row of one shape (its keys, in order), as
    `RecordTyper._typed` types any row, with only the fields the shape holds.

    A row of a known shape needs no lookup of the fields it does not hold, no comparison of
    its keys with the schema and no loop over the required keys: a vendor sends few shapes
    (its fields, some left out), so the typer of each is built once and kept.
    `undeclared_counts` is counted as `_typed` counts it; `missing_key(row, undeclared,
    name)` raises the error of a required key without a usable value; `key_errors` are
    those after which the row's undeclared fields are put back.
    """
    namespace = _namespace() | {
        "slow": slow,
        "missing_key": missing_key,
        "counts": undeclared_counts,
        "_KEY_ERRORS": key_errors,
    }
    body: list[str] = []
    for index, (name, convert) in enumerate(shape.conversions):
        body += _field_lines(index, name, convert, namespace, f"row[{name!r}]")
    for name in shape.required:
        body += [
            f"    value = row[{name!r}]",
            "    if value is None or (value.__class__ is str and not value.strip()):",
            f"        missing_key(row, undeclared, {name!r})",
        ]
    lines = ["def type_row(row):"]
    if shape.undeclared:
        popped = ", ".join(f"{name!r}: row.pop({name!r})" for name in shape.undeclared)
        lines.append(f"    undeclared = {{{popped}}}")
        lines += [
            f"    counts[{name!r}] = counts.get({name!r}, 0) + 1" for name in shape.undeclared
        ]
        lines += [
            "    extra = undeclared",
            "    try:",
            *["    " + line for line in body or ["    pass"]],
            "    except _KEY_ERRORS:",
            "        row.update(undeclared)",
            "        raise",
        ]
    else:
        lines += ["    undeclared = extra = None", *body]
    if shape.extra_field is not None:
        lines.append(f"    row[{shape.extra_field!r}] = extra")
    lines.append("    return row")
    name = f"<typer of a row of {len(shape.conversions)} typed fields>"
    exec(compile("\n".join(lines), name, "exec"), namespace)  # noqa: S102
    return t.cast("t.Callable[[dict[str, t.Any]], dict[str, t.Any]]", namespace["type_row"])
