"""Shared machinery for the loopback API emulators.

Each emulator is a threaded HTTP server on 127.0.0.1 with an ephemeral port, a
request log (so tests and benchmarks can count calls) and fault injection
(status codes, latency, hangs, dropped connections) that applies before the
emulated API sees the request. Emulators subclass ``Emulator`` and implement
``route``; they never import booksync.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as the emulator received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list → JSON, bytes/str → raw
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Fault:
    """A rule that makes matching requests fail before the API handles them.

    ``kind`` is ``status`` (answer ``status`` with ``body``), ``latency``
    (sleep ``seconds`` and then handle normally), ``hang`` (sleep ``seconds``
    and close without answering) or ``drop`` (close the connection at once).
    ``times`` limits how many requests it hits (None = unlimited); ``rate`` is
    the probability that a matching request is hit.
    """

    kind: str = "status"
    method: str | None = None
    path: str = ".*"
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    times: int | None = 1
    rate: float = 1.0
    hits: int = 0

    def matches(self, request: Request, rng: random.Random) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method and self.method.upper() != request.method:
            return False
        if not re.search(self.path, request.path):
            return False
        return rng.random() < self.rate


@dataclass
class LogEntry:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    at: float
    faulted: bool = False
    seconds: float = 0.0  # time the emulator spent answering (benches subtract it: not the client's work)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without NODELAY, Nagle + delayed ACK
        # adds ~40 ms to every request on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the emulator keeps its own request log

    def _handle(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.server.emulator._serve(self, request)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: Emulator


class Emulator:
    """Base class: start/stop, request log, faults. Subclasses implement ``route``."""

    name = "emulator"

    def __init__(self, seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.log: list[LogEntry] = []
        self.faults: list[Fault] = []
        self._rng = random.Random(seed)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------
    def start(self, port: int = 0) -> Emulator:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.emulator = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=f"{self.name}-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "emulator not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL without trailing slash, e.g. ``http://127.0.0.1:41234``."""
        return f"http://127.0.0.1:{self.port}"

    # -- faults and log --------------------------------------------------------
    def add_fault(self, **kwargs: Any) -> Fault:
        fault = Fault(**kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def calls(self, method: str | None = None, path: str | None = None) -> list[LogEntry]:
        """Logged requests, optionally filtered by method and a path regex."""
        with self.lock:
            entries = list(self.log)
        return [
            e
            for e in entries
            if (method is None or e.method == method.upper())
            and (path is None or re.search(path, e.path))
        ]

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()

    # -- serving -----------------------------------------------------------------
    def route(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def _pick_fault(self, request: Request) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(request, self._rng):
                    fault.hits += 1
                    return fault
        return None

    def _serve(self, handler: _Handler, request: Request) -> None:
        fault = self._pick_fault(request)
        if fault and fault.kind == "latency":
            time.sleep(fault.seconds)
            fault = None
        if fault and fault.kind in ("hang", "drop"):
            if fault.kind == "hang":
                time.sleep(fault.seconds)
            self._record(request, 0, faulted=True)
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
            return
        began = time.perf_counter()
        if fault:
            response = Response(fault.status, fault.body, dict(fault.headers))
        else:
            try:
                response = self.route(request)
            except Exception as exc:  # an emulator bug must show up as a 500, not a hang
                response = Response(500, {"error": f"emulator error: {exc!r}"})
        payload = response.encoded()
        self._record(request, response.status, faulted=fault is not None, seconds=time.perf_counter() - began)
        handler.send_response(response.status)
        if payload:
            handler.send_header("Content-Type", response.content_type)
        for key, value in response.headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if payload and request.method != "HEAD":
            handler.wfile.write(payload)

    def _record(self, request: Request, status: int, faulted: bool, seconds: float = 0.0) -> None:
        with self.lock:
            self.log.append(
                LogEntry(request.method, request.path, request.query, status, time.time(), faulted, seconds)
            )
