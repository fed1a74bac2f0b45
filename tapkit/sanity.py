"""Checks of the state, the catalog and the settings' names, before the first request.

What a run is given can be wrong in ways the JSON schema cannot see: a bookmark that is not
a date (a hand-edited or corrupt state) would fail mid-run, after other streams already
ran; a bookmark in the future would skip a stream silently, run after run; a setting name
with a typo (`windows_days`) would be ignored; a catalog that selects nothing would make a
run that extracts nothing look like a success. Each is said once, naming what to fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing as t

from tapkit.settings import parse_datetime_setting

#: settings the SDK and Meltano add to a config that no tap declares
_PASSED_THROUGH = frozenset({"name", "_state_id"})


class StateError(ValueError):
    """The state given to the run cannot be used (the message names the stream)."""


def parse_bookmark(value: t.Any, *, stream: str) -> dt.datetime | None:
    """A stream's `replication_key_value` as an aware datetime, or a `StateError`."""
    if value in (None, ""):
        return None
    try:
        parsed = parse_datetime_setting(value)
    except (TypeError, ValueError, OverflowError):
        parsed = None
    if parsed is None:
        raise StateError(
            f"the state's bookmark of stream '{stream}' is not a date-time: {value!r}. Fix "
            "the state, or clear it (meltano state clear <state-id>) to start from start_date"
        )
    return parsed


def clamp_future_bookmark(
    bookmark: dt.datetime | None, *, now: dt.datetime, stream: str
) -> tuple[dt.datetime | None, str | None]:
    """A bookmark later than now is brought back to now, with the warning that says so.

    A future bookmark (a clock that was wrong, a state copied from another system) would
    otherwise make every run "already up to date" while the stream silently stops.
    """
    if bookmark is None or bookmark <= now:
        return bookmark, None
    return now, (
        f"the state's bookmark of stream '{stream}' ({bookmark.isoformat()}) is later than "
        f"now ({now.isoformat(timespec='seconds')}); reading from now (less lookback_days) "
        "instead. Check the clock of the machine that wrote that state"
    )


def unknown_setting_warnings(config: t.Mapping[str, t.Any], known: t.Iterable[str]) -> list[str]:
    """One warning per setting name the tap does not know, with the closest known name."""
    known = sorted(set(known))
    warnings = []
    for name in sorted(set(config) - set(known) - _PASSED_THROUGH):
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        warnings.append(f"unknown setting '{name}' is ignored{hint}")
    return warnings


NOTHING_SELECTED = (
    "the catalog selects no stream: this run extracts nothing. Select streams "
    "(meltano select <tap> <stream>) or drop the catalog to read every stream"
)
