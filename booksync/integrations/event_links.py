"""The link an event's description carries: the customer's manage link only where the customer reads it.

The manage link lets whoever holds it reschedule or cancel the booking, so it
goes only to the customer: their email, and the calendar invitation when the
calendar itself invites them (INVITES_VIA=calendar, Google). The studio's own
event, which staff and assistants with access to the calendar can read,
carries the booking's admin page instead, behind the admin login.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse


def admin_url(booking: Any) -> str:
    return f"{settings.SITE_URL}{reverse('admin:bookings_booking_change', args=[booking.pk])}"


def description_link(booking: Any, *, customer_invited: bool) -> str:
    """The last line of the event's description."""
    if customer_invited:
        from booksync.bookings.tokens import manage_url

        return f"Change or cancel: {manage_url(booking)}"
    return f"Booking in booksync: {admin_url(booking)}"
