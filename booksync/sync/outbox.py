"""The transactional outbox: record side effects with the change, deliver them afterwards.

``record`` is called inside the transaction that changes a booking, so the
change and what it owes commit together or not at all. ``deliver_due`` runs in
the worker: it claims each due message with a conditional UPDATE (so two
workers never deliver the same message at once), calls the topic's handler and
either marks it done or schedules a retry with exponential backoff. Handlers
are idempotent, so a retry after a crash mid-delivery is harmless.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from booksync.bookings.mail_limits import HeldBack
from booksync.integrations.ports import IntegrationError

from .liveness import record_success
from .models import OutboxMessage, OutboxState

log = logging.getLogger("booksync.outbox")

# topic → dotted path of ``handler(message) -> str | None`` (the provider's message id, if any).
HANDLERS: dict[str, str] = {
    "email": "booksync.bookings.emails.deliver",
    "notion": "booksync.sync.push.push_to_notion",
    "calendar": "booksync.sync.push.push_to_calendar",
}
# How long a claim may stay in flight before the worker that made it is presumed dead
# (settings.OUTBOX_STUCK_AFTER_SECONDS). It must outlast any single delivery, HTTP timeouts
# and in-call retries included, or a slow but live worker's message would be sent twice.
STUCK_AFTER = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)


def record(topic: str, action: str, key: str, *, booking=None, payload: dict | None = None) -> OutboxMessage:
    """Owe one side effect. Recording the same ``key`` again returns the existing message."""
    message, _ = OutboxMessage.objects.get_or_create(
        key=key, defaults={"topic": topic, "action": action, "booking": booking, "payload": payload or {}}
    )
    return message


def wake_worker() -> None:
    """Ask the worker to deliver soon, once the current transaction has committed."""
    if not getattr(settings, "OUTBOX_WAKE_WORKER", True):
        return

    def _enqueue() -> None:
        from django_q.tasks import async_task

        try:
            async_task("booksync.sync.tasks.deliver_outbox", task_name="deliver_outbox")
        except Exception:  # the periodic sweep delivers anyway
            log.warning("could not wake the worker; the sweep will deliver", exc_info=True)

    transaction.on_commit(_enqueue)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at an hour, with ±20 % jitter so retries spread out."""
    base = min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)
    return base * random.uniform(0.8, 1.2)


def claim(message_id: int, now: datetime, *, force: bool = False) -> bool:
    """Take one due message for delivery; False if it is not due or someone else has it.

    Two messages owed for the same booking and topic (a push per version) are never in
    flight together: two workers would both find no Notion page yet and both create one.
    The booking's row lock makes the sibling check and the claim one step.
    """
    with transaction.atomic():
        message = OutboxMessage.objects.filter(pk=message_id).values("topic", "booking_id").first()
        if message is None:
            return False
        if message["booking_id"] is not None:
            from booksync.bookings.models import Booking

            list(Booking.objects.select_for_update().filter(pk=message["booking_id"]).values_list("pk"))
            busy = OutboxMessage.objects.filter(topic=message["topic"], booking_id=message["booking_id"],
                                                state=OutboxState.IN_FLIGHT).exclude(pk=message_id)
            if busy.exists():
                return False
        due = OutboxMessage.objects.filter(pk=message_id, state=OutboxState.PENDING)
        if not force:
            due = due.filter(not_before__lte=now)
        return bool(due.update(state=OutboxState.IN_FLIGHT, claimed_at=now, attempts=F("attempts") + 1))


def _handler(topic: str) -> Callable[[OutboxMessage], str | None]:
    return import_string(HANDLERS[topic])


