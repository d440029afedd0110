"""Every message booksync sends, named by audience and event, and the templates it is made from.

A message is two templates, ``booksync/messages/<audience>/<event>.txt`` and ``.html`` (under
``bookings/templates/``): the customer's emails in the customer's language (``emails.py``), the
studio's notices in English (``studio_mail.py``). The email-preview page (``backoffice``) shows
every one of them with a sample booking.
"""

from __future__ import annotations

CUSTOMER = "customer"
STUDIO = "studio"

# The customer's emails: the email kind is the event.
CUSTOMER_EVENTS = ("confirmation", "update", "cancellation", "reminder", "late_refund")  # late_refund: ADR 0018

# The studio's notices: what happened (``changes``' change, or calendar_outage's clash) → event.
STUDIO_EVENTS = {
    "created": "booking_made",
    "rescheduled": "booking_moved",
    "cancelled": "booking_cancelled",
    "calendar_clash": "calendar_clash",
}
# A notice queued by an earlier release for something not listed above reads as this.
STUDIO_FALLBACK = "notice"


def template(audience: str, event: str, part: str) -> str:
    """``booksync/messages/customer/confirmation.html`` and the like; ``part`` is "txt" or "html"."""
    return f"booksync/messages/{audience}/{event}.{part}"


def studio_event(what: str) -> str:
    return STUDIO_EVENTS.get(what, STUDIO_FALLBACK)
