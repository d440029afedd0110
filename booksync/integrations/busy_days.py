"""A per-day cache of a remote calendar's busy time, shared by every process (Django's cache).

The slot picker asks for the same few days again and again, and a freeBusy
round trip to Google costs far more than computing slots. Busy time is cached
per studio-local day under a *version* key: a push notification or a change
seen by the change feed replaces the version, and every process then misses
and reads again. Entries also expire after ``TTL`` seconds, which bounds the
staleness when push is not set up. Booking never trusts the cache
(``live=True``): it asks the calendar and refreshes the days it read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache

from booksync.scheduling import Interval

TTL = 600
MAX_SPAN_DAYS = 60  # one read covers at most this many days (freeBusy refuses ~90)


def _version_key(namespace: str) -> str:
    return f"booksync:busy:{namespace}:version"


def invalidate(namespace: str) -> None:
    """Forget every cached day of ``namespace`` in every process."""
    cache.set(_version_key(namespace), uuid.uuid4().hex, timeout=None)


def _version(namespace: str) -> str:
    version = cache.get(_version_key(namespace))
    if version is None:
        cache.add(_version_key(namespace), uuid.uuid4().hex, timeout=None)
        version = cache.get(_version_key(namespace))
    return version


def _days(window: Interval, zone: ZoneInfo) -> list[date]:
    first = window.start.astimezone(zone).date()
    last = (window.end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    # In UTC: comparing datetimes that share a tzinfo compares wall clocks, wrong across DST.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _runs(days: list[date]) -> list[list[date]]:
    """Consecutive days grouped, each group at most MAX_SPAN_DAYS long (one remote read each)."""
    runs: list[list[date]] = []
    for day in days:
        if runs and day - runs[-1][-1] == timedelta(days=1) and len(runs[-1]) < MAX_SPAN_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def busy(
    namespace: str, window: Interval, zone: ZoneInfo, read: Callable[[Interval], list[Interval]], *, live: bool
) -> list[Interval]:
    """Busy intervals overlapping ``window``: cached days as they are, the others read with ``read``."""
    version = _version(namespace)
    days = _days(window, zone)
    keys = {day: f"booksync:busy:{namespace}:{version}:{day.isoformat()}" for day in days}
    cached = {} if live else cache.get_many(list(keys.values()))
    found: list[Interval] = []
    fresh: dict[str, list[tuple[datetime, datetime]]] = {}
    missing = [day for day in days if keys[day] not in cached]
    for run in _runs(missing):
        span = Interval(_day_start(run[0], zone), _day_start(run[-1] + timedelta(days=1), zone))
        intervals = read(span)
        for day in run:
            start, end = _day_start(day, zone), _day_start(day + timedelta(days=1), zone)
            # Clipped to the day, so each day's entry stands alone.
            fresh[keys[day]] = [(max(i.start, start), min(i.end, end)) for i in intervals
                                if i.start < end and i.end > start]
    if fresh:
        cache.set_many(fresh, timeout=TTL)
    for pairs in (*cached.values(), *fresh.values()):
        found.extend(Interval(start, end) for start, end in pairs if start < window.end and end > window.start)
    return found
