"""How much one client, or one email address, may book: the same limits for the API and the forms.

Three limits (env-configurable, ADR 0009), checked before a booking is made:
- booking attempts per client address (``BOOKING_RATE_PER_CLIENT``; django-ratelimit),
- booking attempts per email address (``BOOKING_RATE_PER_EMAIL``; django-ratelimit),
- active future bookings per email address (``BOOKING_ACTIVE_PER_EMAIL``; counted in the database).
The admin API (Bearer ADMIN_API_TOKEN) is not limited.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

from booksync.bookings.errors import BookingError
from booksync.bookings.models import Booking


class TooManyBookings(BookingError):
    """Over a booking limit; ``reason`` (active, email, client) says which, for the pages' wording."""

    status = 429
    code = "too_many_bookings"

    def __init__(self, message: str, *, reason: str, field: str | None = None):
        super().__init__(message, field=field)
        self.reason = reason


def _client_rate(group: str, request: HttpRequest) -> str:
    return settings.BOOKING_RATE_PER_CLIENT


def _email_rate(group: str, request: HttpRequest) -> str:
    return settings.BOOKING_RATE_PER_EMAIL


def check_booking_allowed(request: HttpRequest, email: str) -> None:
    """Raise ``TooManyBookings`` when this booking would go over a limit (and count the attempt)."""
    address = email.strip().lower()
    active = Booking.objects.active().filter(email__iexact=address, end__gt=timezone.now()).count()
    if active >= settings.BOOKING_ACTIVE_PER_EMAIL:
        raise TooManyBookings(
            f"This email address already has {active} upcoming bookings, the most we take online. "
            "Contact the studio to book more.", reason="active", field="email")
    if is_ratelimited(request, group="bookings-per-email", key=lambda group, request: address,
                      rate=_email_rate, increment=True):
        raise TooManyBookings("Many bookings were just made for this email address; try again later "
                              "or contact the studio.", reason="email", field="email")
    if is_ratelimited(request, group="bookings-per-client", key="ip", rate=_client_rate, increment=True):
        raise TooManyBookings("Many bookings were just made from your connection; try again later "
                              "or contact the studio.", reason="client")
