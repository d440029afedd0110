"""What the sync knows: the link ledger, runs, cursors, webhooks and calendar push channels.

The outbox and the audit log live one layer down, in ``booksync.outbox`` (ADR 0014)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class BookingLink(models.Model):
    """The link ledger: where a booking lives on each side and what we last saw or wrote there."""

    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="link")
    notion_page_id = models.CharField(max_length=64, blank=True, db_index=True)
    notion_written_hash = models.CharField(max_length=64, blank=True)
    calendar_event_id = models.CharField(max_length=1024, blank=True, db_index=True)
    calendar_generation = models.PositiveIntegerField(default=0)
    calendar_etag = models.CharField(max_length=255, blank=True)
    calendar_written_hash = models.CharField(max_length=64, blank=True)
    # The calendar the event lives in (ADR 0017): a resource's own, as set on it; "" = the studio's.
    calendar_name = models.CharField(max_length=500, blank=True)
    # The room calendar holding a copy of the event (written by booksync only, never read back); "" = none.
    calendar_room_name = models.CharField(max_length=500, blank=True)
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
