"""What the sync owes and what it knows: the outbox, the link ledger, runs and the audit log."""

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
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Email delivery tracking (provider message id and the latest status it reported).
    provider_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    delivery_status = models.CharField(max_length=30, blank=True)
    delivery_detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "not_before"])]

    def __str__(self) -> str:
        return f"{self.topic}.{self.action} [{self.state}]"


class BookingLink(models.Model):
    """The link ledger: where a booking lives on each side and what we last saw or wrote there."""

    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="link")
    notion_page_id = models.CharField(max_length=64, blank=True, db_index=True)
    notion_written_hash = models.CharField(max_length=64, blank=True)
    calendar_event_id = models.CharField(max_length=1024, blank=True, db_index=True)
    calendar_generation = models.PositiveIntegerField(default=0)
    calendar_etag = models.CharField(max_length=255, blank=True)
    calendar_written_hash = models.CharField(max_length=64, blank=True)
    # What each side and booksync last agreed on (the three-way merge's base), JSON-encoded.
    notion_base = models.JSONField(null=True, blank=True)
    calendar_base = models.JSONField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)  # "changed since" (incremental syncs)

    def __str__(self) -> str:
        return f"link {self.booking_id}"


class SyncRun(models.Model):
    class Trigger(models.TextChoices):
        ADMIN = "admin", "Admin API"
        CLI = "cli", "Command line"
        SCHEDULE = "schedule", "Schedule"
        WEBHOOK = "webhook", "Webhook"
        DASHBOARD = "dashboard", "Dashboard"

    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    full = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.trigger} sync {self.started_at:%Y-%m-%d %H:%M:%S}"


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
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


class CalendarChannel(models.Model):
    """A Google Calendar push channel (events.watch) that tells us when the calendar changed.

    Its secret token is derived from the channel id and SECRET_KEY
    (integrations/google_push.py, sync/calendar_channels.py), so it is never stored.
    """

    channel_id = models.CharField(max_length=64, unique=True)
    resource_id = models.CharField(max_length=255)
    calendar_id = models.CharField(max_length=255)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-expires_at"]

    def __str__(self) -> str:
        return f"channel {self.channel_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class SyncState(models.Model):
    """Small named values the sync keeps between runs: change-feed cursors, the Notion webhook token."""

    name = models.CharField(max_length=100, unique=True)
    value = models.TextField(blank=True)
    # Stored beside each cursor so an upgrade that changes what a cursor means can force a full read.
    format_version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    @classmethod
    def get(cls, name: str, format_version: int = 1) -> str | None:
        row = cls.objects.filter(name=name).first()
        if row is None or row.format_version != format_version:
            return None
        return row.value

    @classmethod
    def put(cls, name: str, value: str, format_version: int = 1) -> None:
        cls.objects.update_or_create(name=name, defaults={"value": value, "format_version": format_version})


class WebhookDelivery(models.Model):
    """A webhook we received: kept for de-duplication and shown on the sync dashboard."""

    source = models.CharField(max_length=30)  # notion, notion-automation, google
    delivery_id = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=100, blank=True)
    entity_id = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.entity_id}"
