"""A per-process cache for the slot picker: the studio's rules, local busy time and computed slots.

Reading 500 busy intervals costs far more than computing slots from them
(mostly converting database datetimes), and the picker asks for the same days
again and again. Each process keeps what it read, keyed by a version stored
in the shared cache; any change to bookings, blocks or rules bumps the version
(after commit), so every process re-reads on its next request. One request
reads the version once. Computed slots are also keyed by the minute of "now"
(minimum notice moves with the clock). Booking itself never trusts this
cache: the booking transaction re-checks against the database.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from booksync.scheduling import Interval, StudioRules, merge

VERSION_KEY = "booksync:availability-version"
_MAX_ENTRIES = 512

_lock = threading.Lock()
_state: dict[str, Any] = {"version": None, "entries": {}}


def current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def bump() -> None:
    """Invalidate every process's cached rules, busy time and slots.

    This process forgets at once; the others see a new version once the
    transaction commits (a rollback leaves their caches valid).
    """
    with _lock:
        _state.update(version=None, entries={})
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None))


class Snapshot:
    """What this process knows at one version; take one per request."""

    def __init__(self) -> None:
        version = current_version()
        with _lock:
            if _state["version"] != version:
                _state.update(version=version, entries={})
            self._entries: dict[Hashable, Any] = _state["entries"]

    def _get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        value = self._entries.get(key)
        if value is None:
            value = compute()
            with _lock:
                if len(self._entries) >= _MAX_ENTRIES:
                    self._entries.clear()
                self._entries[key] = value
        return value

    def rules(self, load: Callable[[], StudioRules]) -> StudioRules:
        return self._get("rules", load)

    def busy(self, window: Interval, load: Callable[[Interval], list[Interval]]) -> list[Interval]:
        # Merged once here, so later merges see a short sorted list.
        return self._get(("busy", window.start, window.end), lambda: merge(load(window)))

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        return self._get(("memo", key), compute)


def connect_signals() -> None:
    """Bump the version whenever anything availability depends on changes (AppConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from .models import Block, Booking, DateOverride, Studio, WeeklyHours

    def _changed(**kwargs) -> None:
        bump()

    for model in (Booking, Block, Studio, WeeklyHours, DateOverride):
        post_save.connect(_changed, sender=model, weak=False, dispatch_uid=f"busy-cache-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, weak=False, dispatch_uid=f"busy-cache-delete-{model.__name__}")
