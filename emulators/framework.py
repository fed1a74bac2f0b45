"""The emulator framework: a vendor API on loopback, with faults on demand.

Tests and the demo never talk to a vendor. Each vendor emulator is an `EmulatorApp` that
answers requests from deterministic synthetic data and enforces the vendor's documented
limits; `EmulatorServer` serves it on 127.0.0.1 (HTTP/1.1, keep-alive), logs every request
so tests can count them, and injects the faults the taps must survive: an HTTP status with
`Retry-After`, a connection reset, a body cut off mid-transfer, a body that is complete on
the wire but truncated JSON, an HTML page with status 200, and a slow answer.

When the emulator runs in another process (the demo, Meltano runs), the same controls are
reachable over HTTP under `/_emulator/`: `GET requests`, `POST faults`, `POST reset`.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
import typing as t
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

CONTROL_PREFIX = "/_emulator/"


@dataclass
class Request:
    """One request as the emulator received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float
    status: int = 0

    def json(self) -> t.Any:
        """The request body as JSON."""
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    """An answer: a status, headers and a body (bytes, or chunks sent with chunked encoding)."""

    status: int = 200
    body: bytes | t.Iterable[bytes] = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: t.Any, status: int = 200, **headers: str) -> Reply:
        """A JSON reply."""
        return cls(status=status, body=json.dumps(payload).encode(), headers=dict(headers))

    def body_bytes(self) -> bytes:
        """The whole body (joins chunks)."""
        return self.body if isinstance(self.body, bytes) else b"".join(self.body)


FAULT_KINDS = ("status", "reset", "truncate", "cut_json", "html", "slow")


@dataclass
class Fault:
    """A fault served instead of (or around) the normal answer, `times` times.

    kinds: `status` (HTTP `status`, with `Retry-After` if `retry_after` is set), `reset`
    (connection closed without an answer), `truncate` (Content-Length promised, half the body
    sent, connection closed), `cut_json` (half the body, complete on the wire), `html`
    (an HTML page with status 200), `slow` (answer after `delay` seconds).
    """

    kind: str
    times: int = 1
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0
    path: str = ""
    after: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {FAULT_KINDS}")


class EmulatorApp:
    """A vendor API: subclasses implement `handle` and expose their ground truth."""

    name = "emulator"

    def handle(self, request: Request) -> Reply:
        """Answer one request."""
        raise NotImplementedError


class EmulatorServer:
    """Serves an `EmulatorApp` on loopback in a background thread."""

    def __init__(self, app: EmulatorApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_ref": self})
        self.httpd = _QuietServer((host, port), handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:50123."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> EmulatorServer:
        """Start serving in a daemon thread."""
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name=f"{self.app.name}-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, fault: Fault) -> None:
        """Queue a fault; the first matching request(s) get it."""
        with self._lock:
            self.faults.append(fault)

    def reset(self) -> None:
        """Forget logged requests and pending faults."""
        with self._lock:
            self.requests.clear()
            self.faults.clear()

    def served(self, path_contains: str = "") -> list[Request]:
        """Logged requests whose path contains `path_contains`."""
        with self._lock:
            return [r for r in self.requests if path_contains in r.path]

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.path in path and fault.times > 0:
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up (the taps under injected faults, killed runs) are not errors."""

    daemon_threads = True

    def handle_error(self, request: t.Any, client_address: t.Any) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes; with Nagle's algorithm the body waits for the
    # client's delayed ACK (~40 ms) on a kept-alive connection, per request.
    disable_nagle_algorithm = True
    server_ref: EmulatorServer

    def log_message(self, format: str, *args: t.Any) -> None:
        return None  # the request log is the record; stderr stays quiet

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            at=time.time(),
        )
        if parts.path.startswith(CONTROL_PREFIX):
            self._send(self._control(request))
            return
        server = self.server_ref
        server._log(request)
        fault = server._take_fault(parts.path)
        if fault is None:
            reply = self._answer(request)
        elif fault.kind == "slow":
            time.sleep(fault.delay)
            reply = self._answer(request)
        else:
            self._serve_fault(fault, request)
            return
        request.status = reply.status
        self._send(reply)

    def _answer(self, request: Request) -> Reply:
        try:
            return self.server_ref.app.handle(request)
        except Exception as exc:  # an emulator bug must show as a 500, not a hang
            return Reply.json({"error": f"emulator error: {exc!r}"}, status=500)

    def _serve_fault(self, fault: Fault, request: Request) -> None:
        request.status = fault.status if fault.kind == "status" else -1
        if fault.kind == "status":
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
            self._send(Reply.json({"error": "injected fault"}, status=fault.status, **headers))
        elif fault.kind == "reset":
            self._reset_connection()
        elif fault.kind == "html":
            page = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
            self._send(Reply(status=200, body=page, content_type="text/html"))
        else:
            reply = self._answer(request)
            data = reply.body_bytes()
            half = data[: max(1, len(data) // 2)]
            if fault.kind == "cut_json":
                self._send(Reply(status=reply.status, body=half, content_type=reply.content_type))
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(half)
            self.wfile.flush()
            self._reset_connection()

    def _reset_connection(self) -> None:
        # SO_LINGER 0 makes close() send a TCP RST: the client sees "connection reset".
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if isinstance(reply.body, bytes):
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in reply.body:
            if chunk:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def _control(self, request: Request) -> Reply:
        server = self.server_ref
        action = request.path[len(CONTROL_PREFIX) :]
        if action == "requests":
            with server._lock:
                logged = [
                    {k: v for k, v in asdict(r).items() if k != "body"} for r in server.requests
                ]
            return Reply.json(logged)
        if action == "faults" and request.method == "POST":
            server.inject(Fault(**request.json()))
            return Reply.json({"queued": True})
        if action == "reset" and request.method == "POST":
            server.reset()
            return Reply.json({"reset": True})
        return Reply.json({"error": f"unknown control {action!r}"}, status=404)
