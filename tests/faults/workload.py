"""A mixed, seeded workload: what customers, admins in Notion and people in the calendar do.

Each step picks a slot nobody has used yet (``Slots``), so no two actors aim at
the same time and every disagreement left at the end is the product's, not the
workload's. Steps that the product refuses under faults (the live calendar
check cannot reach Google) are counted, not failed: a refused booking owes nothing.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from booksync.bookings import services
from booksync.bookings.errors import BookingError
from booksync.bookings.models import Booking, BookingSource, Service
from booksync.integrations.ports import IntegrationError
from booksync.sync.models import BookingLink
from tests.conftest import london
from tests.integrations.notion_fixtures import page_properties

HOURS = (9, 10, 11, 13, 14, 15)  # inside every weekday's opening hours (Wednesday closes 12–13)


class Slots:
    """Hour-long slots on weekdays from ``first`` on, handed out once each in a seeded order."""

    def __init__(self, first: date, days: int, rng: random.Random) -> None:
        starts = []
        day = first
        while len(starts) < days * len(HOURS):
            if day.weekday() < 5:
                starts.extend(london(day, hour) for hour in HOURS)
            day += timedelta(days=1)
        rng.shuffle(starts)
        self._free = starts

    def take(self) -> datetime:
        if not self._free:
            raise RuntimeError("the workload ran out of slots: give it more days")
        return self._free.pop()


@dataclass
class Workload:
    emu: object  # NotionEmulator
    data_source_id: str
    gcal: object  # GoogleCalendarEmulator
    rng: random.Random
    slots: Slots
    done: Counter = field(default_factory=Counter)
    serial: int = 0

    # -- helpers ---------------------------------------------------------------------------
    def _linked(self, side: str) -> list[Booking]:
        column = "notion_page_id" if side == "notion" else "calendar_event_id"
        ids = BookingLink.objects.exclude(**{column: ""}).values_list("booking_id", flat=True)
        return list(Booking.objects.active().filter(pk__in=list(ids)).order_by("created_at"))

    def _email(self) -> str:
        self.serial += 1
        return f"customer{self.serial}@example.com"

    # -- steps ---------------------------------------------------------------------------------
    def website_booking(self) -> None:
        email = self._email()
        request = services.BookingRequest(start=self.slots.take(), name=f"Web {self.serial}", email=email,
                                          service=Service.objects.get(slug="portrait"))
        try:
            services.book(request)
            self.done["website bookings"] += 1
        except (BookingError, IntegrationError):
            self.done["website bookings refused"] += 1

    def reschedule(self) -> None:
        candidates = list(Booking.objects.active().filter(source=BookingSource.WEBSITE))
        if not candidates:
            return
        booking = self.rng.choice(candidates)
        try:
            services.reschedule(booking, self.slots.take(), actor="admin")
            self.done["reschedules"] += 1
        except (BookingError, IntegrationError):
            self.done["reschedules refused"] += 1

    def cancel(self) -> None:
        candidates = list(Booking.objects.active())
        if candidates:
            services.cancel(self.rng.choice(candidates), actor="admin")
            self.done["cancels"] += 1

    def notion_edit(self) -> None:
        linked = self._linked("notion")
        if not linked:
            return
        booking = self.rng.choice(linked)
        page_id = BookingLink.objects.get(booking=booking).notion_page_id
        what = self.rng.choice(("time", "time", "notes", "cancel"))
        if what == "time":
            start = self.slots.take()
            props = {"Date": {"date": {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}}}
        elif what == "notes":
            props = {"Notes": {"rich_text": [{"text": {"content": f"note {self.rng.random():.6f}"}}]}}
        else:
            props = {"Status": {"status": {"name": "Cancelled"}}}
        self.emu.human_edit(page_id, props)
        self.done[f"notion edits ({what})"] += 1

    def notion_new_page(self) -> None:
        start = self.slots.take()
        self.serial += 1
        self.emu.human_create(self.data_source_id, page_properties(
            f"Notion {self.serial}", start, start + timedelta(hours=1), email=f"notion{self.serial}@example.com"))
        self.done["notion new pages"] += 1

    def calendar_change(self) -> None:
        linked = self._linked("calendar")
        if not linked:
            return
        booking = self.rng.choice(linked)
        event_id = BookingLink.objects.get(booking=booking).calendar_event_id
        if self.rng.random() < 0.7:
            start = self.slots.take()
            self.gcal.human_move(event_id, start, start + timedelta(hours=1))
            self.done["calendar moves"] += 1
        else:
            self.gcal.human_delete(event_id)
            self.done["calendar deletes"] += 1

    def round(self, bookings: int = 3) -> None:
        """One round of everything, in a shuffled order."""
        steps = [self.website_booking] * bookings + [
            self.reschedule, self.cancel, self.notion_edit, self.notion_new_page, self.calendar_change]
        self.rng.shuffle(steps)
        # Notion rounds edit times down to the minute: keep its clock ahead so edits read as new.
        self.emu.advance(90)
        for step in steps:
            step()
