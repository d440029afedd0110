"""What availability and booking do while the outside calendar cannot be read (CALENDAR_OUTAGE_POLICY, ADR 0012).

The calendar adapters raise ``CalendarUnreachable`` with the last busy time the
calendar reported. Availability always answers from that picture and says it
is stale. A booking's live re-check follows the policy: ``accept`` books
against the picture and owes a re-check (topic ``calendar_check``) that the outbox
retries through the outage; once the calendar answers, ``recheck`` flags any clash
on the dashboard and to the studio by email. ``refuse`` answers ``CalendarUnavailable`` (503).

``watching()`` lets a request see, after the fact, whether any busy time it
used was stale, without threading a flag through every function in between.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from booksync.integrations.busy_days import CalendarUnreachable
from booksync.integrations.registry import busy_source, calendar_store
from booksync.outbox import effects
from booksync.outbox.models import AuditEntry
from booksync.scheduling import Interval

from .errors import CalendarUnavailable
from .messages import studio_mail
from .messages.sentences import admin_link
from .models import ACTIVE_STATUSES, Booking, Studio

log = logging.getLogger("booksync.calendar")

ACCEPT, REFUSE = "accept", "refuse"
POLICIES = (ACCEPT, REFUSE)
CLASH_ACTION = "calendar_clash"  # the audit entry of a clash found after an outage (and its studio notice)


def policy() -> str:
    return settings.CALENDAR_OUTAGE_POLICY


@dataclass
class Reading:
    """What the calendar said during one request: ``stale`` when an outage made us use the last known picture."""

    stale: bool = False
    as_of: datetime | None = None  # when the oldest day used was last read (None: some day was never read)
    causes: list[str] = field(default_factory=list)

    def note(self, exc: CalendarUnreachable) -> None:
        first = not self.stale
        self.stale = True
        self.causes.append(str(exc))
        if exc.unknown_days or exc.as_of is None:
            self.as_of = None
        elif first or (self.as_of is not None and exc.as_of < self.as_of):
            self.as_of = exc.as_of


_reading: ContextVar[Reading | None] = ContextVar("calendar_reading", default=None)


@contextmanager
def watching() -> Iterator[Reading]:
    reading = Reading()
    token = _reading.set(reading)
    try:
        yield reading
    finally:
        _reading.reset(token)


def remote_busy(window: Interval, *, live: bool) -> list[Interval]:
    """The calendar's busy time; during an outage the last known picture, or 503 for a booking under ``refuse``."""
    try:
        return busy_source().busy(window, live=live)
    except CalendarUnreachable as exc:
        log.warning("calendar unreachable, using its last known busy time: %s", exc)
        reading = _reading.get()
        if reading is not None:
            reading.note(exc)
        if live and policy() == REFUSE:
            raise CalendarUnavailable() from exc
        return exc.last_known


def resource_busy(window: Interval, calendars: list[str], *, live: bool) -> dict[str, list[Interval]]:
    """Busy time of the studio's calendar (key ``""``) and of each resource calendar in ``calendars``
    (ADR 0017), read together; an outage as in :func:`remote_busy` (a resource calendar's busy
    time is then unknown and counts as free: its last known picture is kept for the studio's only)."""
    try:
        source = busy_source()
        if not calendars:  # nobody has a calendar of their own: the studio's, read as before people existed
            return {"": source.busy(window, live=live)}
        return source.busy_by_calendar(window, calendars, live=live)
    except CalendarUnreachable as exc:
        log.warning("calendar unreachable, using its last known busy time: %s", exc)
        reading = _reading.get()
        if reading is not None:
            reading.note(exc)
        if live and policy() == REFUSE:
            raise CalendarUnavailable() from exc
        return {"": exc.last_known}


def owe_recheck(booking) -> None:
    """A booking accepted without the live calendar: check it against the calendar once it answers.

    Called inside the booking's transaction (its change woke the worker); the outbox retries it
    through the outage.
    """
    effects.owe(booking, effects.calendar_check(booking), wake=False)


def recheck(message) -> str | None:
    """Outbox handler for topic ``calendar_check``: once the calendar answers, read the events over
    the booking's time that booksync did not write; any such event is a clash nobody saw when
    the booking was taken."""
    booking = Booking.objects.filter(pk=message.booking_id).first()
    if booking is None or not booking.is_active:
        return None  # cancelled meanwhile: nothing left to clash
    clashes = calendar_store().foreign_events(Interval(booking.blocked_start, booking.blocked_end))
    if clashes:
        flag_clash(booking, [{"id": event.external_id, "summary": event.name,
                              "start": event.start.isoformat(), "end": event.end.isoformat()} for event in clashes])
    return None


def flag_clash(booking, events: list[dict]) -> None:
    """The re-check found calendar events over the booking's time that booksync did not write:
    on the dashboard (an audit entry ``calendar_clash``) and to the studio by email, once per
    booking version. Nothing is moved or cancelled; the studio decides with the customer."""
    AuditEntry.objects.get_or_create(
        booking=booking, action=CLASH_ACTION, detail__version=booking.version,
        defaults={"actor": AuditEntry.Actor.SYSTEM, "detail": {"version": booking.version, "events": events}},
    )
    notice = _clash_notice(booking, events)
    if notice is not None:
        effects.owe(booking, notice)


def _clash_notice(booking, events: list[dict]) -> effects.Effect | None:
    """The studio's alert for one flagged booking, on the one "email the studio" path."""
    subject, text = clash_message(booking, events, Studio.load())
    return studio_mail.notice(booking, CLASH_ACTION, subject=subject, text=text, link=admin_link(booking),
                              alert=True)


def clash_message(booking, events: list[dict], studio: Studio) -> tuple[str, str]:
    """The subject and text of the studio's alert about ``events`` over ``booking`` (also previewed)."""
    zone = ZoneInfo(studio.timezone)
    when = booking.start.astimezone(zone).strftime("%a %d %b %Y %H:%M")
    lines = [
        "While the calendar could not be reached, booksync accepted this booking against the calendar's "
        "last known busy time:",
        "",
        f"  {booking.service_name} – {booking.name}, {when} ({studio.timezone})",
        "",
        "Now that the calendar answers again, it shows at the same time:",
        "",
        *[f"  {event['summary'] or '(no title)'}: {_local(event['start'], zone)} – {_local(event['end'], zone)}"
          for event in events],
        "",
        "Nothing was changed automatically. Move one of them or contact the customer.",
    ]
    return f"Calendar clash: {booking.service_name} – {booking.name}, {when}", "\n".join(lines)


def _local(stamp: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%a %d %b %H:%M")


def open_clashes(limit: int = 20) -> list[AuditEntry]:
    """Clashes the studio has not acted on (the dashboard's list).

    A clash stays listed while its booking is active, upcoming and unchanged since it was
    flagged; moving or cancelling the booking settles it (a move owes its own check if the
    calendar is still down).
    """
    entries = (AuditEntry.objects.filter(action=CLASH_ACTION, booking__status__in=ACTIVE_STATUSES,
                                         booking__end__gte=timezone.now())
               .select_related("booking").order_by("-at"))
    return [entry for entry in entries if entry.detail.get("version") == entry.booking.version][:limit]
