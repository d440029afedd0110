"""Outbox handlers that make one outside store match one booking (level-triggered).

A handler always writes the booking's *current* state, so several owed pushes
for one booking collapse into the same result, and a retry after a crash is
harmless: the adapters' writes are idempotent (deterministic event ids, pages
found again by the link ledger or the Booking ID property). After a write the
ledger records what the side now shows, so reading it back is an echo.
"""

from __future__ import annotations

import hashlib

from booksync.bookings.booking_view import (
    booking_view,
    calendar_ref,
    notion_ref,
    own_calendar,
    payment_marker,
)
from booksync.bookings.messages.who import with_whom
from booksync.bookings.models import Booking, BookingStatus, ResourceKind
from booksync.integrations.ports import BookingView, CalendarStore, SignInRefused
from booksync.integrations.registry import calendar_store, notion_enabled, notion_store
from booksync.outbox import claims
from booksync.outbox.effects import ensure_push

from . import deletes, sign_in
from .ledger import remember_written
from .models import BookingLink
from .plan import CALENDAR, NOTION
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


def _notion_hash(booking: Booking, link: BookingLink, answers_shown: frozenset[str]) -> str:
    # The page also shows the calendar event id (the seed's column), so a new id is worth a write;
    # and the answers whose column it has, so a question column added later is written (ADR 0019);
    # in a studio of several, who and where too (ADR 0017): a new photographer is worth a write; and
    # the money (ADR 0018; absent for a booking without a price, so older hashes still hold).
    shown = ",".join(sorted(answers_shown))
    people, rooms = with_whom(booking)
    who = f":{people}:{rooms}" if people else ""
    money = payment_marker(booking)
    return hashlib.sha256(f"{fingerprint(NOTION, booking)}:{link.calendar_event_id}"
                          f"{':' + shown if shown else ''}{who}{f':{money}' if money else ''}".encode()).hexdigest()


def _calendar_hash(booking: Booking) -> str:
    """The event shows the booking's time, and its description the money (ADR 0018); in a studio of
    several also who (the tag) and on which calendar (ADR 0017), so a new photographer is worth a
    write (a move). A one-person studio's hash without a price is as before."""
    wanted = fingerprint(CALENDAR, booking)
    money = payment_marker(booking)
    if money and _shows_time(booking):
        wanted = hashlib.sha256(f"{wanted}:{money}".encode()).hexdigest()
    people, _rooms = with_whom(booking)
    if people:
        where = f"{own_calendar(booking)}:{own_calendar(booking, ResourceKind.ROOM)}"
        wanted = hashlib.sha256(f"{wanted}:{people}:{where}".encode()).hexdigest()
    return wanted


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
        # Asked only of a booking with answers: a push of one without stays free of Notion calls.
        shown = notion_store().answer_keys_shown() if booking.answers else frozenset()
        wanted = _notion_hash(booking, link, shown)
        if link.notion_page_id and link.notion_written_hash == wanted:
            # Notion already shows exactly this. The base is refreshed too: a process killed
            # between writing the hash and the base would otherwise leave the planner owing
            # a push that this early return never settles, on every sync.
            remember_written(NOTION, booking, answers_shown=shown)
            return link.notion_page_id
        # The page also shows the calendar event id (the seed's column).
        view = booking_view(booking, calendar_event_id=link.calendar_event_id)
        seen = deletes.Seen()
        result = notion_store().upsert(view, notion_ref(link), keep=deletes.keep_fields(NOTION, booking, link, seen))
        with claims.held(message):  # what Notion answered is recorded only under this worker's claim
            if result.deleted:  # trashed since booksync last read it, and the delete stands
                deletes.keep_the_delete(NOTION, booking, link, result)
                return result.external_id
            deletes.cancellation_met_edits(booking, link.notion_base, seen)
            BookingLink.objects.filter(pk=link.pk).update(
                notion_page_id=result.external_id, notion_written_hash=wanted, last_error=""
            )
            remember_written(NOTION, booking, answers_shown=shown)
        page_id = result.external_id
    return page_id


def _shows_time(booking: Booking) -> bool:
    # Completed and no-show sessions stay on the calendar as history; only a cancellation removes one.
    return booking.status != BookingStatus.CANCELLED


def push_to_calendar(message) -> str | None:
    """Make the calendar show the booking; a refused sign-in waits (and is told to the studio once)."""
    try:
        written = _push_to_calendar(message)
    except SignInRefused as exc:
        if message.booking_id is not None:
            booking = Booking.objects.filter(pk=message.booking_id).first()
            if booking is not None:
                sign_in.refused(booking, str(exc))
        raise
    if sign_in.refused_since() is not None:
        sign_in.answered()
    return written


def _push_to_calendar(message) -> str | None:
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
        result = store.upsert(view, calendar_ref(link), keep=deletes.keep_fields(CALENDAR, booking, link))
        with claims.held(message):  # what the calendar answered is recorded only under this worker's claim
            if result.deleted:  # deleted since booksync last read it, and the delete stands: not written again
                deletes.keep_the_delete(CALENDAR, booking, link, result)
                return previous_id or None
            BookingLink.objects.filter(pk=link.pk).update(
                calendar_event_id=result.external_id, calendar_etag=result.etag,
                calendar_generation=result.generation, calendar_written_hash=wanted, last_error="",
                calendar_name=result.calendar, calendar_room_name=result.room_calendar,
            )
            remember_written(CALENDAR, booking)
            if result.external_id != previous_id and notion_enabled():
                ensure_push(NOTION, booking)  # the page shows the event id
        return result.external_id
    return _remove_from_calendar(message, booking, link, store, view, wanted)


def _remove_from_calendar(message, booking: Booking, link: BookingLink, store: CalendarStore, view: BookingView,
                          wanted: str) -> str | None:
    """A cancelled booking's event is removed; a time a person gave it that no sync has read is taken first."""
    moved = deletes.unread_calendar_time(booking, link, store)
    if moved is not None:
        with claims.held(message):
            booking = deletes.take_calendar_time(booking, moved)
        wanted, view = _calendar_hash(booking), booking_view(booking)
    # Even with no event id on record: a worker killed after Google made the event but before
    # the id was saved leaves one under the booking's deterministic id, which remove() deletes
    # (an event that does not exist counts as removed).
    store.remove(view, calendar_ref(link))
    with claims.held(message):
        BookingLink.objects.filter(pk=link.pk).update(calendar_written_hash=wanted, calendar_etag="", last_error="",
                                                      calendar_room_name="")
        remember_written(CALENDAR, booking)
    return link.calendar_event_id or None
