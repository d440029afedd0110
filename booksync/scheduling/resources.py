"""Availability and assignment when a booking needs resources: a person, and sometimes a room.

Pure: no Django, no I/O, ``now`` passed in (ADR 0017). A service needs one person out of
``people`` and, when ``rooms`` is given, one room out of ``rooms``. A start is free when some
person and (if needed) some room are both free for the whole blocked time. Each resource has
its own rules (its hours; the studio's notice, horizon, step and buffers) and its own busy time
(everything that blocks it: its bookings, its blocks, its calendar, and what blocks the studio).

"Any" is the union over people, intersected with the union over rooms. Each resource is searched
once with the one-pass epoch search of :mod:`month`, so the cost grows with the resources the
service can use and their own busy time, never with the whole studio's history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .month import EpochBusy, free_slot_starts
from .rules import StudioRules

__all__ = ["ResourceTime", "assign", "free_resource_starts", "order_people"]


@dataclass(frozen=True)
class ResourceTime:
    """One resource as availability sees it: its slug, its rules and its busy time (epoch seconds, merged)."""

    slug: str
    rules: StudioRules
    busy: EpochBusy


#: For each day, the free starts (epoch seconds, sorted) with the slugs of the people free at each.
ResourceStarts = dict[date, list[tuple[int, tuple[str, ...]]]]


def free_resource_starts(
    people: Sequence[ResourceTime],
    rooms: Sequence[ResourceTime] | None,
    days: Sequence[date],
    duration: timedelta,
    now: datetime,
) -> ResourceStarts:
    """Free starts per day for a service taken by one of ``people`` and, when ``rooms`` is not None, one of ``rooms``.

    The people at each start are listed in the order ``people`` was given (the studio's order).
    With ``rooms`` empty (a service that needs a room the studio does not have) nothing is free.
    """
    per_person = [(person.slug, free_slot_starts(person.rules, days, duration, person.busy, now))
                  for person in people]
    room_free: dict[date, set[int]] | None = None
    if rooms is not None:
        room_free = {day: set() for day in days}
        for room in rooms:
            for day, starts in free_slot_starts(room.rules, days, duration, room.busy, now).items():
                room_free[day].update(starts)
    result: ResourceStarts = {}
    for day in sorted(set(days)):
        allowed = room_free[day] if room_free is not None else None
        at: dict[int, list[str]] = {}
        for slug, by_day in per_person:
            for start in by_day[day]:
                if allowed is None or start in allowed:
                    at.setdefault(start, []).append(slug)
        result[day] = [(start, tuple(at[start])) for start in sorted(at)]
    return result


def order_people(candidates: Sequence[tuple[str, int]], week_counts: Mapping[str, int]) -> list[str]:
    """The "any" order: fewest bookings in the week first, then the studio's order, then the slug.

    ``candidates`` are ``(slug, order)`` of the people free at the start.
    """
    return [slug for slug, _order in sorted(candidates, key=lambda c: (week_counts.get(c[0], 0), c[1], c[0]))]


def assign(
    people: Sequence[tuple[str, int]],
    rooms: Sequence[tuple[str, int]] | None,
    week_counts: Mapping[str, int],
    *,
    keep: str | None = None,
) -> list[tuple[str, str | None]]:
    """Every (person, room) pair to try, best first (ADR 0017).

    ``people`` and ``rooms`` are ``(slug, order)`` of those free at the start. ``keep``: the
    person a reschedule keeps when free (the customer chose them). Rooms: the first in order.
    With ``rooms`` None no room is needed; with it empty there is nothing to assign.
    """
    ordered = order_people(people, week_counts)
    if keep is not None and keep in ordered:
        ordered.remove(keep)
        ordered.insert(0, keep)
    room_order: list[str | None] = [None] if rooms is None else [
        slug for slug, _order in sorted(rooms, key=lambda r: (r[1], r[0]))]
    return [(person, room) for person in ordered for room in room_order]
