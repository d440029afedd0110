"""The studio's own changes to bookings (admin, diary): the same door as every other change.

A phone or walk-in booking, a move, a change of service, status or customer
details, made by a person at the studio. Like the website's path
(``services.book`` / ``reschedule`` / ``cancel``) each change runs in one
transaction that checks for overlaps inside it, keeps the blocked range,
sequence and version right, writes the audit entry and owes the emails and
pushes (``changes.record_change``). Unlike the customer's path, the studio's
own rules for customers (opening hours, notice, slot grid, the fixed service
length) do not bind the studio; overlaps always do, and a clash is reported
naming what is in the way and the free times instead.

The studio is not sent its own notice of a change one of its people made here
(they made it), unless that person asks for it: ``notify_studio=True`` ("Also
email me" on the form; ADR 0021). The customer is emailed either way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from booksync.scheduling import Interval, to_utc

from . import staffing, text, tokens
from .changes import record_change
from .clashes import explain
from .errors import BookingError, SlotUnavailable
from .models import (
    ACTIVE_STATUSES,
    DETAIL_LENGTHS,
    Block,
    Booking,
    BookingSource,
    BookingStatus,
    Service,
    Studio,
)
from .questions.answers import default_name
from .services import (
    blocked_interval,
    clip_detail,
    customer_text,
    new_booking,
    save_exclusively,
    settle_change,
    studio_pairs,
    take_resources,
)


@dataclass(frozen=True)
class StudioBooking:
    """A booking as the studio enters it: any length, any service or none."""

    start: datetime
    end: datetime
    name: str
    email: str = ""
    phone: str = ""
    notes: str = ""
    service: Service | None = None
    status: str = BookingStatus.CONFIRMED
    person: str = ""  # a person's slug; empty: anyone who takes the service
    room: str = ""  # a room's slug; empty: the first free one the service may use

    @property
    def service_name(self) -> str:
        if self.service:
            return default_name(self.service)  # the studio's own language, whatever the admin's (ADR 0020)
        return f"{int((self.end - self.start).total_seconds() // 60)} min session"


def _check_times(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    if end <= start:
        raise BookingError("The session must end after it starts.", code="end_before_start", field="end")
    return to_utc(start), to_utc(end)


def _checked(entry: StudioBooking) -> StudioBooking:
    """The entry's free text by the doors' rule; an encoded word is ``UnsafeText`` naming its field."""
    return replace(entry, **customer_text(name=entry.name, phone=entry.phone, notes=entry.notes))


def add_booking(entry: StudioBooking, *, by: str, notify_studio: bool = False) -> Booking:
    """A booking the studio takes itself (phone, walk-in). ``by`` names the person."""
    entry = _checked(entry)
    start, end = _check_times(entry.start, entry.end)
    with transaction.atomic():
        booking = new_booking(
            Studio.load(), start=start, end=end, service=entry.service, service_name=entry.service_name,
            status=entry.status, source=BookingSource.ADMIN, name=entry.name, email=entry.email,
            phone=entry.phone, notes=entry.notes,
        )
        tokens.assign(booking)
        pairs = studio_pairs(booking, person=entry.person or None, room=entry.room or None)
        try:
            staffing.hold(booking, pairs, save=save_exclusively)
        except SlotUnavailable:
            ids = sorted({m.id for pair in pairs for m in pair if m is not None})
            raise explain(start, end, Interval(booking.blocked_start, booking.blocked_end),
                          exclude_booking_id=booking.pk, resource_ids=ids) from None
        record_change(booking, "created", actor="admin", detail={"by": by}, notify=booking.is_active,
                      notify_studio=notify_studio)
    return booking


def change_booking(booking_id, entry: StudioBooking, *, by: str, cancel_reason: str = "Cancelled by the studio",
                   now: datetime | None = None, notify_studio: bool = False) -> Booking:
    """Make a booking look like ``entry``; emails and pushes follow as for any change."""
    entry, cancel_reason = _checked(entry), text.checked("reason", cancel_reason)
    start, end = _check_times(entry.start, entry.end)
    studio = Studio.load()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(pk=booking_id)
        was_active = booking.is_active
        previous = (booking.start, booking.end)
        time_changed = (start, end) != previous
        if time_changed:
            blocked = blocked_interval(studio, start, end)
            booking.start, booking.end = start, end
            booking.blocked_start, booking.blocked_end = blocked.start, blocked.end
        service_changed = entry.service != booking.service
        if service_changed:
            booking.service, booking.service_name = entry.service, entry.service_name
        for field in DETAIL_LENGTHS:
            setattr(booking, field, clip_detail(field, getattr(entry, field)))
        if entry.status != booking.status:
            booking.status = entry.status
            if entry.status == BookingStatus.CANCELLED:
                booking.cancelled_at = now or timezone.now()
                booking.cancel_reason = cancel_reason
        detail: dict = {"by": by}
        reassigned = booking.is_active and take_resources(booking, person=entry.person or None,
                                                          room=entry.room or None, explain_clash=True)
        if reassigned:
            detail["resources"] = [r.slug for r in staffing.claimed(booking)]
        settle_change(booking, was_active=was_active, previous=previous, service_changed=service_changed or reassigned,
                      actor="admin", detail=detail, explain_clash=True, notify_studio=notify_studio)
    return booking


def move_booking(booking_id, start: datetime, end: datetime | None = None, *, by: str, person: str = "",
                 room: str = "", notify_studio: bool = False) -> Booking:
    """Move a booking to ``start`` (keeping its length unless ``end`` is given), and to another
    ``person`` or ``room`` when named: clash-checked, the blocker named."""
    booking = Booking.objects.get(pk=booking_id)
    end = end or start + booking.duration
    return change_booking(booking_id, _entry_like(booking, start=start, end=end, person=person, room=room), by=by,
                          notify_studio=notify_studio)


def cancel_booking(booking_id, *, by: str, reason: str = "Cancelled by the studio",
                   notify_studio: bool = False) -> Booking:
    booking = Booking.objects.get(pk=booking_id)
    if booking.status not in ACTIVE_STATUSES:
        return booking
    return change_booking(booking_id, _entry_like(booking, status=BookingStatus.CANCELLED), by=by,
                          cancel_reason=reason, notify_studio=notify_studio)


def _entry_like(booking: Booking, **changes) -> StudioBooking:
    values = {"start": booking.start, "end": booking.end, "name": booking.name, "email": booking.email,
              "phone": booking.phone, "notes": booking.notes, "service": booking.service, "status": booking.status}
    values.update(changes)
    return StudioBooking(**values)


def block_time(start: datetime, end: datetime, reason: str, *, by: str) -> Block:
    """Close the studio for a while; refused over a booking (move or cancel that first)."""
    start, end = _check_times(start, end)
    reason = text.checked("reason", reason)
    with transaction.atomic():
        blocked = Interval(start, end)
        if Booking.objects.active().overlapping(start, end).exists() or Block.objects.filter(
                start__lt=end, end__gt=start).exists():
            raise explain(start, end, blocked)
        block = Block.objects.create(start=start, end=end, reason=reason, source=Block.Source.ADMIN)
    return block
