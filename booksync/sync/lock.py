"""The sync lock: one sync at a time across every process, surviving a holder that died.

Kept in the shared (database) cache: ``cache.add`` is an atomic insert, so only one
process gets the lock; a holder killed mid-sync is recognised (same host, process
gone) and its lock taken over instead of blocking every sync until it expires.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from django.core.cache import cache

log = logging.getLogger("booksync.sync")
LOCK_KEY = "booksync:sync-lock"
LOCK_SECONDS = 600


class SyncBusy(Exception):
    """Another sync holds the lock."""


def _holder_is_dead(token: str) -> bool:
    """True when the lock's holder was a process on this host that no longer exists.

    A worker killed mid-sync (SIGKILL, OOM) never releases the lock; without this
    every sync would wait out ``LOCK_SECONDS``. Holders on another host (or an
    old-style token) are never presumed dead: their lock expires instead.
    """
    host, _, rest = token.partition("|")
    pid = rest.partition("|")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def acquire(wait_seconds: float) -> str:
    token = f"{socket.gethostname()}|{os.getpid()}|{uuid.uuid4().hex}"
    deadline = time.monotonic() + wait_seconds
    while not cache.add(LOCK_KEY, token, timeout=LOCK_SECONDS):
        held = cache.get(LOCK_KEY)
        # Only one waiter wins the take-over of a given dead holder's lock.
        if held and _holder_is_dead(held) and cache.add(f"{LOCK_KEY}:takeover:{held}", token, timeout=LOCK_SECONDS) \
                and cache.get(LOCK_KEY) == held:
            log.warning("the sync lock's holder (%s) is gone; taking the lock over", held)
            cache.set(LOCK_KEY, token, timeout=LOCK_SECONDS)
            return token
        if time.monotonic() >= deadline:
            raise SyncBusy("another sync is running")
        time.sleep(0.2)
    return token


def release(token: str) -> None:
    if cache.get(LOCK_KEY) == token:
        cache.delete(LOCK_KEY)
