"""The transactional outbox's delivery: record a message with the change, deliver it afterwards.

``record`` is called inside the transaction that changes a booking (through
``effects.owe``), so the change and what it owes commit together or not at all. ``deliver_due`` runs in
the worker: it claims each due message with a conditional UPDATE (so two
workers never deliver the same message at once), calls the topic's handler and
either marks it done or schedules a retry with exponential backoff. Handlers
are idempotent, so a retry after a crash mid-delivery is harmless.

Order between one booking's effects is explicit (``topics.WAITS_FOR``), not an accident
of sorting: a claim is refused while a message it waits for is due or in flight.
A live claim is kept fresh by a heartbeat (``claims.py``), so only a dead
worker's claim goes stale and is handed back. See docs/decisions/0006-*.md.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.tasks import async_task

from booksync.integrations.ports import IntegrationError, RateLimited

from . import claims
from .liveness import record_success
from .models import OutboxMessage, OutboxState
from .topics import WAITS_FOR, handler_path

log = logging.getLogger("booksync.outbox")

# What django-q2 runs to deliver (``wake_worker``). Tasks queued before the outbox app existed
# name ``booksync.sync.tasks.deliver_outbox``, which stays as an alias of it.
DELIVER_TASK = "booksync.outbox.tasks.deliver"
MAX_BACKOFF = timedelta(hours=1)


class WaitUntil(Exception):
    """Raised by a handler whose message may not go out before ``until`` (e.g. a recipient's
    hourly email limit): not a failure, the message waits without spending an attempt."""

    retryable = True

    def __init__(self, message: str, until: datetime):
        super().__init__(message)
        self.until = until


def record(topic: str, action: str, key: str, *, booking=None, payload: dict | None = None) -> OutboxMessage:
    """Owe one message. Recording the same ``key`` again returns the existing message.

    Callers owe effects through ``effects.owe``, which builds the key; this is its storage step."""
    message, _ = OutboxMessage.objects.get_or_create(
        key=key, defaults={"topic": topic, "action": action, "booking": booking, "payload": payload or {}}
    )
    claims.note_recorded(message.pk)
    return message


def wake_worker() -> None:
    """Ask the worker to deliver soon, once the current transaction has committed."""
    if not settings.OUTBOX_WAKE_WORKER:
        return

    def _enqueue() -> None:
        try:
            async_task(DELIVER_TASK, task_name="deliver_outbox")
        except Exception:  # the periodic sweep delivers anyway
            log.warning("could not wake the worker; the sweep will deliver", exc_info=True)

    transaction.on_commit(_enqueue)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at an hour, with ±20 % jitter so retries spread out."""
    base = min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)
    return base * random.uniform(0.8, 1.2)


CLAIMED, BUSY, NOT_DUE = "claimed", "busy", "not due"


def claim(message_id: int, now: datetime, *, force: bool = False) -> bool:
    """Take one due message for delivery; False if it is not due or someone else has it."""
    return try_claim(message_id, now, force=force) == CLAIMED


