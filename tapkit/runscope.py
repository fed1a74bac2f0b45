"""Objects shared by every stream of one run: one typed registry instead of ad-hoc attributes.

A tap instance is one run. Its streams share a few objects: the run's clock reading, a
throttle per credential, a vendor's login, a flag one stream raises for the others. They are
kept here, keyed by their type and a name, so each is created once, typed, and found the same
way by every stream (`VendorStream.run_scope`).
"""

from __future__ import annotations

import datetime as dt
import threading
import typing as t

T = t.TypeVar("T")


class RunScope:
    """The per-run objects of one tap instance."""

    def __init__(self, started_at: dt.datetime | None = None) -> None:
        #: One clock reading for the whole run, so every stream agrees on which day is today
        #: even when the run crosses midnight.
        self.started_at = started_at or dt.datetime.now(dt.UTC)
        self._objects: dict[tuple[type, str], object] = {}
        self._lock = threading.Lock()

    def shared(self, kind: type[T], factory: t.Callable[[], T], key: str = "") -> T:
        """The run's `kind` object under `key`, created by `factory` the first time."""
        with self._lock:
            found = self._objects.get((kind, key))
            if found is None:
                found = self._objects[(kind, key)] = factory()
            if not isinstance(found, kind):
                raise TypeError(f"{kind.__name__} expected under {key!r}, found {found!r}")
            return found
