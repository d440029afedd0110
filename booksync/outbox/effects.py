"""What a booking change owes the outside world, recorded with the change: ``owe(booking, *effects)``.

An ``Effect`` is one email, push, check or studio notice. This module is the only place
that builds an outbox message's key: the key names the booking and what makes the effect
distinct (an email's kind and the booking's sequence, a push's version), so owing the
same effect twice, by a retried request or two workers, records one message. What an
effect needs later (an email's sequence) goes in its payload, never parsed back out of
the key. Which effects a change owes is the caller's policy (``bookings.changes``);
their order is ``topics.ORDER``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from . import delivery
from .models import AuditEntry, OutboxMessage, OutboxState
from .topics import CALENDAR_CHECK, EMAIL, ORDER, PAYMENT, STUDIO


@dataclass(frozen=True)
class Effect:
    topic: str
    action: str
    key: str
    payload: dict = field(default_factory=dict)


def key(topic: str, subject: object, *parts: object) -> str:
    """``topic:subject:part:…``, e.g. ``email:<booking>:update:3`` or ``calendar:<booking>:v7``."""
    return ":".join(str(part) for part in (topic, subject, *parts))


def email(booking, kind: str, **payload) -> Effect:
    """The customer's email ``kind`` for the booking as it is now (its ``sequence``)."""
    sequence = booking.sequence
    return Effect(EMAIL, kind, key(EMAIL, booking.pk, kind, sequence), {"kind": kind, "sequence": sequence, **payload})


def push(side: str, booking, *, again: bool = False) -> Effect:
    """Make ``side`` show the booking's current ``version``. ``again``: owed once more outside a
    change (a random tail, since the version's own push may be in flight or done)."""
    tail = (uuid.uuid4().hex[:8],) if again else ()
    return Effect(side, "push", key(side, booking.pk, f"v{booking.version}", *tail))


def calendar_check(booking) -> Effect:
    """Check the booking's time against the calendar once it answers again (ADR 0012)."""
    return Effect(CALENDAR_CHECK, "recheck", key(CALENDAR_CHECK, booking.pk, f"v{booking.version}"))


def studio_notice(booking, what: str, *, subject: str, text: str, link: str = "", alert: bool = False) -> Effect:
    """One email to the studio about ``what`` happened to this version of the booking."""
    payload = {"what": what, "subject": subject, "text": text, "link": link, **({"alert": True} if alert else {})}
    return Effect(STUDIO, "notify", key(STUDIO, booking.pk, what, f"v{booking.version}"), payload)


def payment_work(booking, action: str, name: str, **payload) -> Effect:
    """Work owed to the payment provider (ADR 0018): ``refund`` (``name`` = its purpose, so one
    refund per booking and purpose), ``expire_session``, ``event`` (a received webhook event,
    ``name`` = its id). The payments app's handler does it."""
    subject = name if action == "event" else booking.pk
    parts = () if action == "event" else (name,)
    return Effect(PAYMENT, action, key(PAYMENT, action, subject, *parts), payload)


def owe(booking, *effects: Effect, wake: bool = True) -> list[OutboxMessage]:
    """Record ``effects`` inside the caller's transaction, in ``topics.ORDER``; the worker is
    woken once it commits (``wake=False``: the caller wakes it once for a batch)."""
    owed = [delivery.record(effect.topic, effect.action, effect.key, booking=booking, payload=effect.payload)
            for effect in sorted(effects, key=lambda effect: ORDER.index(effect.topic))]
    if wake:
        delivery.wake_worker()
    return owed


def ensure_push(side: str, booking) -> OutboxMessage:
    """Owe a push of ``booking`` to ``side``; the message that will carry it.

    Only a push that has not read the booking yet (still pending) can carry a need that
    arose now: one in flight may have read the state before it and would write that.
    So a pending push is reused, and otherwise a new one is recorded, which the outbox
    delivers after the one in flight (never two of a booking's pushes to a side at once).
    """
    waiting = OutboxMessage.objects.filter(topic=side, booking=booking, state=OutboxState.PENDING).first()
    if waiting is not None:
        return waiting
    [message] = owe(booking, push(side, booking, again=True))
    return message


def audit(booking_id, actor: str, action: str, detail: dict | None = None) -> AuditEntry:
    """One line of the audit log: who (an ``AuditEntry.Actor``) did what to a booking."""
    return AuditEntry.objects.create(booking_id=booking_id, actor=actor, action=action, detail=detail or {})
