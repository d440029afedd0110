"""What cancelling now would refund: the manage page and the API say it before the customer confirms."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from booksync.bookings.models import Studio
from booksync.bookings.payment_text import cancel_refund, payment_of


def refund_if_cancelled(booking, *, now: datetime | None = None) -> int:
    payment = payment_of(booking)
    if payment is None or not payment.amount_paid:
        return 0
    return cancel_refund(refundable=payment.refundable, by_customer=True, start=booking.start,
                         at=now or timezone.now(), window_hours=Studio.load().refund_window_hours)
