"""A booking's payment, its refunds, and the Stripe events received (ADR 0018).

The foreign keys name ``bookings.Booking`` by label (as the outbox does, ADR 0014), so
``bookings`` reads a payment through ``booking.payment`` without importing this app.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone

from booksync.bookings.models import BookingStatus
from booksync.bookings.money import Summary, summarise
from booksync.outbox import effects


class Payment(models.Model):
    """What a booking asked for online, what came in, and what went back."""

    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="payment")
    rule = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    price_amount = models.IntegerField(null=True, blank=True, help_text="The service's price when booked.")
    amount_due = models.IntegerField(help_text="Asked for online when booking (minor units).")
    amount_paid = models.IntegerField(default=0, help_text="Received online.")
    paid_at_studio = models.IntegerField(default=0, help_text="Marked paid at the studio (cash or card).")
    session_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    attempt = models.PositiveIntegerField(default=1, help_text="Checkout Sessions made for this booking.")
    payment_intent = models.CharField(max_length=255, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(default=False, help_text="Paid after its hold was released.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount_due__gte=0) & Q(amount_paid__gte=0),
                                              name="payment_amounts_not_negative")]

    def __str__(self) -> str:
        return f"{self.summary().label} · {self.booking_id}"

    @property
    def refunded(self) -> int:
        return self.refunds.filter(state=Refund.State.DONE).aggregate(total=Sum("amount"))["total"] or 0

    @property
    def refundable(self) -> int:
        """Paid online and not refunded, nor owed as a refund already."""
        owed = self.refunds.exclude(state=Refund.State.FAILED).aggregate(total=Sum("amount"))["total"] or 0
        return max(self.amount_paid - owed, 0)

    def owe_refund(self, purpose: str, amount: int, *, reason: str = ""):
        """Record a refund of ``amount`` for ``purpose`` and the outbox work that makes it (inside the
        caller's transaction). None for nothing to refund; a purpose already owed is not owed again."""
        if self.refunds.filter(purpose=purpose).exists():
            return None
        amount = min(amount, self.refundable)
        if amount <= 0:
            return None
        self.refunds.create(purpose=purpose, amount=amount, reason=reason)
        return effects.payment_work(self.booking, "refund", purpose)

    def summary(self) -> Summary:
        return summarise(price=self.price_amount, currency=self.currency, due_online=self.amount_due,
                         paid_online=self.amount_paid, paid_at_studio=self.paid_at_studio, refunded=self.refunded,
                         awaiting=self.booking.status == BookingStatus.AWAITING_PAYMENT)


class Refund(models.Model):
    """One refund owed (purpose: ``late``, ``cancel``, ``studio-<n>``); made once, by its Idempotency-Key."""

    class State(models.TextChoices):
        OWED = "owed", "Owed"
        DONE = "done", "Refunded"
        FAILED = "failed", "Failed (needs a human)"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    purpose = models.CharField(max_length=40)
    amount = models.IntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OWED)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["payment", "purpose"], name="refund_once_per_purpose"),
                       models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.amount} [{self.state}]"

    @property
    def idempotency_key(self) -> str:
        return f"booksync-refund-{self.payment.booking_id}-{self.purpose}"


class StripeEvent(models.Model):
    """A verified webhook event; its id is the primary key, so a repeat is recognised."""

    id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"

