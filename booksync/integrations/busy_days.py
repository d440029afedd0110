"""A per-day cache of a remote calendar's busy time, shared by every process (Django's cache).

The slot picker asks for the same few days again and again, and a freeBusy
round trip to Google costs far more than computing slots. Busy time is cached
per studio-local day under a *version* key: a push notification or a change
seen by the change feed replaces the version, and every process then misses
and reads again. Entries also expire after ``TTL`` seconds, which bounds the
staleness when push is not set up. Booking never trusts the cache
(``live=True``): it asks the calendar and refreshes the days it read.

When the calendar cannot be read (ADR 0012), ``busy`` raises
``CalendarUnreachable`` carrying the *last known* busy time of each day: a
second copy of every read, kept for ``LAST_KNOWN_TTL`` and never invalidated,
so an outage falls back to what the calendar last said rather than to nothing.
A failed read also marks the calendar down for ``RECHECK_AFTER`` seconds;
meanwhile reads go straight to the last known picture instead of making every
page wait on timeouts. Any sign of life (a write, a change feed read, a push
notification: ``invalidate``) lifts the mark.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

from booksync.scheduling import Interval

from .ports import IntegrationError

TTL = 600
MAX_SPAN_DAYS = 60  # one read covers at most this many days (freeBusy refuses ~90)
LAST_KNOWN_TTL = 30 * 24 * 3600  # an outage longer than a month is not an outage any more
RECHECK_AFTER = 60  # seconds between attempts while the calendar is down


class CalendarUnreachable(IntegrationError):
    """The calendar could not be read. ``last_known`` is what it last reported for the days asked.

    ``as_of`` is when the oldest of those days was last read; ``unknown_days``
    lists the days the calendar never reported (nothing is known to block them).
    """

    def __init__(self, cause: str, last_known: list[Interval], as_of: datetime | None,
                 unknown_days: list[date], *, retryable: bool = True) -> None:
        super().__init__(cause)
        self.retryable = retryable  # as the failure behind it: a wrong calendar id stays wrong
        self.last_known = last_known
        self.as_of = as_of
        self.unknown_days = unknown_days


def _version_key(namespace: str) -> str:
    return f"booksync:busy:{namespace}:version"


def _down_key(namespace: str) -> str:
    return f"booksync:busy:{namespace}:down"


def _last_known_key(namespace: str, day: date) -> str:
    return f"booksync:busy:{namespace}:last-known:{day.isoformat()}"


def invalidate(namespace: str) -> None:
    """Forget every cached day of ``namespace`` in every process (the calendar answered: it is up)."""
    cache.set(_version_key(namespace), uuid.uuid4().hex, timeout=None)
    cache.delete(_down_key(namespace))


def down_since(namespace: str) -> tuple[datetime, str] | None:
    """When a read of ``namespace`` last failed and why, while the calendar counts as down."""
    mark = cache.get(_down_key(namespace))
    return (datetime.fromisoformat(mark[0]), mark[1]) if mark else None


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
    down = down_since(namespace)
    if missing and down:
        raise _unreachable(namespace, window, missing, cached, f"the calendar is down since {down[0]:%H:%M:%S} UTC: "
                           f"{down[1]}")
    read_at = timezone.now().isoformat()
    for run in _runs(missing):
        span = Interval(_day_start(run[0], zone), _day_start(run[-1] + timedelta(days=1), zone))
        try:
            intervals = read(span)
        except IntegrationError as exc:
            cache.set(_down_key(namespace), (timezone.now().isoformat(), str(exc)), timeout=RECHECK_AFTER)
            _keep(namespace, fresh, keys, read_at)
            unread = [day for day in missing if keys[day] not in fresh]
            raise _unreachable(namespace, window, unread, {**cached, **fresh}, str(exc),
                               retryable=exc.retryable) from exc
        for day in run:
            start, end = _day_start(day, zone), _day_start(day + timedelta(days=1), zone)
            # Clipped to the day, so each day's entry stands alone.
            fresh[keys[day]] = [(max(i.start, start), min(i.end, end)) for i in intervals
                                if i.start < end and i.end > start]
    _keep(namespace, fresh, keys, read_at)
    for pairs in (*cached.values(), *fresh.values()):
        found.extend(_within(pairs, window))
    return found


def _within(pairs: list[tuple[datetime, datetime]], window: Interval) -> list[Interval]:
    return [Interval(start, end) for start, end in pairs if start < window.end and end > window.start]


def _keep(namespace: str, fresh: dict[str, list], keys: dict[date, str], read_at: str) -> None:
    """Cache what was read: fresh under the version, and once more as the day's last known picture."""
    if not fresh:
        return
    cache.set_many(fresh, timeout=TTL)
    by_key = {key: day for day, key in keys.items()}
    cache.set_many({_last_known_key(namespace, by_key[key]): (read_at, pairs) for key, pairs in fresh.items()},
                   timeout=LAST_KNOWN_TTL)


def _unreachable(namespace: str, window: Interval, unread: list[date], current: dict[str, list],
                 cause: str, *, retryable: bool = True) -> CalendarUnreachable:
    """The error for a failed read: days read in time as they are, the ``unread`` ones as last known."""
    found = [interval for pairs in current.values() for interval in _within(pairs, window)]
    last = cache.get_many([_last_known_key(namespace, day) for day in unread])
    unknown, oldest = [], None
    for day in unread:
        entry = last.get(_last_known_key(namespace, day))
        if entry is None:
            unknown.append(day)
            continue
        read_at, pairs = entry
        found.extend(_within(pairs, window))
        at = datetime.fromisoformat(read_at)
        oldest = at if oldest is None or at < oldest else oldest
    return CalendarUnreachable(cause, found, oldest, unknown, retryable=retryable)
