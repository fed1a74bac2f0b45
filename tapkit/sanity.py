"""Checks of the state, the catalog and the settings' names, before the first request.

What a run is given can be wrong in ways the JSON schema cannot see: a bookmark that is not
a date (a hand-edited or corrupt state) would fail mid-run, after other streams already
ran; a bookmark in the future would skip a stream silently, run after run; a setting name
with a typo (`windows_days`) would be ignored; a catalog that selects nothing would make a
run that extracts nothing look like a success. Each is said once, naming what to fix.
"""

from __future__ import annotations

import difflib
import typing as t

from tapkit.datetimes import parse_datetime_setting
from tapkit.errors import StateError

if t.TYPE_CHECKING:
    import datetime as dt

#: settings the SDK and Meltano add to a config that no tap declares
_PASSED_THROUGH = frozenset({"name", "_state_id"})


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


def unwrapped_state(state: dict[str, t.Any]) -> tuple[dict[str, t.Any], list[str]]:
    """The Singer state inside a state as Meltano stores it, and the warning that says so.

    Meltano's state backend keeps `{"singer_state": {...}}` (and `completed` / `partial`
    around it); handed to a tap as is (copied from `meltano state get`), its bookmarks were
    never read and every stream silently started again from start_date.
    """
    if "bookmarks" in state or not state:
        return state, []
    completed = state.get("completed")
    inner = state.get("singer_state")
    where = "singer_state"
    if not isinstance(inner, dict) and isinstance(completed, dict):
        inner, where = completed.get("singer_state"), "completed.singer_state"
    if isinstance(inner, dict):
        return inner, [
            f"the state is wrapped the way Meltano stores it (its bookmarks are under "
            f"'{where}'); those bookmarks are used. Pass the Singer state itself"
        ]
    return state, [
        f"the state holds no 'bookmarks' (it has {', '.join(map(repr, sorted(state)))}): "
        "every stream starts from start_date"
    ]


def foreign_bookmark_warnings(
    state: dict[str, t.Any], replication_keys: t.Mapping[str, str | None]
) -> list[str]:
    """Bookmarks this tap cannot trust, each dropped from `state` (in place) with a warning.

    - a stream this tap does not have (another tap's state, a renamed stream): ignored;
    - a bookmark recorded for another replication key than the stream's (a state copied
      from another stream or tap): used as is, it would skip data silently; dropped, so the
      stream starts from start_date (rows read again upsert by key).
    """
    bookmarks = state.get("bookmarks")
    if not isinstance(bookmarks, dict):
        return []
    warnings = []
    unknown = sorted(name for name in bookmarks if name not in replication_keys)
    if unknown:
        warnings.append(
            f"the state holds bookmarks of stream(s) this tap does not have: "
            f"{', '.join(map(repr, unknown))} (a state from another tap, or a renamed "
            "stream?); ignored"
        )
    for name, own_key in replication_keys.items():
        entry = bookmarks.get(name)
        if not isinstance(entry, dict) or own_key is None:
            continue
        entries = [entry, *(p for p in entry.get("partitions", []) if isinstance(p, dict))]
        for bookmark in entries:
            key = bookmark.get("replication_key")
            if key is None or key == own_key:
                continue
            warnings.append(
                f"the state's bookmark of stream '{name}' was recorded for replication key "
                f"{key!r}, not this stream's {own_key!r} (a state from another stream or "
                f"tap?): its value {bookmark.get('replication_key_value')!r} is ignored and "
                "the stream is read from start_date"
            )
            bookmark.pop("replication_key", None)
            bookmark.pop("replication_key_value", None)
    return warnings


def future_start_warning(start: dt.datetime | None, now: dt.datetime) -> str | None:
    """The warning for a `start_date` later than now (a run that reads nothing yet)."""
    if start is None or start <= now:
        return None
    return (
        f"start_date ({start.isoformat()}) is later than now "
        f"({now.isoformat(timespec='seconds')}): the windowed streams read nothing until "
        "then. Check start_date"
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
