"""The emails a booking owes the customer, rendered from templates and sent by the outbox.

Four kinds: confirmation, update (a reschedule or a change of details),
cancellation and reminder. Each is an HTML and a plain-text template,
``booksync/messages/customer/<kind>.html|.txt`` (``catalogue.py``), that the studio's
branding fills in, and, when ``INVITES_VIA == "email"``, a calendar invite whose
METHOD matches the kind.

Every email is written in the booking's language with its locale's date and
time formats (``Booking.language``, else the studio's default language).
"""

from __future__ import annotations

from datetime import datetime
from email.errors import MessageError
from email.headerregistry import Address
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from booksync.bookings.change_window import online_changes_open
from booksync.bookings.models import Studio
from booksync.bookings.money import format_money
from booksync.bookings.payment_text import payment_of, payment_text
from booksync.bookings.questions import answer_line, answer_lines, default_name
from booksync.bookings.text import defused
from booksync.bookings.tokens import manage_url
from booksync.integrations import mail
from booksync.integrations.ports import PermanentError

from . import formats
from .calendar_links import google_calendar_url, outlook_calendar_url
from .catalogue import CUSTOMER, CUSTOMER_EVENTS, template
from .ics import booking_ics
from .mail_limits import check_recipient
from .who import with_whom

KINDS = CUSTOMER_EVENTS


def _subjects() -> dict[str, str]:
    """In the active language; ``when`` ends with the zone the time is in."""
    return {
        "confirmation": _("Your booking is confirmed: %(service)s on %(when)s"),
        "update": _("Your booking has changed: %(service)s on %(when)s"),
        "cancellation": _("Your booking is cancelled: %(service)s on %(when)s"),
        "reminder": _("Reminder: %(service)s on %(when)s"),
        "late_refund": _("Your payment is refunded: %(service)s on %(when)s"),
    }
ICS_METHOD = {"confirmation": "REQUEST", "update": "REQUEST", "reminder": "REQUEST", "cancellation": "CANCEL"}


def one_line(text: str) -> str:
    """Collapse every run of whitespace (newlines included) into one space, with no encoded word
    (``text.defused``): safe in a header."""
    return " ".join(defused(str(text)).split())


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


def email_locale(booking, studio) -> str:
    """The booking's locale ("en-US"), else the studio's default language as spoken where it is."""
    if booking.language:
        return booking.language
    return formats.regional_tag(studio.default_language or settings.LANGUAGE_CODE, studio.timezone)


def email_language(booking, studio) -> str:
    """The translation the email uses: the locale's language when it is one we ship."""
    language = email_locale(booking, studio).split("-")[0].lower()
    shipped = {code for code, _name in settings.LANGUAGES}
    return language if language in shipped else settings.LANGUAGE_CODE


def when(start: datetime, end: datetime, locale: str) -> str:
    """"Monday, November 30, 2026, 4:00 PM–5:00 PM" in ``locale``'s words and clock."""
    return f"{formats.full_date(start, locale)}, {formats.time_range(start, end, locale)}"


def _was(was: tuple[datetime, datetime] | None, zone: ZoneInfo, locale: str) -> str:
    if not was:
        return ""
    start, end = (moment.astimezone(zone) for moment in was)
    return when(start, end, locale)


def context(booking, studio, kind: str, was: tuple[datetime, datetime] | None = None) -> dict:
    zone = customer_zone(booking, studio)
    studio_zone = ZoneInfo(studio.timezone)
    locale = email_locale(booking, studio)
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    studio_start, studio_end = booking.start.astimezone(studio_zone), booking.end.astimezone(studio_zone)
    photographer, room = with_whom(booking)
    return {
        "kind": kind,
        "photographer": photographer,
        "room": room,
        "booking": booking,
        "studio": studio,
        "start": start,
        "end": end,
        "zone": str(zone),
        "when": when(start, end, locale),
        "zone_label": formats.zone_label(str(zone), locale, start),
        "studio_when": when(studio_start, studio_end, locale),
        "studio_zone_label": formats.zone_label(studio.timezone, locale, studio_start),
        "day": formats.day_label(start, locale),
        "time": formats.time_label(start, locale),
        "was_when": _was(was, zone, locale),
        "price": (paid := payment_text(booking, locale)).price_text or (booking.service.price if booking.service else ""),
        "payment": paid,
        "refund_text": refund_sentence(booking, kind, paid, locale),
        # The service as the customer's language names it (ADR 0020), and the answers they gave (ADR 0019).
        "service_label": service_label(booking),
        "answers": answer_lines(booking),
        "answers_text": [answer_line(label, value) for label, value in answer_lines(booking)],
        "same_zone": str(zone) == studio.timezone,
        "manage_url": manage_url(booking),
        "ics_url": f"{manage_url(booking)}invite.ics",
        "google_calendar_url": google_calendar_url(booking, studio),
        "outlook_calendar_url": outlook_calendar_url(booking, studio),
        "site_url": settings.SITE_URL,
        "invite_attached": settings.INVITES_VIA == "email",
        # Rendered when it is sent: a session inside the change window cannot be changed online.
        "late": not online_changes_open(booking.start, studio),
        # What other capabilities add to the customer's emails goes here, one key each, with the
        # templates' lines in customer/base.html|.txt: the person and room (resources, ADR 0017),
        # the payment due or made (payments, ADR 0018), the answers given (questions, ADR 0019).
    }


