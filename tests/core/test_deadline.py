"""One deadline per request (`tapkit.deadline`), against raw loopback servers that drip.

The emulators answer whole HTTP messages; these servers write the bytes themselves, so they
can drip the status line, the headers, a body over a kept-alive or a `Connection: close`
connection, a chunked body, an error body, Chat-Tonic's login answer, one byte every
0.2 s, for ever. Judged as an operator would: the run gives up within seconds of
`max_response_seconds` times `max_attempts`, after exactly `max_attempts` requests, with
one error naming `max_response_seconds`.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
import typing as t

import pytest

from tests.cases.chattonic import CASE as CHATTONIC
from tests.cases.jaicp import JAICP
from tests.support import run_tap

DRIP_SECONDS = 0.2
DEADLINE = 1.5
ATTEMPTS = 2
#: tap start-up, one backoff wait (1 s) and slack for a loaded machine
SLACK = 12.0


class DrippingServer:
    """Reads each request, then writes `head` whole and `drip` one byte at a time, for ever."""

    def __init__(
        self, head: bytes, drip: bytes, *, piece: int = 1, pause: float = DRIP_SECONDS
    ) -> None:
        self.head = head
        self.drip = drip
        self.piece = piece
        self.pause = pause
        #: body bytes the tap accepted
        self.sent = 0
        self.requests: list[str] = []
        self.stopped = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def __enter__(self) -> DrippingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                while not self.stopped.is_set():  # requests on a kept-alive connection too
                    request = self._read_request(conn)
                    if request is None:
                        return
                    self.requests.append(request)
                    conn.sendall(self.head)
                    while True:
                        for index in range(0, len(self.drip), self.piece):
                            if self.stopped.is_set():
                                return
                            self.sent += conn.send(self.drip[index : index + self.piece])
                            time.sleep(self.pause)
            except OSError:  # the tap gave up on the connection
                return

    @staticmethod
    def _read_request(conn: socket.socket) -> str | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            body += conn.recv(65536)
        return head.split(b"\r\n")[0].decode()


DRIPS: dict[str, tuple[bytes, bytes]] = {
    "status line": (b"", b"HTTP/1.1 200 OK" * 1000),
    "headers": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n", b"X-Slow: x" * 1000),
    "body, keep-alive": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n"
        b"Connection: keep-alive\r\n\r\n",
        b'{"data": [' + b" " * 100000,
    ),
    "body, Connection: close": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
        b'{"data": [' + b" " * 100000,
    ),
    "body, chunked": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"1\r\n \r\n" * 100000,
    ),
    "error body (503)": (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 100000\r\n\r\n",
        b"busy " * 20000,
    ),
    "error body (503), Connection: close": (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
        b"Connection: close\r\n\r\n",
        b"busy " * 20000,
    ),
}


def gives_up(tap: str, config: dict[str, t.Any], server: DrippingServer) -> float:
    """Run the tap against `server`; check how it gave up; the seconds it took."""
    config = {**config, "max_response_seconds": DEADLINE, "max_attempts": ATTEMPTS}
    config.update(request_timeout=5)
    started = time.monotonic()
    run = run_tap(tap, config, timeout=120)
    elapsed = time.monotonic() - started
    assert run.returncode != 0
    assert f"max_response_seconds ({DEADLINE:g} s)" in run.stderr, run.stderr[-2000:]
    assert len(server.requests) == ATTEMPTS, server.requests
    assert elapsed < DEADLINE * ATTEMPTS + SLACK
    return elapsed


@pytest.mark.parametrize("what", list(DRIPS))
def test_a_dripping_answer_is_given_up_at_max_response_seconds(what: str) -> None:
    head, drip = DRIPS[what]
    with DrippingServer(head, drip) as server:
        today = dt.datetime.now(dt.UTC).date()
        config = {**JAICP.config(server.url, today), "window_days": 1}
        elapsed = gives_up(JAICP.tap, config, server)
    print(f"\n[drip probe] {what}: gave up after {elapsed:.1f} s ({ATTEMPTS} attempts)")


def test_a_dripping_chattonic_login_is_given_up_at_max_response_seconds() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    with DrippingServer(head, b'{"token": "' + b"t" * 100000) as server:
        config = CHATTONIC.config(server.url, dt.datetime.now(dt.UTC).date())
        config.pop("access_token", None)
        elapsed = gives_up(CHATTONIC.tap, config, server)
    assert all("/user/login" in request for request in server.requests)
    print(f"\n[drip probe] Chat-Tonic login: gave up after {elapsed:.1f} s")


def test_a_huge_error_body_is_read_only_up_to_a_small_cap() -> None:
    size = 300 << 20
    head = (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
        b"Content-Length: %d\r\n\r\n" % size
    )
    with DrippingServer(head, b"busy " * 13108, piece=65540, pause=0) as server:
        config = {**JAICP.config(server.url, dt.datetime.now(dt.UTC).date()), "window_days": 1}
        config.update(max_attempts=ATTEMPTS, max_response_seconds=60)
        run = run_tap(JAICP.tap, config, timeout=120)
    assert run.returncode != 0
    assert "HTTP 503" in run.stderr and "busy busy" in run.stderr
    assert len(server.requests) == ATTEMPTS
    # two attempts: each read its first 64 KiB; the rest is what the sockets' buffers took
    assert server.sent < 2 * 16 << 20, server.sent
    print(f"\n[error body] {size >> 20} MiB 503 body: {server.sent / (1 << 20):.1f} MiB sent")
