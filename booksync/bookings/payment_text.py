"""What a booking's payment says, on every side: the email, the pages, the API, Notion, the calendar.

The ``Payment`` row lives in the payments app; it is read here through the reverse relation
``booking.payment`` (no import of the layer above). The rules are ``money``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist

from .money import NOT_REQUIRED, format_money, summarise


def payment_of(booking):
    """The booking's ``payments.Payment``, or None."""
    try:
        return booking.payment
    except (ObjectDoesNotExist, AttributeError):
        return None


def summary_of(booking):
    payment = payment_of(booking)
    if payment is not None:
        return payment.summary()
    service = booking.service
    price = service.price_amount if service is not None else None
    return summarise(price=price, currency=(service.price_currency if service else "") or "", due_online=0,
                     paid_online=0, paid_at_studio=0, refunded=0, awaiting=False)


def cancel_refund(*, refundable: int, by_customer: bool, start: datetime, at: datetime, window_hours: int) -> int:
    """What a cancellation refunds (ADR 0018): the studio's always everything paid online; the
    customer's everything when at least ``window_hours`` before the start, else nothing."""
    if refundable <= 0:
        return 0
    if not by_customer:
        return refundable
    return refundable if start - at >= timedelta(hours=window_hours) else 0


@dataclass(frozen=True)
class PaymentText:
    state: str
    label: str
    currency: str
    price: int | None
    paid: int
    remaining: int
    refunded: int
    price_text: str
    paid_text: str
    remaining_text: str
    refunded_text: str
    deposit: bool  # what was paid online is a deposit (a balance remains)

    @property
    def line(self) -> str:
        """One line for the calendar event and the studio's notice ("" when nothing is owed)."""
        if self.state == NOT_REQUIRED:
            return f"Price {self.price_text}, to pay at the studio" if self.price_text else ""
        parts = [self.label]
        if self.paid:
            parts.append(f"paid {self.paid_text}")
        if self.refunded:
            parts.append(f"refunded {self.refunded_text}")
        if self.remaining and self.state != "refunded":
            parts.append(f"balance {self.remaining_text} at the studio")
        return " · ".join(parts)


def payment_text(booking, locale: str = "en_GB") -> PaymentText:
    summary = summary_of(booking)
    money = (lambda amount: format_money(amount, summary.currency, locale)) if summary.currency else str
    price = summary.price
    return PaymentText(
        state=summary.state, label=summary.label, currency=summary.currency, price=price, paid=summary.paid,
        remaining=summary.remaining, refunded=summary.refunded,
        price_text=money(price) if price is not None else "",
        paid_text=money(summary.paid), remaining_text=money(summary.remaining),
        refunded_text=money(summary.refunded), deposit=bool(summary.paid and summary.remaining))
