"""Reading a child stream's records ahead, several requests at once, emitted in order.

For APIs that document no rate limit, a child stream read one parent at a time spends
most of a sync waiting on round trips (JAICP: one messages request per session). The parent
hands each page of its records to a `Prefetcher` before emitting them; the prefetcher reads
each child context in a thread pool over the stream's own keep-alive session; when the SDK
then syncs the child for a parent record, the child takes the records already read.

Output does not change: the SDK still emits parent, then its children, in order, and the
parent's STATE still follows its window, because only the reading happens early. The reading
stays at most `ahead` contexts (four per worker) in front of the one being emitted, so memory
holds that many children's records however far the writing falls behind (a slow target).
"""

from __future__ import annotations

import collections
import threading
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor

if t.TYPE_CHECKING:
    from tapkit.stream import VendorStream


class Prefetcher:
    """Reads child contexts ahead with `workers` threads; `take` hands their records over."""

    def __init__(self, stream: VendorStream, workers: int, ahead: int | None = None) -> None:
        self.stream = stream
        self.workers = workers
        #: contexts read (or being read) ahead of the one taken last, at most
        self.ahead = ahead or 4 * workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=stream.name)
        self._pending: dict[str, Future[list[dict[str, t.Any]]]] = {}
        self._waiting: collections.OrderedDict[str, dict[str, t.Any]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def submit(self, key: str, context: dict[str, t.Any]) -> None:
        """Queue one child context to be read ahead (once per key until it is taken)."""
        with self._lock:
            if key not in self._pending and key not in self._waiting:
                self._waiting[key] = context
            self._start_reads()

    def _start_reads(self) -> None:
        """Start queued reads, oldest first, while fewer than `ahead` are held (lock held)."""
        while self._waiting and len(self._pending) < self.ahead:
            key, context = self._waiting.popitem(last=False)
            self._pending[key] = self._pool.submit(self.stream.read_all_pages, context)

    def take(self, key: str) -> list[dict[str, t.Any]] | None:
        """The records read for `key` (waiting for them), or None if never submitted.

        A failure of the read (after its retries) is raised here, in the main thread.
        """
        with self._lock:
            future = self._pending.pop(key, None)
            queued = self._waiting.pop(key, None) if future is None else None
            if queued is not None:  # taken before its turn came: read it next
                future = self._pool.submit(self.stream.read_all_pages, queued)
            self._start_reads()
        if future is None:
            return None
        try:
            return future.result()
        except BaseException:
            # the run is ending: reads queued behind this one must not hold the exit up
            self._pool.shutdown(wait=False, cancel_futures=True)
            raise