def refund_sentence(booking, kind: str, paid, locale: str) -> str:
    """What a cancellation or a late payment means for the money (ADR 0018); "" when nothing was paid."""
    payment = payment_of(booking)
    if payment is None or not payment.amount_paid or kind not in ("cancellation", "late_refund"):
        return ""
    refunds = list(payment.refunds.exclude(state="failed"))
    amount = sum(refund.amount for refund in refunds if refund.purpose in ("cancel", "late"))
    if amount:
        return _("A refund of %(amount)s is on its way to the card you paid with.") % {
            "amount": format_money(amount, payment.currency, locale)}
    kept = format_money(payment.amount_paid, payment.currency, locale)
    return _("Under the studio's cancellation policy, the %(amount)s paid is kept.") % {"amount": kept}


def subject_for(booking, studio, kind: str) -> str:
    """E.g. "… on Mon, Nov 30, 2026, 4:00 PM New York (UTC−05:00)": the zone is always named."""
    zone = customer_zone(booking, studio)
    locale = email_locale(booking, studio)
    start = booking.start.astimezone(zone)
    moment = f"{formats.short_date(start, locale)}, {formats.time_label(start, locale)} {formats.zone_label(str(zone), locale, start)}"
    return one_line(_subjects()[kind] % {"service": service_label(booking), "when": moment})


def service_label(booking) -> str:
    """The booked service's name in the active language (ADR 0020) while it is still the name it
    was booked under; else that name, as booked."""
    service = booking.service if booking.service_id else None
    if service is not None and booking.service_name == default_name(service):
        return service.name or booking.service_name
    return booking.service_name


def message_id(booking, kind: str, sequence: int) -> str:
    """The email's Message-ID: one per (booking, kind, sequence), the same on every attempt.

    A retry after a crash therefore sends the same message again, which receiving mail
    systems and the outbox folder recognise as one (see integrations/mail.py)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<booking.{booking.pk}.{kind}.{sequence}@{domain}>"


def build_message(booking, kind: str, studio: Studio | None = None, *, sequence: int | None = None,
                  was: tuple[datetime, datetime] | None = None) -> EmailMultiAlternatives:
    """The email ``kind`` for ``booking`` in its language; ``was`` is the time it had before an update."""
    studio = studio or Studio.load()
    sequence = booking.sequence if sequence is None else sequence
    with translation.override(email_language(booking, studio)):
        ctx = context(booking, studio, kind, was)
        message = EmailMultiAlternatives(
            subject=subject_for(booking, studio, kind),
            body=render_to_string(template(CUSTOMER, kind, "txt"), ctx),
            from_email=mailbox(studio.name, settings.DEFAULT_FROM_EMAIL),
            to=[mailbox(booking.name, booking.email)],
            reply_to=[studio.contact_email] if studio.contact_email else None,
            headers={"X-Booking-ID": str(booking.pk), "Message-ID": message_id(booking, kind, sequence)},
        )
        message.attach_alternative(render_to_string(template(CUSTOMER, kind, "html"), ctx), "text/html")
        if settings.INVITES_VIA == "email" and kind in ICS_METHOD:
            method = ICS_METHOD[kind]
            mail.add_invite(message, booking_ics(booking, studio, method), method)
    return message


def previous_time(payload: dict) -> tuple[datetime, datetime] | None:
    """The time an update email's booking had before the change (recorded with the change)."""
    try:
        return datetime.fromisoformat(payload["was_start"]), datetime.fromisoformat(payload["was_end"])
    except (KeyError, TypeError, ValueError):
        return None


def _recorded_sequence(outbox_message) -> int | None:
    """The booking sequence the email was owed for (``outbox.effects.email`` puts it in the payload)."""
    sequence = (outbox_message.payload or {}).get("sequence")
    return sequence if isinstance(sequence, int) else None


def stale_reason(outbox_message, booking, kind: str) -> str:
    """Why an email owed earlier should no longer go out ("" if it should).

    Emails render the booking as it is now, so one that waited (backoff, a slow
    worker) past a later change would announce the new state under an old
    heading — "confirmed" for a booking cancelled since. The later change owes
    its own email; a cancellation always goes out.
    """
    if kind in ("cancellation", "late_refund"):
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
    kind = outbox_message.payload.get("kind") or outbox_message.action
    if booking is None or not booking.email:
        return None
    reason = stale_reason(outbox_message, booking, kind)
    if reason:
        type(outbox_message).objects.filter(pk=outbox_message.pk).update(
            delivery_status="skipped", delivery_detail=reason
        )
        return None
    # Over the per-recipient hourly limit the email waits (HeldBack); it is never dropped.
    check_recipient(booking.email)
    return mail.send(build_message(booking, kind, sequence=_recorded_sequence(outbox_message),
                                   was=previous_time(outbox_message.payload or {})))
