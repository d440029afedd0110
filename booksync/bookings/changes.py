"""What a booking change owes: an audit line, the customer's email and a push to each outside store.

Called inside the transaction of the change, so all of it commits together.
"""

from __future__ import annotations

from booksync.integrations.registry import remote_topics
from booksync.sync import outbox
from booksync.sync.models import AuditEntry

# Which email a change sends the customer (None: the customer need not hear of it).
EMAIL_FOR_CHANGE = {
    "created": "confirmation",
    "rescheduled": "update",
    "updated": "update",
    "cancelled": "cancellation",
}


def record_change(booking, change: str, *, actor: str, detail: dict | None = None, notify: bool = True,
                  skip_topics: tuple[str, ...] = ()) -> None:
    """Record ``change`` to ``booking`` and everything it owes.

    ``skip_topics`` names the sides the change came from (a change read from
    Notion need not be pushed back to Notion).
    """
    AuditEntry.objects.create(booking=booking, actor=actor, action=change, detail=detail or {})
    kind = EMAIL_FOR_CHANGE.get(change)
    if notify and kind and booking.email:
        payload = {"kind": kind}
        if detail and detail.get("from"):
            # The time the customer knew, so the update email can say "was … now …".
            payload.update({"was_start": detail["from"], "was_end": detail.get("from_end", "")})
        outbox.record("email", kind, f"email:{booking.pk}:{kind}:{booking.sequence}", booking=booking, payload=payload)
    # Calendar before Notion: the Notion page then shows the event id on its first write.
    for topic in sorted(remote_topics()):
        if topic in skip_topics:
            continue
        outbox.record(topic, "push", f"{topic}:{booking.pk}:v{booking.version}", booking=booking)
    outbox.wake_worker()
