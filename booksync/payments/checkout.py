"""Booking a service that takes money: hold the slot, then send the customer to Checkout (ADR 0018)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from booksync.bookings import services
from booksync.bookings.errors import BookingError
from booksync.bookings.models import Booking, BookingStatus, Service
from booksync.integrations.ports import IntegrationError
from booksync.outbox import effects

from .gateway import enabled, gateway
from .models import Payment

# Stripe refuses a Checkout expiry sooner than 30 minutes after creation; ten seconds of margin.
STRIPE_SHORTEST = timedelta(minutes=30, seconds=10)


class PaymentUnavailable(BookingError):
    status = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, code="payment_unavailable")


def takes_payment(service: Service | None) -> bool:
    """Whether booking ``service`` asks for money online now (Stripe configured and a rule that takes some)."""
    return enabled() and service is not None and service.takes_money


def book(request: services.BookingRequest, *, idempotency_key: str | None = None,
         now: datetime | None = None) -> services.BookingResult:
    """The booking door for every customer: a service that takes money is held and sent to
    Checkout; anything else is booked as before."""
    if not takes_payment(request.service):
        return services.book(request, idempotency_key=idempotency_key, now=now)
    now = now or timezone.now()
    service = request.service
    assert service is not None and service.price_amount is not None

    def record_due(booking: Booking) -> None:
        Payment.objects.create(booking=booking, rule=service.payment_rule, currency=service.price_currency.upper(),
                               price_amount=service.price_amount, amount_due=service.deposit_amount)

    result = services.book(request, idempotency_key=idempotency_key, now=now,
                           hold_until=now + timedelta(minutes=settings.PAYMENT_HOLD_MINUTES), on_hold=record_due)
    booking = result.booking
    if booking.status == BookingStatus.AWAITING_PAYMENT and not booking.payment.session_id:
        start(booking)
    return result


def success_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}{reverse('payment-done', args=[booking.pk])}?session_id={{CHECKOUT_SESSION_ID}}"


def cancel_url(booking: Booking) -> str:
    return f"{settings.SITE_URL}{reverse('payment-again', args=[booking.pk])}"


def item_name(payment: Payment, booking: Booking) -> str:
    what = "Deposit" if payment.amount_due < (payment.price_amount or 0) else "Payment"
    return f"{what}: {booking.service_name}"


def start(booking: Booking) -> Payment:
    """Create the booking's Checkout Session (one per attempt, by its Idempotency-Key). Stripe not
    answering releases the hold at once: a slot is never held for a payment that cannot start."""
    payment = Payment.objects.get(booking=booking)
    hold_end = booking.hold_expires_at or timezone.now()
    # The session ends with the hold, or as soon as Stripe allows; a shorter hold is ended by
    # booksync, which expires the session itself (services.release_hold owes it).
    expires_at = max(hold_end, timezone.now() + STRIPE_SHORTEST)
    try:
        session = gateway().create_checkout(
            booking_id=str(booking.pk), amount=payment.amount_due, currency=payment.currency,
            item_name=item_name(payment, booking), email=booking.email, success_url=success_url(booking),
            cancel_url=cancel_url(booking), expires_at=int(expires_at.timestamp()),
            idempotency_key=f"booksync-checkout-{booking.pk}-{payment.attempt}")
    except IntegrationError as exc:
        services.release_hold(booking.pk, why=f"checkout could not start: {exc}")
        raise PaymentUnavailable("Payments cannot be taken right now, so the time was not held. "
                                 "Please try again in a few minutes.") from exc
    Payment.objects.filter(pk=payment.pk).update(session_id=session.id, checkout_url=session.url)
    with transaction.atomic():
        effects.audit(booking.pk, "system", "checkout_started", {"session": session.id, "amount": payment.amount_due,
                                                                 "currency": payment.currency})
    payment.session_id, payment.checkout_url = session.id, session.url
    booking.payment = payment  # the caller's booking answers with it
    return payment
