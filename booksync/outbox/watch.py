"""The watch for dead workers' claims: every worker process keeps one (``keep_watch``, started by
the worker's tasks). Each heartbeat interval it hands back the claims whose heartbeat stopped
(``delivery.release_stuck``) and wakes the worker, so a dead worker's message goes out again
within a minute while any worker lives (``claims.py`` keeps the heartbeat itself)."""

from __future__ import annotations

import logging
import threading
import time

from django.db import connection

from . import delivery
from .claims import heartbeat_seconds

log = logging.getLogger("booksync.outbox")

_watch_lock = threading.Lock()
_watching = False


def keep_watch() -> None:
    """Start this process's watch for stale claims (once)."""
    global _watching
    with _watch_lock:
        if _watching:
            return
        _watching = True
    threading.Thread(target=_watch, name="outbox-claim-watch", daemon=True).start()


def _watch() -> None:
    while True:
        time.sleep(heartbeat_seconds())
        try:
            if delivery.release_stuck():
                delivery.wake_worker()  # outside a transaction: enqueued at once
        except Exception:
            log.warning("the claim watch could not look for stale claims", exc_info=True)
        finally:
            connection.close()
