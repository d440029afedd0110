"""A push never overwrites a person's edit that no sync has read yet (a lost update).

The push writes the booking as booksync holds it. A field changed on the side since it last
agreed with booksync, and not changed by booksync, is left as the person left it, and the next
sync brings it in; a field both changed goes to the newer edit, as the planner decides it.
Found by bench/load.py: Notion notes typed while a calendar move was being pushed to Notion.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from booksync.bookings import services, studio_edits
from booksync.bookings.models import Booking
from booksync.integrations.ports import SideRecord
from booksync.outbox.delivery import deliver_due
from booksync.sync.models import BookingLink
from booksync.sync.plan import (
    CALENDAR,
    NOTION,
    Link,
    UpdateBooking,
    plan_sync,
    project,
    unread_edits,
)
from tests.conftest import london
from tests.sync.test_scenarios import assert_quiet, book_on_website, our_events, sync

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)


def agreed(**changes) -> Link:
    """A booking both sides agreed on a day ago; ``changes`` are booksync's own since."""
    base = SideRecord(external_id="b1", booking_id="b1", start=T0, end=T0 + timedelta(hours=1), status="confirmed",
                      name="Ann", email="ann@example.com", notes="", service="Portrait")
    ours = replace(base, **changes)
    return Link("b1", ours, booking_edited_at=T0 + timedelta(minutes=30), notion_id="page", calendar_id="event",
                notion_base=project(NOTION, base), calendar_base=project(CALENDAR, base))


def page(edited_at: datetime, *, start: datetime = T0, notes: str = "") -> SideRecord:
    """The booking's Notion page as a person left it at ``edited_at``."""
    return SideRecord(external_id="page", booking_id="b1", start=start, end=start + timedelta(hours=1),
                      status="confirmed", name="Ann", email="ann@example.com", notes=notes, service="Portrait",
                      edited_at=edited_at)


# --- the rule ------------------------------------------------------------------------------------
def test_nothing_agreed_yet_keeps_nothing():
    link = agreed()
    fresh = Link("b1", link.booking, booking_edited_at=link.booking_edited_at)
    assert unread_edits(NOTION, fresh, page(T0, notes="typed")) == frozenset()


def test_a_field_only_the_side_changed_is_kept_whoever_edited_last():
    link = agreed(start=T0 + timedelta(hours=3), end=T0 + timedelta(hours=4))  # booksync moved it
    typed = page(T0 + timedelta(minutes=5), notes="Bring the dog")  # before booksync's move
    assert unread_edits(NOTION, link, typed) == {"notes"}


def test_a_field_both_changed_goes_to_the_newer_edit_as_the_planner_decides():
    link = agreed(notes="Ours")
    for edited_at, kept in ((T0 + timedelta(hours=2), {"notes"}), (T0 + timedelta(minutes=5), set())):
        theirs = page(edited_at, notes="Theirs")
        assert unread_edits(NOTION, link, theirs) == kept
        planned = plan_sync({NOTION: [theirs]}, [link])
        imported = [a for a in planned.actions if isinstance(a, UpdateBooking)]
        assert bool(imported) == bool(kept)  # the planner takes the page's value exactly when the push keeps it


def test_the_calendar_time_is_one_field():
    link = agreed(notes="Ours")  # booksync changed only the notes, which the calendar does not carry
    moved = SideRecord(external_id="event", booking_id="b1", start=T0 + timedelta(hours=5),
                       end=T0 + timedelta(hours=6), edited_at=T0 + timedelta(minutes=1))
    assert unread_edits(CALENDAR, link, moved) == {"start", "end"}


# --- end to end, against the emulators --------------------------------------------------------------
pytestmark = pytest.mark.django_db


def test_notes_typed_in_notion_survive_a_move_pushed_before_the_next_sync(both, emu, gcal, monday):
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    emu.human_edit(link.notion_page_id, {"Notes": {"rich_text": [{"text": {"content": "Bring the dog"}}]}})
    studio_edits.move_booking(booking.pk, london(monday, 14), by="owner")  # owes the Notion push
    deliver_due()
    shown = emu.plain(link.notion_page_id)
    assert shown["Date"]["start"].startswith(london(monday, 14).isoformat()[:16])  # the move reached Notion
    assert shown["Notes"] == "Bring the dog"  # and the person's notes are still there
    sync(full=False)
    assert Booking.objects.get(pk=booking.pk).notes == "Bring the dog"
    assert emu.plain(link.notion_page_id)["Notes"] == "Bring the dog"
    assert_quiet()


def test_a_calendar_move_newer_than_a_pushed_change_is_not_undone(both, emu, gcal, monday):
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    services.reschedule(Booking.objects.get(pk=booking.pk), london(monday, 12), actor="admin")  # not delivered yet
    [event] = our_events(gcal)
    later = datetime.now(UTC) + timedelta(seconds=5)  # a person, a few seconds later by Google's clock
    gcal.clock = lambda: later
    gcal.human_move(event["id"], london(monday, 15), london(monday, 16))
    deliver_due()  # the calendar push meets the changed etag, reads the event and keeps its time
    assert our_events(gcal)[0]["start"]["dateTime"].startswith(london(monday, 15).isoformat()[:16])
    sync(full=False)
    assert Booking.objects.get(pk=booking.pk).start == london(monday, 15)  # the newer edit won everywhere
    link = BookingLink.objects.get(booking=booking)
    assert emu.plain(link.notion_page_id)["Date"]["start"].startswith(london(monday, 15).isoformat()[:16])
    assert_quiet()
