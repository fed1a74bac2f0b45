"""Turning vendor rows into typed records: declared fields typed, the rest kept in `_extra`.

Each stream declares its schema once; a `RecordTyper` built from that schema converts each
declared field to the declared type (`tapkit.schema_converters` picks each field's value
converter from `tapkit.converters`; `tapkit.compiled_typer` writes the per-row code),
and moves every undeclared field into `_extra` so a column the vendor adds later is kept
instead of silently dropped.

The typing rule (docs/contract.md, "Common"): a value that does not fit its declared type never
becomes a silent null. In a key field it stops the stream (`KeyTypeError`) before the record
is written, so nothing is upserted onto a null key; anywhere else, at any depth, the value
is kept as sent in `_extra` under its dotted path (`client.id`, `labels.0.id`) with one
warning per field. The checks run only when a conversion fails: a value that converts costs
nothing more. At the end of a stream `RecordTyper.summary` names the undeclared fields seen
and how many records carried each, so a first run tells a user what the vendor really sends.
"""

from __future__ import annotations

import logging
import typing as t

from singer_sdk import typing as th

from tapkit.compiled_typer import RowShape, compile_field_typer, compile_shape_typer
from tapkit.converters import CachedConverter, Converter, any_to_iso, cached_per_value, keep_as_sent
from tapkit.errors import KeyMissingError, KeyTypeError, NestedMisfitsError
from tapkit.misfits import field_of, json_safe, misfit
from tapkit.schema_converters import default_converter, json_types

EXTRA = "_extra"
logger = logging.getLogger(__name__)
#: types a whole row (undeclared fields to `_extra`, keys checked); returns it
RowTyper = t.Callable[[dict[str, t.Any]], dict[str, t.Any]]
#: a row shape (its keys, in order) gets its own typer the second time it is seen
SHAPE_SIGHTINGS = 2
#: at most this many shape typers per stream (a row of any other shape takes `_typed`)
MAX_SHAPES = 64
#: shapes counted before they get a typer; the count restarts when it is full
MAX_SHAPES_SEEN = 4096


def extra_property(vendor: str, *, spelling: str = "as sent") -> th.Property[t.Any]:
    """The `_extra` property every stream declares: undeclared vendor fields, kept."""
    return th.Property(
        EXTRA,
        th.ObjectType(additional_properties=True),
        description=f"Fields {vendor} sent that this schema does not declare ({spelling}).",
    )


