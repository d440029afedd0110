"""A per-process cache for the slot picker: the studio's rules, local busy time and computed slots.

The picker asks for the same days again and again, so each process keeps what
it read, keyed by two versions stored in the shared cache: a *busy* version
that any booking or block change replaces, and a *rules* version that a
change to the studio, its hours, overrides or services replaces (it drops the
busy entries too). A booking, the common change, thus costs the next request
one read of busy time, not of the rules as well. Versions move after commit,
so every process re-reads on its next request; one request reads both
versions in one cache call. Computed slots are also keyed by the minute of
"now" (minimum notice moves with the clock). Booking itself never trusts this
cache: the booking transaction re-checks against the database.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from booksync.scheduling import EpochBusy, Interval, StudioRules

VERSION_KEY = "booksync:availability-version"  # busy time (bookings, blocks)
RULES_VERSION_KEY = "booksync:availability-rules-version"  # studio, hours, overrides, services
_MAX_ENTRIES = 512

_lock = threading.Lock()
_state: dict[str, Any] = {"rules_version": None, "busy_version": None, "rules": {}, "entries": {}}


def current_versions() -> tuple[str, str]:
    found = cache.get_many([RULES_VERSION_KEY, VERSION_KEY])
    missing = [key for key in (RULES_VERSION_KEY, VERSION_KEY) if key not in found]
    for key in missing:
        cache.add(key, uuid.uuid4().hex, timeout=None)
    if missing:
        found = cache.get_many([RULES_VERSION_KEY, VERSION_KEY])
    return found[RULES_VERSION_KEY], found[VERSION_KEY]


def current_version() -> str:
    """The busy-time version (what any booking or rules change replaces)."""
    return current_versions()[1]


def _bump(keys: tuple[str, ...]) -> None:
    with _lock:
        if RULES_VERSION_KEY in keys:
            _state.update(rules_version=None, rules={})
        _state.update(busy_version=None, entries={})

    def publish() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)

    transaction.on_commit(publish)


def bump() -> None:
    """Invalidate every process's cached rules, busy time and slots.

    This process forgets at once; the others see new versions once the
    transaction commits (a rollback leaves their caches valid).
    """
    _bump((RULES_VERSION_KEY, VERSION_KEY))


def bump_busy() -> None:
    """Invalidate every process's busy time and slots (a booking or block changed); rules stay."""
    _bump((VERSION_KEY,))


class PickerCache:
    """What this process knows at one pair of versions; take one per request."""

    def __init__(self) -> None:
        rules_version, busy_version = current_versions()
        with _lock:
            if _state["rules_version"] != rules_version:
                _state.update(rules_version=rules_version, rules={}, busy_version=None)
            if _state["busy_version"] != busy_version:
                _state.update(busy_version=busy_version, entries={})
            self._rules: dict[Hashable, Any] = _state["rules"]
            self._entries: dict[Hashable, Any] = _state["entries"]

    @staticmethod
    def _get(store: dict[Hashable, Any], key: Hashable, compute: Callable[[], Any]) -> Any:
        value = store.get(key)
        if value is None:
            value = compute()
            with _lock:
                if len(store) >= _MAX_ENTRIES:
                    store.clear()
                store[key] = value
        return value

    def rules(self, load: Callable[[], StudioRules]) -> StudioRules:
        return self._get(self._rules, "rules", load)

    def studio_memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """Anything that depends only on the studio's settings (e.g. a service's length)."""
        return self._get(self._rules, ("memo", key), compute)

    def busy(self, window: Interval, load: Callable[[Interval], EpochBusy]) -> EpochBusy:
        return self._get(self._entries, ("busy", window.start, window.end), lambda: load(window))

    def memo(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        return self._get(self._entries, ("memo", key), compute)


def connect_signals() -> None:
    """Bump the versions whenever anything availability depends on changes (AppConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from .models import Block, Booking, DateOverride, Service, Studio, WeeklyHours

    def _busy_changed(**kwargs) -> None:
        bump_busy()

    def _rules_changed(**kwargs) -> None:
        bump()

    for model, changed in ((Booking, _busy_changed), (Block, _busy_changed), (Studio, _rules_changed),
                           (WeeklyHours, _rules_changed), (DateOverride, _rules_changed),
                           (Service, _rules_changed)):
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"busy-cache-save-{model.__name__}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"busy-cache-delete-{model.__name__}")
