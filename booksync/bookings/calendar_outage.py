"""What availability and booking do while the outside calendar cannot be read (CALENDAR_OUTAGE_POLICY, ADR 0012).

The calendar adapters raise ``CalendarUnreachable`` with the last busy time the
calendar reported. Availability always answers from that picture and says it
is stale. A booking's live re-check follows the policy: ``accept`` books
against the picture and owes a re-check once the calendar answers again
(sync/calendar_recheck.py); ``refuse`` answers ``CalendarUnavailable`` (503).

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

from django.conf import settings

from booksync.integrations.busy_days import CalendarUnreachable
from booksync.integrations.registry import busy_source
from booksync.scheduling import Interval

from .errors import CalendarUnavailable

log = logging.getLogger("booksync.calendar")

ACCEPT, REFUSE = "accept", "refuse"
POLICIES = (ACCEPT, REFUSE)
RECHECK_TOPIC = "calendar_check"


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


def owe_recheck(booking) -> None:
    """A booking accepted without the live calendar: check it against the calendar once it answers.

    Called inside the booking's transaction; the outbox retries it through the outage.
    """
    from booksync.sync import outbox

    outbox.record(RECHECK_TOPIC, "recheck", f"{RECHECK_TOPIC}:{booking.pk}:v{booking.version}", booking=booking)
