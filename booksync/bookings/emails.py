"""The emails a booking owes the customer, rendered from templates and sent by the outbox.

Four kinds: confirmation, update (a reschedule or a change of details),
cancellation and reminder. Each is an HTML and a plain-text template under
``booksync/emails/`` that the studio's branding fills in, and, when
``INVITES_VIA == "email"``, a calendar invite whose METHOD matches the kind.
"""

from __future__ import annotations

from datetime import datetime
from email.errors import MessageError
from email.headerregistry import Address
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from booksync.integrations import mail
from booksync.integrations.invites import booking_ics
from booksync.integrations.ports import PermanentError

from .mail_limits import check_recipient
from .models import Studio
from .tokens import manage_url

KINDS = ("confirmation", "update", "cancellation", "reminder")
SUBJECTS = {
    "confirmation": "Your booking is confirmed: {service} on {when}",
    "update": "Your booking has changed: {service} on {when}",
    "cancellation": "Your booking is cancelled: {service} on {when}",
    "reminder": "Reminder: {service} on {when}",
}
ICS_METHOD = {"confirmation": "REQUEST", "update": "REQUEST", "reminder": "REQUEST", "cancellation": "CANCEL"}


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) into one space: safe in a header."""
    return " ".join(str(text).split())


def mailbox(name: str, email: str) -> str:
    """``"Display Name" <address>``, quoted where needed, so a name holding commas,
    angle brackets or newlines can never add a recipient or a header."""
    try:
        return str(Address(display_name=one_line(name), addr_spec=email))
    except (MessageError, ValueError, IndexError) as exc:
        raise PermanentError(f"{email!r} is not a valid email address") from exc


def customer_zone(booking, studio) -> ZoneInfo:
    try:
        return ZoneInfo(booking.customer_timezone or studio.timezone)
    except (ValueError, KeyError):
        return ZoneInfo(studio.timezone)


def google_calendar_url(booking, studio) -> str:
    """A link that opens Google Calendar's "new event" form filled in with the booking."""

    def stamp(moment: datetime) -> str:
        return f"{moment.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"

    query = {
        "action": "TEMPLATE",
        "text": f"{booking.service_name} · {studio.name}",
        "dates": f"{stamp(booking.start)}/{stamp(booking.end)}",
        "details": f"Manage or cancel: {manage_url(booking)}",
        "location": studio.address,
    }
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"


def context(booking, studio, kind: str) -> dict:
    zone = customer_zone(booking, studio)
    return {
        "kind": kind,
        "booking": booking,
        "studio": studio,
        "start": booking.start.astimezone(zone),
        "end": booking.end.astimezone(zone),
        "zone": str(zone),
        "studio_start": booking.start.astimezone(ZoneInfo(studio.timezone)),
        "studio_end": booking.end.astimezone(ZoneInfo(studio.timezone)),
        "same_zone": str(zone) == studio.timezone,
        "manage_url": manage_url(booking),
        "ics_url": f"{manage_url(booking)}invite.ics",
        "google_calendar_url": google_calendar_url(booking, studio),
        "site_url": settings.SITE_URL,
        "invite_attached": settings.INVITES_VIA == "email",
    }


def subject_for(booking, studio, kind: str) -> str:
    start = booking.start.astimezone(customer_zone(booking, studio))
    when = f"{start:%a %d %b %Y, %H:%M}"
    return one_line(SUBJECTS[kind].format(service=booking.service_name, when=when))


def build_message(booking, kind: str, studio: Studio | None = None) -> EmailMultiAlternatives:
    studio = studio or Studio.load()
    ctx = context(booking, studio, kind)
    message = EmailMultiAlternatives(
        subject=subject_for(booking, studio, kind),
        body=render_to_string(f"booksync/emails/{kind}.txt", ctx),
        from_email=mailbox(studio.name, settings.DEFAULT_FROM_EMAIL),
        to=[mailbox(booking.name, booking.email)],
        reply_to=[studio.contact_email] if studio.contact_email else None,
        headers={"X-Booking-ID": str(booking.pk)},
    )
    message.attach_alternative(render_to_string(f"booksync/emails/{kind}.html", ctx), "text/html")
    if settings.INVITES_VIA == "email":
        method = ICS_METHOD[kind]
        mail.add_invite(message, booking_ics(booking, studio, method), method)
    return message


def _recorded_sequence(outbox_message) -> int | None:
    """The booking sequence the email was owed for (its key ends in it: ``email:<id>:<kind>:<seq>``)."""
    tail = outbox_message.key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


def stale_reason(outbox_message, booking, kind: str) -> str:
    """Why an email owed earlier should no longer go out ("" if it should).

    Emails render the booking as it is now, so one that waited (backoff, a slow
    worker) past a later change would announce the new state under an old
    heading — "confirmed" for a booking cancelled since. The later change owes
    its own email; a cancellation always goes out.
    """
    if kind == "cancellation":
        return ""
    if not booking.is_active:
        return "the booking was cancelled before this email went out"
    sequence = _recorded_sequence(outbox_message)
    if sequence is not None and booking.sequence > sequence:
        return "the booking changed again before this email went out; the later email carries the change"
    return ""


def deliver(outbox_message) -> str | None:
    """Outbox handler for topic ``email``: send the email the message owes.

    Returns the provider's message id, which the outbox stores so delivery
    events can find the message again. An email overtaken by a later change is
    not sent; it is marked "skipped" with the reason.
    """
    booking = outbox_message.booking
    if booking is None or not booking.email:
        return None
    kind = outbox_message.payload.get("kind") or outbox_message.action
    reason = stale_reason(outbox_message, booking, kind)
    if reason:
        type(outbox_message).objects.filter(pk=outbox_message.pk).update(
            delivery_status="skipped", delivery_detail=reason
        )
        return None
    # Over the per-recipient hourly limit the email waits (HeldBack); it is never dropped.
    check_recipient(booking.email)
    return mail.send(build_message(booking, kind))
