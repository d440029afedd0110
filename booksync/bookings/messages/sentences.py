"""Booking changes as sentences a studio owner reads: in the audit log and in the studio's emails.

"Ada Lovelace: Portrait session moved from Tue 14 Jul 10:00 to Thu 16 Jul 11:00 in Notion."
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from .who import with_whom

PARTICIPLES = {
    "created": "booked",
    "rescheduled": "moved",
    "updated": "changed",
    "edited": "details edited",
    "cancelled": "cancelled",
    # Payments (ADR 0018)
    "held": "held awaiting payment",
    "checkout_started": "sent to Stripe Checkout",
    "paid": "paid online",
    "paid_late": "paid after its hold ended",
    "hold_released": "released unpaid",
    "refunded": "refunded",
    "refund_requested": "refund requested",
    "balance_paid": "balance marked paid at the studio",
    "delete_clash": "deleted on one side while edited on the other (see Needs attention)",
    "restored_after_delete": "back after a delete",
}
# Changes the studio hears about by email.
NOTIFIED = ("created", "rescheduled", "cancelled")
NOTICE_SUBJECTS = {"created": "New booking", "rescheduled": "Booking moved", "cancelled": "Booking cancelled"}


def when(moment: datetime | str, zone: ZoneInfo) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return f"{moment.astimezone(zone):%a %d %b %H:%M}"


def notice_subject(booking, change: str, zone: ZoneInfo) -> str:
    """The subject of the studio's notice of ``change``, e.g. "New booking: Ada Lovelace, Tue 14 Jul 10:00"."""
    return f"{NOTICE_SUBJECTS[change]}: {booking.name}, {when(booking.start, zone)}"


def by_whom(actor: str, detail: dict) -> str:
    return {
        "customer": "by the customer on the website",
        "admin": f"by {detail.get('by') or 'the studio'} in the admin",
        "notion": "in Notion",
        "calendar": "in the calendar",
        "system": "by booksync",
    }.get(actor, f"by {actor}")


def change_sentence(booking, action: str, actor: str, detail: dict, zone: ZoneInfo) -> str:
    """One sentence for one change to ``booking``, e.g. "Ada: Portrait session moved from … to … in Notion."."""
    verb = PARTICIPLES.get(action, action.replace("_", " "))
    if booking is None:
        return f"A booking was {verb} {by_whom(actor, detail)}."
    if action == "rescheduled" and detail.get("from") and detail.get("to"):
        at = f"from {when(detail['from'], zone)} to {when(detail['to'], zone)}"
    elif action == "rescheduled":
        at = f"to {when(booking.start, zone)}"
    else:
        at = f"for {when(detail.get('start') or booking.start, zone)}"
    people, rooms = with_whom(booking)
    who = f" with {people}" if people else ""
    who += f" in the {rooms}" if rooms else ""
    return f"{booking.name}: {booking.service_name or 'session'}{who} {verb} {at} {by_whom(actor, detail)}."


def admin_link(booking) -> str:
    return settings.SITE_URL + reverse("admin:bookings_booking_change", args=[booking.pk])
