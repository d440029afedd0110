"""The outbox handler of topic ``payment`` (ADR 0018): apply a webhook event, make a refund,
expire a session. Each is safe to run again: a retry after a crash repeats the same call with
the same Idempotency-Key, or finds the work done."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from booksync.integrations.ports import PermanentError
from booksync.integrations.registry import enabled_sides
from booksync.integrations.stripe_pay import session_from_event
from booksync.outbox import effects

from . import settle
from .gateway import enabled, gateway
from .models import Payment, Refund, StripeEvent

log = logging.getLogger("booksync.payments")

PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
EXPIRED_EVENTS = ("checkout.session.expired",)


def deliver(message) -> str | None:
    action = message.action
    if action == "event":
        return apply_event(message.payload["event_id"])
    if action == "refund":
        return make_refund(message.booking, message.payload.get("purpose") or message.key.rsplit(":", 1)[-1])
    if action == "expire_session":
        return expire_session(message.booking)
    raise PermanentError(f"unknown payment action {action!r}")


def apply_event(event_id: str) -> str | None:
    event = StripeEvent.objects.filter(pk=event_id).first()
    if event is None or event.processed_at:
        return None
    obj = event.payload.get("data", {}).get("object", {})
    if event.type in PAID_EVENTS:
        outcome = settle.session_paid(session_from_event(obj), via="webhook")
    elif event.type in EXPIRED_EVENTS:
        outcome = settle.session_expired(session_from_event(obj))
    else:
        outcome = "not used"
    StripeEvent.objects.filter(pk=event_id).update(processed_at=timezone.now(), outcome=outcome)
    return None


def make_refund(booking, purpose: str) -> str | None:
    refund = Refund.objects.select_related("payment").filter(payment__booking=booking, purpose=purpose).first()
    if refund is None or refund.state == Refund.State.DONE:
        return None
    payment = refund.payment
    if not enabled() or not payment.payment_intent:
        _fail(refund, "Stripe is not configured, or the payment has no payment intent")
        raise PermanentError(f"refund {purpose} of booking {booking.pk}: nothing to refund through")
    stripe = gateway()
    made = None
    # After Stripe prunes the key (24 h) a retry would make a second refund: look first.
    for existing in stripe.refunds_for(payment.payment_intent):
        if existing.purpose == purpose and existing.status in ("succeeded", "pending"):
            made = existing
            break
    if made is None:
        try:
            made = stripe.refund(payment_intent=payment.payment_intent, amount=refund.amount,
                                 booking_id=str(booking.pk), purpose=purpose, idempotency_key=refund.idempotency_key)
        except PermanentError as exc:
            _fail(refund, str(exc))
            raise
    with transaction.atomic():
        updated = Refund.objects.filter(pk=refund.pk).exclude(state=Refund.State.DONE).update(
            state=Refund.State.DONE, stripe_refund_id=made.id, done_at=timezone.now(), reason=refund.reason)
        if updated:
            effects.audit(booking.pk, "system", "refunded", {"purpose": purpose, "amount": made.amount,
                                                             "currency": payment.currency, "refund": made.id})
            owed = []
            if not booking.only_here:  # the sides show the money: a new version to push
                booking.version += 1
                type(booking).objects.filter(pk=booking.pk).update(version=booking.version)
                owed += [effects.push(side, booking) for side in enabled_sides()]
            if purpose == "late" and booking.email:
                owed.append(effects.email(booking, "late_refund", amount=made.amount))
            effects.owe(booking, *owed)
    return made.id


def _fail(refund: Refund, reason: str) -> None:
    Refund.objects.filter(pk=refund.pk).update(state=Refund.State.FAILED, reason=reason[:300])


def expire_session(booking) -> str | None:
    payment = Payment.objects.filter(booking=booking).first()
    if payment is None or not payment.session_id or not enabled():
        return None
    session = gateway().expire_session(payment.session_id)
    if session.status == "complete":
        settle.session_paid(session, via="expiry")  # paid in the last seconds: a late payment
    return session.status
