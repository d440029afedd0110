"""A booking as the outside systems are shown it (``integrations.ports.BookingView``), built once here.

The adapters never see a Django row: the push handlers build a view per delivery, and
the calendar invites build one too, so every event, page and invite says the same.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from booksync.integrations.ports import BookingView, ExternalRef, StudioView

from .messages.event_text import studio_event_lines, studio_event_title, with_link
from .messages.payment_text import payment_text
from .messages.who import with_whom
from .models import ACTIVE_STATUSES, Booking, ResourceKind, Studio
from .money import to_major
from .questions.answers import answer_lines, view_answers
from .text import defused
from .tokens import manage_url


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` by ``text.defused``'s rule (no control characters, line breaks normalised, no
    encoded word): a row stored before the rule can carry them, and Notion and calendars would
    store them. Cleaned here, the payload and its hash agree."""
    return defused(text, multiline=keep_newlines)


def studio_view(studio: Studio | None = None) -> StudioView:
    studio = studio or Studio.load()
    return StudioView(name=printable(studio.name), zone=studio.timezone,
                      address=printable(studio.address, keep_newlines=True), contact_email=studio.contact_email)


def admin_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}{reverse('admin:bookings_booking_change', args=[booking.pk])}"


def booking_view(booking: Booking, *, studio: Studio | None = None, calendar_event_id: str = "") -> BookingView:
    place = studio_view(studio)
    name, phone = printable(booking.name), printable(booking.phone)
    notes, service = printable(booking.notes, keep_newlines=True), printable(booking.service_name)
    # Answers are free text too, by the same rule: a long text keeps its lines, a short one is one line.
    answered = answer_lines(booking, defuse=True)
    lines = studio_event_lines(service, place.name, name, booking.email, phone, notes, answered)
    money = payment_text(booking)
    if money.line:
        lines += ["", money.line]
    link = manage_url(booking)
    people, rooms = with_whom(booking)
    calendar = own_calendar(booking)
    title = studio_event_title(service, name)
    if people and not calendar:
        title = f"{title} ({people})"  # on the studio's calendar, tagged with who (ADR 0017)
    return BookingView(
        booking_id=str(booking.pk),
        start=booking.start,
        end=booking.end,
        studio=place,
        name=name,
        email=booking.email,
        phone=phone,
        notes=notes,
        service=service,
        status=booking.status,
        active=booking.status in ACTIVE_STATUSES,
        source=booking.source,
        sequence=booking.sequence,
        manage_url=link,
        admin_url=admin_url(booking),
        title=title,
        description=with_link(lines, admin_url=admin_url(booking)),
        shared_description=with_link(lines, manage_url=link),
        language=booking.language,
        calendar_event_id=calendar_event_id,
        people=people,
        rooms=rooms,
        answers=view_answers(booking),
        payment=money.label if money.currency else "",
        paid=float(to_major(money.paid, money.currency)) if money.currency else None,
        price=float(to_major(money.price, money.currency)) if money.currency and money.price is not None else None,
        calendar=calendar,
        room_calendar=own_calendar(booking, ResourceKind.ROOM),
    )


def own_calendar(booking: Booking, kind: str = ResourceKind.PERSON) -> str:
    """The calendar the booking's event belongs on: its person's own ("" = the studio's), ADR 0017;
    with ``kind`` room, its room's own calendar, which gets a copy ("" = none)."""
    if booking.pk is None:
        return ""
    for claim in booking.claims.select_related("resource").order_by("resource__order", "resource__name"):
        if claim.resource.kind == kind:
            return claim.resource.calendar.strip()
    return ""


def payment_marker(booking: Booking) -> str:
    """What the sides show of the money, for the push hashes ("" when the booking has no price)."""
    money = payment_text(booking)
    return f"{money.state}:{money.paid}:{money.refunded}:{money.price}" if money.currency else ""


def calendar_ref(link) -> ExternalRef:
    """Where the ledger (a ``sync.BookingLink``, or None) last saw the booking's event."""
    if link is None:
        return ExternalRef()
    return ExternalRef(link.calendar_event_id, link.calendar_generation, link.calendar_etag, link.calendar_name,
                       link.calendar_room_name)


def notion_ref(link) -> ExternalRef:
    """Where the ledger last saw the booking's page."""
    return ExternalRef(link.notion_page_id) if link is not None else ExternalRef()
