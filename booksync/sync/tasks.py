"""Entry points the django-q2 worker runs (by dotted path)."""

from __future__ import annotations

from . import outbox


def deliver_outbox() -> dict:
    return outbox.deliver_due()


def sweep() -> dict:
    """Periodic safety net: hand back stuck messages, deliver whatever is due, prove the worker lives."""
    from .health import beat

    beat()
    return outbox.deliver_due()


def run_sync(trigger: str = "schedule", full: bool = False) -> dict:
    from .engine import run_sync as _run

    return _run(trigger=trigger, full=full)


def periodic_sync() -> dict:
    """The incremental sync that catches what webhooks missed."""
    return run_sync(trigger="schedule", full=False)


def daily_sync_if_due(now=None) -> dict | None:
    """Run the daily full reconcile once per studio-local day, after DAILY_SYNC_TIME."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    from booksync.bookings.models import Studio

    from .models import SyncRun

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
