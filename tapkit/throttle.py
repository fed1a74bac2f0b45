"""A minimum interval between requests, shared by every stream that uses one credential.

Oct8ne allows one request a minute per API token, across its endpoints. The SDK has no
throttle, and each stream has its own HTTP session, so the interval is kept by one object
per (run, credential) that all such streams share.

Why not pyrate-limiter: its limiters count requests in windows, while what is needed here is
"no request before T", where T is pushed back by a vendor's `Retry-After`, and where the
progress line can say how long until T. That is a lock and a timestamp.
"""

from __future__ import annotations

import hashlib
import threading
import time
import typing as t

if t.TYPE_CHECKING:
    from tapkit.runscope import RunScope


class MinIntervalThrottle:
    """Blocks each caller until `interval` seconds have passed since the previous request
    was sent and since its answer was read.
    """

    def __init__(
        self,
        interval: float,
        *,
        clock: t.Callable[[], float] = time.monotonic,
        sleep: t.Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = max(0.0, float(interval))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = 0.0
        self.waited_seconds = 0.0

    def acquire(self) -> float:
        """Wait for the next free slot and claim it; return the seconds waited."""
        with self._lock:
            now = self._clock()
            wait = max(0.0, self._not_before - now)
            if wait:
                self._sleep(wait)
                self.waited_seconds += wait
            self._not_before = max(self._not_before, now + wait) + self.interval
            return wait

    def finished(self) -> None:
        """The request (and its body) is done: the interval also runs from now.

        A vendor may count its interval from when it finished answering; a large export can
        take a while to send, so the next request waits a full interval after that too.
        """
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + self.interval)

    def defer(self, seconds: float) -> None:
        """Allow no request for `seconds` from now (a vendor's Retry-After)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + max(0.0, seconds))

    def seconds_until_free(self) -> float:
        """Seconds until the next request may be sent."""
        return max(0.0, self._not_before - self._clock())


def credential_key(*parts: object) -> str:
    """A stable, non-reversible key for a credential (never the credential itself)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:16]


def shared_throttle(run: RunScope, key: str, interval: float) -> MinIntervalThrottle:
    """Return the run's throttle for credential `key`, creating it once."""
    return run.shared(MinIntervalThrottle, lambda: MinIntervalThrottle(interval), key=key)
