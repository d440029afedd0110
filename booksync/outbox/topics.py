"""The outbox's topics: who delivers each, and the order between one booking's effects.

Handlers are named by dotted path and imported when a message is delivered, so the outbox
app (below ``bookings``) never imports the layers that handle its messages.
"""

from __future__ import annotations

EMAIL = "email"                   # the customer's emails (bookings.messages.emails)
CALENDAR = "calendar"             # make the calendar show the booking (a push)
NOTION = "notion"                 # make the Notion page show the booking (a push)
STUDIO = "studio"                 # an email to the studio (bookings.messages.studio_mail)
CALENDAR_CHECK = "calendar_check"  # a booking accepted during a calendar outage, checked once it answers (ADR 0012)
PAYMENT = "payment"               # Stripe: a webhook event to apply, a refund, a session to expire (ADR 0018)

# topic → dotted path of ``handler(message) -> str | None`` (the provider's message id, if any).
HANDLERS: dict[str, str] = {
    EMAIL: "booksync.bookings.messages.emails.deliver",
    NOTION: "booksync.sync.push.push_to_notion",
    CALENDAR: "booksync.sync.push.push_to_calendar",
    CALENDAR_CHECK: "booksync.bookings.calendar_outage.recheck",
    STUDIO: "booksync.bookings.messages.studio_mail.deliver",
    PAYMENT: "booksync.payments.work.deliver",
}

# Dotted paths earlier releases stored or queued, → where the function lives now. Every place that
# turns a stored dotted path into a function reads it through ``current_path``: the outbox's
# handlers (``delivery``) and the worker's schedules (``sync.schedules.ensure_schedules``), so
# messages queued and schedules saved before an upgrade keep working after it (ADR 0015).
RENAMED: dict[str, str] = {
    # issue 20 (ADR 0015): the messages wing
    "booksync.bookings.emails.deliver": "booksync.bookings.messages.emails.deliver",
    "booksync.bookings.studio_mail.deliver": "booksync.bookings.messages.studio_mail.deliver",
    "booksync.bookings.reminders.send_due_reminders": "booksync.bookings.messages.reminders.send_due_reminders",
    # ADR 0014: the outbox below bookings
    "booksync.sync.studio_mail.deliver": "booksync.bookings.messages.studio_mail.deliver",
    "booksync.sync.calendar_recheck.recheck": "booksync.bookings.calendar_outage.recheck",
}


def current_path(path: str) -> str:
    """The dotted path a stored ``path`` names today (itself, unless it was renamed)."""
    return RENAMED.get(path, path)


def handler_path(topic: str) -> str:
    """The dotted path of ``topic``'s handler."""
    return current_path(HANDLERS[topic])

# The order one change records its effects in (``effects.owe``; a topic not listed is an error,
# not silently last). The worker delivers oldest first, so the customer's email goes before the
# pushes, the calendar before Notion (the order ``WAITS_FOR`` enforces on claims), and the
# studio hears last.
ORDER: tuple[str, ...] = (EMAIL, CALENDAR, NOTION, STUDIO, CALENDAR_CHECK, PAYMENT)
# One booking's effects that must come first: the Notion page shows the calendar event id, so a
# booking's Notion push is not claimed while its calendar push is due or in flight. A calendar
# push waiting out a backoff does not hold Notion up; when it lands it owes Notion a new push.
WAITS_FOR: dict[str, tuple[str, ...]] = {NOTION: (CALENDAR,)}
