"""Outbox handlers that make one outside store match one booking (level-triggered).

A handler always writes the booking's *current* state, so several owed pushes
for one booking collapse into the same result, and a retry after a crash is
harmless: the adapters' writes are idempotent (deterministic event ids, pages
found again by the link ledger or the Booking ID property). After a write the
ledger records what the side now shows, so reading it back is an echo.
"""

from __future__ import annotations

import hashlib

from booksync.bookings.booking_view import booking_view, calendar_ref, notion_ref, payment_marker
from booksync.bookings.models import Booking, BookingStatus
from booksync.integrations.ports import KeepFields
from booksync.integrations.registry import calendar_store, notion_enabled, notion_store
from booksync.outbox.effects import ensure_push

from .ledger import link_of, remember_written
from .models import BookingLink
from .plan import CALENDAR, NOTION, unread_edits
from .snapshot import fingerprint


def _fresh(message) -> tuple[Booking, BookingLink] | None:
    if message.booking_id is None:
        return None
    # The link comes in the same query (one round trip per delivery instead of two; under load
    # every round trip waits its turn for a CPU). A booking never pushed yet has none: made here.
    booking = Booking.objects.filter(pk=message.booking_id).select_related("service", "link").first()
    if booking is None:
        return None
    try:
        link = booking.link
    except BookingLink.DoesNotExist:
        link, _ = BookingLink.objects.get_or_create(booking=booking)
    return booking, link


def _unread_edits(side: str, booking: Booking, link: BookingLink) -> KeepFields:
    """What the push must leave on ``side`` as a person left it there (see ``plan.unread_edits``)."""
    known = link_of(booking, link)
    return lambda record: unread_edits(side, known, record)


def _notion_hash(booking: Booking, link: BookingLink) -> str:
    # The page also shows the calendar event id (the seed's column), so a new id is worth a write,
    # and the money (ADR 0018; absent for a booking without a price, so older hashes still hold).
    money = payment_marker(booking)
    return hashlib.sha256(f"{fingerprint(NOTION, booking)}:{link.calendar_event_id}{f':{money}' if money else ''}"
                          .encode()).hexdigest()


def _calendar_hash(booking: Booking) -> str:
    """The event shows the booking's time, and its description the money (ADR 0018)."""
    wanted = fingerprint(CALENDAR, booking)
    money = payment_marker(booking)
    return hashlib.sha256(f"{wanted}:{money}".encode()).hexdigest() if money and _shows_time(booking) else wanted


# Writes per Notion push at most: the page is written again only when the state it must show
# changed while it was being written (the calendar push saved the event id meanwhile).
NOTION_REWRITES = 3


def push_to_notion(message) -> str | None:
    """Make the page show the booking and its event id as they are *after* the write.

    The hash written describes what was read before the write; the state is read again
    afterwards, and a change that landed meanwhile is written too, so this push never
    settles on a page older than the booking (``ensure_push`` may also have owed another).
    """
    page_id = None
    for _ in range(NOTION_REWRITES):
        found = _fresh(message)
        if found is None:
            return page_id
        booking, link = found
        wanted = _notion_hash(booking, link)
        if link.notion_page_id and link.notion_written_hash == wanted:
            # Notion already shows exactly this. The base is refreshed too: a process killed
            # between writing the hash and the base would otherwise leave the planner owing
            # a push that this early return never settles, on every sync.
            remember_written(NOTION, booking)
            return link.notion_page_id
        # The page also shows the calendar event id (the seed's column).
        view = booking_view(booking, calendar_event_id=link.calendar_event_id)
        result = notion_store().upsert(view, notion_ref(link), keep=_unread_edits(NOTION, booking, link))
        BookingLink.objects.filter(pk=link.pk).update(
            notion_page_id=result.external_id, notion_written_hash=wanted, last_error=""
        )
        remember_written(NOTION, booking)
        page_id = result.external_id
    return page_id


def _shows_time(booking: Booking) -> bool:
    # Completed and no-show sessions stay on the calendar as history; only a cancellation removes one.
    return booking.status != BookingStatus.CANCELLED


def push_to_calendar(message) -> str | None:
    found = _fresh(message)
    if found is None:
        return None
    booking, link = found
    wanted = _calendar_hash(booking)
    if link.calendar_written_hash == wanted and link.calendar_event_id:
        remember_written(CALENDAR, booking)  # see push_to_notion: settles a base a crash left behind
        return link.calendar_event_id
    store = calendar_store()
    view = booking_view(booking)
    if _shows_time(booking):
        previous_id = link.calendar_event_id
        result = store.upsert(view, calendar_ref(link), keep=_unread_edits(CALENDAR, booking, link))
        BookingLink.objects.filter(pk=link.pk).update(
            calendar_event_id=result.external_id, calendar_etag=result.etag,
            calendar_generation=result.generation, calendar_written_hash=wanted, last_error="",
        )
        remember_written(CALENDAR, booking)
        if result.external_id != previous_id and notion_enabled():
            ensure_push(NOTION, booking)  # the page shows the event id
        return result.external_id
    # Even with no event id on record: a worker killed after Google made the event but before
    # the id was saved leaves one under the booking's deterministic id, which remove() deletes
    # (an event that does not exist counts as removed).
    store.remove(view, calendar_ref(link))
    BookingLink.objects.filter(pk=link.pk).update(calendar_written_hash=wanted, calendar_etag="", last_error="")
    remember_written(CALENDAR, booking)
    return link.calendar_event_id or None