def json_type_name(value: t.Any) -> str:
    """The JSON type of a value as a user reads it in an error ("string", "object"...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class RecordTyper:
    """Types the declared fields of a row and moves undeclared ones into `_extra`.

    Built once per stream from its schema; `overrides` names fields whose conversion the
    schema cannot tell (a duration given as "hh:mm:ss", a local timestamp...);
    `key_fields` are the primary and replication keys, which must never load as null.
    A row whose key is unusable (missing, null, blank, or not of its type) stops the
    stream, or with `skip_invalid_keys` (the setting `on_invalid_key: skip`) is dropped,
    counted per field with one masked example for the end-of-stream line.
    """

    def __init__(
        self,
        schema: dict[str, t.Any],
        *,
        overrides: t.Mapping[str, Converter] | None = None,
        datetime_converter: Converter = any_to_iso,
        stream_name: str = "",
        key_fields: t.Iterable[str | None] = (),
        skip_invalid_keys: bool = False,
    ) -> None:
        properties = dict(schema.get("properties", {}))
        self.keep_extra = EXTRA in properties
        properties.pop(EXTRA, None)
        self.declared = frozenset(properties)
        self.stream_name = stream_name
        self.key_fields = frozenset(name for name in key_fields if name)
        self._types = {name: sorted(json_types(prop)) for name, prop in properties.items()}
        #: keys the schema requires: a row without one cannot be upserted
        self.required_keys = tuple(
            name for name in self.key_fields if name in schema.get("required", ())
        )
        self.converters: dict[str, Converter] = {
            name: default_converter(
                prop, datetime_converter=datetime_converter, path=name, stream=stream_name
            )
            for name, prop in properties.items()
        }
        self.converters.update(overrides or {})
        for name, prop in properties.items():  # every date-time conversion here is pure
            convert = self.converters[name]
            if prop.get("format") == "date-time" and not isinstance(convert, CachedConverter):
                self.converters[name] = cached_per_value(convert, field=name, stream=stream_name)
        #: fields passed on as sent are skipped; the rest typed by code built for this schema
        self._conversions = [
            (name, convert)
            for name, convert in self.converters.items()
            if convert is not keep_as_sent
        ]
        self._type_fields = compile_field_typer(self._conversions)
        #: a typer per row shape (the row's keys, in order), and the shapes seen so far
        self._shape_typers: dict[tuple[str, ...], RowTyper] = {}
        self._shapes_seen: dict[tuple[str, ...], int] = {}
        self._warned: set[str] = set()
        #: undeclared field → records that carried it (for the end-of-stream line)
        self.undeclared_counts: dict[str, int] = {}
        #: declared field (dotted) → records where its value did not fit its type
        self.misfit_counts: dict[str, int] = {}
        self.skip_invalid_keys = skip_invalid_keys
        #: key field → rows skipped for an unusable key, and one masked example of each
        self.skipped_counts: dict[str, int] = {}
        self.skipped_examples: dict[str, str] = {}

    def __call__(self, row: dict[str, t.Any]) -> dict[str, t.Any] | None:
        """Return the typed record (the input dict is reused), or None for a row skipped
        for its key.

        A value that does not fit its declared type becomes null and is kept, as sent, in
        `_extra` under its dotted path (one warning per field), so odd vendor data neither
        stops a sync nor is lost; in a key field it raises `KeyTypeError` (or the row is
        skipped, with `skip_invalid_keys`).
        """
        typed = self._shape_typers.get(tuple(row)) or self._typer_of_shape(row)
        if not self.skip_invalid_keys:
            return typed(row)
        try:
            return typed(row)
        except (KeyTypeError, KeyMissingError) as exc:
            self._count_skipped(getattr(exc, "field", ""), row)
            return None

    def _typer_of_shape(self, row: dict[str, t.Any]) -> RowTyper:
        """How a row of this shape is typed: `_typed` until the shape is seen again, then
        the shape's own typer (`compile_shape_typer`), which types it exactly as `_typed`.
        """
        shape = tuple(row)
        if len(self._shape_typers) >= MAX_SHAPES:
            return self._typed
        if len(self._shapes_seen) >= MAX_SHAPES_SEEN:
            self._shapes_seen.clear()
        seen = self._shapes_seen[shape] = self._shapes_seen.get(shape, 0) + 1
        if seen < SHAPE_SIGHTINGS:
            return self._typed
        del self._shapes_seen[shape]
        typer = self._compile_shape(shape)
        self._shape_typers[shape] = typer
        return typer

    def _compile_shape(self, shape: tuple[str, ...]) -> RowTyper:
        """The typer of rows holding exactly the keys `shape` (`_typed` if one lacks a
        required key: such a row is never written).
        """
        undeclared = [key for key in shape if key not in self.declared] if self.keep_extra else []
        held = set(shape).difference(undeclared)
        if any(key not in held for key in self.required_keys):
            return self._typed
        return compile_shape_typer(
            RowShape(
                conversions=[(name, c) for name, c in self._conversions if name in held],
                undeclared=undeclared,
                required=self.required_keys,
                extra_field=EXTRA if self.keep_extra else None,
            ),
            slow=self._not_fitting,
            missing_key=self._missing_key,
            undeclared_counts=self.undeclared_counts,
            key_errors=(KeyTypeError, KeyMissingError),
        )

    def _missing_key(
        self, row: dict[str, t.Any], undeclared: dict[str, t.Any] | None, key: str
    ) -> t.NoReturn:
        raise KeyMissingError(self.stream_name, key, {**row, **(undeclared or {})})

    def _typed(self, row: dict[str, t.Any]) -> dict[str, t.Any]:
        undeclared_values = None
        # a set comparison in C settles the common case (no undeclared field) per row
        if self.keep_extra and not row.keys() <= self.declared:
            undeclared = [key for key in row if key not in self.declared]
            undeclared_values = {key: row.pop(key) for key in undeclared}
            counts = self.undeclared_counts
            for key in undeclared:
                counts[key] = counts.get(key, 0) + 1
        try:
            extra = self._type_fields(row, undeclared_values, self._not_fitting)
            self._check_required_keys(row, undeclared_values)
        except (KeyTypeError, KeyMissingError):
            # the row is not written: its undeclared fields back, for the message or example
            row.update(undeclared_values or {})
            raise
        if self.keep_extra:
            row[EXTRA] = extra
        return row

    def _check_required_keys(
        self, row: dict[str, t.Any], undeclared: dict[str, t.Any] | None
    ) -> None:
        """`KeyMissingError` for a required key missing, null, empty or only blanks."""
        for key in self.required_keys:
            value = row.get(key)
            if value is None or (value.__class__ is str and not value.strip()):
                self._missing_key(row, undeclared, key)

    def _not_fitting(
        self,
        row: dict[str, t.Any],
        name: str,
        value: t.Any,
        extra: dict[str, t.Any] | None,
        error: Exception,
    ) -> dict[str, t.Any] | None:
        """A field whose converter failed with `error`: the misfit rule, but a key field
        that does not fit stops the stream.
        """
        if name in self.key_fields and not isinstance(error, NestedMisfitsError):
            raise self._key_error(name, value) from None
        misfits: list[tuple[str, t.Any]] = []
        row[name] = misfit(name, value, error, misfits)
        return self._keep_misfits(extra, misfits)

    def _keep_misfits(
        self, extra: dict[str, t.Any] | None, misfits: list[tuple[str, t.Any]]
    ) -> dict[str, t.Any] | None:
        """Misfits into `_extra` (when the stream keeps one), counted, warned once each."""
        if self.keep_extra:
            extra = extra or {}
        seen: set[str] = set()
        for path, value in misfits:
            if extra is not None:
                extra[path] = json_safe(value)
            field = field_of(path)
            if field not in seen:
                seen.add(field)
                self.misfit_counts[field] = self.misfit_counts.get(field, 0) + 1
            self._warn_once(field, path, value)
        return extra

    def _key_error(self, name: str, value: t.Any) -> KeyTypeError:
        declared = " or ".join(self._types.get(name, [])) or "its declared type"
        error = KeyTypeError(
            f"stream '{self.stream_name}': key field '{name}' got a JSON {json_type_name(value)} "
            f"({_preview(value)}) that does not fit its declared type ({declared}). The stream "
            "stops here so that no record is loaded with a null key (with the setting "
            "on_invalid_key: skip, such rows are skipped and counted instead); please report "
            "the value so the schema can follow what the vendor sends."
        )
        error.field = name
        return error

    def _count_skipped(self, field: str, row: dict[str, t.Any]) -> None:
        """One more row skipped for `field`; the first one kept as a masked example."""
        self.skipped_counts[field] = self.skipped_counts.get(field, 0) + 1
        if field not in self.skipped_examples:
            self.skipped_examples[field] = masked_example(row, field)

    def _warn_once(self, field: str, path: str, value: t.Any) -> None:
        if field in self._warned:
            return
        self._warned.add(field)
        logger.warning(
            "%s: field %r has a value that does not fit its declared type (%s); loaded as "
            "null, the value as sent is kept in _extra[%r]",
            self.stream_name,
            field,
            _preview(value),
            path,
        )

    def summary(self) -> str:
        """The end-of-stream line: undeclared fields seen, values that did not fit, rows
        skipped for their key.
        """
        name = self.stream_name or "stream"
        if not self.undeclared_counts and not self.misfit_counts and not self.skipped_counts:
            return f"{name}: no undeclared fields seen (every field sent is in the schema)"
        parts = []
        if self.skipped_counts:
            examples = "; ".join(
                f"{field}: {self.skipped_examples[field]}" for field in sorted(self.skipped_counts)
            )
            parts.append(
                f"rows skipped for an unusable key (on_invalid_key: skip): "
                f"{_tally(self.skipped_counts)}; for example {examples}"
            )
        if self.undeclared_counts:
            parts.append(f"undeclared fields kept in _extra: {_tally(self.undeclared_counts)}")
        if self.misfit_counts:
            parts.append(
                f"values not fitting their declared type kept in _extra: "
                f"{_tally(self.misfit_counts)}"
            )
        return f"{name}: " + "; ".join(parts)


def masked_example(row: t.Mapping[str, t.Any], field: str) -> str:
    """A row skipped for its key `field`, told without its data: the key's value when it
    is blank or null (nothing personal in that), else only its JSON type and length, and
    the names and JSON types of the row's other fields (never their values, which may be
    personal data or secrets).
    """
    if field not in row:
        key = "missing"
    else:
        value = row[field]
        if value is None or (isinstance(value, str) and not value.strip()):
            key = repr(value) if value is not None else "null"
        else:
            key = f"a JSON {json_type_name(value)}" + (
                f" of {len(value)} characters" if isinstance(value, str) else ""
            )
    others = [f"{name}: {json_type_name(value)}" for name, value in row.items() if name != field]
    shown = ", ".join(others[:12]) + (
        f", ... ({len(others) - 12} more)" if len(others) > 12 else ""
    )
    return f"{field} {key} in a row of {{{shown}}}"


def _tally(counts: dict[str, int]) -> str:
    """`customField7 (1,234 records), other (1 record)`, most frequent first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(
        f"{name} ({count:,} record{'' if count == 1 else 's'})" for name, count in ordered
    )


def _preview(value: t.Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
