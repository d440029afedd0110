"""What /api/health and `booksync doctor` report about the running system."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from booksync.integrations.mail import backend_name
from booksync.integrations.registry import calendar_provider, notion_enabled
from booksync.outbox.delivery import backlog
from booksync.outbox.liveness import last_successes

HEARTBEAT_KEY = "booksync:worker-heartbeat"
# The sweep beats every minute; three missed beats and the worker counts as stale.
STALE_AFTER = timedelta(minutes=3)


def beat() -> None:
    """Called by the worker's periodic sweep: proof that a worker is alive."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return f"error: {exc}"


def worker_state(heartbeat: str | None, now: datetime | None = None) -> dict:
    """``{"state": ok | stale | missing, "heartbeat", "age_seconds"}`` from the last beat."""
    if not heartbeat:
        return {"state": "missing", "heartbeat": None, "age_seconds": None}
    age = (now or timezone.now()) - datetime.fromisoformat(heartbeat)
    return {"state": "stale" if age > STALE_AFTER else "ok", "heartbeat": heartbeat,
            "age_seconds": max(int(age.total_seconds()), 0)}


def health_report() -> dict:
    database = _database()
    report: dict = {"status": "ok" if database == "ok" else "error", "database": database}
    if database != "ok":
        return report
    try:
        heartbeat = cache.get(HEARTBEAT_KEY)
    except Exception:
        heartbeat = None
    report.update(
        {
            "worker_heartbeat": heartbeat,
            "worker": worker_state(heartbeat),
            "outbox_backlog": backlog(),
            "email_backend": backend_name(),
            "calendar": calendar_provider(),
            "notion": "enabled" if notion_enabled() else "disabled",
            "last_success": last_successes(),
        }
    )
    return report
