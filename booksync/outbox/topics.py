"""The outbox's topics: who delivers each, and the order between one booking's effects.

Handlers are named by dotted path and imported when a message is delivered, so the outbox
app (below ``bookings``) never imports the layers that handle its messages.
"""

from __future__ import annotations

EMAIL = "email"                   # the customer's emails (bookings.emails)
CALENDAR = "calendar"             # make the calendar show the booking (a push)
NOTION = "notion"                 # make the Notion page show the booking (a push)
STUDIO = "studio"                 # an email to the studio (bookings.studio_mail)
CALENDAR_CHECK = "calendar_check"  # a booking accepted during a calendar outage, checked once it answers (ADR 0012)
PAYMENT = "payment"               # Stripe: a webhook event to apply, a refund, a session to expire (ADR 0018)

# topic → dotted path of ``handler(message) -> str | None`` (the provider's message id, if any).
HANDLERS: dict[str, str] = {
    EMAIL: "booksync.bookings.emails.deliver",
    NOTION: "booksync.sync.push.push_to_notion",
    CALENDAR: "booksync.sync.push.push_to_calendar",
    CALENDAR_CHECK: "booksync.bookings.calendar_outage.recheck",
    STUDIO: "booksync.bookings.studio_mail.deliver",
    PAYMENT: "booksync.payments.work.deliver",
}

# The order one change records its effects in (``effects.owe``; a topic not listed is an error,
# not silently last). The worker delivers oldest first, so the customer's email goes before the
# pushes, the calendar before Notion (the order ``WAITS_FOR`` enforces on claims), and the
# studio hears last.
ORDER: tuple[str, ...] = (EMAIL, CALENDAR, NOTION, STUDIO, CALENDAR_CHECK, PAYMENT)
# One booking's effects that must come first: the Notion page shows the calendar event id, so a
# booking's Notion push is not claimed while its calendar push is due or in flight. A calendar
# push waiting out a backoff does not hold Notion up; when it lands it owes Notion a new push.
WAITS_FOR: dict[str, tuple[str, ...]] = {NOTION: (CALENDAR,)}
