"""Book, reschedule and cancel: the only places a booking's time changes on behalf of a person.

Each change runs in one database transaction that (1) re-checks the slot
against the database itself, (2) writes the booking, and (3) records in the
outbox every side effect it owes. On PostgreSQL an exclusion constraint
refuses overlapping bookings even under concurrent transactions; on SQLite the
transaction takes the write lock at BEGIN (settings: transaction_mode
IMMEDIATE), so the check and the insert cannot interleave with another.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from booksync.outbox import effects
from booksync.scheduling import UNAVAILABLE, Interval, assign, to_utc

from . import calendar_outage, staffing, text, tokens
from .change_window import online_changes_open
from .changes import record_change
from .clashes import explain
from .errors import BookingError, ChangesClosed, IdempotencyConflict, SlotUnavailable, slot_error
from .models import (
    DETAIL_LENGTHS,
    HOLD_RELEASED,
    Block,
    Booking,
    BookingResource,
    BookingSource,
    BookingStatus,
    IdempotencyKey,
    Resource,
    Service,
    Studio,
)
from .questions import ANSWER, clean_answers, default_name, with_answers
from .rules import studio_rules


@dataclass(frozen=True)
class BookingRequest:
    start: datetime
    name: str
    email: str
    service: Service | None = None
    duration: timedelta | None = None
    phone: str = ""
    notes: str = ""
    customer_timezone: str = ""
    language: str = ""  # BCP 47 locale of the customer ("de-DE"); empty: the studio's default
    source: str = BookingSource.WEBSITE
    resource: str = ""  # the slug of the person asked for; empty: anyone who takes the service
    answers: Mapping[str, Any] | None = None  # {question key: answer}, checked by questions.clean_answers

    @property
    def length(self) -> timedelta:
        return self.service.duration if self.service else self.duration  # type: ignore[return-value]

    def request_hash(self) -> str:
        data = [self.start.isoformat(), self.name, self.email, self.service.slug if self.service else "",
                str(self.duration or ""), self.phone, self.notes]
        if self.answers:
            data.append(dict(self.answers))
        if self.resource:  # keys stored before people existed keep their hash
            data.append(self.resource)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    token: str
    created: bool


def blocked_interval(studio: Studio, start: datetime, end: datetime) -> Interval:
    return Interval(start - studio.buffer_before, end + studio.buffer_after)


def clip_detail(field: str, value: str | None) -> str:
    """A customer detail (name, email, phone, notes) as kept: at most its ``DETAIL_LENGTHS``."""
    return (value or "")[:DETAIL_LENGTHS[field]]


def new_booking(studio: Studio, *, start: datetime, end: datetime, service: Service | None, service_name: str,
                source: str, name: str, email: str = "", phone: str = "", notes: str = "",
                status: str = BookingStatus.CONFIRMED, customer_timezone: str = "", language: str = "",
                buffers: bool = True, answers: dict | None = None) -> Booking:
    """The one constructor of a new booking from a request, whichever door it came through: the
    customer's ``BookingRequest`` (``book``), the studio's ``StudioBooking`` (``studio_edits``) or
    a record read from a side (``external``). Start and end in UTC; the blocked range with the
    studio's buffers (``buffers=False``: exactly the booking's time, for blocked time); the
    details clipped to ``DETAIL_LENGTHS``. Not saved: the door checks, assigns its token, saves.
    """
    blocked = blocked_interval(studio, start, end) if buffers else Interval(start, end)
    return Booking(
        service=service, service_name=service_name, start=start, end=end,
        blocked_start=blocked.start, blocked_end=blocked.end, status=status, source=source,
        name=clip_detail("name", name), email=clip_detail("email", email), phone=clip_detail("phone", phone),
        notes=clip_detail("notes", notes), customer_timezone=customer_timezone, language=language,
        answers=answers or {},  # checked by the door (questions.clean_answers; ADR 0019)
    )


def _blocked(booking: Booking) -> Interval:
    return Interval(booking.blocked_start, booking.blocked_end)


def ensure_free(blocked: Interval, *, exclude_booking_id=None, resource_ids: list[int] | None = None) -> None:
    """The authoritative overlap check, inside the booking's transaction: on the booking's people and rooms.

    ``resource_ids`` default to those the booking ``exclude_booking_id`` holds; with none at all,
    every resource is checked (nothing may overlap).
    """
    if resource_ids is None and exclude_booking_id is not None:
        resource_ids = list(BookingResource.objects.filter(booking_id=exclude_booking_id)
                            .values_list("resource_id", flat=True))
    if resource_ids:
        free = staffing.resources_free(blocked, resource_ids, exclude_booking_id=exclude_booking_id)
    else:
        clash = Booking.objects.active().overlapping(blocked.start, blocked.end)
        if exclude_booking_id is not None:
            clash = clash.exclude(pk=exclude_booking_id)
        free = not clash.exists() and not Block.objects.filter(start__lt=blocked.end, end__gt=blocked.start).exists()
    if not free:
        raise SlotUnavailable("That time was just taken.", field="start")


def save_exclusively(booking: Booking) -> None:
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint caught a concurrent booking (its claims follow the booking's save).
        if "no_overlap" in str(exc):
            raise SlotUnavailable("That time was just taken.", field="start") from exc
        raise


def _reason(problems: list[str | None]) -> str:
    """The one reason to give when no person (or room) can take a slot."""
    reasons = [p for p in problems if p is not None]
    if not reasons or UNAVAILABLE in reasons:
        return UNAVAILABLE
    return reasons[0]


def candidates(people: list[staffing.Member], rooms: list[staffing.Member] | None, start: datetime,
               length: timedelta, now: datetime, *, exclude_booking_id=None, live: bool = True,
               ) -> tuple[list[staffing.Member], list[staffing.Member] | None]:
    """The people and rooms free at ``start`` by the rules and the calendar (outside the lock), or the
    error to give. Asks the live calendar: call it before the transaction."""
    window = Interval(start - timedelta(days=1), start + length + timedelta(days=1))
    problems = staffing.check_members([*people, *(rooms or [])], start, length, window, now,
                                      exclude_booking_id=exclude_booking_id, live=live)
    free_people = [p for p in people if problems[p.id] is None]
    if not free_people:
        raise slot_error(_reason([problems[p.id] for p in people]))
    if rooms is None:
        return free_people, None
    free_rooms = [r for r in rooms if problems[r.id] is None]
    if not free_rooms:
        raise slot_error(_reason([problems[r.id] for r in rooms]))
    return free_people, free_rooms


def pairs_to_try(people: list[staffing.Member], rooms: list[staffing.Member] | None, start: datetime, zone: str, *,
                 keep_person: str | None = None, keep_room: str | None = None,
                 ) -> list[tuple[staffing.Member, staffing.Member | None]]:
    """The (person, room) pairs in the order the assignment rule tries them (inside the transaction)."""
    counts = staffing.week_counts(people, start, zone)
    room_order = None if rooms is None else [(r.slug, -1 if r.slug == keep_room else r.order) for r in rooms]
    by_slug = {m.slug: m for m in [*people, *(rooms or [])]}
    return [(by_slug[person], by_slug[room] if room else None)
            for person, room in assign([p.ordered for p in people], room_order, counts, keep=keep_person)]


def book(request: BookingRequest, *, idempotency_key: str | None = None, now: datetime | None = None,
         hold_until: datetime | None = None, on_hold: Callable[[Booking], None] | None = None) -> BookingResult:
    """Create a confirmed booking, or raise a ``BookingError`` saying why not.

    ``hold_until``: the booking awaits its payment (ADR 0018) and holds the slot until then; it
    owes nothing outside yet (only an audit line), and ``on_hold(booking)`` runs in the same
    transaction (the payments app records what is due).
    """
    now = now or timezone.now()
    release_due_holds(now)  # a hold past its time must not keep this customer out
    # Arithmetic on aware datetimes in a DST zone moves the wall clock, not real time: work in UTC.
    request = dataclasses.replace(request, start=to_utc(request.start), **customer_text(
        name=request.name, phone=request.phone, notes=request.notes))
    studio = Studio.load()
    if idempotency_key:
        replay = _replay(idempotency_key, request)
        if replay:
            return replay
    # The answers are checked before anything else is asked: a refused one stores nothing (ADR 0019).
    answers = clean_answers(request.service, request.answers)
    crew = staffing.team(studio_rules=studio_rules(studio))
    people, rooms = crew.needs(request.service, request.resource or None)
    # The live calendar is asked before the transaction: a network call must not hold the write lock.
    with calendar_outage.watching() as calendar:
        people, rooms = candidates(people, rooms, request.start, request.length, now)
    booking = new_booking(
        studio, start=request.start, end=request.start + request.length, service=request.service,
        service_name=default_name(request.service) if request.service else f"{int(request.length.total_seconds() // 60)} min session",
        source=request.source, name=request.name, email=request.email, phone=request.phone, notes=request.notes,
        customer_timezone=request.customer_timezone, language=request.language, answers=answers,
        status=BookingStatus.AWAITING_PAYMENT if hold_until else BookingStatus.CONFIRMED,
    )
    booking.hold_expires_at = hold_until
    booking.resource_choice = request.resource or ""
    with transaction.atomic():
        if idempotency_key:
            replay = _replay(idempotency_key, request)
            if replay:
                return replay
        token = tokens.assign(booking)
        staffing.hold(booking, pairs_to_try(people, rooms, request.start, studio.timezone), save=save_exclusively)
        if idempotency_key:
            IdempotencyKey.objects.create(key=idempotency_key, request_hash=request.request_hash(), booking=booking)
        if hold_until:
            effects.audit(booking.pk, "customer", "held", {"start": booking.start.isoformat(),
                                                           "until": hold_until.isoformat()})
            if on_hold:
                on_hold(booking)
        else:
            record_change(booking, "created", actor="customer" if request.source == BookingSource.WEBSITE else "admin")
        if calendar.stale:
            calendar_outage.owe_recheck(booking)
    return BookingResult(booking, token, created=True)


def customer_text(**values: str) -> dict[str, str]:
    """A booking's free text by the doors' rule (``text.checked``): notes keep their lines."""
    return {field: text.checked(field, value, multiline=field == "notes") for field, value in values.items()}


# --- holds awaiting payment (ADR 0018) ------------------------------------------------------------
def confirm_hold(booking_id, *, detail: dict | None = None) -> bool:
    """A paid hold becomes a confirmed booking and owes what any new booking owes (the
    confirmation email, the pushes, the studio's notice). Inside the caller's transaction; False
    when it was not awaiting payment (already confirmed, or released: see ``retake_hold``)."""
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    if booking.status != BookingStatus.AWAITING_PAYMENT:
        return False
    booking.status = BookingStatus.CONFIRMED
    booking.hold_expires_at = None
    booking.version += 1
    booking.save()
    record_change(booking, "created", actor="customer", detail=detail or {})
    return True


def retake_hold(booking_id, *, detail: dict | None = None) -> bool:
    """A hold released unpaid whose payment came after all: booked again if its time is still
    free (True), else False and nothing changes. Inside the caller's transaction."""
    booking = Booking.objects.select_for_update().get(pk=booking_id)
    if not (booking.status == BookingStatus.CANCELLED and booking.cancel_reason == HOLD_RELEASED):
        return False
    try:
        with transaction.atomic():
            ensure_free(Interval(booking.blocked_start, booking.blocked_end), exclude_booking_id=booking.pk)
            booking.status = BookingStatus.CONFIRMED
            booking.cancel_reason, booking.cancelled_at, booking.hold_expires_at = "", None, None
            booking.version += 1
            save_exclusively(booking)
    except SlotUnavailable:
        return False
    record_change(booking, "created", actor="customer", detail={"late_payment": True, **(detail or {})})
    return True


def release_hold(booking_id, *, why: str, now: datetime | None = None) -> Booking | None:
    """End a hold unpaid: its slot is free at once. Nobody outside heard of it, so only an audit
    line, and the open Checkout Session is owed an expiry (the payments app's handler). None when
    the booking was no longer awaiting payment."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        if booking.status != BookingStatus.AWAITING_PAYMENT:
            return None
        booking.status = BookingStatus.CANCELLED
        booking.cancel_reason = HOLD_RELEASED
        booking.cancelled_at = now
        booking.version += 1
        booking.save()
        effects.audit(booking.pk, "system", "hold_released", {"start": booking.start.isoformat(), "why": why})
        effects.owe(booking, effects.payment_work(booking, "expire_session", f"v{booking.version}"))
    return booking


def release_due_holds(now: datetime | None = None) -> int:
    """Release every hold whose time is up (the minute sweep; also before any new booking)."""
    now = now or timezone.now()
    due = list(Booking.objects.filter(status=BookingStatus.AWAITING_PAYMENT, hold_expires_at__lte=now)
               .order_by().values_list("pk", flat=True))
    return sum(1 for booking_id in due if release_hold(booking_id, why="hold_ended", now=now) is not None)


def _replay(key: str, request: BookingRequest) -> BookingResult | None:
    entry = IdempotencyKey.objects.select_related("booking").filter(key=key).first()
    if entry is None:
        return None
    if entry.request_hash != request.request_hash():
        raise IdempotencyConflict("This Idempotency-Key was already used with a different request.")
    return BookingResult(entry.booking, tokens.token_for(entry.booking), created=False)


def _check_customer_may_change(booking: Booking, studio: Studio, now: datetime) -> None:
    if not booking.is_active:
        raise ChangesClosed(f"This booking is {booking.get_status_display().lower()} and can no longer be changed.")
    if not online_changes_open(booking.start, studio, now):
        raise ChangesClosed(
            f"Online changes close {studio.change_notice_hours} hours before the session. "
            f"Please contact the studio{f' at {studio.contact_email}' if studio.contact_email else ''}."
        )


def reschedule(booking: Booking, new_start: datetime, *, actor: str = "customer", now: datetime | None = None) -> Booking:
    """Move a booking to ``new_start`` (same duration)."""
    now = now or timezone.now()
    new_start = to_utc(new_start)
    studio = Studio.load()
    if actor == "customer":
        _check_customer_may_change(booking, studio, now)
    duration = booking.duration
    people, rooms = _reschedule_needs(booking)
    with calendar_outage.watching() as calendar:
        people, rooms = candidates(people, rooms, new_start, duration, now, exclude_booking_id=booking.pk)
    blocked = blocked_interval(studio, new_start, new_start + duration)
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)  # fresh, inside the lock
        if actor == "customer":
            _check_customer_may_change(booking, studio, now)
        was_active, previous = booking.is_active, (booking.start, booking.end)
        booking.start, booking.end = new_start, new_start + duration
        booking.blocked_start, booking.blocked_end = blocked.start, blocked.end
        held = {r.kind: r.slug for r in staffing.claimed(booking)}
        pairs = pairs_to_try(people, rooms, new_start, studio.timezone, keep_room=held.get("room"),
                             keep_person=booking.resource_choice or None)
        staffing.hold(booking, pairs, save=save_exclusively)  # its people and room at the new time, or 409
        settle_change(booking, was_active=was_active, previous=previous, service_changed=False, actor=actor,
                      detail={})
        if calendar.stale:
            calendar_outage.owe_recheck(booking)
    return booking


def studio_pairs(booking: Booking, *, person: str | None = None, room: str | None = None,
                 ) -> list[tuple[staffing.Member, staffing.Member | None]]:
    """The pairs a studio-side booking may take (a phone booking, an event or page a person made):
    the named person and room, else anyone who takes the service by the assignment rule. The
    customer's rules (hours, notice) do not bind the studio; the overlap check in ``hold`` does."""
    crew = staffing.team()
    people, rooms = crew.needs(booking.service, person)
    if room is not None and rooms is not None:
        named = [r for r in rooms if r.slug == room or r.name == room]
        if not named:
            raise BookingError(f"room {room!r} is not one this service may use.", code="unknown_resource",
                               field="room")
        rooms = named
    if not people or (rooms is not None and not rooms):
        raise SlotUnavailable("Nobody can take this service.", field="resource")
    return pairs_to_try(people, rooms, booking.start, Studio.load().timezone)


def take_resources(booking: Booking, *, person: str | None = None, room: str | None = None,
                   explain_clash: bool = False) -> bool:
    """Give a locked booking (its new times already set) the named person and/or room, keeping the
    other; True when its people or rooms changed. Refused, nothing moves: ``SlotUnavailable`` (with
    ``explain_clash``, naming who is in the way), or a 422 for a person or room the service cannot use."""
    claimed = staffing.claimed(booking)
    held = {r.kind: r.slug for r in claimed}
    if room is not None and any(r.kind == "room" and room in (r.slug, r.name) for r in claimed):
        room = None  # the room it holds, named by its name
    want_person, want_room = person or held.get("person"), room or held.get("room")
    if (want_person, want_room) == (held.get("person"), held.get("room")):
        return False
    crew = staffing.team()
    people, rooms = crew.needs(booking.service, want_person)
    chosen_room = None
    if rooms is not None:
        named = [r for r in rooms if r.slug == want_room or r.name == want_room]
        if not named:
            raise BookingError(f"room {want_room!r} is not one this service may use.", code="unknown_resource",
                               field="room")
        chosen_room = named[0]
    pair = (people[0], chosen_room)
    try:
        staffing.hold(booking, [pair], save=save_exclusively)
    except SlotUnavailable:
        if not explain_clash:
            raise
        ids = [pair[0].id] + ([pair[1].id] if pair[1] else [])
        raise explain(booking.start, booking.end, Interval(booking.blocked_start, booking.blocked_end),
                      exclude_booking_id=booking.pk, resource_ids=ids) from None
    return True


def _reschedule_needs(booking: Booking) -> tuple[list[staffing.Member], list[staffing.Member] | None]:
    """Who may take a booking at its new time: the person the customer chose (while they still take the
    service), else anyone who takes it (ADR 0017)."""
    crew = staffing.team()
    if booking.resource_choice:
        try:
            return crew.needs(booking.service, booking.resource_choice)
        except BookingError:
            pass
    return crew.needs(booking.service)


def cancel(booking: Booking, *, reason: str = "", actor: str = "customer", now: datetime | None = None) -> Booking:
    """Cancel a booking; its time becomes free at once."""
    now = now or timezone.now()
    reason = text.checked("reason", reason)
    studio = Studio.load()
    if booking.status == BookingStatus.AWAITING_PAYMENT:
        return release_hold(booking.pk, why=f"cancelled by the {actor}", now=now) or booking
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if actor == "customer":
            _check_customer_may_change(booking, studio, now)
        elif not booking.is_active:
            return booking
        previous = (booking.start, booking.end)
        booking.status = BookingStatus.CANCELLED
        booking.cancel_reason = reason
        booking.cancelled_at = now
        settle_change(booking, was_active=True, previous=previous, service_changed=False, actor=actor, detail={})
    return booking


def apply_change(booking_id, changes: Mapping[str, Any], *, actor: str, skip_sides: tuple[str, ...] = (),
                 detail: dict | None = None, now: datetime | None = None) -> Booking:
    """Change a booking's time, status, service or customer details on the studio's behalf.

    The door for changes the studio made elsewhere (Notion, the calendar): the
    customer-facing rules (opening hours, notice) do not bind the studio, the rest of
    the service's guarantees do. In one transaction, with the booking's row locked: the
    overlap check, the blocked range, sequence (when the customer would notice) and
    version, the audit entry, the customer's email and the pushes to the other sides
    (``skip_sides``: the side the change came from). ``changes`` holds booking fields
    (``start``, ``end``, ``status``, ``service`` by name, ``name``, ``email``, ``phone``,
    ``notes``); a time whose end is not after its start is ignored.
    """
    now = now or timezone.now()
    studio = Studio.load()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        was_active, previous = booking.is_active, (booking.start, booking.end)
        start = to_utc(changes["start"]) if changes.get("start") else booking.start
        end = to_utc(changes["end"]) if changes.get("end") else booking.end
        if (start, end) != previous and end > start:
            blocked = blocked_interval(studio, start, end)
            booking.start, booking.end = start, end
            booking.blocked_start, booking.blocked_end = blocked.start, blocked.end
        for name in DETAIL_LENGTHS:
            if name in changes:
                setattr(booking, name, clip_detail(name, changes[name]))
        answered = {k.removeprefix(ANSWER): v for k, v in changes.items() if k.startswith(ANSWER)}
        if answered:
            booking.answers = with_answers(booking.answers, answered)
        service_changed = "service" in changes and (changes["service"] or "") != booking.service_name
        if service_changed:
            booking.service_name = changes["service"] or ""
            booking.service = service_named(booking.service_name)
        status = changes.get("status")
        if status and status != booking.status:
            booking.status = status
            if status == BookingStatus.CANCELLED:
                booking.cancelled_at = now
        reassigned = False
        if booking.is_active and (changes.get("person") or changes.get("room")):
            # A side named another photographer or room (Notion's columns, by name): a clash
            # refuses the whole change and says who is in the way.
            reassigned = take_resources(booking, person=_slug_named(changes.get("person")),
                                        room=changes.get("room") or None, explain_clash=True)
        settle_change(booking, was_active=was_active, previous=previous,
                      service_changed=service_changed or reassigned, actor=actor,
                      detail={"fields": sorted(changes), **(detail or {})}, skip_sides=skip_sides,
                      explain_clash=reassigned)
    return booking


def _slug_named(name: str | None) -> str | None:
    """The slug of the active person called ``name`` (as a side shows them); a slug passes as it is."""
    if not name:
        return None
    person = Resource.objects.filter(active=True, kind="person").filter(Q(name__iexact=name.strip()) | Q(slug=name)).first()
    if person is None:
        raise BookingError(f"{name!r} is not one of the studio's people.", code="unknown_resource", field="resource")
    return person.slug


def settle_change(booking: Booking, *, was_active: bool, previous: tuple[datetime, datetime], service_changed: bool,
                  actor: str, detail: dict, skip_sides: tuple[str, ...] = (), explain_clash: bool = False,
                  notify_studio: bool = True) -> None:
    """The second half of every change to a locked booking, whichever door it came through.

    The booking already holds its new values (and blocked range); ``previous`` is its
    (start, end) before. Checks it is still free where it now stands, keeps sequence (when
    the customer would notice) and version, saves, and records the change: its audit entry,
    the customer's email and the pushes to the other sides (``skip_sides``: where the change
    came from). ``explain_clash``: a clash names what is in the way and the free times that
    day (the studio's door) instead of "that time was just taken". ``notify_studio``: as for
    ``record_change``.
    """
    time_changed = (booking.start, booking.end) != previous
    if booking.is_active and (time_changed or not was_active):
        check_free(booking, explain_clash=explain_clash)
    cancelled = was_active and booking.status == BookingStatus.CANCELLED
    reopened = booking.is_active and not was_active
    customer_visible = (time_changed and booking.is_active) or service_changed or cancelled or reopened
    if customer_visible:
        booking.sequence += 1
    booking.version += 1
    save_checked(booking, explain_clash=explain_clash)
    if cancelled:
        change = "cancelled"
        if booking.cancel_reason:
            detail = {**detail, "reason": booking.cancel_reason}
    elif time_changed and booking.is_active:
        # from/from_end let the update email say "was … now …".
        change = "rescheduled"
        detail = {**detail, "from": previous[0].isoformat(), "from_end": previous[1].isoformat(),
                  "to": booking.start.isoformat()}
    elif customer_visible:
        change = "updated"
    else:
        change = "edited"  # details or a closing status: no email, but the other sides still hear of it
    record_change(booking, change, actor=actor, detail=detail, skip_sides=skip_sides, notify_studio=notify_studio)


def check_free(booking: Booking, *, explain_clash: bool = False) -> None:
    """The booking's blocked range overlaps nothing else (inside its transaction)."""
    blocked = Interval(booking.blocked_start, booking.blocked_end)
    try:
        ensure_free(blocked, exclude_booking_id=booking.pk)
    except SlotUnavailable:
        if not explain_clash:
            raise
        raise explain(booking.start, booking.end, blocked, exclude_booking_id=booking.pk) from None


def save_checked(booking: Booking, *, explain_clash: bool = False) -> None:
    """Save, turning PostgreSQL's overlap constraint into the same error as :func:`check_free`."""
    try:
        save_exclusively(booking)
    except SlotUnavailable:  # PostgreSQL's constraint saw a concurrent booking
        if not explain_clash:
            raise
        blocked = Interval(booking.blocked_start, booking.blocked_end)
        raise explain(booking.start, booking.end, blocked, exclude_booking_id=booking.pk) from None


def service_named(name: str) -> Service | None:
    """The service a side names, by its default-language name (what bookings keep and Notion shows),
    whatever language is active: modeltranslation would read ``name`` as the active language's."""
    if not name:
        return None
    default = f"name_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}__iexact"
    return Service.objects.filter(**{default: name.strip()}).first()
