"""What a booking change owes: an audit line, the customer's and the studio's email, a push to each outside store.

Called inside the transaction of the change, so all of it commits together.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone

from booksync.integrations.registry import enabled_sides
from booksync.outbox import effects

from .messages import studio_mail
from .messages.sentences import NOTIFIED, admin_link, change_sentence, notice_subject
from .models import BLOCKED_TIME, Studio
from .payment_text import cancel_refund, payment_of

# Which email a change sends the customer (None: the customer need not hear of it).
EMAIL_FOR_CHANGE = {
    "created": "confirmation",
    "rescheduled": "update",
    "updated": "update",
    "cancelled": "cancellation",
}


def record_change(booking, change: str, *, actor: str, detail: dict | None = None, notify: bool = True,
                  notify_studio: bool = True, skip_sides: tuple[str, ...] = ()) -> None:
    """Record ``change`` to ``booking`` and everything it owes.

    ``skip_sides`` names the sides the change came from (a change read from
    Notion need not be pushed back to Notion). ``notify=False``: no one is
    emailed, neither the customer nor the studio (e.g. an imported record that
    is not active). ``notify_studio=False``: the studio's notice is not owed (a change
    made in the back office, whose person knows of it; ADR 0021); the customer still hears.
    """
    # The time as it was at this change, so the audit log still reads right after a later move.
    detail = {"start": booking.start.isoformat(), **(detail or {})}
    effects.audit(booking.pk, actor, change, detail)
    owed = []
    kind = EMAIL_FOR_CHANGE.get(change)
    if notify and kind and booking.email:
        payload = {}
        if detail.get("from"):
            # The time the customer knew, so the update email can say "was … now …".
            payload = {"was_start": detail["from"], "was_end": detail.get("from_end", "")}
        owed.append(effects.email(booking, kind, **payload))
    # ``owe`` records them in ``topics.ORDER``: calendar before Notion, since the page shows the
    # event id (the outbox also enforces that on claims, ``topics.WAITS_FOR``, with any number of workers).
    owed += [effects.push(topic, booking) for topic in enabled_sides() if topic not in skip_sides]
    if change == "cancelled":  # before the studio's notice, which names the refund
        owed.append(_refund_on_cancel(booking, actor))
    if notify and notify_studio and change in NOTIFIED and booking.service_name != BLOCKED_TIME:
        owed.append(_studio_notice(booking, change, actor, detail))
    effects.owe(booking, *[effect for effect in owed if effect is not None])


def _refund_on_cancel(booking, actor: str) -> effects.Effect | None:
    """A cancelled booking that was paid online owes the refund its policy gives (ADR 0018),
    recorded with the cancellation: the studio's (admin, diary, Notion, calendar) in full, the
    customer's by the studio's refund window, as the manage page said before they confirmed."""
    payment = payment_of(booking)
    if payment is None or not payment.amount_paid:
        return None
    amount = cancel_refund(refundable=payment.refundable, by_customer=actor == "customer", start=booking.start,
                           at=booking.cancelled_at or timezone.now(),
                           window_hours=Studio.load().refund_window_hours)
    return payment.owe_refund("cancel", amount, reason=f"cancelled by the {actor}")


def _studio_notice(booking, change: str, actor: str, detail: dict) -> effects.Effect | None:
    """The studio's email about this change (``studio_mail`` delivers it); at most once per
    booking, change and version. None when studio emails are off."""
    if not studio_mail.notify_address():
        return None
    zone = ZoneInfo(Studio.load().timezone)
    subject = notice_subject(booking, change, zone)
    return studio_mail.notice(booking, change, subject=subject, link=admin_link(booking),
                              text=change_sentence(booking, change, actor, detail, zone))

