"""Bookable slots for a studio: pure functions of rules, busy time and ``now``.

Rules used throughout (they decide what happens on DST-change days):

* Opening minutes are local wall-clock times. A wall time is turned into an
  instant with ``fold=0`` and then normalised through UTC. For an *ambiguous*
  time (fall-back overlap) that is the first occurrence; for a *non-existent*
  time (spring-forward gap) it uses the offset in force before the gap, which
  moves it forward by the gap length (01:30 London on 2026-03-29 is 02:30 BST).
  A range whose resolved end is not after its resolved start is closed that day.
* Candidates step through each opening range in *absolute* time, so a DST day
  has neither missing nor doubled hours: 00:00-04:00 is 3 real hours on a
  spring-forward day and 5 on a fall-back day, and the slots cover exactly that.
* Each range is stepped on its own; a slot never straddles two ranges, even if
  they touch. Identical slots from overlapping ranges are reported once.
* Buffers only matter against busy time; they may extend outside opening hours.
* ``check_slot`` and ``free_slots`` share the same helpers so they cannot drift:
  ``check_slot(...) is None`` exactly when the slot is in ``free_slots`` for the
  slot start's local date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from .intervals import Interval, any_overlap, merge, to_utc
from .rules import MINUTES_PER_DAY, StudioRules

__all__ = [
    "BEYOND_HORIZON",
    "INSIDE_MINIMUM_NOTICE",
    "IN_PAST",
    "NOT_ON_SLOT",
    "OUTSIDE_HOURS",
    "REASONS",
    "UNAVAILABLE",
    "check_slot",
    "day_bounds",
    "free_slots",
    "opening_intervals",
]

IN_PAST = "in_past"
INSIDE_MINIMUM_NOTICE = "inside_minimum_notice"
BEYOND_HORIZON = "beyond_horizon"
OUTSIDE_HOURS = "outside_hours"
NOT_ON_SLOT = "not_on_slot"
UNAVAILABLE = "unavailable"
#: Every reason code check_slot can return, in the order they are checked.
REASONS = (IN_PAST, INSIDE_MINIMUM_NOTICE, BEYOND_HORIZON, OUTSIDE_HOURS, NOT_ON_SLOT, UNAVAILABLE)


def day_bounds(rules: StudioRules, day: date) -> Interval:
    """Return the local date ``day`` as ``[00:00, next 00:00)`` in absolute (UTC) time.

    The result is 23, 24 or 25 real hours long around DST changes. Raises
    ValueError for a date the zone skipped entirely (e.g. Pacific/Apia 2011-12-30).
    """
    _check_day(day)
    start, end = _day_span(rules.tz, day)
    return Interval(start, end)


def opening_intervals(rules: StudioRules, day: date) -> list[Interval]:
    """Return the opening hours of local date ``day`` as sorted, aware UTC intervals.

    One interval per opening range (override for that date if any, else the weekly
    hours); ranges are not merged with each other. Empty list if closed.
    """
    _check_day(day)
    return _openings(rules.tz, rules, day)


def free_slots(
    rules: StudioRules,
    day: date,
    duration: timedelta,
    busy: Iterable[Interval],
    now: datetime,
) -> list[Interval]:
    """Return the bookable slots of length ``duration`` on local date ``day``.

    Slots are sorted, distinct, and expressed in the studio's time zone. ``busy``
    holds the time already blocked (e.g. bookings' blocked ranges); it may be
    unsorted and overlapping. It is merged once and then searched by bisection,
    so hundreds of busy intervals are cheap.
    """
    _check_day(day)
    _check_duration(duration)
    now_utc = to_utc(now)
    tz = rules.tz
    if day > _last_bookable_day(rules, tz, now_utc):
        return []
    busy_merged = merge(busy)
    slots: list[Interval] = []
    for start in _candidate_starts(rules, tz, day, duration):
        if _timing_reason(rules, tz, start, now_utc) is not None:
            continue
        # Defensive: in zones whose gaps straddle midnight a resolved range could
        # reach into the next local date; such a start belongs to that date's list.
        local_start = start.astimezone(tz)
        if local_start.date() != day:
            continue
        if _is_blocked(rules, start, duration, busy_merged):
            continue
        slots.append(Interval(local_start, (start + duration).astimezone(tz)))
    return slots


def check_slot(
    rules: StudioRules,
    start: datetime,
    duration: timedelta,
    busy: Iterable[Interval],
    now: datetime,
) -> str | None:
    """Return None if ``[start, start + duration)`` is bookable, else a reason code.

    Reasons are checked in this order and the first that applies is returned:
    ``"in_past"``, ``"inside_minimum_notice"``, ``"beyond_horizon"``,
    ``"outside_hours"`` (not inside one opening range of start's local date),
    ``"not_on_slot"`` (inside a range but not on its slot grid) and
    ``"unavailable"`` (the slot plus buffers overlaps busy time).
    Agrees exactly with :func:`free_slots` for start's local date.
    """
    _check_duration(duration)
    start_utc = to_utc(start)
    now_utc = to_utc(now)
    tz = rules.tz
    reason = _timing_reason(rules, tz, start_utc, now_utc)
    if reason is not None:
        return reason
    day = start_utc.astimezone(tz).date()
    slot = Interval(start_utc, start_utc + duration)
    containing = [opening for opening in _openings(tz, rules, day) if opening.contains(slot)]
    if not containing:
        return OUTSIDE_HOURS
    if not any((start_utc - o.start_utc) % rules.slot_step == timedelta(0) for o in containing):
        return NOT_ON_SLOT
    if _is_blocked(rules, start_utc, duration, merge(busy)):
        return UNAVAILABLE
    return None


# --- helpers shared by free_slots and check_slot --------------------------------------


def _check_day(day: date) -> None:
    # A datetime would silently pass as a date (it is a subclass) but never match
    # an override key, and its time part would be ignored.
    if not isinstance(day, date) or isinstance(day, datetime):
        raise TypeError(f"day must be a date, got {day!r}")


def _check_duration(duration: timedelta) -> None:
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, got {duration!r}")
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")


def _wall_to_utc(tz: ZoneInfo, day: date, minute: int) -> datetime:
    """Resolve local wall time ``minute`` after midnight of ``day`` to a UTC instant."""
    day = day + timedelta(days=minute // MINUTES_PER_DAY)  # 1440 = next midnight
    minute %= MINUTES_PER_DAY
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz, fold=0)
    return wall.astimezone(UTC)


def _day_span(tz: ZoneInfo, day: date) -> tuple[datetime, datetime]:
    return _wall_to_utc(tz, day, 0), _wall_to_utc(tz, day + timedelta(days=1), 0)


def _openings(tz: ZoneInfo, rules: StudioRules, day: date) -> list[Interval]:
    day_start, day_end = _day_span(tz, day)
    openings: set[Interval] = set()
    for opening in rules.ranges_for(day):
        # Clip to the day so every candidate belongs to this local date.
        start = max(_wall_to_utc(tz, day, opening.start_minute), day_start)
        end = min(_wall_to_utc(tz, day, opening.end_minute), day_end)
        if end > start:  # a range lying wholly in a DST gap vanishes that day
            openings.add(Interval(start, end))
    return sorted(openings)


def _candidate_starts(
    rules: StudioRules, tz: ZoneInfo, day: date, duration: timedelta
) -> Iterator[datetime]:
    """Yield sorted, distinct UTC starts on the slot grid that fit inside a range."""
    starts: set[datetime] = set()
    for opening in _openings(tz, rules, day):
        start = opening.start_utc
        while start + duration <= opening.end_utc:
            starts.add(start)
            start += rules.slot_step
    yield from sorted(starts)


def _last_bookable_day(rules: StudioRules, tz: ZoneInfo, now_utc: datetime) -> date:
    return now_utc.astimezone(tz).date() + timedelta(days=rules.horizon_days)


def _timing_reason(
    rules: StudioRules, tz: ZoneInfo, start_utc: datetime, now_utc: datetime
) -> str | None:
    if start_utc <= now_utc:
        return IN_PAST
    if start_utc < now_utc + rules.minimum_notice:
        return INSIDE_MINIMUM_NOTICE
    if start_utc.astimezone(tz).date() > _last_bookable_day(rules, tz, now_utc):
        return BEYOND_HORIZON
    return None


def _is_blocked(
    rules: StudioRules, start_utc: datetime, duration: timedelta, busy_merged: list[Interval]
) -> bool:
    blocked = Interval(start_utc - rules.buffer_before, start_utc + duration + rules.buffer_after)
    return any_overlap(blocked, busy_merged)
