"""One request budget for Notion shared by every process of a deployment.

Notion allows an average of 3 requests per second per integration, and the
web workers and the background workers all talk to it with one token. Each
request reserves the next free send time in a tiny state file under a
``flock`` (generic cell-rate algorithm: a "theoretical arrival time" that
moves forward by ``1/rate`` per request, allowing a burst of ``burst``),
then sleeps outside the lock until its turn. A 429's ``Retry-After`` pushes
everyone's next send time back (``hold``), so all processes honour it.

Where the state lives depends on the database (``budget()`` picks):

- SQLite: the file (``SharedBucket``). A lock held for microseconds per
  request must not queue behind SQLite's write lock (every booking
  transaction takes it at BEGIN), and Django's cache has no atomic
  read-modify-write. SQLite means one machine, and the file covers every
  process on it.
- PostgreSQL: a row of ``sync_syncstate`` (``DatabaseBucket``), read under
  ``SELECT … FOR UPDATE`` in a transaction of its own, so web and worker
  processes on several machines draw from one budget. Times come from the
  database's clock, so machines whose clocks differ still agree on the turns.
  See docs/decisions/0005-notion.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from django.apps import apps
from django.db import connection, connections, transaction

from .ports import RateLimited


class RateLimitWait(RateLimited):
    """Notion asked us to wait longer than a caller may block; the outbox retries later (not sooner)."""


def _reserve(state: dict[str, float], now: float, interval: float, burst: int, max_wait: float) -> float:
    """GCRA: the send time of one more request given ``state`` (updated in place)."""
    tat = max(state.get("tat", 0.0), now)
    send_at = max(now, tat - (burst - 1) * interval, state.get("hold", 0.0))
    if send_at - now > max_wait:
        raise RateLimitWait(f"Notion asked us to wait {send_at - now:.0f} s; trying again later.", send_at - now)
    state["tat"] = max(tat, send_at) + interval
    return send_at


def _sleep_until(send_at: float, now: float) -> float:
    wait = send_at - now
    if wait > 0:
        time.sleep(wait)
    return max(wait, 0.0)


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

    def reserve(self) -> tuple[float, float]:
        """Book this request's turn without waiting: ``(now, send_at)`` in epoch seconds."""
        now = time.time()
        if not self.interval:
            return now, now
        with self._state() as state:
            return now, _reserve(state, now, self.interval, self.burst, self.max_wait)

    def take(self) -> float:
        """Wait for this request's turn; returns the seconds waited."""
        return _sleep_until(*reversed(self.reserve()))

    def hold(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (Notion's Retry-After)."""
        with self._state() as state:
            state["hold"] = max(state.get("hold", 0.0), time.time() + seconds)


class DatabaseBucket:
    """The same budget with its state in one ``sync_syncstate`` row (PostgreSQL: several machines).

    Each reservation is a transaction of its own: ``SELECT … FOR UPDATE`` of the row, the
    GCRA step, ``UPDATE``, ``COMMIT``; the sleep comes after. Never inside the caller's
    transaction: there the row lock would be held until the caller commits (every Notion
    request of every process queued behind one slow booking transaction) and a rollback of
    the caller would hand its turns back, letting the next requests exceed the budget. So
    when the default connection is inside ``atomic()`` the reservation uses a connection
    of its own, opened for it and closed after (a few milliseconds on a budget of a few
    requests a second); outside one it uses the default connection, committing at once.
    """

    NAME = "notion:rate-budget"

    def __init__(self, rate: float, burst: int = 3, max_wait: float = 30.0, name: str = NAME,
                 using: str = "default") -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.burst = max(burst, 1)
        self.max_wait = max_wait
        self.name = name
        self.using = using

    @contextlib.contextmanager
    def _state(self) -> Iterator[tuple[dict[str, float], float]]:
        table = apps.get_model("sync", "SyncState")._meta.db_table
        default = connections[self.using]
        own = default.in_atomic_block
        conn = connections.create_connection(self.using) if own else default
        try:
            # (atomic() is a decorator-or-context-manager Django does not type as the latter)
            scope = _own_transaction(conn) if own else cast(
                contextlib.AbstractContextManager[Any], transaction.atomic(using=self.using))
            with scope, conn.cursor() as cursor:
                # The row exists from the first request on; a concurrent first insert is a no-op.
                cursor.execute(f"INSERT INTO {table} (name, value, format_version, updated_at) "
                               "VALUES (%s, '{}', 1, now()) ON CONFLICT (name) DO NOTHING", [self.name])
                cursor.execute(f"SELECT value, extract(epoch FROM clock_timestamp()) FROM {table} "
                               "WHERE name = %s FOR UPDATE", [self.name])
                raw, now = cursor.fetchone()
                try:
                    state = json.loads(raw) if raw else {}
                except ValueError:
                    state = {}
                yield state, float(now)
                cursor.execute(f"UPDATE {table} SET value = %s, updated_at = now() WHERE name = %s",
                               [json.dumps(state), self.name])
        finally:
            if own:
                conn.close()

    def reserve(self) -> tuple[float, float]:
        """Book this request's turn without waiting: ``(now, send_at)`` on the database's clock."""
        if not self.interval:
            return 0.0, 0.0
        with self._state() as (state, now):
            return now, _reserve(state, now, self.interval, self.burst, self.max_wait)

    def take(self) -> float:
        """Wait for this request's turn; returns the seconds waited."""
        return _sleep_until(*reversed(self.reserve()))

    def hold(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (Notion's Retry-After)."""
        with self._state() as (state, now):
            state["hold"] = max(state.get("hold", 0.0), now + seconds)


@contextlib.contextmanager
def _own_transaction(conn) -> Iterator[None]:
    """One transaction on a connection that is not Django's thread-local one."""
    conn.ensure_connection()
    conn.set_autocommit(False)
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    else:
        conn.commit()


def budget(path: str | Path, rate: float, burst: int = 3, max_wait: float = 30.0) -> SharedBucket | DatabaseBucket:
    """The budget for this deployment: in the database on PostgreSQL, else in the file at ``path``."""

    if connection.vendor == "postgresql":
        return DatabaseBucket(rate, burst=burst, max_wait=max_wait)
    return SharedBucket(path, rate, burst=burst, max_wait=max_wait)
