"""Outbox handlers that make one outside store match one booking (level-triggered).

A handler always writes the booking's *current* state, so several owed pushes
for one booking collapse into the same result, and a retry after a crash is
harmless: the adapters' writes are idempotent (deterministic event ids, pages
found again by the link ledger or the Booking ID property).
"""

from __future__ import annotations

from booksync.bookings.models import Booking
from booksync.integrations.registry import calendar_store, notion_store

from .models import BookingLink
from .snapshot import calendar_fingerprint, notion_fingerprint


def _fresh(message) -> tuple[Booking, BookingLink] | None:
    if message.booking_id is None:
        return None
    booking = Booking.objects.filter(pk=message.booking_id).select_related("service").first()
    if booking is None:
        return None
    link, _ = BookingLink.objects.get_or_create(booking=booking)
    return booking, link


def push_to_notion(message) -> str | None:
    found = _fresh(message)
    if found is None:
        return None
    booking, link = found
    fingerprint = notion_fingerprint(booking)
    if link.notion_page_id and link.notion_written_hash == fingerprint:
        return link.notion_page_id  # Notion already shows exactly this
    result = notion_store().upsert(booking, link)
    BookingLink.objects.filter(pk=link.pk).update(
        notion_page_id=result.external_id, notion_written_hash=fingerprint, last_error=""
    )
    return result.external_id


def push_to_calendar(message) -> str | None:
    found = _fresh(message)
    if found is None:
        return None
    booking, link = found
    fingerprint = calendar_fingerprint(booking)
    if link.calendar_written_hash == fingerprint and (link.calendar_event_id or not booking.is_active):
        return link.calendar_event_id or None
    store = calendar_store()
    if booking.is_active:
        result = store.upsert(booking, link)
        BookingLink.objects.filter(pk=link.pk).update(
            calendar_event_id=result.external_id, calendar_etag=result.etag,
            calendar_generation=result.generation, calendar_written_hash=fingerprint, last_error="",
        )
        return result.external_id
    store.remove(booking, link)
    BookingLink.objects.filter(pk=link.pk).update(calendar_written_hash=fingerprint, calendar_etag="", last_error="")
    return link.calendar_event_id or None