def deliver_one(message: OutboxMessage, now: datetime | None = None, *, note_success: bool = True) -> bool:
    """Deliver a claimed message. Returns True when it is done.

    ``note_success=False``: the caller records the topic's liveness itself (once per batch).
    """
    now = now or timezone.now()
    try:
        provider_id = _handler(message.topic)(message)
    except HeldBack as exc:
        # Not a failure: the message waits for room under the recipient's hourly limit,
        # without spending one of its delivery attempts.
        message.state, message.not_before, message.claimed_at = OutboxState.PENDING, exc.until, None
        message.attempts = max(message.attempts - 1, 0)
        message.last_error = str(exc)
        message.save(update_fields=["state", "not_before", "claimed_at", "attempts", "last_error", "updated_at"])
        log.info("outbox %s held back until %s", message.key, exc.until, extra=_log_fields(message, "held_back"))
        return False
    except Exception as exc:
        retryable = getattr(exc, "retryable", not isinstance(exc, IntegrationError) or exc.retryable)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.claimed_at = None
        if retryable and message.attempts < settings.OUTBOX_MAX_ATTEMPTS:
            message.state = OutboxState.PENDING
            message.not_before = now + backoff(message.attempts)
            log.warning("outbox %s failed (attempt %s), retry at %s: %s", message.key, message.attempts, message.not_before, exc,
                        extra=_log_fields(message, "retry"))
        else:
            message.state = OutboxState.FAILED
            log.error("outbox %s failed for good: %s", message.key, exc, extra=_log_fields(message, "failed"))
        message.save(update_fields=["state", "not_before", "last_error", "claimed_at", "updated_at"])
        return False
    message.state = OutboxState.DONE
    message.delivered_at = now
    message.claimed_at = None
    message.last_error = ""
    if provider_id:
        message.provider_message_id = provider_id
    message.save(
        update_fields=["state", "delivered_at", "claimed_at", "last_error", "provider_message_id", "updated_at"]
    )
    log.info("outbox %s delivered", message.key, extra=_log_fields(message, "delivered"))
    if note_success:
        record_success(message.topic)
    return True


def _log_fields(message: OutboxMessage, outcome: str) -> dict:
    """What a delivery's log line carries, so one booking's story can be pulled out of the logs."""
    return {"booking_id": str(message.booking_id or ""), "topic": message.topic, "action": message.action,
            "outbox_key": message.key, "attempt": message.attempts, "outcome": outcome}


def release_stuck(now: datetime | None = None) -> int:
    """Messages claimed by a worker that died are handed back."""
    now = now or timezone.now()
    stuck_after = timedelta(seconds=getattr(settings, "OUTBOX_STUCK_AFTER_SECONDS", STUCK_AFTER.total_seconds()))
    return OutboxMessage.objects.filter(state=OutboxState.IN_FLIGHT, claimed_at__lt=now - stuck_after).update(
        state=OutboxState.PENDING, claimed_at=None
    )


def deliver_due(*, now: datetime | None = None, force: bool = False, topics: list[str] | None = None, limit: int = 500) -> dict:
    """Deliver every due message (``force`` ignores backoff). Returns counts by outcome."""
    now = now or timezone.now()
    release_stuck(now)
    pending = OutboxMessage.objects.filter(state=OutboxState.PENDING)
    if not force:
        pending = pending.filter(not_before__lte=now)
    if topics:
        pending = pending.filter(topic__in=topics)
    counts = {"delivered": 0, "failed": 0}
    worked: set[str] = set()
    try:
        for message_id in list(pending.order_by("created_at", "id").values_list("pk", flat=True)[:limit]):
            if not claim(message_id, now, force=force):
                continue  # another worker has it
            message = OutboxMessage.objects.select_related("booking").get(pk=message_id)
            if deliver_one(message, note_success=False):
                counts["delivered"] += 1
                worked.add(message.topic)
            else:
                counts["failed"] += 1
    finally:
        # Liveness once per topic per batch, not per message: each record is a database-cache
        # write (a savepoint and several queries), repeated for every message of a sync's batch.
        for topic in sorted(worked):
            record_success(topic)
    return counts


def retry(message: OutboxMessage) -> None:
    """A human asks for another go at a failed message."""
    OutboxMessage.objects.filter(pk=message.pk, state__in=[OutboxState.FAILED, OutboxState.PENDING]).update(
        state=OutboxState.PENDING, not_before=timezone.now(), attempts=0
    )
    wake_worker()


def backlog() -> int:
    return OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.IN_FLIGHT]).count()
