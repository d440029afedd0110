"""At most EMAILS_PER_RECIPIENT_PER_HOUR emails to one address in any hour; the rest wait their turn.

Booking and cancelling the same slot again and again would otherwise make the
studio's sender mail whatever address the booker typed. An email over the
limit is not dropped: its outbox message is held back until the hour has
room (no delivery attempt is spent) and the sync dashboard lists it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from booksync.outbox.delivery import WaitUntil
from booksync.outbox.models import OutboxMessage, OutboxState

WINDOW = timedelta(hours=1)
HELD_BACK = "Held back:"


class HeldBack(WaitUntil):
    """Raised by the email handler; the outbox re-queues the message for ``until``."""

    def __init__(self, address: str, until: datetime):
        super().__init__(f"{HELD_BACK} {settings.EMAILS_PER_RECIPIENT_PER_HOUR} emails went to this address "
                         f"within the hour; this one goes out after {until:%H:%M} UTC", until)
        self.address = address


def _sent_to(address: str, since: datetime):
    return (OutboxMessage.objects.filter(topic="email", state=OutboxState.DONE, delivered_at__gte=since,
                                         booking__email__iexact=address)
            .exclude(delivery_status="skipped"))


def check_recipient(address: str, now: datetime | None = None) -> None:
    """Raise ``HeldBack`` when ``address`` has had its hour's worth of emails."""
    limit = settings.EMAILS_PER_RECIPIENT_PER_HOUR
    if limit <= 0:
        return
    now = now or timezone.now()
    sent = _sent_to(address, now - WINDOW)
    if sent.count() < limit:
        return
    oldest = sent.aggregate(first=Min("delivered_at"))["first"]
    raise HeldBack(address, max(oldest + WINDOW, now) + timedelta(seconds=1))


def held_back_emails():
    """Emails waiting because of the limit (the sync dashboard lists them)."""
    return (OutboxMessage.objects.select_related("booking")
            .filter(topic="email", state=OutboxState.PENDING, last_error__startswith=HELD_BACK)
            .order_by("not_before")[:50])
