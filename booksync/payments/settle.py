"""What a Checkout Session's outcome does to its booking: the one place a payment is applied (ADR 0018).

Called by the webhook's worker and by the success page alike. Each step locks the payment
row (then the booking's) and looks at the state, not at the order events came in: a session
already applied does nothing, so neither path confirms twice.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from booksync.bookings import services
from booksync.bookings.models import HOLD_RELEASED, Booking, BookingStatus
from booksync.integrations.stripe_pay import SessionInfo
from booksync.outbox import effects

from .models import Payment


def _payment_for(session: SessionInfo) -> Payment | None:
    if not session.booking_id:
        return None
    try:
        return Payment.objects.select_for_update().filter(booking_id=session.booking_id).first()
    except (ValueError, Exception) as exc:  # a booking id that is not a UUID
        if "UUID" in str(exc) or "uuid" in str(exc):
            return None
        raise


def session_paid(session: SessionInfo, *, via: str) -> str:
    """Apply a completed, paid session. Returns what happened (for the event's record and tests)."""
    if session.status != "complete" or session.payment_status != "paid":
        return "not paid"
    with transaction.atomic():
        payment = _payment_for(session)
        if payment is None:
            return "no booking of ours"
        if payment.amount_paid:
            return "already applied"
        booking = Booking.objects.select_for_update().get(pk=payment.booking_id)
        payment.amount_paid = session.amount_total
        payment.payment_intent = session.payment_intent
        payment.session_id = session.id
        payment.paid_at = timezone.now()
        detail = {"session": session.id, "amount": session.amount_total, "currency": payment.currency, "via": via}
        if booking.status == BookingStatus.AWAITING_PAYMENT:
            payment.save()
            effects.audit(booking.pk, "customer", "paid", detail)
            services.confirm_hold(booking.pk, detail={"paid": session.amount_total})
            return "confirmed"
        payment.late = True
        payment.save()
        effects.audit(booking.pk, "customer", "paid_late", detail)
        if booking.status == BookingStatus.CANCELLED and booking.cancel_reason == HOLD_RELEASED and \
                services.retake_hold(booking.pk, detail={"paid": session.amount_total}):
            return "retaken"
        effect = payment.owe_refund("late", session.amount_total,
                                    reason="paid after the hold was released, and the time was taken")
        if effect:
            effects.owe(booking, effect)
        return "refund owed"


def session_expired(session: SessionInfo) -> str:
    """An expired session releases its booking's hold, if it is still the payment's session and unpaid."""
    with transaction.atomic():
        payment = _payment_for(session)
        if payment is None:
            return "no booking of ours"
        if payment.amount_paid:
            return "already paid"  # expired after completed: out of order, nothing to do
        if payment.session_id != session.id:
            return "an earlier session"
    released = services.release_hold(payment.booking_id, why="checkout expired")
    return "released" if released else "not held"
