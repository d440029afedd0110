"""Entry points the django-q2 worker runs (by dotted path)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from booksync.bookings.messages import reminders
from booksync.bookings.models import Studio
from booksync.bookings.services import release_due_holds
from booksync.integrations.registry import calendar_provider
from booksync.outbox import delivery
from booksync.outbox.tasks import deliver as deliver_outbox  # noqa: F401  (tasks queued by its old name)
from booksync.outbox.watch import keep_watch

from . import calendar_channels, engine
from .health import beat
from .lock import SyncBusy
from .models import SyncRun, WebhookDelivery
from .plan import CALENDAR, NOTION


def sweep() -> dict:
    """Periodic safety net: hand back stuck messages, deliver whatever is due, prove the worker lives."""
    keep_watch()
    beat()
    process_webhooks()
    release_due_holds()  # holds awaiting payment past their time free their slots (ADR 0018)
    return delivery.deliver_due()


def run_sync(trigger: str = "schedule", full: bool = False) -> dict:
    return engine.run_sync(trigger=trigger, full=full)


def periodic_sync() -> dict | None:
    """The incremental sync that catches what webhooks missed (skipped while another sync runs)."""
    try:
        return engine.run_sync(trigger="schedule", full=False, wait_seconds=0)
    except SyncBusy:
        return None


def daily_sync_if_due(now=None) -> dict | None:
    """Run the daily full reconcile once per studio-local day, after DAILY_SYNC_TIME."""
    studio = Studio.load()
    zone = ZoneInfo(studio.timezone)
    now = (now or timezone.now()).astimezone(zone)
    hour, minute = (int(part) for part in settings.DAILY_SYNC_TIME.split(":"))
    due_at = datetime.combine(now.date(), time(hour, minute), tzinfo=zone)
    if now < due_at:
        return None
    if SyncRun.objects.filter(trigger=SyncRun.Trigger.SCHEDULE, full=True, started_at__gte=due_at).exists():
        return None
    return run_sync(trigger="schedule", full=True)


def process_webhooks() -> dict | None:
    """Read the pages named by unprocessed Notion webhooks and reconcile just those."""
    pending = list(WebhookDelivery.objects.filter(processed_at=None, source__startswith="notion"))
    if not pending:
        return None
    page_ids = sorted({d.entity_id for d in pending if d.entity_id})
    result = None
    if page_ids:
        result = engine.run_sync(trigger="webhook", full=False, sides=[NOTION], notion_page_ids=page_ids)
    outcome = "synced" if result is None or result["success"] else "errors: see the sync run"
    WebhookDelivery.objects.filter(pk__in=[d.pk for d in pending]).update(
        processed_at=timezone.now(), outcome=outcome)
    return result


def calendar_changed() -> dict:
    """A Google push notification: read the calendar's changes now."""
    return engine.run_sync(trigger="webhook", full=False, sides=[CALENDAR])


def renew_calendar_channels() -> dict | None:
    if calendar_provider() != "google":
        return None
    return calendar_channels.renew_channels()


def send_due_reminders() -> object:
    return reminders.send_due_reminders()
