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

from booksync.integrations.ports import SideRecord
from booksync.scheduling import to_utc

from . import services, staffing, text, tokens
from .changes import record_change
from .models import BLOCKED_TIME, Booking, BookingSource, BookingStatus, Studio
from .questions.answers import ANSWER, default_name, long_text_keys, with_answers
from .services import save_exclusively, studio_pairs

ACTOR = {"notion": "notion", "calendar": "calendar"}
DEFAULT_LENGTH = timedelta(hours=1)


# The free text a side can carry; it arrives by ``text.defused``'s rule (never refused).
TEXT_FIELDS = {"name": False, "phone": False, "notes": True, "service": False}


def incoming_text(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each free-text field defused (line breaks normalised, encoded words read)."""
    out = {name: text.defused(value, multiline=TEXT_FIELDS[name]) if name in TEXT_FIELDS and value else value
           for name, value in values.items()}
    answers = {name.removeprefix(ANSWER): value for name, value in values.items() if name.startswith(ANSWER)}
    if answers:  # the answers read from a page (ADR 0019), by the same rule
        clean = text.defused_answers(answers, long_text=long_text_keys())
        out.update({ANSWER + key: value for key, value in clean.items()})
    return out


def apply_changes(booking_id: str, changes: dict[str, Any], side: str) -> Booking:
    """Apply field changes read from ``side`` to a booking, through the booking service's door.

    Text the rule changed goes back to ``side`` too, so both show what the booking holds."""
    clean = incoming_text(changes)
    skip = () if clean != changes else (side,)
    return services.apply_change(booking_id, clean, actor=ACTOR[side], skip_sides=skip)


def _times(record: SideRecord) -> tuple[datetime, datetime]:
    start = to_utc(record.start)
    end = to_utc(record.end) if record.end else start + DEFAULT_LENGTH
    return start, end


def import_record(record: SideRecord, side: str, *, as_block: bool = False) -> Booking:
    """A booking for a record a person created on ``side``.

    ``as_block`` (CALENDAR_IMPORT=block) marks it as blocked time rather than a
    customer's session: service "Blocked time", exactly the event's time (no
    buffers), so Notion shows it for what it is and the sync moves or cancels
    it with its event like any booking.
    """
    studio = Studio.load()
    start, end = _times(record)
    words = incoming_text({"name": record.name, "phone": record.phone, "notes": record.notes,
                           "service": record.service})
    with transaction.atomic():
        service = None if as_block else services.service_named(words["service"])
        booking = services.new_booking(
            studio, start=start, end=end, service=service,
            service_name=BLOCKED_TIME if as_block else words["service"] or (default_name(service) if service else ""),
            status=record.status if record.status in BookingStatus.values else BookingStatus.CONFIRMED,
            source=BookingSource.NOTION if side == "notion" else BookingSource.CALENDAR,
            name=words["name"] or "Untitled booking", email=record.email or "", phone=words["phone"] or "",
            notes=words["notes"] or "", buffers=not as_block,
            # A page a person made may carry answers too (its service's question columns, ADR 0019),
            # defused like its other text.
            answers=text.defused_answers(with_answers({}, dict(record.answers)), long_text=long_text_keys(service)),
        )
        tokens.assign(booking)
        if as_block:  # blocked time on the studio's calendar blocks every person and room
            crew = staffing.team()
            pairs: list = [(*crew.people, *crew.rooms)]
        else:
            pairs = studio_pairs(booking, person=getattr(record, "person", "") or None,
                                 room=getattr(record, "room", "") or None)
        staffing.hold(booking, pairs, save=save_exclusively)
        record_change(booking, "created", actor=ACTOR[side], notify=booking.is_active,
                      skip_sides=() if side == "notion" else (side,))
    return booking
