"""Availability as the website sees it: the pure core fed with busy time from the database and calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from booksync.integrations.registry import busy_source
from booksync.scheduling import Interval, StudioRules, check_slot, day_bounds, free_slots

from .models import Block, Booking


def local_busy(window: Interval, *, exclude_booking_id=None) -> list[Interval]:
    """Blocked time of active bookings (buffers included) and manual blocks inside ``window``."""
    bookings = Booking.objects.active().overlapping(window.start, window.end)
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    busy = [Interval(b_start, b_end) for b_start, b_end in bookings.values_list("blocked_start", "blocked_end")]
    blocks = Block.objects.filter(start__lt=window.end, end__gt=window.start).values_list("start", "end")
    busy.extend(Interval(start, end) for start, end in blocks)
    return busy


def busy_for(window: Interval, *, live: bool = False, exclude_booking_id=None) -> list[Interval]:
    # Our own bookings come back from the remote calendar too; overlapping
    # intervals are harmless because the core merges them.
    return local_busy(window, exclude_booking_id=exclude_booking_id) + busy_source().busy(window, live=live)


def _search_window(rules: StudioRules, days: list[date]) -> Interval:
    first = day_bounds(rules, min(days))
    last = day_bounds(rules, max(days))
    # Buffers reach across the day boundary.
    margin = rules.buffer_before + rules.buffer_after + timedelta(days=1)
    return Interval(first.start - margin, last.end + margin)


def slots_for_days(
    rules: StudioRules, days: list[date], duration: timedelta, now: datetime | None = None
) -> dict[date, list[Interval]]:
    """Free slots per day, reading busy time once for the whole range."""
    now = now or timezone.now()
    if not days:
        return {}
    busy = busy_for(_search_window(rules, days))
    return {day: free_slots(rules, day, duration, busy, now) for day in days}


def slot_problem(
    rules: StudioRules,
    start: datetime,
    duration: timedelta,
    *,
    now: datetime | None = None,
    live: bool = False,
    exclude_booking_id=None,
) -> str | None:
    """Why ``start`` cannot be booked (a reason code from the core), or None."""
    now = now or timezone.now()
    window = Interval(start - timedelta(days=1), start + duration + timedelta(days=1))
    busy = busy_for(window, live=live, exclude_booking_id=exclude_booking_id)
    return check_slot(rules, start, duration, busy, now)