def try_claim(message_id: int, now: datetime, *, force: bool = False) -> str:
    """Claim one message: ``CLAIMED``, ``BUSY`` (it or what it waits for is in someone's hands)
    or ``NOT_DUE`` (delivered already, parked, or waiting out its backoff).

    Two messages owed for the same booking and topic (a push per version) are never in
    flight together: two workers would both find no Notion page yet and both create one.
    And a message waits for the booking's messages of the topics it comes after
    (``WAITS_FOR``) that are due or in flight. The booking's row lock makes these checks
    and the claim one step.
    """
    with transaction.atomic():
        message = OutboxMessage.objects.filter(pk=message_id).values("topic", "booking_id").first()
        if message is None:
            return NOT_DUE
        if message["booking_id"] is not None:
            # The booking's row lock, reached through the foreign key (the model is a layer up).
            booking_model = OutboxMessage._meta.get_field("booking").related_model
            list(booking_model.objects.select_for_update().filter(pk=message["booking_id"]).values_list("pk"))
            siblings = OutboxMessage.objects.filter(booking_id=message["booking_id"]).exclude(pk=message_id)
            ahead = Q(topic=message["topic"], state=OutboxState.IN_FLIGHT)
            first = WAITS_FOR.get(message["topic"], ())
            if first:
                ahead |= Q(topic__in=first, state=OutboxState.IN_FLIGHT)
                ahead |= Q(topic__in=first, state=OutboxState.PENDING, not_before__lte=now)
            if siblings.filter(ahead).exists():
                return BUSY
        due = OutboxMessage.objects.filter(pk=message_id, state=OutboxState.PENDING)
        if not force:
            due = due.filter(not_before__lte=now)
        # claimed_at is the claim's heartbeat: the time it was taken, refreshed while it is worked;
        # claim_token names this claim, so only its holder finishes the message (claims.held).
        taken = due.update(state=OutboxState.IN_FLIGHT, claimed_at=now, attempts=F("attempts") + 1,
                           claim_token=uuid.uuid4().hex)
        if taken:
            return CLAIMED
        held = OutboxMessage.objects.filter(pk=message_id, state=OutboxState.IN_FLIGHT).exists()
        return BUSY if held else NOT_DUE


def _handler(topic: str) -> Callable[[OutboxMessage], str | None]:
    return import_string(handler_path(topic))


def _wait(exc: Exception, attempts: int) -> timedelta:
    """The backoff, and at least what a provider that rate-limited us asked for."""
    asked = exc.retry_after if isinstance(exc, RateLimited) else None
    return max(backoff(attempts), timedelta(seconds=asked or 0))


def deliver_one(message: OutboxMessage, now: datetime | None = None, *, note_success: bool = True) -> bool:
    """Deliver a claimed message. Returns True when it is done.

    Whatever this worker records at the end (done, a retry, a wait) happens in one conditional
    UPDATE, only while it still holds its claim: a worker that stopped past the stale time, and
    whose message another worker took over, records nothing (``claims.ClaimLost``). An effect the
    outside service accepted is recorded (``sent_at``) before "done", so the worker that takes a
    message over after that finds it sent and does not send it again.
    ``note_success=False``: the caller records the topic's liveness itself (once per batch).
    """
    try:
        if message.sent_at is None:
            with claims.held(message):
                pass  # a claim already lost (the worker stopped between claiming and here) sends nothing
            with claims.heartbeat(message.pk, message.claim_token):
                provider_id = _handler(message.topic)(message)
                _record_sent(message, provider_id)
        else:
            provider_id = message.provider_message_id  # sent by a worker that lost its claim after
        _test_pause(message)
        _finish(message, state=OutboxState.DONE, delivered_at=now or timezone.now(), last_error="",
                **({"provider_message_id": provider_id} if provider_id else {}))
    except claims.ClaimLost as exc:
        message.claim_lost = True  # type: ignore[attr-defined]
        log.warning("outbox %s: %s; the worker holding it now finishes it", message.key, exc,
                    extra=_log_fields(message, "claim_lost"))
        return False
    except WaitUntil as exc:
        # Not a failure: the message waits (e.g. for room under the recipient's hourly limit),
        # without spending one of its delivery attempts.
        if not _finish_quietly(message, state=OutboxState.PENDING, not_before=exc.until,
                               attempts=max(message.attempts - 1, 0), last_error=str(exc)):
            return False
        log.info("outbox %s held back until %s", message.key, exc.until, extra=_log_fields(message, "held_back"))
        return False
    except Exception as exc:
        now = now or timezone.now()
        retryable = getattr(exc, "retryable", not isinstance(exc, IntegrationError) or exc.retryable)
        last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if retryable and message.attempts < settings.OUTBOX_MAX_ATTEMPTS:
            not_before = now + _wait(exc, message.attempts)
            if _finish_quietly(message, state=OutboxState.PENDING, not_before=not_before, last_error=last_error):
                log.warning("outbox %s failed (attempt %s), retry at %s: %s", message.key, message.attempts,
                            not_before, exc, extra=_log_fields(message, "retry"))
        elif _finish_quietly(message, state=OutboxState.FAILED, last_error=last_error):
            log.error("outbox %s failed for good: %s", message.key, exc, extra=_log_fields(message, "failed"))
        return False
    log.info("outbox %s delivered", message.key, extra=_log_fields(message, "delivered"))
    if note_success:
        record_success(message.topic)
    return True


