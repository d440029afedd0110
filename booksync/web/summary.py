"""What the confirmation and manage pages say about a booking: times in both zones, price, calendar links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from booksync.bookings.change_window import online_changes_open
from booksync.bookings.messages import formats
from booksync.bookings.messages.calendar_links import google_calendar_url, outlook_calendar_url
from booksync.bookings.messages.who import with_whom
from booksync.bookings.models import Booking, Studio, TimeLeads
from booksync.bookings.payment_text import PaymentText, payment_text
from booksync.bookings.tokens import token_for

from .picker import valid_zone
from .zones import choice


@dataclass(frozen=True)
class When:
    """A booking's time in one zone, written for the customer's locale."""

    date: str
    times: str
    zone_label: str


@dataclass(frozen=True)
class BookingSummary:
    booking: Booking
    token: str
    start: datetime
    end: datetime
    zone: str
    studio_start: datetime
    studio_end: datetime
    studio_zone: str
    ics_url: str
    google_url: str
    outlook_url: str
    changes_closed: str
    price: str
    payment: PaymentText
    first: When  # the leading zone's time (the studio's by default)
    second: When | None  # the other zone's, when they differ
    second_is_studio: bool
    photographer: str = ""  # a studio of several: who the session is with (ADR 0017)
    room: str = ""
    late: bool = False  # active and inside the change window: no online changes, call the studio

    @property
    def same_zone(self) -> bool:
        return self.zone == self.studio_zone


def changes_closed_reason(booking: Booking, studio: Studio, now: datetime | None = None) -> str:
    """Why the customer cannot change this booking online, or "" when they can."""
    now = now or timezone.now()
    if booking.status == "cancelled":
        return _("This booking is cancelled, so it can no longer be changed.")
    if not booking.is_active:
        return _("This booking is closed, so it can no longer be changed.")
    if booking.start <= now:
        return _("This session has already started, so it can no longer be changed online.")
    if not online_changes_open(booking.start, studio, now):
        return _("Online changes close %(hours)s hours before the session, so the studio can plan the day. "
                 "To change or cancel now, please contact the studio.") % {"hours": studio.change_notice_hours}
    return ""


def _when(start: datetime, end: datetime, zone: str, locale: str) -> When:
    return When(formats.full_date(start, locale), formats.time_range(start, end, locale),
                choice(zone, locale, start).label)


def summarize(booking: Booking, studio: Studio, *, locale: str = "en") -> BookingSummary:
    zone = valid_zone(booking.customer_timezone, studio.timezone)
    customer_tz, studio_tz = ZoneInfo(zone), ZoneInfo(studio.timezone)
    start, end = booking.start.astimezone(customer_tz), booking.end.astimezone(customer_tz)
    studio_start, studio_end = booking.start.astimezone(studio_tz), booking.end.astimezone(studio_tz)
    customer_when = _when(start, end, zone, locale)
    studio_when = _when(studio_start, studio_end, studio.timezone, locale)
    studio_leads = studio.time_leads == TimeLeads.STUDIO
    if zone == studio.timezone:
        first, second = studio_when, None
    elif studio_leads:
        first, second = studio_when, customer_when
    else:
        first, second = customer_when, studio_when
    token = token_for(booking)
    photographer, room = with_whom(booking)
    return BookingSummary(
        booking=booking,
        token=token,
        start=start,
        end=end,
        zone=zone,
        studio_start=studio_start,
        studio_end=studio_end,
        studio_zone=studio.timezone,
        ics_url=reverse("booking-invite", args=[token]),
        google_url=google_calendar_url(booking, studio),
        outlook_url=outlook_calendar_url(booking, studio),
        changes_closed=changes_closed_reason(booking, studio),
        price=(paid := payment_text(booking, locale)).price_text or (booking.service.price if booking.service else ""),
        payment=paid,
        first=first,
        second=second,
        second_is_studio=not studio_leads,
        photographer=photographer,
        room=room,
        late=booking.is_active and not online_changes_open(booking.start, studio),
    )
