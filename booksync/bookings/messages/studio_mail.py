"""Email the studio: the one at-most-once path through the outbox for every notice to the studio.

Anything the studio should hear about (a booking made, moved or cancelled on any side, by
``changes``; a calendar clash found after an outage, by ``calendar_outage``) owes a
``notice`` inside the transaction of the event. Its key names the booking, the event and
the booking's version, so owing it twice (a retried sync, two workers) records one
email, and its Message-ID comes from the key, so a transport that sees it twice can tell.

Each notice is an HTML and a text email rendered from ``booksync/messages/studio/<event>.html|.txt``
(``catalogue.STUDIO_EVENTS``: booking_made, booking_moved, booking_cancelled, calendar_clash) when it
is delivered: the sentence recorded with the change (what happened, who did it), the booking's
details as they are then (the customer's phone and notes, a cancellation's reason) and the link
to it in the admin.

The address is ``STUDIO_NOTIFY_EMAIL``, else the studio's contact email. The studio turns
the notices of booking changes off in its settings ("Notify studio"), a deployment with
``STUDIO_NOTIFY=false`` (``studio_contact``). An ``alert`` (a clash nobody saw when the
booking was taken) is not a notice: it goes whatever that switch says.
"""

from __future__ import annotations

import hashlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from booksync.bookings.models import BookingStatus, Studio
from booksync.bookings.money import format_money
from booksync.bookings.payment_text import payment_of, payment_text
from booksync.bookings.questions import answer_lines
from booksync.integrations import mail
from booksync.outbox import effects

from .catalogue import STUDIO, studio_event, template
from .emails import mailbox, one_line
from .sentences import when
from .studio_contact import notify_address, studio_address

__all__ = ["build_notice", "deliver", "message_id", "notice", "notice_context", "notify_address"]


def notice(booking, what: str, *, subject: str, text: str, link: str = "",
           alert: bool = False) -> effects.Effect | None:
    """The studio's email about ``what`` happened to this version of ``booking``, for
    ``effects.owe``; None when it would not go out (studio notices off, or no address)."""
    if not (studio_address() if alert else notify_address()):
        return None
    return effects.studio_notice(booking, what, subject=subject, text=text, link=link, alert=alert)


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<studio.{digest}@booksync>"


def details(booking) -> list[tuple[str, str]]:
    """The booking as the studio needs it in a notice, one (label, value) row each, empty ones left out."""
    rows = [
        ("Service", booking.service_name),
        ("Customer", booking.name),
        ("Email", booking.email),
        ("Phone", booking.phone),
        ("Notes", booking.notes),
    ]
    if booking.status == BookingStatus.CANCELLED:
        rows.append(("Cancellation reason", booking.cancel_reason or "none given"))
    # What other capabilities add to the studio's notice goes here, one row each: the person and
    # room (resources, ADR 0017), the payment due or made (payments, ADR 0018), the answers the
    # customer gave (questions, ADR 0019).
    rows += answer_lines(booking)
    rows.append(("Payment", payment_row(booking)))
    return [(label, value) for label, value in rows if value]


def payment_row(booking) -> str:
    """What was paid (ADR 0018), and for a cancellation what goes back ("" without a price)."""
    money = payment_text(booking)
    if not money.line:
        return ""
    text = money.line
    payment = payment_of(booking)
    if payment is not None and booking.status == BookingStatus.CANCELLED and payment.amount_paid:
        owed = sum(r.amount for r in payment.refunds.exclude(state="failed") if r.purpose == "cancel")
        text += (f" · refund owed {format_money(owed, payment.currency)}" if owed
                 else " · nothing refunded (the studio's cancellation policy)")
    return text


def notice_context(booking, studio, what: str, *, sentence: str, link: str = "") -> dict:
    """What a studio notice's templates show; ``sentence`` is the text recorded with the change."""
    zone = ZoneInfo(studio.timezone)
    return {
        "studio": studio,
        "booking": booking,
        "what": what,
        "event": studio_event(what),
        "sentence": sentence,
        "link": link,
        "when": f"{when(booking.start, zone)}–{booking.end.astimezone(zone):%H:%M}",
        "zone": studio.timezone,
        "details": details(booking),
    }


def render_notice(context: dict, part: str) -> str:
    return render_to_string(template(STUDIO, context["event"], part), context)


def build_notice(booking, what: str, *, subject: str, sentence: str, link: str, to: str, key: str,
                 studio: Studio | None = None) -> EmailMultiAlternatives:
    """The studio's notice about ``what`` happened to ``booking``: a text email with its HTML part."""
    studio = studio or Studio.load()
    context = notice_context(booking, studio, what, sentence=sentence, link=link)
    email = EmailMultiAlternatives(subject=one_line(subject), body=render_notice(context, "txt"),
                                   from_email=mailbox(studio.name, settings.DEFAULT_FROM_EMAIL), to=[to],
                                   headers={"Message-ID": message_id(key), "X-Booksync-Notice": "studio"})
    email.attach_alternative(render_notice(context, "html"), "text/html")
    return email


def _what(message) -> str:
    """What the notice is about: in its payload, or (queued by an earlier release) in its key,
    ``studio:<booking>:<what>:v<version>`` (``effects.studio_notice``)."""
    parts = message.key.split(":")
    return message.payload.get("what") or (parts[2] if len(parts) == 4 else "")


def deliver(message) -> str | None:
    """Outbox handler for topic ``studio``."""
    payload = message.payload
    to = studio_address() if payload.get("alert") else notify_address()
    if not to or message.booking is None:
        return None  # switched off (or the address removed) after it was owed, or the booking is gone
    return mail.send(build_notice(message.booking, _what(message), subject=payload["subject"],
                                  sentence=payload["text"], link=payload.get("link", ""), to=to,
                                  key=message.key))
