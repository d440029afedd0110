"""Our own booking seen through the same lens as an outside record, so the two can be compared."""

from __future__ import annotations

from booksync.bookings.booking_view import printable as _printable
from booksync.integrations.ports import CALENDAR_FIELDS, NOTION_FIELDS, RemoteBooking


def local_record(booking) -> RemoteBooking:
    """The booking as booksync holds it, shaped like a record read from Notion or a calendar."""
    return RemoteBooking(
        external_id=str(booking.pk),
        booking_id=str(booking.pk),
        start=booking.start,
        end=booking.end,
        status=booking.status,
        name=_printable(booking.name),
        email=booking.email,
        phone=_printable(booking.phone),
        notes=_printable(booking.notes, keep_newlines=True),
        service=booking.service_name,
        source=booking.source,
        deleted=False,
    )


def notion_fingerprint(booking) -> str:
    """What a Notion page written for ``booking`` hashes to (a page is never deleted, only Cancelled)."""
    return local_record(booking).fingerprint(NOTION_FIELDS)


def calendar_fingerprint(booking) -> str:
    """What the calendar holds of ``booking``: its time, or nothing once it stops taking time."""
    record = local_record(booking)
    if booking.status == "cancelled":
        record = RemoteBooking(external_id=record.external_id, start=booking.start, end=booking.end, deleted=True)
    return record.fingerprint(CALENDAR_FIELDS)
