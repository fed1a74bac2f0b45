"""The drift guard: a renamed API is caught before it fills a warehouse with null columns.

When a vendor renames its fields (`id` → `Id`, `startTime` → `Start time`), every declared
column of a stream loads as null and the values land in `_extra` under their new names; the
end-of-stream line says so at INFO, after the window is written. Here the first records of
each window (each context, for a stream without windows) are held back and compared with the
schema before any of them is written: when most declared fields never appear while
undeclared fields do, the stream says so as an ERROR naming both sides, and (the setting
`on_schema_drift`, default `fail`) fails before writing that window, or (`warn`) says it
once as a warning and goes on.

The threshold, and why (docs/values.md, "Schema drift"): a vendor leaves out members it has
no value for, so a sparse record is normal and absence alone proves nothing; a vendor adding
one field is normal too. A rename shows both at once and in proportion: more than half of
the declared fields absent from every held record, *and* at least half as many undeclared
fields present as declared ones absent. Presence counts, not values: a field sent as null
has appeared.
"""

from __future__ import annotations

import typing as t

from tapkit.errors import SchemaDriftError

if t.TYPE_CHECKING:
    import logging

#: records held back per window before they are checked and written
SAMPLE_RECORDS = 200
#: the `on_schema_drift` values
DRIFT_FAIL, DRIFT_WARN = "fail", "warn"
#: field names listed in one message, at most (the rest counted)
LISTED = 30


def drift_finding(
    declared: t.Collection[str], records: t.Iterable[t.Mapping[str, t.Any]]
) -> tuple[list[str], list[str]] | None:
    """The declared fields absent from every record and the undeclared fields present,
    when they look like a renamed API (see the module's threshold); else None.
    """
    seen: set[str] = set()
    for record in records:
        seen.update(record)
    if not seen or not declared:
        return None
    absent = sorted(set(declared) - seen)
    new = sorted(seen - set(declared))
    if len(absent) * 2 > len(declared) and new and len(new) * 2 >= len(absent):
        return absent, new
    return None


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(name[:80]) for name in names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def drift_message(stream: str, where: str, absent: list[str], new: list[str]) -> str:
    """The ERROR text: both sides, and the likely renames side by side."""
    pairs = _likely_renames(absent, new)
    renames = "; likely renames: " + ", ".join(f"{a!r} → {n!r}" for a, n in pairs) if pairs else ""
    return (
        f"stream '{stream}' {where}: {len(absent)} declared field(s) never appear "
        f"({_listed(absent)}) while {len(new)} undeclared field(s) do ({_listed(new)}){renames}. "
        "The vendor seems to have renamed its fields: loaded as they are, the declared "
        "columns would be null and the values only in _extra."
    )


def _normalised(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _likely_renames(absent: list[str], new: list[str]) -> list[tuple[str, str]]:
    """Absent and new names equal but for case, blanks and punctuation (`startTime` and
    `Start time`), side by side.
    """
    by_form = {_normalised(name): name for name in new}
    return [(name, by_form[_normalised(name)]) for name in absent if _normalised(name) in by_form][
        :LISTED
    ]


class DriftGuard:
    """Checks held records of one stream against its declared fields (see the module)."""

    def __init__(
        self, stream: str, declared: t.Collection[str], mode: str, logger: logging.Logger
    ) -> None:
        self.stream = stream
        self.declared = frozenset(declared)
        self.fail = mode != DRIFT_WARN
        self.logger = logger
        self.warned = False

    def check(self, records: t.Sequence[t.Mapping[str, t.Any]], where: str) -> None:
        """Raise `SchemaDriftError` (or warn once, with `on_schema_drift: warn`) when the
        records look like a renamed API.
        """
        finding = drift_finding(self.declared, records)
        if finding is None:
            return
        message = drift_message(self.stream, where, *finding)
        if self.fail:
            raise SchemaDriftError(
                f"{message} Nothing of this window was written. If the new names are right, "
                "the tap's schema must follow them; to load anyway (values kept in _extra), "
                "set on_schema_drift: warn."
            )
        if not self.warned:
            self.warned = True
            self.logger.warning("%s Loading anyway (on_schema_drift: warn).", message)

    def held(
        self, page: t.Generator[dict[str, t.Any], None, t.Any], where: str
    ) -> t.Generator[dict[str, t.Any], None, t.Any]:
        """`page`'s records, the first `SAMPLE_RECORDS` held back and checked before any is
        yielded; returns what `page` returns.
        """
        held: list[dict[str, t.Any]] = []
        while len(held) < SAMPLE_RECORDS:
            try:
                held.append(next(page))
            except StopIteration as done:
                self.check(held, where)
                yield from held
                return done.value
        self.check(held, where)
        yield from held
        return (yield from page)
