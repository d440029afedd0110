"""The pages around Stripe Checkout (ADR 0018): back from Pay, and back from Cancel.

The success page reads the session itself and applies it through the same function as the
webhook (``payments.settle.session_paid``), so a late webhook never leaves the customer on a
"pending" page and neither path confirms twice.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from booksync.bookings.messages import formats
from booksync.bookings.models import HOLD_RELEASED, Booking, BookingStatus, Studio
from booksync.bookings.services import release_hold
from booksync.bookings.tokens import token_for
from booksync.integrations.ports import IntegrationError
from booksync.payments import checkout, settle
from booksync.payments.gateway import enabled, gateway
from booksync.payments.models import Payment

from .embedding import embeddable
from .language import request_locale
from .views import render_page


def _payment(booking_id: uuid.UUID) -> Payment | None:
    return Payment.objects.select_related("booking").filter(booking_id=booking_id).first()


@embeddable
@require_GET
def payment_done(request: HttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    payment = _payment(booking_id)
    session_id = request.GET.get("session_id", "")
    if payment is None or not enabled() or not session_id:
        return render_page(request, "booksync/manage_unknown.html", status=404)
    try:
        session = gateway().retrieve_session(session_id)
    except IntegrationError:
        return _waiting(request, payment)
    if session.booking_id != str(booking_id):
        return render_page(request, "booksync/manage_unknown.html", status=404)
    outcome = settle.session_paid(session, via="success page")
    booking = Booking.objects.get(pk=booking_id)
    if booking.is_active and booking.status != BookingStatus.AWAITING_PAYMENT:
        return redirect("booking-confirmed", token=token_for(booking))
    if outcome in ("refund owed",) or Payment.objects.get(pk=payment.pk).late:
        return render_page(request, "booksync/payment_late.html", {"booking": booking,
                                                                   "book_url": _book_url(booking)})
    return _waiting(request, payment)


def _waiting(request: HttpRequest, payment: Payment) -> HttpResponse:
    page = render_page(request, "booksync/payment_waiting.html", {"booking": payment.booking}, status=202)
    page["Refresh"] = "3"
    return page


def _book_url(booking: Booking) -> str:
    return reverse("book", args=[booking.service.slug]) if booking.service else reverse("home")


@embeddable
@require_GET
def payment_again(request: HttpRequest, booking_id: uuid.UUID) -> HttpResponse:
    """Back from Checkout's Cancel: the slot is still held until the hold ends, with a way to pay."""
    payment = _payment(booking_id)
    if payment is None:
        return render_page(request, "booksync/manage_unknown.html", status=404)
    booking = payment.booking
    if booking.status == BookingStatus.AWAITING_PAYMENT and booking.hold_expires_at and \
            booking.hold_expires_at <= timezone.now():
        release_hold(booking.pk, why="hold_ended")
        booking.refresh_from_db()
    if booking.status != BookingStatus.AWAITING_PAYMENT:
        if booking.is_active:
            return redirect("booking-confirmed", token=token_for(booking))
        released = booking.cancel_reason == HOLD_RELEASED
        return render_page(request, "booksync/payment_again.html", {
            "booking": booking, "released": released, "book_url": _book_url(booking)}, status=410)
    if request.GET.get("pay") and enabled():
        return _pay_now(payment)
    studio = Studio.load()
    locale = request_locale(request)
    until = booking.hold_expires_at.astimezone(ZoneInfo(studio.timezone)) if booking.hold_expires_at else None
    return render_page(request, "booksync/payment_again.html", {
        "booking": booking, "payment": payment, "released": False, "book_url": _book_url(booking),
        "pay_url": f"{reverse('payment-again', args=[booking.pk])}?pay=1",
        "until": formats.time_label(until, locale) if until else ""})


def _pay_now(payment: Payment) -> HttpResponse:
    """To the open Checkout Session; a new one (the next attempt) if Stripe ended it."""
    try:
        session = gateway().retrieve_session(payment.session_id) if payment.session_id else None
        if session is None or session.status == "expired":
            Payment.objects.filter(pk=payment.pk).update(attempt=payment.attempt + 1, session_id="")
            payment = checkout.start(payment.booking)
            return redirect(payment.checkout_url)
        return redirect(session.url)
    except (IntegrationError, checkout.PaymentUnavailable):
        return redirect(reverse("payment-again", args=[payment.booking_id]))
