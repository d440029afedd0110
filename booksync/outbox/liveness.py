"""When each integration last worked: recorded by the outbox and the sync engine, shown by /api/health.

Kept in the shared cache (one key per integration), so every web and worker
process sees the same answer. Recording is best effort: a cache that cannot be
written must never fail the delivery or the sync that succeeded.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

log = logging.getLogger("booksync.liveness")

INTEGRATIONS = ("email", "notion", "calendar")
_PREFIX = "booksync:last-success:"


def record_success(name: str, at: datetime | None = None) -> None:
    """Note that ``name`` (an outbox topic or a sync side) just worked."""
    try:
        # A savepoint: the database cache's failed query must not poison the caller's transaction.
        with transaction.atomic():
            cache.set(_PREFIX + name, (at or timezone.now()).isoformat(), timeout=None)
    except Exception:
        log.warning("could not record the last success of %s", name, exc_info=True)


def last_successes() -> dict[str, str | None]:
    """``{integration: ISO time of its last success, or None}`` for every integration."""
    try:
        with transaction.atomic():
            stored = cache.get_many([_PREFIX + name for name in INTEGRATIONS])
    except Exception:
        log.warning("could not read the last successes", exc_info=True)
        stored = {}
    return {name: stored.get(_PREFIX + name) for name in INTEGRATIONS}
