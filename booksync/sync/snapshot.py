"""Our own booking seen through the same lens as an outside record, so the two can be compared."""

from __future__ import annotations

import unicodedata

from booksync.integrations.ports import CALENDAR_FIELDS, NOTION_FIELDS, RemoteBooking


def _printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without control characters: an admin edit or an import can carry them, and
    Notion and calendars would store them. Cleaned here, the payload and its hash agree."""
    allowed = {"\n", "\t"} if keep_newlines else set()
    return "".join(ch for ch in text if ch in allowed or unicodedata.category(ch) != "Cc")


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
