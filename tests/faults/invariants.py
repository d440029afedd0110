"""What "converged" means, checked from the outside: each emulator's state against the database.

Every check returns a list of human-readable problems (empty when it holds), so
a benchmark can count them and a test can show them all at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from booksync.bookings.models import Booking, BookingStatus
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.sync.models import BookingLink

KIND_BY_SUBJECT = {
    "Your booking is confirmed": "confirmation",
    "Your booking has changed": "update",
    "Your booking is cancelled": "cancellation",
    "Reminder": "reminder",
}


def _same_minute(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) < 60


def notion_problems(emu, data_source_id: str) -> tuple[list[str], int]:
    """One Notion page per booking, none without a Booking ID, status and time as in the database.

    Returns (problems, duplicate pages).
    """
    problems: list[str] = []
    by_booking: dict[str, list[str]] = defaultdict(list)
    for page_id in emu.page_ids(data_source_id):
        plain = emu.plain(page_id)
        booking_id = plain.get("Booking ID") or ""
        if not booking_id:
            problems.append(f"Notion page {page_id} ({plain.get('Name')}) has no Booking ID")
        by_booking[booking_id].append(page_id)
    duplicates = sum(len(pages) - 1 for key, pages in by_booking.items() if key and len(pages) > 1)
    for key, pages in by_booking.items():
        if key and len(pages) > 1:
            problems.append(f"booking {key} has {len(pages)} Notion pages")
    for booking in Booking.objects.all():
        pages = by_booking.get(str(booking.pk), [])
        if not pages:
            problems.append(f"booking {booking.pk} ({booking.name}) has no Notion page")
            continue
        plain = emu.plain(pages[0])
        cancelled = plain.get("Status") == "Cancelled"
        if cancelled != (booking.status == BookingStatus.CANCELLED):
            problems.append(f"booking {booking.pk}: Notion says {plain.get('Status')}, database {booking.status}")
        start = (plain.get("Date") or {}).get("start")
        if booking.is_active and (not start or not _same_minute(datetime.fromisoformat(start), booking.start)):
            problems.append(f"booking {booking.pk}: Notion shows {start}, database {booking.start.isoformat()}")
    return problems, duplicates


def calendar_problems(gcal, calendar_id: str = "primary") -> tuple[list[str], int]:
    """One live event per active booking, none for a cancelled one, at the booking's time.

    Returns (problems, duplicate events).
    """
    problems: list[str] = []
    live: dict[str, list[dict]] = defaultdict(list)
    # Events a person made and booksync adopted keep no bookingId property: the ledger links them.
    adopted = {event_id: str(booking_id) for event_id, booking_id in
               BookingLink.objects.exclude(calendar_event_id="").values_list("calendar_event_id", "booking_id")}
    for event in gcal.events(calendar_id):
        if event.get("status") == "cancelled":
            continue
        booking_id = ((event.get("extendedProperties") or {}).get("private") or {}).get("bookingId", "") \
            or adopted.get(event["id"], "")
        live[booking_id].append(event)
    duplicates = sum(len(events) - 1 for key, events in live.items() if key and len(events) > 1)
    for key, events in live.items():
        if not key:
            problems.append(f"{len(events)} live calendar events carry no booking id: "
                            f"{[e.get('summary') for e in events]}")
        elif len(events) > 1:
            problems.append(f"booking {key} has {len(events)} live calendar events")
    for booking in Booking.objects.all():
        events = live.get(str(booking.pk), [])
        if booking.is_active and not events:
            problems.append(f"active booking {booking.pk} ({booking.name}) has no calendar event")
        elif not booking.is_active and events:
            problems.append(f"cancelled booking {booking.pk} still has a live calendar event")
        elif events:
            start = datetime.fromisoformat(events[0]["start"]["dateTime"].replace("Z", "+00:00"))
            if not _same_minute(start, booking.start):
                problems.append(f"booking {booking.pk}: event at {start.isoformat()}, database {booking.start.isoformat()}")
    return problems, duplicates


def _kind(subject: str | None) -> str:
    return next((k for prefix, k in KIND_BY_SUBJECT.items() if (subject or "").startswith(prefix)), "?")


def sent_emails(sendgrid) -> Counter:
    """(booking id, kind) → how many times the SendGrid emulator accepted such an email.

    Only the customer's emails (the email topic; each carries X-Booking-ID) are counted: the
    studio's own notices (the studio topic), such as the notice of a delete that met an edit
    (ADR 0016), are another topic with keys of their own."""
    return Counter((m.headers["X-Booking-ID"], _kind(m.subject)) for m in sendgrid.messages
                   if m.headers.get("X-Booking-ID"))


def email_problems(sendgrid, *, allowed_duplicates: frozenset = frozenset()) -> tuple[list[str], int, int]:
    """Every owed email sent exactly once; the customer's last news matches the booking.

    The outbox ledger says what is owed (its key: ``email:<booking>:<kind>:<sequence>``);
    SendGrid's store says what went out. ``allowed_duplicates`` names (booking, kind)
    pairs that may have gone out once more than owed (a worker killed between
    SendGrid's answer and the outbox's "done"). Returns (problems, duplicates, missing).
    """
    problems: list[str] = []
    sent = sent_emails(sendgrid)
    accepted_ids = {m.custom_args.get("anymail_id") for m in sendgrid.messages}  # anymail's message id
    owed: Counter = Counter()
    latest: dict[tuple[str, str], int] = {}
    missing = 0
    for message in OutboxMessage.objects.filter(topic="email"):
        if message.state != OutboxState.DONE:
            problems.append(f"email {message.key} is {message.state}: {message.last_error}")
            missing += 1
            continue
        if message.delivery_status == "skipped":
            continue
        _, booking_id, kind, sequence = message.key.split(":")
        owed[(booking_id, kind)] += 1
        latest[(booking_id, kind)] = max(latest.get((booking_id, kind), -1), int(sequence))
        if message.provider_message_id and message.provider_message_id not in accepted_ids:
            missing += 1
            problems.append(f"email {message.key} is done as {message.provider_message_id}, unknown to SendGrid")
    duplicates = 0
    for key in set(sent) | set(owed):
        extra = sent[key] - owed[key]
        if extra > 0 and not (extra == 1 and key in allowed_duplicates):
            duplicates += extra
            problems.append(f"email {key}: owed {owed[key]}, sent {sent[key]}")
        elif extra < 0:
            missing -= extra
            problems.append(f"email {key}: owed {owed[key]}, sent only {sent[key]}")
    # The customer's latest news describes the booking as it is now.
    for booking in Booking.objects.exclude(email=""):
        pk = str(booking.pk)
        if booking.is_active:
            told = max(latest.get((pk, "confirmation"), -1), latest.get((pk, "update"), -1)) == booking.sequence
        else:
            told = (pk, "cancellation") in latest
        if not told:
            missing += 1
            problems.append(f"booking {pk} ({booking.status}, sequence {booking.sequence}) was never told so")
    return problems, duplicates, missing


def outbox_problems() -> list[str]:
    stuck = OutboxMessage.objects.exclude(state=OutboxState.DONE)
    return [f"outbox {m.key} left {m.state} after {m.attempts} attempts: {m.last_error}" for m in stuck]
