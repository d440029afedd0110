"""The studio as the adapters see it (name, zone, address), without their importing bookings.

Reading busy time, events and pages needs the studio's zone (per-day caches, floating
times), and the studio lives in the bookings app, which sits above the adapters. So the
bookings app supplies it once at start (``BookingsConfig.ready`` calls ``provide``), and
an adapter asks ``current()``; writes get it inside their ``BookingView``.
"""

from __future__ import annotations

from collections.abc import Callable

from .ports import NotConfigured, StudioView

_source: Callable[[], StudioView] | None = None


def provide(source: Callable[[], StudioView]) -> None:
    """Where ``current`` reads the studio from (the bookings app calls this at start)."""
    global _source
    _source = source


def current() -> StudioView:
    if _source is None:
        raise NotConfigured("No studio is known yet: the bookings app supplies it when Django starts.")
    return _source()