def _finish(message: OutboxMessage, **fields) -> None:
    """Record the end of this worker's attempt, in one UPDATE that holds only while it still holds
    its claim (``claims.ClaimLost`` otherwise); the message in memory is brought up to date."""
    fields = {"claimed_at": None, "claim_token": "", "updated_at": timezone.now(), **fields}
    if not OutboxMessage.objects.filter(**claims.still_held(message)).update(**fields):
        raise claims.ClaimLost(f"outbox message {message.pk}: this worker's claim was handed back")
    for name, value in fields.items():
        setattr(message, name, value)


def _finish_quietly(message: OutboxMessage, **fields) -> bool:
    try:
        _finish(message, **fields)
    except claims.ClaimLost as exc:
        message.claim_lost = True  # type: ignore[attr-defined]
        log.warning("outbox %s: %s; nothing recorded", message.key, exc, extra=_log_fields(message, "claim_lost"))
        return False
    return True


def _record_sent(message: OutboxMessage, provider_id: str | None) -> None:
    """The outside service accepted the effect: say so at once, under the claim."""
    sent = {"sent_at": timezone.now(), **({"provider_message_id": provider_id} if provider_id else {})}
    with claims.held(message):
        OutboxMessage.objects.filter(pk=message.pk).update(**sent)
    for name, value in sent.items():
        setattr(message, name, value)


def _test_pause(message: OutboxMessage) -> None:
    """Tests only (OUTBOX_TEST_PAUSE_AFTER_HANDLER_SECONDS, 0 in production): stop between the
    effect and "done" on a message's first attempt, heartbeat stopped, like a stop-the-world pause."""
    pause = float(getattr(settings, "OUTBOX_TEST_PAUSE_AFTER_HANDLER_SECONDS", 0) or 0)
    if pause > 0 and message.attempts == 1:
        log.warning("outbox %s: test pause of %s s before marking it done", message.key, pause)
        time.sleep(pause)


def _log_fields(message: OutboxMessage, outcome: str) -> dict:
    """What a delivery's log line carries, so one booking's story can be pulled out of the logs."""
    return {"booking_id": str(message.booking_id or ""), "topic": message.topic, "action": message.action,
            "outbox_key": message.key, "attempt": message.attempts, "outcome": outcome}


def stuck_after() -> timedelta:
    """A claim whose heartbeat is older than this belongs to a dead worker (OUTBOX_STUCK_AFTER_SECONDS).
    Live claims are refreshed every OUTBOX_HEARTBEAT_SECONDS, so it only needs to outlast a few missed beats."""
    return timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS)


def release_stuck(now: datetime | None = None) -> int:
    """Messages claimed by a worker that died (no heartbeat for ``stuck_after()``) are handed back."""
    now = now or timezone.now()
    released = OutboxMessage.objects.filter(state=OutboxState.IN_FLIGHT, claimed_at__lt=now - stuck_after()).update(
        state=OutboxState.PENDING, claimed_at=None, claim_token=""
    )
    if released:
        log.warning("handed back %s message(s) whose worker stopped beating", released)
    return released


