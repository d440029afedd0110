"""What the mail provider says happened to each email, from anymail's tracking signal.

SendGrid's event webhook (``/anymail/sendgrid/tracking/``) is parsed by
django-anymail into normalised events; ``record_tracking_event`` finds the
outbox message by the provider message id the outbox stored at send time and
keeps its ``delivery_status`` and ``delivery_detail`` current.

Events arrive in batches, out of order and sometimes twice, so a status only
replaces one of lower or equal rank: a late "deferred" never hides
"delivered", and nothing hides a bounce.
"""

from __future__ import annotations

import logging

from anymail.signals import AnymailTrackingEvent, EventType, tracking
from django.db import transaction

from booksync.outbox.models import OutboxMessage

log = logging.getLogger("booksync.mail")

# anymail's normalised event type → what the studio reads in the admin.
STATUS_NAMES = {
    EventType.QUEUED: "queued",
    EventType.SENT: "sent",
    EventType.DEFERRED: "deferred",
    EventType.DELIVERED: "delivered",
    EventType.OPENED: "opened",
    EventType.CLICKED: "clicked",
    EventType.BOUNCED: "bounced",
    EventType.REJECTED: "dropped",
    EventType.FAILED: "failed",
    EventType.COMPLAINED: "spam report",
    EventType.UNSUBSCRIBED: "unsubscribed",
}
RANK = {
    "queued": 0,
    "sent": 1,
    "deferred": 1,
    "delivered": 2,
    "opened": 3,
    "clicked": 3,
    "unsubscribed": 4,
    "bounced": 5,
    "dropped": 5,
    "failed": 5,
    "spam report": 6,
}
# Statuses that mean the customer did not get the email (the admin highlights them).
PROBLEMS = {"bounced", "dropped", "failed", "spam report"}


def describe(event: AnymailTrackingEvent) -> str:
    when = f"{event.timestamp:%Y-%m-%d %H:%M:%S} UTC" if event.timestamp else "time unknown"
    parts = [when, event.recipient or ""]
    if event.reject_reason:
        parts.append(f"reason: {event.reject_reason}")
    if event.mta_response:
        parts.append(str(event.mta_response))
    elif isinstance(event.esp_event, dict) and event.esp_event.get("reason"):
        parts.append(str(event.esp_event["reason"]))  # SendGrid's words for a drop ("Bounced Address")
    if event.description:
        parts.append(str(event.description))
    return " · ".join(p for p in parts if p)[:2000]


def record_tracking_event(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """Receiver of ``anymail.signals.tracking``: update the email the event is about."""
    status = STATUS_NAMES.get(event.event_type)
    if status is None or not event.message_id:
        return
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update()
            .filter(topic="email", provider_message_id=str(event.message_id))
            .first()
        )
        if message is None:
            log.info("%s event %s for unknown message %s", esp_name, status, event.message_id)
            return
        if RANK.get(message.delivery_status, -1) > RANK[status]:
            return
        message.delivery_status = status
        message.delivery_detail = describe(event)
        message.save(update_fields=["delivery_status", "delivery_detail", "updated_at"])
    if status in PROBLEMS:
        log.warning("email %s to %s: %s (%s)", message.key, event.recipient, status, message.delivery_detail)


def connect() -> None:
    tracking.connect(record_tracking_event, dispatch_uid="booksync.delivery_status")
