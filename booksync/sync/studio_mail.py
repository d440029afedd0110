"""Email the studio: a generic, at-most-once path through the outbox.

Anything the studio should hear about (a booking made, moved or cancelled on
any side; a calendar clash found after an outage; …) calls ``notify`` inside
the transaction of the change, with a key that names the event. The outbox
keeps one message per key, so recording the same event twice (a retried sync,
two workers) owes one email; the message's Message-ID comes from the key, so a
transport that sees it twice can tell.

The address is ``STUDIO_NOTIFY_EMAIL``, else the studio's contact email; the
studio turns the emails off in its settings ("Notify studio"), a deployment
with ``STUDIO_NOTIFY=false`` (``bookings.studio_contact``). Booking changes owe
theirs from ``bookings.changes``, which records the same kind of message itself
(bookings may not import this module: it sits above them).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.mail import EmailMessage

from booksync.bookings.studio_contact import notify_address

from . import outbox

TOPIC = "studio"


def notify(key: str, subject: str, text: str, *, booking=None, link: str = "") -> None:
    """Owe the studio one email for the event ``key`` (idempotent), unless studio emails are off."""
    if not notify_address():
        return
    outbox.record(TOPIC, "notify", f"{TOPIC}:{key}", booking=booking, payload=payload(subject, text, link))
    outbox.wake_worker()


def payload(subject: str, text: str, link: str = "") -> dict:
    """What a ``studio`` outbox message carries (bookings.changes records its own with the same shape)."""
    return {"subject": subject, "text": text, "link": link}


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<studio.{digest}@booksync>"


def deliver(message) -> str | None:
    """Outbox handler for topic ``studio``."""
    from booksync.bookings.emails import mailbox
    from booksync.bookings.models import Studio
    from booksync.integrations import mail

    to = notify_address()
    if not to:
        return None  # switched off after it was owed
    studio = Studio.load()
    payload = message.payload
    body = payload["text"] + (f"\n\nOpen it in the admin: {payload['link']}\n" if payload.get("link") else "\n")
    email = EmailMessage(subject=payload["subject"], body=body,
                         from_email=mailbox(studio.name, settings.DEFAULT_FROM_EMAIL), to=[to],
                         headers={"Message-ID": message_id(message.key), "X-Booksync-Notice": "studio"})
    return mail.send(email)
