"""Our own booking seen through the same lens as a side's record, so the two can be compared.

The planner compares ``local_record`` with what a side reports; a push compares
``fingerprint`` with the hash it last wrote, and skips a write that changes nothing.
"""

from __future__ import annotations

from booksync.bookings.booking_view import printable as _printable
from booksync.bookings.messages.who import with_whom
from booksync.integrations.ports import CALENDAR_FIELDS, NOTION_FIELDS, SideRecord, answers_of

from .plan import NOTION


def local_record(booking) -> SideRecord:
    """The booking as booksync holds it, shaped like a record read from Notion or a calendar."""
    return SideRecord(
        external_id=str(booking.pk),
        booking_id=str(booking.pk),
        start=booking.start,
        end=booking.end,
        status=booking.status,
        name=_printable(booking.name),
        email=booking.email,
        phone=_printable(booking.phone),
        notes=_printable(booking.notes, keep_newlines=True),
        service=_printable(booking.service_name),  # as booking_view writes it
        source=booking.source,
        deleted=False,
        answers=answers_of(booking.answers or {}),
        extra=dict(zip(("person", "room"), with_whom(booking), strict=True)),
    )


def fingerprint(side: str, booking) -> str:
    """The fingerprint of what ``side`` shows of ``booking`` once a push has written it.

    Notion: every field (a page is never deleted, only Cancelled). The calendar: the booking's
    time, or nothing once it stops taking time. A push compares it with the written hash.
    """
    record = local_record(booking)
    if side == NOTION:
        return record.fingerprint(NOTION_FIELDS)
    if booking.status == "cancelled":
        record = SideRecord(external_id=record.external_id, start=booking.start, end=booking.end, deleted=True)
    return record.fingerprint(CALENDAR_FIELDS)
