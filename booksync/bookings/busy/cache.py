"""A per-process cache for the slot picker: the studio's rules, local busy time and computed slots.

The picker asks for the same days again and again, so each process keeps what
it read, keyed by two versions stored in the database (``PickerVersion``): a
*busy* version that any booking or block change replaces, and a *rules*
version that a change to the studio, its hours, overrides or services replaces
(it drops the busy entries too). A booking, the common change, thus costs the
next request one read of busy time, not of the rules as well. Versions move
after commit, so every process re-reads on its next request; one request reads
both versions in one small query (prepared once per connection on PostgreSQL).
Computed slots are also keyed by the minute of "now" (minimum notice moves with
the clock). Booking itself never trusts this cache: the booking transaction
re-checks against the database.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from booksync.scheduling import EpochBusy, Interval, StudioRules

from ..models import (
    Block,
    Booking,
    DateOverride,
    PickerVersion,
    Resource,
    ResourceHours,
    ResourceOverride,
    Service,
    Studio,
    WeeklyHours,
)
from . import prepared_sql

BUSY, RULES = "busy", "rules"  # busy time (bookings, blocks); studio, hours, overrides, services
_MAX_ENTRIES = 512

_lock = threading.Lock()
_state: dict[str, Any] = {"rules_version": None, "busy_version": None, "rules": {}, "entries": {}}


def _read_versions() -> dict[str, str]:
    table = connection.ops.quote_name(PickerVersion._meta.db_table)
    with connection.cursor() as cursor:
        prepared_sql.execute(cursor, "booksync_picker_versions", f"SELECT name, value FROM {table}", [])
        return dict(cursor.fetchall())


def current_versions() -> tuple[str, str]:
    """(rules version, busy version), made on first use."""
    found = _read_versions()
    if RULES not in found or BUSY not in found:
        for name in (RULES, BUSY):
            PickerVersion.objects.get_or_create(name=name, defaults={"value": uuid.uuid4().hex})
        found = _read_versions()
    return found[RULES], found[BUSY]


def _bump(names: tuple[str, ...]) -> None:
    with _lock:
        if RULES in names:
            _state.update(rules_version=None, rules={})
        _state.update(busy_version=None, entries={})

    def publish() -> None:
        PickerVersion.objects.filter(name__in=names).update(value=uuid.uuid4().hex)

    transaction.on_commit(publish)


def bump() -> None:
    """Invalidate every process's cached rules, busy time and slots.

    This process forgets at once; the others see new versions once the
    transaction commits (a rollback leaves their caches valid).
    """
    _bump((RULES, BUSY))


def bump_busy() -> None:
    """Invalidate every process's busy time and slots (a booking or block changed); rules stay."""
    _bump((BUSY,))


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

    def _busy_changed(**kwargs) -> None:
        bump_busy()

    def _rules_changed(**kwargs) -> None:
        bump()

    for model, changed in ((Booking, _busy_changed), (Block, _busy_changed), (Studio, _rules_changed),
                           (WeeklyHours, _rules_changed), (DateOverride, _rules_changed),
                           (Service, _rules_changed), (Resource, _rules_changed),
                           (ResourceHours, _rules_changed), (ResourceOverride, _rules_changed)):
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"busy-cache-save-{model.__name__}")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"busy-cache-delete-{model.__name__}")
    m2m_changed.connect(_rules_changed, sender=Resource.services.through, weak=False,
                        dispatch_uid="busy-cache-resource-services")
