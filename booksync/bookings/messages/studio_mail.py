"""Email the studio: the one at-most-once path through the outbox for every notice to the studio.

Anything the studio should hear about (a booking made, moved or cancelled on any side, by
``changes``; a calendar clash found after an outage, by ``calendar_outage``) owes a
``notice`` inside the transaction of the event. Its key names the booking, the event and
the booking's version, so owing it twice (a retried sync, two workers) records one
email, and its Message-ID comes from the key, so a transport that sees it twice can tell.

The address is ``STUDIO_NOTIFY_EMAIL``, else the studio's contact email. The studio turns
the notices of booking changes off in its settings ("Notify studio"), a deployment with
``STUDIO_NOTIFY=false`` (``studio_contact``). An ``alert`` (a clash nobody saw when the
booking was taken) is not a notice: it goes whatever that switch says.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.mail import EmailMessage

from booksync.bookings.models import Studio
from booksync.integrations import mail
from booksync.outbox import effects

from .emails import mailbox
from .studio_contact import notify_address, studio_address

__all__ = ["deliver", "message_id", "notice", "notify_address"]


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


def deliver(message) -> str | None:
    """Outbox handler for topic ``studio``."""
    to = studio_address() if message.payload.get("alert") else notify_address()
    if not to:
        return None  # switched off (or the address removed) after it was owed
    studio = Studio.load()
    payload = message.payload
    body = payload["text"] + (f"\n\nOpen it in the admin: {payload['link']}\n" if payload.get("link") else "\n")
    email = EmailMessage(subject=payload["subject"], body=body,
                         from_email=mailbox(studio.name, settings.DEFAULT_FROM_EMAIL), to=[to],
                         headers={"Message-ID": message_id(message.key), "X-Booksync-Notice": "studio"})
    return mail.send(email)
