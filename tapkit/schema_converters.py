"""The converter of a JSON-schema property: its type read, objects and arrays typed inside.

`default_converter` picks a value converter (`tapkit.converters`) from a property's type and
format; an object property gets an `ObjectConverter` (its declared fields typed by a
compiled typer, undeclared ones left in place) and an array an `ArrayConverter` (each item
typed as `items` say), so a misfit at any depth is found and kept under its dotted path.
"""

from __future__ import annotations

import typing as t

from tapkit.compiled_typer import compile_field_typer, nested_not_fitting
from tapkit.converters import (
    AS_IS,
    Converter,
    any_to_iso,
    cached_per_value,
    keep_as_sent,
    to_bool,
    to_float,
    to_int,
    to_text,
)
from tapkit.errors import NestedMisfitsError
from tapkit.misfits import CONVERSION_ERRORS, misfit


def json_types(prop: dict[str, t.Any]) -> set[str]:
    """The JSON types a property declares, `null` aside (`anyOf` options included)."""
    declared = prop.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    for option in prop.get("anyOf", []):
        types |= json_types(option)
    return types - {"null"}


def default_converter(
    prop: dict[str, t.Any],
    *,
    datetime_converter: Converter = any_to_iso,
    path: str = "",
    stream: str = "",
) -> Converter:
    """Pick the converter for one JSON-schema property (at dotted `path` of `stream`, for
    the messages of a nested date-time).
    """
    types = json_types(prop)
    if "string" in types and prop.get("format") == "date-time":
        if path:  # nested: cached and noted per field, as `RecordTyper` does for top level
            return cached_per_value(datetime_converter, field=path, stream=stream)
        return datetime_converter
    if "integer" in types:
        return to_int
    if "number" in types:
        return to_float
    if "boolean" in types:
        return to_bool
    if types == {"string"}:
        return to_text
    if types == {"object"}:
        return ObjectConverter(
            prop, datetime_converter=datetime_converter, path=path, stream=stream
        )
    if types == {"array"}:
        return ArrayConverter(prop, datetime_converter=datetime_converter, path=path, stream=stream)
    return keep_as_sent


def _convert_inside(
    convert: Converter, value: t.Any, path: str, misfits: list[tuple[str, t.Any]]
) -> t.Any:
    """One value inside an object or array, its misfits added to `misfits` under `path`."""
    try:
        return convert(value)
    except CONVERSION_ERRORS as exc:
        return misfit(path, value, exc, misfits)


class ObjectConverter:
    """An object property: its declared fields typed, undeclared ones left in place.

    A value that is not an object does not fit; values inside that do not fit are nulled
    and reported (`NestedMisfitsError`) for the record's `_extra`.
    """

    def __init__(
        self,
        prop: dict[str, t.Any],
        *,
        datetime_converter: Converter = any_to_iso,
        path: str = "",
        stream: str = "",
    ) -> None:
        self._conversions = tuple(
            (name, convert)
            for name, inner in (prop.get("properties") or {}).items()
            if (
                convert := default_converter(
                    inner,
                    datetime_converter=datetime_converter,
                    path=f"{path}.{name}" if path else name,
                    stream=stream,
                )
            )
            is not keep_as_sent
        )
        #: types the declared fields of an object in place; returns the misfits
        self.type_fields = compile_field_typer(self._conversions)
        #: no declared field inside to type (`{"type": "object"}` with no properties)
        self.free_form = not self._conversions
        #: a free-form object is handed back as sent (written inline by a compiled typer)
        self.inlined = ("{v}.__class__ is dict", AS_IS) if self.free_form else None

    def __call__(self, value: t.Any) -> dict[str, t.Any]:
        if not isinstance(value, dict):
            raise TypeError("not an object")
        misfits: list[tuple[str, t.Any]] = self.type_fields(value, [], nested_not_fitting)
        if misfits:
            raise NestedMisfitsError(value, misfits)
        return value


class ArrayConverter:
    """An array property: each item typed as the schema's `items` say."""

    def __init__(
        self,
        prop: dict[str, t.Any],
        *,
        datetime_converter: Converter = any_to_iso,
        path: str = "",
        stream: str = "",
    ) -> None:
        items = prop.get("items") or {}
        self._convert_item = default_converter(
            items, datetime_converter=datetime_converter, path=path or "item", stream=stream
        )
        #: items of any type, passed as sent
        self.free_form = self._convert_item is keep_as_sent
        #: an object item's own typer, called here rather than through its converter
        self._item_fields = (
            self._convert_item.type_fields
            if isinstance(self._convert_item, ObjectConverter)
            else None
        )
        #: an array of anything, or an empty array, is handed back as sent (written inline)
        self.inlined = (
            "{v}.__class__ is list" if self.free_form else "{v}.__class__ is list and not {v}",
            AS_IS,
        )

    def __call__(self, value: t.Any) -> list[t.Any]:
        if not isinstance(value, list):
            raise TypeError("not an array")
        convert = self._convert_item
        if convert is keep_as_sent:
            return value
        misfits: list[tuple[str, t.Any]] = []
        item_fields = self._item_fields
        for index, item in enumerate(value):
            if item is None:
                continue
            if item_fields is not None and item.__class__ is dict:
                # what `_convert_inside` makes of an object item, without its calls
                inner = item_fields(item, [], nested_not_fitting)
                if inner:
                    misfits.extend((f"{index}.{path}", sent) for path, sent in inner)
                continue
            value[index] = _convert_inside(convert, item, str(index), misfits)
        if misfits:
            raise NestedMisfitsError(value, misfits)
        return value
