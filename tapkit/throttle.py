"""A minimum interval between requests, shared by every stream that uses one credential.

Oct8ne allows one request a minute per API token, across its endpoints. The SDK has no
throttle, and each stream has its own HTTP session, so the interval is kept by one object
per (run, credential) that all such streams share.

Two runs on one token (two Meltano jobs, a backfill next to the schedule) keep the interval
between them too: the instant before which no request may be sent is also kept in a file per
credential (`SlotFile`, named by a hash of the credential, never the credential itself) under
the temporary directory, read and written under an exclusive `flock`, so the runs take turns
instead of drawing 429s until one gives up.

Why not pyrate-limiter: its limiters count requests in windows, while what is needed here is
"no request before T", where T is pushed back by a vendor's `Retry-After`, and where the
progress line can say how long until T. That is a lock and a timestamp.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
import time
import typing as t
from pathlib import Path

if t.TYPE_CHECKING:
    from tapkit.runscope import RunScope


#: the longest another run's slot is waited for (beyond it, the file is taken as stale)
MAX_SHARED_WAIT_SECONDS = 3600.0


class SlotFile:
    """The wall-clock instant before which no request may be sent with one credential,
    shared by every process on this machine (a file under an exclusive `flock`).
    """

    def __init__(self, key: str, directory: str | None = None) -> None:
        self.path = Path(directory or tempfile.gettempdir()) / f"tapkit-throttle-{key}"

    @contextlib.contextmanager
    def locked(self) -> t.Iterator[t.Callable[..., float]]:
        """Hold the lock; yields `push(instant, replace=False)`: the stored instant, moved to
        `instant` when later or when `replace` (None: read only).
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held for a read and a write only, never a wait

            def push(instant: float | None, replace: bool = False) -> float:
                os.lseek(fd, 0, os.SEEK_SET)
                try:
                    stored = float(os.read(fd, 64) or b"0")
                except ValueError:  # a torn or foreign file: start afresh
                    stored = 0.0
                if instant is not None and (replace or instant > stored):
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, repr(instant).encode(), 0)
                    stored = instant
                return stored

            yield push
        finally:
            os.close(fd)  # releases the lock


class MinIntervalThrottle:
    """Blocks each caller until `interval` seconds have passed since the previous request
    was sent and since its answer was read (by any process, with `slots`).
    """

    def __init__(
        self,
        interval: float,
        *,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
        slots: SlotFile | None = None,
    ) -> None:
        self.interval = max(0.0, float(interval))
        self._clock = clock
        self._sleep = sleep
        self._slots = slots
        self._lock = threading.Lock()
        self._not_before = 0.0
        self.waited_seconds = 0.0

    def acquire(self) -> float:
        """Wait for the next free slot and claim it; return the seconds waited."""
        with self._lock:
            waited = 0.0
            while True:
                # this run's own interval first; then the other runs' (claimed when free)
                wait = max(0.0, self._not_before - self._clock()) or self._shared_wait()
                if not wait:
                    break
                self._sleep(wait)
                waited += wait
            self.waited_seconds += waited
            self._not_before = max(self._not_before, self._clock()) + self.interval
            return waited

    def _shared_wait(self) -> float:
        """Seconds another process asks to wait; 0 means free, and the slot is claimed.

        A file that cannot be used (another user's, a read-only directory) leaves the run
        with its own interval only; an instant absurdly far ahead (a clock set back, a
        foreign file) is not waited for.
        """
        if self._slots is None:
            return 0.0
        try:
            with self._slots.locked() as push:
                now = time.time()
                wait = push(None) - now
                if 0 < wait <= max(self.interval, MAX_SHARED_WAIT_SECONDS):
                    return wait
                push(now + self.interval, replace=wait > 0)
        except OSError:
            self._slots = None
        return 0.0

    def _share(self, seconds: float) -> None:
        if self._slots is not None:
            try:
                with self._slots.locked() as push:
                    push(time.time() + seconds)
            except OSError:
                self._slots = None

    def finished(self) -> None:
        """The request (and its body) is done: the interval also runs from now.

        A vendor may count its interval from when it finished answering; a large export can
        take a while to send, so the next request waits a full interval after that too.
        """
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + self.interval)
            self._share(self.interval)

    def defer(self, seconds: float) -> None:
        """Allow no request for `seconds` from now (a vendor's Retry-After)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + max(0.0, seconds))
            self._share(max(0.0, seconds))

    def seconds_until_free(self) -> float:
        """Seconds until the next request may be sent."""
        return max(0.0, self._not_before - self._clock())


def credential_key(*parts: object) -> str:
    """A stable, non-reversible key for a credential (never the credential itself)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:16]


def shared_throttle(run: RunScope, key: str, interval: float) -> MinIntervalThrottle:
    """Return the run's throttle for credential `key`, creating it once."""
    return run.shared(
        MinIntervalThrottle,
        lambda: MinIntervalThrottle(interval, slots=SlotFile(key)),
        key=key,
    )
