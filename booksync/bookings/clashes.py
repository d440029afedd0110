"""What a studio-side change would collide with, and which times are free instead, in words.

Customers are only told "that time was just taken" (another customer's name is
not theirs to see). The studio's own screens name the clash and offer the free
alternatives of the same length on that day, in studio time.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from booksync.scheduling import Interval

from .availability import slots_for_days
from .errors import SlotUnavailable
from .models import Block, Booking, BookingResource, Resource, Studio
from .rules import studio_rules

ALTERNATIVES_SHOWN = 6


class Clash(SlotUnavailable):
    """A studio-side change overlaps a booking or blocked time; the message names it."""


def _hhmm(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def _when(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    return f"{start.astimezone(zone):%a %d %b} {_hhmm(start, zone)}–{_hhmm(end, zone)}"


def clashing(blocked: Interval, *, exclude_booking_id=None, resource_ids: list[int] | None = None) -> list[str]:
    """One phrase per booking or block overlapping ``blocked`` (buffers included).

    ``resource_ids`` (default: the people and rooms the booking ``exclude_booking_id`` holds):
    only what holds those, each phrase naming who or what is taken ("Sam: Ada · Portrait …")."""
    zone = ZoneInfo(Studio.load().timezone)
    if resource_ids is None and exclude_booking_id is not None:
        resource_ids = list(BookingResource.objects.filter(booking_id=exclude_booking_id)
                            .values_list("resource_id", flat=True))
    blocks = Block.objects.filter(start__lt=blocked.end, end__gt=blocked.start)
    if resource_ids:
        claims = (BookingResource.objects.filter(active=True, resource_id__in=resource_ids,
                                                 blocked_start__lt=blocked.end, blocked_end__gt=blocked.start)
                  .select_related("booking", "resource").order_by("blocked_start"))
        if exclude_booking_id is not None:
            claims = claims.exclude(booking_id=exclude_booking_id)
        several = len(resource_ids) > 1 or Resource.objects.filter(active=True).count() > 1
        phrases = [f"{f'{c.resource.name}: ' if several else ''}{c.booking.name} · "
                   f"{c.booking.service_name or 'session'}, {_when(c.booking.start, c.booking.end, zone)}"
                   for c in claims]
        blocks = blocks.filter(Q(resource__isnull=True) | Q(resource_id__in=resource_ids))
    else:
        bookings = Booking.objects.active().overlapping(blocked.start, blocked.end)
        if exclude_booking_id is not None:
            bookings = bookings.exclude(pk=exclude_booking_id)
        phrases = [f"{b.name} · {b.service_name or 'session'}, {_when(b.start, b.end, zone)}" for b in bookings]
    phrases += [f"blocked time ({b.reason or 'no reason given'}), {_when(b.start, b.end, zone)}" for b in blocks]
    return phrases


def free_alternatives(near: datetime, length: timedelta, *, exclude_booking_id=None,
                      now: datetime | None = None) -> list[str]:
    """Free start times (studio time) of ``length`` on the day of ``near``, the closest to it first chosen.

    The studio may book at short notice, so the customers' minimum notice does
    not hide today's free times here.
    """
    studio = Studio.load()
    rules = dataclasses.replace(studio_rules(studio), minimum_notice=timedelta(0))
    zone = ZoneInfo(studio.timezone)
    day = near.astimezone(zone).date()
    slots = slots_for_days(rules, [day], length, now=now or timezone.now(),
                           exclude_booking_id=exclude_booking_id).get(day, [])
    closest = sorted(slots, key=lambda slot: abs(slot.start - near))[:ALTERNATIVES_SHOWN]
    return [_hhmm(slot.start, zone) for slot in sorted(closest, key=lambda slot: slot.start)]


def explain(start: datetime, end: datetime, blocked: Interval, *, exclude_booking_id=None,
            resource_ids: list[int] | None = None) -> Clash:
    """The error a studio screen shows for a change onto taken time (``resource_ids``: see :func:`clashing`)."""
    found = clashing(blocked, exclude_booking_id=exclude_booking_id, resource_ids=resource_ids)
    what = "; ".join(found) if found else "a booking made a moment ago"
    free = free_alternatives(start, end - start, exclude_booking_id=exclude_booking_id)
    offer = (f"Free that day for {_minutes(end - start)}: {', '.join(free)}." if free
             else "Nothing of that length is free that day within opening hours.")
    return Clash(f"That time overlaps {what}. {offer}", field="start")


def _minutes(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"{minutes} min" if minutes % 60 else f"{minutes // 60} h"
