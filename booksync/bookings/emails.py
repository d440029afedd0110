"""The emails a booking owes the customer, rendered from templates and sent by the outbox."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from booksync.integrations.invites import booking_ics

from .models import Studio
from .tokens import manage_url

SUBJECTS = {
    "confirmation": "Your booking is confirmed: {service} on {when}",
    "update": "Your booking has changed: {service} on {when}",
    "cancellation": "Your booking is cancelled: {service} on {when}",
    "reminder": "Reminder: {service} on {when}",
}
ICS_METHOD = {"confirmation": "REQUEST", "update": "REQUEST", "reminder": "REQUEST", "cancellation": "CANCEL"}


def _zone(booking, studio) -> ZoneInfo:
    try:
        return ZoneInfo(booking.customer_timezone or studio.timezone)
    except (ValueError, KeyError):
        return ZoneInfo(studio.timezone)


def context(booking, studio, kind: str) -> dict:
    zone = _zone(booking, studio)
    start = booking.start.astimezone(zone)
    end = booking.end.astimezone(zone)
    studio_start = booking.start.astimezone(ZoneInfo(studio.timezone))
    return {
        "kind": kind,
        "booking": booking,
        "studio": studio,
        "start": start,
        "end": end,
        "zone": str(zone),
        "studio_start": studio_start,
        "same_zone": str(zone) == studio.timezone,
        "manage_url": manage_url(booking),
        "ics_url": f"{manage_url(booking)}invite.ics",
        "site_url": settings.SITE_URL,
    }


def build_message(booking, kind: str, studio: Studio | None = None) -> EmailMultiAlternatives:
    studio = studio or Studio.load()
    ctx = context(booking, studio, kind)
    when = f"{ctx['start']:%a %d %b %Y, %H:%M}"
    subject = SUBJECTS[kind].format(service=booking.service_name, when=when)
    text = render_to_string(f"booksync/emails/{kind}.txt", ctx)
    html = render_to_string(f"booksync/emails/{kind}.html", ctx)
    from_email = f"{studio.name} <{settings.DEFAULT_FROM_EMAIL}>"
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=from_email, to=[f"{booking.name} <{booking.email}>"],
        reply_to=[studio.contact_email] if studio.contact_email else None,
        headers={"X-Booking-ID": str(booking.pk)},
    )
    message.attach_alternative(html, "text/html")
    if settings.INVITES_VIA == "email":
        # SendGrid refuses parameters in attachment types, so METHOD lives inside the file.
        message.attach("invite.ics", booking_ics(booking, studio, ICS_METHOD[kind]), "text/calendar")
    return message


def deliver(outbox_message) -> str | None:
    """Outbox handler for topic ``email``: send the email the message owes."""
    booking = outbox_message.booking
    if booking is None or not booking.email:
        return None
    kind = outbox_message.payload.get("kind") or outbox_message.action
    message = build_message(booking, kind)
    message.send(fail_silently=False)
    status = getattr(message, "anymail_status", None)
    if status is not None and getattr(status, "message_id", None):
        return str(status.message_id)
    return getattr(message, "outbox_file", None)
