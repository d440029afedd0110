"""Changes that arrive from Notion or the calendar, applied to bookings.

These are the studio's own edits (an admin in Notion, someone moving an event
in the calendar), so the customer-facing rules (opening hours, notice window)
do not apply, but the no-overlap guarantee does: a change that would
double-book is refused with ``SlotUnavailable`` and reported on its side.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from booksync.integrations.ports import RemoteBooking
from booksync.scheduling import Interval, to_utc

from . import tokens
from .changes import record_change
from .models import Booking, BookingSource, BookingStatus, Service, Studio
from .services import blocked_interval, ensure_free, save_exclusively

ACTOR = {"notion": "notion", "calendar": "calendar"}
DEFAULT_LENGTH = timedelta(hours=1)


def _service_named(name: str) -> Service | None:
    return Service.objects.filter(name__iexact=name.strip()).first() if name else None


def apply_changes(booking_id: str, changes: dict[str, Any], origin: str) -> Booking:
    """Apply field changes read from ``origin`` to a booking, and owe what that change owes the others."""
    studio = Studio.load()
    with transaction.atomic():
        booking = Booking.objects.get(pk=booking_id)
        was_active = booking.is_active
        was_start, was_end = booking.start, booking.end
        time_changed = False
        start = to_utc(changes["start"]) if changes.get("start") else booking.start
        end = to_utc(changes["end"]) if changes.get("end") else booking.end
        if (start, end) != (booking.start, booking.end) and end > start:
            booking.start, booking.end = start, end
            blocked = blocked_interval(studio, start, end)
            booking.blocked_start, booking.blocked_end = blocked.start, blocked.end
            time_changed = True
        for name in ("name", "email", "phone", "notes"):
            if name in changes:
                setattr(booking, name, (changes[name] or "")[: 2000 if name == "notes" else 200])
        service_changed = "service" in changes and changes["service"] != booking.service_name
        if service_changed:
            booking.service_name = changes["service"] or ""
            booking.service = _service_named(booking.service_name)
        status = changes.get("status")
        if status and status != booking.status:
            booking.status = status
            if status == BookingStatus.CANCELLED:
                booking.cancelled_at = timezone.now()
        if booking.is_active and (time_changed or not was_active):
            ensure_free(Interval(booking.blocked_start, booking.blocked_end), exclude_booking_id=booking.pk)
        cancelled = was_active and booking.status == BookingStatus.CANCELLED
        customer_visible = time_changed or service_changed or cancelled or (booking.is_active and not was_active)
        if customer_visible:
            booking.sequence += 1
        booking.version += 1
        save_exclusively(booking)
        if cancelled:
            change = "cancelled"
        elif customer_visible:
            change = "rescheduled" if time_changed else "updated"
        else:
            change = "edited"  # details only: no email, but the other side still hears of it
        detail = {"fields": sorted(changes)}
        if time_changed:
            detail.update({"from": was_start.isoformat(), "from_end": was_end.isoformat()})
        record_change(booking, change, actor=ACTOR[origin], detail=detail, skip_topics=(origin,))
    return booking


def _times(record: RemoteBooking) -> tuple[datetime, datetime]:
    start = to_utc(record.start)
    end = to_utc(record.end) if record.end else start + DEFAULT_LENGTH
    return start, end


BLOCKED_TIME = "Blocked time"


def import_record(record: RemoteBooking, origin: str, *, as_block: bool = False) -> Booking:
    """A booking for a record a person created on ``origin``.

    ``as_block`` (CALENDAR_IMPORT=block) marks it as blocked time rather than a
    customer's session: service "Blocked time", exactly the event's time (no
    buffers), so Notion shows it for what it is and the sync moves or cancels
    it with its event like any booking.
    """
    studio = Studio.load()
    start, end = _times(record)
    with transaction.atomic():
        service = None if as_block else _service_named(record.service)
        status = record.status if record.status in BookingStatus.values else BookingStatus.CONFIRMED
        blocked = Interval(start, end) if as_block else blocked_interval(studio, start, end)
        service_name = BLOCKED_TIME if as_block else record.service or (service.name if service else "")
        booking = Booking(
            service=service, service_name=service_name,
            start=start, end=end, blocked_start=blocked.start, blocked_end=blocked.end,
            status=status, source=BookingSource.NOTION if origin == "notion" else BookingSource.CALENDAR,
            name=(record.name or "Untitled booking")[:200], email=record.email or "", phone=record.phone or "",
            notes=(record.notes or "")[:2000],
        )
        if booking.is_active:
            ensure_free(blocked)
        tokens.assign(booking)
        save_exclusively(booking)
        record_change(booking, "created", actor=ACTOR[origin], notify=booking.is_active,
                      skip_topics=() if origin == "notion" else (origin,))
    return booking
