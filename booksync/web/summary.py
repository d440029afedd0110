"""What the confirmation and manage pages say about a booking: times in both zones, calendar links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from booksync.bookings.models import Booking, Studio
from booksync.bookings.tokens import manage_url, token_for

from .picker import valid_zone

GOOGLE_TEMPLATE_URL = "https://calendar.google.com/calendar/render"


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
    changes_closed: str

    @property
    def same_zone(self) -> bool:
        return self.zone == self.studio_zone


def _google_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(booking: Booking, studio: Studio) -> str:
    """A "create event" link for Google Calendar's public event template."""
    params = {
        "action": "TEMPLATE",
        "text": f"{booking.service_name} · {studio.name}",
        "dates": f"{_google_time(booking.start)}/{_google_time(booking.end)}",
        "details": f"Manage or cancel: {manage_url(booking)}",
    }
    if studio.address:
        params["location"] = studio.address
    return f"{GOOGLE_TEMPLATE_URL}?{urlencode(params)}"


def changes_closed_reason(booking: Booking, studio: Studio, now: datetime | None = None) -> str:
    """Why the customer cannot change this booking online, or "" when they can."""
    now = now or timezone.now()
    if not booking.is_active:
        return f"This booking is {booking.get_status_display().lower()}, so it can no longer be changed."
    if booking.start <= now:
        return "This session has already started, so it can no longer be changed online."
    if booking.start - now < timedelta(hours=studio.change_notice_hours):
        return (f"Online changes close {studio.change_notice_hours} hours before the session, "
                "so the studio can plan the day. To change or cancel now, please contact the studio.")
    return ""


def summarize(booking: Booking, studio: Studio) -> BookingSummary:
    zone = valid_zone(booking.customer_timezone, studio.timezone)
    customer_tz, studio_tz = ZoneInfo(zone), ZoneInfo(studio.timezone)
    token = token_for(booking)
    return BookingSummary(
        booking=booking,
        token=token,
        start=booking.start.astimezone(customer_tz),
        end=booking.end.astimezone(customer_tz),
        zone=zone,
        studio_start=booking.start.astimezone(studio_tz),
        studio_end=booking.end.astimezone(studio_tz),
        studio_zone=studio.timezone,
        ics_url=reverse("booking-invite", args=[token]),
        google_url=google_calendar_url(booking, studio),
        changes_closed=changes_closed_reason(booking, studio),
    )
