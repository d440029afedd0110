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
        outbox.record(
            "email", kind, f"email:{booking.pk}:{kind}:{booking.sequence}", booking=booking, payload={"kind": kind}
        )
    # Calendar before Notion: the page shows the event id. The outbox enforces the order on
    # claims (outbox.WAITS_FOR), with any number of workers; recording in it keeps it readable.
    for topic in sorted(remote_topics(), key=outbox.PUSH_ORDER.index):
        if topic in skip_topics:
            continue
        outbox.record(topic, "push", f"{topic}:{booking.pk}:v{booking.version}", booking=booking)
    outbox.wake_worker()
