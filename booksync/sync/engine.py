"""Running a sync: deliver what the outbox owes and report it in the seed's shape.

With only the embedded default configured there is nothing outside to read,
so a sync delivers every owed effect now (ignoring backoff) and counts them.
The Notion and calendar directions plug in through ``sync.reconcile``.
"""

from __future__ import annotations

from django.utils import timezone

from booksync.bookings.models import Booking

from . import outbox
from .models import OutboxMessage, OutboxState, SyncRun

# How an outbox action counts in the seed's summary.
ACTION_COUNTS = {"confirmation": "created", "update": "updated", "cancellation": "deleted"}


def _empty_summary() -> dict:
    return {"total": 0, "created": 0, "updated": 0, "deleted": 0, "skipped": 0, "errors": 0}


def run_sync(*, trigger: str = "admin", full: bool = True, dry_run: bool = False) -> dict:
    run = SyncRun.objects.create(trigger=trigger, full=full, dry_run=dry_run)
    summary = _empty_summary()
    summary["total"] = Booking.objects.count()
    owed = OutboxMessage.objects.filter(state=OutboxState.PENDING).select_related("booking")
    touched: set = set()
    actions: list[dict] = []
    errors: list[dict] = []
    if dry_run:
        for message in owed:
            actions.append({"topic": message.topic, "action": message.action, "booking": str(message.booking_id)})
            summary[ACTION_COUNTS.get(message.action, "updated")] += 1
            touched.add(message.booking_id)
    else:
        ids = list(owed.values_list("pk", flat=True))
        outbox.deliver_due(force=True)
        for message in OutboxMessage.objects.filter(pk__in=ids):
            touched.add(message.booking_id)
            if message.state == OutboxState.DONE:
                summary[ACTION_COUNTS.get(message.action, "updated")] += 1
                actions.append({"topic": message.topic, "action": message.action, "booking": str(message.booking_id)})
            else:
                summary["errors"] += 1
                errors.append({"booking": str(message.booking_id), "error": message.last_error})
    summary["skipped"] = max(summary["total"] - len(touched), 0)
    run.summary = summary
    run.errors = errors
    run.finished_at = timezone.now()
    run.save()
    return {"success": summary["errors"] == 0, "dry_run": dry_run, "summary": summary, "conflicts": 0,
            "actions": actions, "error_details": errors}
