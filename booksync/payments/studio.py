"""What the studio does to a payment from the back office (ADR 0018): mark the balance paid at the
studio, and refund part or all of what was paid online. Each is recorded in the audit log."""

from __future__ import annotations

from django.db import transaction

from booksync.bookings.errors import BookingError
from booksync.bookings.money import format_money
from booksync.integrations.registry import enabled_sides
from booksync.outbox import effects

from .models import Payment


class PaymentRefused(BookingError):
    status = 422

    def __init__(self, message: str, field: str = "amount") -> None:
        super().__init__(message, code="payment_refused", field=field)


def mark_balance_paid(booking_id, *, by: str, how: str = "cash or card") -> Payment:
    """The balance was paid at the studio: the payment reads Paid; the audit log says who and how."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("booking").get(booking_id=booking_id)
        balance = payment.summary().remaining
        if balance <= 0:
            raise PaymentRefused("Nothing remains to be paid.", field="balance")
        payment.paid_at_studio += balance
        payment.save(update_fields=["paid_at_studio", "updated_at"])
        effects.audit(booking_id, "admin", "balance_paid", {"amount": balance, "currency": payment.currency,
                                                            "how": how, "by": by})
        booking = payment.booking
        booking.version += 1
        type(booking).objects.filter(pk=booking.pk).update(version=booking.version)
        effects.owe(booking, *[effects.push(side, booking) for side in enabled_sides()])
    return payment


def refund(booking_id, amount: int, *, by: str) -> Payment:
    """Refund ``amount`` (minor units) of what was paid online, through the outbox (purpose ``studio-<n>``).
    Refused above what remains refundable, or for nothing."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("booking").get(booking_id=booking_id)
        if amount <= 0:
            raise PaymentRefused("Give an amount above zero.")
        if amount > payment.refundable:
            raise PaymentRefused(f"At most {format_money(payment.refundable, payment.currency)} can be refunded "
                                 "(what was paid online, less refunds already made or owed).")
        purpose = f"studio-{payment.refunds.filter(purpose__startswith='studio-').count() + 1}"
        effect = payment.owe_refund(purpose, amount, reason=f"refunded by {by} in the back office")
        effects.audit(booking_id, "admin", "refund_requested", {"amount": amount, "currency": payment.currency,
                                                                "purpose": purpose, "by": by})
        if effect:
            effects.owe(payment.booking, effect)
    return payment
