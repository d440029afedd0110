"""The worker's periodic jobs, kept as django-q2 schedules so a fresh install has them."""

from __future__ import annotations

from django.conf import settings

from booksync.outbox.topics import RENAMED, current_path


# name → (dotted function, minutes between runs)
def wanted() -> dict[str, tuple[str, int]]:
    return {
        "booksync: outbox sweep": ("booksync.sync.tasks.sweep", 1),
        "booksync: incremental sync": ("booksync.sync.tasks.periodic_sync", max(settings.SYNC_INTERVAL_MINUTES, 1)),
        # Checks every 15 minutes whether the studio-local daily time has passed today:
        # DST-correct and follows the studio's time zone as edited in the admin.
        "booksync: daily full reconcile": ("booksync.sync.tasks.daily_sync_if_due", 15),
        "booksync: reminders": ("booksync.sync.tasks.send_due_reminders", 5),
        "booksync: renew calendar push channels": ("booksync.sync.tasks.renew_calendar_channels", 60),
        "booksync: prune webhook records": ("booksync.sync.notion_webhooks.prune", 24 * 60),
    }


def ensure_schedules(schedule_model) -> None:
    """Create or update the schedules (idempotent; used by a migration and by `booksync setup`).

    A schedule saved by an earlier release (or by hand in the admin) that names a function by a
    path since renamed is pointed at the function's new path (``outbox.topics.RENAMED``).
    """
    for schedule in schedule_model.objects.filter(func__in=list(RENAMED)):
        schedule.func = current_path(schedule.func)
        schedule.save(update_fields=["func"])
    for name, (func, minutes) in wanted().items():
        schedule_model.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": "I", "minutes": minutes, "repeats": -1}
        )
