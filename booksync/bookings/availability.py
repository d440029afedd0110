"""Availability as the website sees it: the pure core fed with busy time from the database and calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from booksync.integrations.registry import busy_source
from booksync.scheduling import (
    EpochBusy,
    Interval,
    StudioRules,
    check_slot,
    day_bounds,
    merge_epochs,
)
from booksync.scheduling.resources import ResourceStarts

from . import staffing
from .busy.cache import PickerCache
from .busy.epochs import interval_span, local_busy_spans
from .calendar_outage import remote_busy
from .models import Block, Booking
from .rules import studio_rules


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
    """Busy time as intervals, for checking one slot (booking and rescheduling)."""
    # Our own bookings come back from the remote calendar too; overlapping
    # intervals are harmless because the core merges them.
    return local_busy(window, exclude_booking_id=exclude_booking_id) + remote_busy(window, live=live)


def busy_spans(window: Interval, *, exclude_booking_id=None, picker_cache: PickerCache | None = None) -> EpochBusy:
    """Busy time over ``window`` as merged epoch seconds: one database read (kept in ``picker_cache``)."""
    def read(span: Interval) -> EpochBusy:
        return merge_epochs(local_busy_spans(span, exclude_booking_id=exclude_booking_id))

    if picker_cache is not None and exclude_booking_id is None:
        local = picker_cache.busy(window, read)
    else:
        local = read(window)
    # During a calendar outage: its last known busy time (labelled stale in the answers).
    remote = remote_busy(window, live=False)
    if not remote:
        return local
    return merge_epochs([*zip(*local, strict=True), *map(interval_span, remote)])


def picker_rules(picker_cache: PickerCache | None = None) -> StudioRules:
    """The studio's rules for the slot picker (cached per process until they change)."""

    return (picker_cache or PickerCache()).rules(studio_rules)


def _search_window(rules: StudioRules, days: list[date]) -> Interval:
    first = day_bounds(rules, min(days))
    last = day_bounds(rules, max(days))
    # Buffers reach across the day boundary.
    margin = rules.buffer_before + rules.buffer_after + timedelta(days=1)
    return Interval(first.start - margin, last.end + margin)


def slot_starts_for_days(
    rules: StudioRules, days: list[date], duration: timedelta, now: datetime | None = None,
    picker_cache: PickerCache | None = None, exclude_booking_id=None, *, service=None, resource: str | None = None,
) -> dict[date, list[int]]:
    """Free slot starts (epoch seconds) per day, from one read of busy time for the whole range.

    With a ``picker_cache`` (the slot picker) busy time and results are kept per
    process until anything changes; "now" counts to the minute there.
    ``exclude_booking_id`` leaves one booking's own time free (rescheduling it).
    ``service`` decides who may take the slot (its people, its room); ``resource`` narrows
    the people to one (a person's slug). See :func:`team_starts_for_days`.
    """
    by_day = team_starts_for_days(rules, days, duration, now, picker_cache, exclude_booking_id,
                                  service=service, resource=resource)
    return {day: [start for start, _people in starts] for day, starts in by_day.items()}


def team_starts_for_days(
    rules: StudioRules, days: list[date], duration: timedelta, now: datetime | None = None,
    picker_cache: PickerCache | None = None, exclude_booking_id=None, *, service=None, resource: str | None = None,
) -> ResourceStarts:
    """Free starts per day, each with the slugs of the people free for it (ADR 0017).

    Without a service every active person is a candidate and no room is needed. A one-person
    studio gets exactly the slots it got before people existed.
    """
    now = now or timezone.now()
    if not days:
        return {}
    crew = staffing.team(picker_cache, rules)
    people, rooms = crew.needs(service, resource)

    def compute() -> ResourceStarts:
        # During a calendar outage: its last known busy time (labelled stale in the answers).
        return staffing.starts_for_days(people, rooms, days, duration, _search_window(rules, days), now,
                                        exclude_booking_id=exclude_booking_id)

    if picker_cache is None or not picker_cacheable() or exclude_booking_id is not None:
        return compute()
    minute = now.replace(second=0, microsecond=0)
    key = ("team-slots", rules, tuple(days), duration, service.pk if service else None, resource, minute)
    return picker_cache.memo(key, compute)


def slots_for_days(
    rules: StudioRules, days: list[date], duration: timedelta, now: datetime | None = None,
    picker_cache: PickerCache | None = None, exclude_booking_id=None, *, service=None, resource: str | None = None,
) -> dict[date, list[Interval]]:
    """Free slots per day as intervals in the studio's zone (see :func:`slot_starts_for_days`)."""
    by_day = slot_starts_for_days(rules, days, duration, now, picker_cache=picker_cache,
                                  exclude_booking_id=exclude_booking_id, service=service, resource=resource)
    tz, length = rules.tz, duration
    return {day: [Interval.from_duration(datetime.fromtimestamp(start, tz), length) for start in starts]
            for day, starts in by_day.items()}


def picker_cacheable() -> bool:
    """Whether computed slots may be kept per process until the next local change.

    An outside calendar has its own cache with its own invalidation (push
    notifications, the change feed); don't hide it behind ours.
    """
    return busy_source().name == "local"


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
