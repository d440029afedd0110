"""Who takes a booking: the people and rooms a service needs, their busy time, their claims (ADR 0017).

The pure search and the assignment rule live in ``scheduling.resources``; this module feeds
them from the database and writes the claims. A booking takes all its resources in one
savepoint, or none; on PostgreSQL the exclusion constraint ``booking_resource_no_overlap``
refuses a claim a concurrent transaction took, and the next candidate is tried.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Count

from booksync.scheduling import (
    Interval,
    OpeningRange,
    ResourceTime,
    StudioRules,
    check_slot,
    free_resource_starts,
    merge_epochs,
    subtract,
)

from .busy.epochs import claim_spans, interval_span
from .calendar_outage import resource_busy
from .errors import BookingError, SlotUnavailable
from .models import Block, Booking, BookingResource, Resource, ResourceKind, Service, Studio
from .rules import studio_rules as load_rules

NO_OVERLAP = "booking_resource_no_overlap"


@dataclass(frozen=True)
class Member:
    """One active resource as availability sees it (a plain value, cached with the studio's rules)."""

    id: int
    slug: str
    name: str
    kind: str
    order: int
    services: frozenset[int]
    rules: StudioRules = dataclasses.field(compare=False)
    calendar: str = ""

    @property
    def ordered(self) -> tuple[str, int]:
        return self.slug, self.order


@dataclass(frozen=True)
class Team:
    people: tuple[Member, ...]
    rooms: tuple[Member, ...]

    def by_slug(self, slug: str) -> Member | None:
        return next((m for m in (*self.people, *self.rooms) if m.slug == slug), None)

    @property
    def several(self) -> bool:
        """More than one person: only then do pages, emails and events name who."""
        return len(self.people) > 1

    def takers(self, service: Service | None) -> list[Member]:
        """The people who take ``service``: those who list it, else (nobody lists it) every active person."""
        if service is None:
            return list(self.people)
        listed = [p for p in self.people if service.pk in p.services]
        return listed or list(self.people)

    def rooms_for(self, service: Service | None) -> list[Member] | None:
        """The rooms ``service`` may use (None: it needs none); those that list it, else every active room."""
        if service is None or not service.needs_room:
            return None
        listed = [r for r in self.rooms if service.pk in r.services]
        return listed or list(self.rooms)

    def needs(self, service: Service | None, person: str | None = None) -> tuple[list[Member], list[Member] | None]:
        """The candidate people (``person``: that one only) and rooms for ``service``.

        An unknown or inactive slug, a room, or a person who does not take the service is a 422
        naming the field ``resource``.
        """
        people = self.takers(service)
        if person:
            chosen = next((p for p in people if p.slug == person), None)
            if chosen is None:
                known = self.by_slug(person)
                why = ("is not a person" if known and known.kind != ResourceKind.PERSON
                       else "does not take this service" if known else "is not one of the studio's people")
                raise BookingError(f"resource {person!r} {why}.", code="unknown_resource", field="resource")
            people = [chosen]
        return people, self.rooms_for(service)


def _minute(value: time, *, is_end: bool) -> int:
    minutes = value.hour * 60 + value.minute
    return 1440 if is_end and minutes == 0 else minutes


def _own_rules(studio_rules: StudioRules, resource: Resource) -> StudioRules:
    """The studio's rules with the resource's own weekly hours (if any) and its date overrides over the studio's."""
    weekly: dict[int, list[OpeningRange]] = {}
    for row in resource.weekly_hours.all():
        weekly.setdefault(row.weekday, []).append(OpeningRange(_minute(row.start, is_end=False),
                                                               _minute(row.end, is_end=True)))
    own: dict[date, list[OpeningRange]] = {}
    for row in resource.overrides.all():
        ranges = own.setdefault(row.date, [])
        if not row.closed and row.start is not None and row.end is not None:
            ranges.append(OpeningRange(_minute(row.start, is_end=False), _minute(row.end, is_end=True)))
    if not weekly and not own:
        return studio_rules
    return dataclasses.replace(
        studio_rules,
        weekly_hours={day: tuple(r) for day, r in weekly.items()} if weekly else dict(studio_rules.weekly_hours),
        overrides={**studio_rules.overrides, **{day: tuple(r) for day, r in own.items()}},
    )


def default_person() -> Resource:
    """The one person of a studio that has none yet (a fresh install): named after the studio."""
    person = Resource.objects.filter(kind=ResourceKind.PERSON).order_by("order", "pk").first()
    if person is None:
        person, _ = Resource.objects.get_or_create(slug="studio", defaults={
            "name": Studio.load().name[:200], "kind": ResourceKind.PERSON})
        person.services.set(Service.objects.all())
    return person


def load_team(studio_rules: StudioRules) -> Team:
    resources = list(Resource.objects.filter(active=True).prefetch_related("services", "weekly_hours", "overrides"))
    if not any(r.kind == ResourceKind.PERSON for r in resources):
        default_person()
        resources = list(Resource.objects.filter(active=True).prefetch_related("services", "weekly_hours",
                                                                               "overrides"))
    members = [Member(id=r.pk, slug=r.slug, name=r.name, kind=r.kind, order=r.order,
                      services=frozenset(s.pk for s in r.services.all()), rules=_own_rules(studio_rules, r),
                      calendar=r.calendar)
               for r in sorted(resources, key=lambda r: (r.order, r.name, r.pk))]
    return Team(people=tuple(m for m in members if m.kind == ResourceKind.PERSON),
                rooms=tuple(m for m in members if m.kind == ResourceKind.ROOM))


def team(picker_cache=None, studio_rules: StudioRules | None = None) -> Team:
    """The studio's active people and rooms (kept with the studio's rules in ``picker_cache``)."""
    if picker_cache is None:
        return load_team(studio_rules or load_rules())
    rules = studio_rules or picker_cache.rules(load_rules)
    return picker_cache.studio_memo(("team",), lambda: load_team(rules))


# --- busy time per resource -------------------------------------------------------------------------
def remote_for(members: Iterable[Member], window: Interval, *, live: bool) -> dict[str, list[Interval]]:
    """Calendar busy time for ``members``: the studio's calendar (key ``""``), which blocks everyone,
    and each member's own calendar, which blocks only them; one read for all (Google: one freeBusy).

    booksync's own events on the studio's calendar come back as busy time there; they are left out
    (each booking blocks its own people and rooms through its claims), so Alex's booking on the
    studio's calendar does not block Sam. A person's event over exactly such a time is then only
    seen by the booking's own people: the price of freeBusy not telling whose an event is."""
    calendars = sorted({m.calendar for m in members if m.calendar})
    found = resource_busy(window, calendars, live=live)
    studio = found.get("", [])
    if studio:
        ours = Booking.objects.active().filter(start__lt=window.end, end__gt=window.start).values_list("start", "end")
        holes = [Interval(start, end) for start, end in ours]
        studio = [piece for busy in studio for piece in subtract(busy, holes)] if holes else studio
    # booksync also writes a booking's event to its person's own calendar (ADR 0017): left out the same way.
    own = {}
    for name in calendars:
        busy_there = found.get(name, [])
        if busy_there:
            ours = Booking.objects.active().filter(start__lt=window.end, end__gt=window.start).values_list("start",
                                                                                                         "end")
            holes = [Interval(start, end) for start, end in ours]
            busy_there = [piece for busy in busy_there for piece in subtract(busy, holes)] if holes else busy_there
        own[name] = busy_there
    return {**found, **own, "": studio}


def own_calendars() -> tuple[str, ...]:
    """The active resources' own calendars, as set on them (ADR 0017)."""
    return tuple(sorted(set(Resource.objects.filter(active=True).exclude(calendar="")
                            .values_list("calendar", flat=True))))


def busy_by_member(members: Iterable[Member], window: Interval, remote: dict[str, list[Interval]], *,
                   exclude_booking_id=None) -> dict[int, list[tuple[int, int]]]:
    """Each member's busy spans over ``window``: its claims, its blocks, the studio's blocks, the studio's
    calendar (``remote[""]``) and its own calendar (``remote[member.calendar]``)."""
    members = list(members)
    ids = [m.id for m in members]
    spans: dict[int, list[tuple[int, int]]] = {i: [] for i in ids}
    shared = [interval_span(b) for b in remote.get("", [])]
    for resource_id, start, end in claim_spans(window, ids, exclude_booking_id=exclude_booking_id):
        if resource_id is None:
            shared.append((start, end))
        else:
            spans[resource_id].append((start, end))
    for member in members:
        spans[member.id].extend(shared)
        if member.calendar:
            spans[member.id].extend(interval_span(b) for b in remote.get(member.calendar, []))
    return spans


def starts_for_days(people: list[Member], rooms: list[Member] | None, days: list[date], length: timedelta,
                    window: Interval, now: datetime, *, exclude_booking_id=None):
    """Free starts per day with the people free at each (the pure search fed from the database and calendars)."""
    members = [*people, *(rooms or [])]
    remote = remote_for(members, window, live=False)
    spans = busy_by_member(members, window, remote, exclude_booking_id=exclude_booking_id)

    def times(group: list[Member]) -> list[ResourceTime]:
        return [ResourceTime(m.slug, m.rules, merge_epochs(spans[m.id])) for m in group]

    return free_resource_starts(times(people), times(rooms) if rooms is not None else None, days, length, now)


def check_members(members: list[Member], start: datetime, length: timedelta, window: Interval, now: datetime, *,
                  exclude_booking_id=None, live: bool = True) -> dict[int, str | None]:
    """For each member, why it cannot take ``[start, start + length)`` (a core reason code), or None.
    ``live``: the calendars are asked now (before a booking's transaction)."""
    remote = remote_for(members, window, live=live)
    spans = busy_by_member(members, window, remote, exclude_booking_id=exclude_booking_id)
    tz = ZoneInfo("UTC")
    return {m.id: check_slot(m.rules, start, length,
                             [Interval(datetime.fromtimestamp(a, tz), datetime.fromtimestamp(b, tz))
                              for a, b in spans[m.id]], now)
            for m in members}


# --- claims ----------------------------------------------------------------------------------------------
def week_counts(people: list[Member], start: datetime, zone: str) -> dict[str, int]:
    """Active bookings per person in the ISO week (studio time) of ``start``."""
    tz = ZoneInfo(zone)
    local = start.astimezone(tz).date()
    monday = local - timedelta(days=local.weekday())
    week_start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    week_end = week_start + timedelta(days=7)
    rows = (BookingResource.objects.filter(active=True, resource_id__in=[p.id for p in people],
                                           booking__start__gte=week_start, booking__start__lt=week_end)
            .values("resource_id").annotate(n=Count("pk")))
    by_id = {row["resource_id"]: row["n"] for row in rows}
    return {p.slug: by_id.get(p.id, 0) for p in people}


def resources_free(blocked: Interval, resource_ids: list[int], *, exclude_booking_id=None) -> bool:
    """No other active claim on these resources, and no block on them or on the studio, overlaps ``blocked``."""
    claims = BookingResource.objects.filter(active=True, resource_id__in=resource_ids,
                                            blocked_start__lt=blocked.end, blocked_end__gt=blocked.start)
    if exclude_booking_id is not None:
        claims = claims.exclude(booking_id=exclude_booking_id)
    if claims.exists():
        return False
    # A booking that holds nobody (a row written outside the doors) blocks the whole studio.
    unheld = Booking.objects.active().overlapping(blocked.start, blocked.end).filter(claims__isnull=True)
    if exclude_booking_id is not None:
        unheld = unheld.exclude(pk=exclude_booking_id)
    if unheld.exists():
        return False
    blocks = Block.objects.filter(start__lt=blocked.end, end__gt=blocked.start)
    return not blocks.filter(resource__isnull=True).exists() and not blocks.filter(
        resource_id__in=resource_ids).exists()


def hold(booking: Booking, pairs: list[tuple[Member | None, ...]], *, save) -> tuple[Member | None, ...]:
    """Save ``booking`` holding the first of ``pairs`` that is free; all its claims in one savepoint, or none.

    Each pair is the members one booking would hold: (person, room), (person, None), or every
    member at once (blocked time). ``save(booking)`` writes the booking row. A booking that already
    exists gives up its other claims first (a move to another person or room), so its old person's
    claim never meets the constraint at the new time. Raises ``SlotUnavailable`` when no pair is free.
    """
    blocked = Interval(booking.blocked_start, booking.blocked_end)
    existing = not booking._state.adding
    for pair in pairs:
        ids = [m.id for m in pair if m is not None]
        adding = booking._state.adding
        try:
            with transaction.atomic():
                if booking.is_active and not resources_free(blocked, ids, exclude_booking_id=booking.pk):
                    raise SlotUnavailable("That time was just taken.", field="start")
                if existing:
                    BookingResource.objects.filter(booking=booking).exclude(resource_id__in=ids).delete()
                try:
                    save(booking)  # existing claims follow the booking's range (Booking.save)
                    kept = set(BookingResource.objects.filter(booking=booking).values_list("resource_id", flat=True))
                    BookingResource.objects.bulk_create([
                        BookingResource(booking=booking, resource_id=i, blocked_start=booking.blocked_start,
                                        blocked_end=booking.blocked_end, active=booking.is_active)
                        for i in ids if i not in kept])
                except IntegrityError as exc:
                    if NO_OVERLAP in str(exc):
                        raise SlotUnavailable("That time was just taken.", field="start") from exc
                    raise
                except OperationalError as exc:  # PostgreSQL: two claims waited on each other
                    if "deadlock" in str(exc):
                        raise SlotUnavailable("That time was just taken.", field="start") from exc
                    raise
            return pair
        except SlotUnavailable:
            booking._state.adding = adding
            continue
    raise SlotUnavailable("That time was just taken.", field="start")


def claimed(booking: Booking) -> list[Resource]:
    """The booking's people first, then its rooms, each in the studio's order."""
    return sorted((c.resource for c in booking.claims.select_related("resource")),
                  key=lambda r: (r.kind != ResourceKind.PERSON, r.order, r.name))


def claims_json(booking: Booking) -> list[dict]:
    return [{"slug": r.slug, "name": r.name, "kind": r.kind} for r in claimed(booking)]