def deliver_due(*, now: datetime | None = None, force: bool = False, topics: list[str] | None = None, limit: int = 500) -> dict:
    """Deliver every due message (``force`` ignores backoff). Returns counts by outcome."""
    release_stuck()
    pending = OutboxMessage.objects.filter(state=OutboxState.PENDING)
    if not force:
        pending = pending.filter(not_before__lte=now or timezone.now())
    if topics:
        pending = pending.filter(topic__in=topics)
    ids = list(pending.order_by("created_at", "id").values_list("pk", flat=True)[:limit])
    outcomes = deliver(ids, now=now, force=force, topics=topics)
    return {"delivered": sum(1 for o in outcomes.values() if o == "delivered"),
            "failed": sum(1 for o in outcomes.values() if o == "failed")}


def deliver(ids: list[int], *, now: datetime | None = None, force: bool = False,
            topics: list[str] | None = None) -> dict[int, str]:
    """Deliver the given messages and what their deliveries owe next; ``{id: outcome}``.

    Outcomes: "delivered", "failed" (retried later or parked), "in progress" (another
    worker holds it or what it waits for), "not due" (done already, or in its backoff).
    After each delivery the booking's due messages that were waiting for it (same topic,
    or a topic that comes after it) and any push it owed (``ensure_push``) are tried
    too, so one booking's effects settle in this pass instead of at the next sweep.
    """
    outcomes: dict[int, str] = {}
    worked: set[str] = set()
    queue = list(dict.fromkeys(ids))
    try:
        for _ in range(6):  # a booking's chain is short: calendar → notion → (event id) notion
            progressed = False
            for message_id in queue:
                if outcomes.get(message_id) in ("delivered", "failed", "not due"):
                    continue
                with claims.collecting() as owed:
                    outcome, message = _deliver_id(message_id, now, force, worked)
                outcomes[message_id] = outcome
                if outcome in ("delivered", "failed"):
                    progressed = True
                    for follower in [*owed, *_waiting_for(message, now)]:
                        outcomes.setdefault(follower, "in progress")
            queue = [i for i, o in outcomes.items() if o == "in progress"]
            if topics:
                queue = list(OutboxMessage.objects.filter(pk__in=queue, topic__in=topics).values_list("pk", flat=True))
            if not progressed or not queue:
                break
    finally:
        # Liveness once per topic per batch, not per message: each record is a database-cache
        # write (a savepoint and several queries), repeated for every message of a sync's batch.
        for topic in sorted(worked):
            record_success(topic)
    return outcomes


def _waiting_for(message: OutboxMessage, now: datetime | None) -> list[int]:
    """The booking's due messages that could not be claimed while ``message`` was worked."""
    if message.booking_id is None:
        return []
    after = [topic for topic, first in WAITS_FOR.items() if message.topic in first]
    return list(OutboxMessage.objects.filter(
        booking_id=message.booking_id, state=OutboxState.PENDING, not_before__lte=now or timezone.now(),
        topic__in=[message.topic, *after]).exclude(pk=message.pk).values_list("pk", flat=True))


def _deliver_id(message_id: int, now: datetime | None, force: bool,
                worked: set[str]) -> tuple[str, OutboxMessage | None]:
    # The claim's time is its first heartbeat: taken now, not when a long batch started.
    taken = try_claim(message_id, now or timezone.now(), force=force)
    if taken != CLAIMED:
        return ("in progress" if taken == BUSY else "not due"), None
    message = OutboxMessage.objects.select_related("booking").get(pk=message_id)
    if deliver_one(message, note_success=False):
        worked.add(message.topic)
        return "delivered", message
    if getattr(message, "claim_lost", False):
        return "in progress", message  # another worker holds it now
    return "failed", message


def retry(message: OutboxMessage) -> None:
    """A human asks for another go at a failed message."""
    OutboxMessage.objects.filter(pk=message.pk, state__in=[OutboxState.FAILED, OutboxState.PENDING]).update(
        state=OutboxState.PENDING, not_before=timezone.now(), attempts=0
    )
    wake_worker()


def backlog() -> int:
    return OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.IN_FLIGHT]).count()
