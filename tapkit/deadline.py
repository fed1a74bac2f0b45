"""One deadline per request: connect, status line, headers and body, whatever the connection.

`request_timeout` bounds one socket operation only: a server that sends one byte a second
(of its status line, its headers, an error body or a login answer) never trips it. Each
attempt therefore gets a `Deadline` of `max_response_seconds`, started before it is sent and
stopped once its body has been read (or abandoned).

How a blocked read is ended, without touching a library's private state: the session's
connections are of a class that tells the deadline of the attempt under way (a thread-local)
every socket it connects or sends on (`WatchingAdapter`). When the deadline fires, it calls
`socket.shutdown(SHUT_RDWR)` on those sockets: on Linux (and every POSIX system) a `recv`
blocked in another thread then returns end-of-file at once, and `shutdown` itself never
blocks (unlike closing the response, whose buffered reader waits for the blocked read's
lock). The socket is the one recorded at connect time, so a `Connection: close` answer,
whose connection object has already let go of its socket, is reached too. The read that
ended early is then reported as too slow (`DeadlineExceededError`), which is retried like a
timeout, and the run's final error names `max_response_seconds`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import typing as t

from requests.adapters import HTTPAdapter
from typing_extensions import override
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from tapkit.errors import DeadlineExceededError

if t.TYPE_CHECKING:
    import requests

_current = threading.local()


class Deadline:
    """The time one attempt may take, and the sockets to shut down when it is over."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._closed = False
        self._lock = threading.Lock()
        self._connections: list[HTTPConnection] = []
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def message(self) -> str:
        """What happened, naming the setting."""
        return (
            f"the response took longer than max_response_seconds ({self.seconds:g} s) to "
            "arrive whole (connect, status line, headers and body)"
        )

    def exceeded(self) -> DeadlineExceededError:
        """The retriable error of an attempt whose answer was late."""
        return DeadlineExceededError(self.message())

    def watch(self, connection: HTTPConnection) -> None:
        """Shut down `connection`'s socket (now or once connected) when the deadline fires."""
        with self._lock:
            if self._closed:
                return
            self._connections.append(connection)
            if connection.sock is not None:
                self._sockets.append(connection.sock)
            if not self.expired:
                return
        _shut_down([connection.sock] if connection.sock is not None else [])

    def _expire(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.expired = True
            sockets = [*self._sockets, *(c.sock for c in self._connections if c.sock is not None)]
        _shut_down(sockets)

    def close(self) -> None:
        """The attempt is over: stop the timer and let go of its sockets."""
        with self._lock:
            self._closed = True
            self._connections.clear()
            self._sockets.clear()
        self._timer.cancel()

    @contextlib.contextmanager
    def watching(self) -> t.Iterator[Deadline]:
        """Make this the deadline of the connections this thread uses meanwhile."""
        previous = getattr(_current, "deadline", None)
        _current.deadline = self
        try:
            yield self
        finally:
            _current.deadline = previous


def _shut_down(sockets: t.Iterable[socket.socket]) -> None:
    for sock in sockets:
        # an fd already closed raises (EBADF/ENOTCONN): nothing left to unblock
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _watch(connection: HTTPConnection) -> None:
    deadline = getattr(_current, "deadline", None)
    if isinstance(deadline, Deadline):
        deadline.watch(connection)


class _Watched:
    """Tells the thread's deadline of every socket the connection connects or sends on."""

    def connect(self) -> None:
        _watch(t.cast("HTTPConnection", self))  # reached while connecting (TLS handshake)
        super().connect()  # type: ignore[misc]
        _watch(t.cast("HTTPConnection", self))

    def request(self, *args: t.Any, **kwargs: t.Any) -> None:
        _watch(t.cast("HTTPConnection", self))  # a kept-alive socket, reused
        super().request(*args, **kwargs)  # type: ignore[misc]


class WatchedHTTPConnection(_Watched, HTTPConnection):
    """An HTTP connection under the thread's deadline."""


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    """An HTTPS connection under the thread's deadline."""


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


class WatchingAdapter(HTTPAdapter):
    """A `requests` adapter whose connections can be ended by the attempt's `Deadline`."""

    @override
    def init_poolmanager(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }


def watch_connections(session: requests.Session) -> requests.Session:
    """Mount `WatchingAdapter` on `session` for http and https (idempotent)."""
    for prefix in ("https://", "http://"):
        if not isinstance(session.adapters.get(prefix), WatchingAdapter):
            session.mount(prefix, WatchingAdapter())
    return session
