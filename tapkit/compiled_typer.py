"""A typer compiled per schema: a row's declared fields typed in straight-line code.

A per-row loop over (field, converter) pairs called a converter per field, even for the
common value that the converter hands back unchanged; the loop and the calls were a fifth
of a tap's time. The code generated here writes each converter's declared inline form
(`tapkit.converters.inline_form`), a nested object's own typer, a date-time's cache lookup,
and calls the converter for anything else, so every value ends exactly as its converter and
the misfit rule (`tapkit.misfits`) would make it.
"""

from __future__ import annotations

import typing as t

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


def compile_field_typer(conversions: t.Sequence[tuple[str, Converter]]) -> FieldTyper:
    """One function typing a row's declared fields in straight-line code, built per schema.

    Each field's common case is written inline: the converter's declared inline form
    (`inlined`: a test, and the answer when it holds), a nested object's own typer
    (`type_fields`), a date-time's cache (`cache`); the converter is called for anything
    else, and a failure is handed to `slow(row, name, value, extra, error)`.
    """
    namespace: dict[str, t.Any] = {
        "_MISSING": _MISSING,
        "_ERRORS": CONVERSION_ERRORS,
        "_Nested": NestedMisfitsError,
        "nested_not_fitting": nested_not_fitting,
    }
    lines = ["def type_fields(row, extra, slow):", "    get = row.get"]
    for index, (name, convert) in enumerate(conversions):
        namespace[f"convert_{index}"] = convert
        key = repr(name)
        call = _call_lines(key, index)
        lines += [f"    value = get({key})", "    if value is not None:"]
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
    lines.append("    return extra")
    exec(compile("\n".join(lines), f"<typer of {len(conversions)} fields>", "exec"), namespace)  # noqa: S102
    return t.cast("FieldTyper", namespace["type_fields"])
