"""What a booking change owes: an audit line, the customer's and the studio's email, a push to each outside store.

Called inside the transaction of the change, so all of it commits together.
"""

from __future__ import annotations

from booksync.integrations.registry import remote_topics
from booksync.sync import outbox
from booksync.sync.models import AuditEntry

from .sentences import NOTICE_SUBJECTS, NOTIFIED, admin_link, change_sentence, when
from .studio_contact import notify_address

BLOCKED_TIME = "Blocked time"  # calendar time imported as a block (CALENDAR_IMPORT=block): no customer

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
    Notion need not be pushed back to Notion). ``notify=False``: no one is
    emailed, neither the customer nor the studio (e.g. an imported record that
    is not active).
    """
    # The time as it was at this change, so the audit log still reads right after a later move.
    detail = {"start": booking.start.isoformat(), **(detail or {})}
    AuditEntry.objects.create(booking=booking, actor=actor, action=change, detail=detail)
    kind = EMAIL_FOR_CHANGE.get(change)
    if notify and kind and booking.email:
        payload = {"kind": kind}
        if detail.get("from"):
            # The time the customer knew, so the update email can say "was … now …".
            payload.update({"was_start": detail["from"], "was_end": detail.get("from_end", "")})
        outbox.record("email", kind, f"email:{booking.pk}:{kind}:{booking.sequence}", booking=booking, payload=payload)
    # Calendar before Notion: the page shows the event id. The outbox enforces the order on
    # claims (outbox.WAITS_FOR), with any number of workers; recording in it keeps it readable.
    for topic in sorted(remote_topics(), key=outbox.PUSH_ORDER.index):
        if topic in skip_topics:
            continue
        outbox.record(topic, "push", f"{topic}:{booking.pk}:v{booking.version}", booking=booking)
    if notify and change in NOTIFIED and booking.service_name != BLOCKED_TIME:
        _tell_the_studio(booking, change, actor, detail)
    outbox.wake_worker()


def _tell_the_studio(booking, change: str, actor: str, detail: dict) -> None:
    """The studio's email about this change, an outbox message of topic ``studio`` (sync.studio_mail
    delivers it). At most once: the key names the booking, the change and its version."""
    from zoneinfo import ZoneInfo

    from .models import Studio

    if not notify_address():
        return
    zone = ZoneInfo(Studio.load().timezone)
    payload = {"subject": f"{NOTICE_SUBJECTS[change]}: {booking.name}, {when(booking.start, zone)}",
               "text": change_sentence(booking, change, actor, detail, zone), "link": admin_link(booking)}
    outbox.record("studio", "notify", f"studio:{booking.pk}:{change}:v{booking.version}", booking=booking,
                  payload=payload)
