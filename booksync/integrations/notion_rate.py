"""One request budget for Notion shared by every process of a deployment.

Notion allows an average of 3 requests per second per integration, and the
web workers and the background workers all talk to it with one token. Each
request reserves the next free send time in a tiny state file under a
``flock`` (generic cell-rate algorithm: a "theoretical arrival time" that
moves forward by ``1/rate`` per request, allowing a burst of ``burst``),
then sleeps outside the lock until its turn. A 429's ``Retry-After`` pushes
everyone's next send time back (``hold``), so all processes honour it.

Why a file and not the database cache: a lock held for microseconds per
request must not queue behind SQLite's write lock (every booking transaction
takes it at BEGIN), and Django's cache has no atomic read-modify-write. The
file is shared by every process on one machine, which is the deployment
booksync supports; several machines would need the state in PostgreSQL or
Redis (docs/decisions/0005-notion.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .ports import IntegrationError


class RateLimitWait(IntegrationError):
    """Notion asked us to wait longer than a caller may block; the outbox retries later."""


class SharedBucket:
    """A cross-process rate limiter: ``take()`` before each request, ``hold()`` after a 429."""

    def __init__(self, path: str | Path, rate: float, burst: int = 3, max_wait: float = 30.0) -> None:
        self.path = Path(path)
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.burst = max(burst, 1)
        self.max_wait = max_wait

    @contextlib.contextmanager
    def _state(self) -> Iterator[dict[str, float]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.read(fd, 4096)
            try:
                state = json.loads(raw) if raw else {}
            except ValueError:
                state = {}  # a torn or foreign file: start afresh rather than fail every request
            yield state
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(state).encode())
        finally:
            os.close(fd)  # closing releases the lock

    def take(self) -> float:
        """Wait for this request's turn; returns the seconds waited."""
        if not self.interval:
            return 0.0
        now = time.time()
        with self._state() as state:
            tat = max(state.get("tat", 0.0), now)
            send_at = max(now, tat - (self.burst - 1) * self.interval, state.get("hold", 0.0))
            if send_at - now > self.max_wait:
                raise RateLimitWait(f"Notion asked us to wait {send_at - now:.0f} s; trying again later.")
            state["tat"] = max(tat, send_at) + self.interval
        wait = send_at - now
        if wait > 0:
            time.sleep(wait)
        return wait

    def hold(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (Notion's Retry-After)."""
        with self._state() as state:
            state["hold"] = max(state.get("hold", 0.0), time.time() + seconds)
