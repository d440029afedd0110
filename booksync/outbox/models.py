"""What a booking change owes and what happened: outbox messages and the audit log.

Both sit below ``bookings`` (ADR 0014). Their foreign keys name ``bookings.Booking`` by its
label: a database reference the app registry resolves, not a Python import, so the
outbox app never imports the layer above it (the ADR names this as the one deliberate
upward reference; it keeps CASCADE, ``booking.outbox`` and the admin inline).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (needs a human)"


class OutboxMessage(models.Model):
    """One side effect owed to the outside world, recorded in the transaction that caused it.

    The worker delivers it afterwards, retrying with backoff; ``key`` is unique,
    so recording the same effect twice is a no-op, and delivery handlers are
    idempotent, so delivering twice is harmless.
    """

    topic = models.CharField(max_length=30, help_text="email, notion, calendar")
    action = models.CharField(max_length=50)
    key = models.CharField(max_length=255, unique=True)
    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    payload = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    not_before = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set by the claiming UPDATE: whoever finishes the message must still hold this claim (ADR 0016).
    claim_token = models.CharField(max_length=32, blank=True, default="")
    # When the outside service accepted the effect (the handler returned): a later attempt, by a
    # worker that took the claim over, finds it done and does not send again.
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Email delivery tracking (provider message id and the latest status it reported).
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    delivery_status = models.CharField(max_length=30, blank=True)
    delivery_detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sync_outboxmessage"  # moved from the sync app; the table kept its name (ADR 0014)
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "not_before"], name="sync_outbox_state_8127b8_idx")]

    def __str__(self) -> str:
        return f"{self.topic}.{self.action} [{self.state}]"


class AuditEntry(models.Model):
    """Who changed what: every change to a booking, from any side."""

    class Actor(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        ADMIN = "admin", "Admin"
        NOTION = "notion", "Admin in Notion"
        CALENDAR = "calendar", "Calendar"
        SYSTEM = "system", "System"

    booking = models.ForeignKey(
        "bookings.Booking", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    actor = models.CharField(max_length=20, choices=Actor.choices)
    action = models.CharField(max_length=50)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "sync_auditentry"  # moved from the sync app; the table kept its name (ADR 0014)
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"
