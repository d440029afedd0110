"""Simultaneous edits in Notion and the calendar: the newer edit wins, Notion wins ties, whatever
the order the sides are read in; every conflict is counted and audited, and the loser is corrected.

Notion rounds ``last_edited_time`` down to the minute, so edit times are compared to the minute
whenever Notion is involved: a calendar edit in the same minute as Notion's cannot be shown to be
newer, and Notion (the source of truth) wins it. See docs/decisions/0006-one-truth-under-concurrency.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from hypothesis import given, settings
from hypothesis import strategies as st

from booksync.bookings.models import Booking
from booksync.integrations.ports import SideRecord
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import AuditEntry
from booksync.sync.models import BookingLink, SyncRun
from booksync.sync.plan import (
    CALENDAR,
    NOTION,
    Link,
    Push,
    UpdateBooking,
    plan_local,
    plan_sync,
    project,
)
from booksync.sync.plan import Settings as PlanSettings
from tests.conftest import london
from tests.sync.test_plan import OPS, World, run_ops, writes
from tests.sync.test_scenarios import assert_quiet, book_on_website, our_events, sync

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)
BOOKING_ID = "b1"


def slot(hour: int) -> tuple[datetime, datetime]:
    return T0 + timedelta(hours=hour), T0 + timedelta(hours=hour + 1)


def linked_booking(hour: int) -> Link:
    start, end = slot(hour)
    local = SideRecord(external_id=BOOKING_ID, booking_id=BOOKING_ID, start=start, end=end, status="confirmed",
                          name="Ann", email="ann@example.com", service="Portrait")
    return Link(BOOKING_ID, local, booking_edited_at=T0 - timedelta(days=1), notion_id="page", calendar_id="event",
                notion_base=project(NOTION, local), calendar_base=project(CALENDAR, local))


def expected_winner(notion_at: datetime, calendar_at: datetime) -> str:
    """The documented rule, restated: the newer edit to the minute; a tie goes to Notion."""
    minute = timedelta(minutes=1)
    notion_minute = notion_at - (notion_at - T0) % minute
    calendar_minute = calendar_at - (calendar_at - T0) % minute
    return CALENDAR if calendar_minute > notion_minute else NOTION


EDIT_TIMES = st.integers(0, 600).map(lambda seconds: T0 + timedelta(seconds=seconds))


@settings(max_examples=400, deadline=None)
@given(base_hour=st.integers(0, 8), notion_hour=st.integers(0, 8), calendar_hour=st.integers(0, 8),
       notion_at=EDIT_TIMES, calendar_at=EDIT_TIMES, calendar_first=st.booleans())
def test_any_pair_of_time_edits_has_the_documented_winner_in_any_read_order(
        base_hour, notion_hour, calendar_hour, notion_at, calendar_at, calendar_first):
    link = linked_booking(base_hour)
    page = SideRecord(external_id="page", booking_id=BOOKING_ID, start=slot(notion_hour)[0],
                         end=slot(notion_hour)[1], status="confirmed", name="Ann", email="ann@example.com",
                         service="Portrait", edited_at=notion_at)
    event = SideRecord(external_id="event", booking_id=BOOKING_ID, start=slot(calendar_hour)[0],
                          end=slot(calendar_hour)[1], edited_at=calendar_at)
    reads = [(CALENDAR, [event]), (NOTION, [page])]
    plan = plan_sync(dict(reads if calendar_first else reads[::-1]), [link])
    assert plan == plan_sync(dict(reads[::-1] if calendar_first else reads), [link])  # read order is irrelevant

    moved = {side for side, hour in ((NOTION, notion_hour), (CALENDAR, calendar_hour)) if hour != base_hour}
    both_moved_apart = moved == {NOTION, CALENDAR} and notion_hour != calendar_hour
    if both_moved_apart:
        winner = expected_winner(notion_at, calendar_at)
        [conflict] = plan.conflicts
        assert (conflict.field, conflict.winner) == ("time", winner)
        assert set(conflict.values) == {NOTION, CALENDAR}
    else:
        assert plan.conflicts == []
        # One side moved, or both to the same time: no conflict; Notion's record carries it if it moved.
        winner = NOTION if NOTION in moved else CALENDAR if moved else None
    final_hour = {NOTION: notion_hour, CALENDAR: calendar_hour, None: base_hour}[winner]
    updates = plan.of(UpdateBooking)
    if winner is None:
        assert updates == []
    else:
        assert updates == [UpdateBooking(BOOKING_ID, winner, {"start": slot(final_hour)[0], "end": slot(final_hour)[1]})]
    # The side that does not show the final time is corrected; the one that does is not written.
    pushed = {push.side for push in plan.of(Push)}
    assert pushed == {side for side, hour in ((NOTION, notion_hour), (CALENDAR, calendar_hour)) if hour != final_hour}


@settings(max_examples=200, deadline=None)
@given(notion_at=EDIT_TIMES, calendar_at=EDIT_TIMES, rename=st.sampled_from(["Bea", "Cy"]))
def test_edits_of_different_fields_both_apply_without_a_conflict(notion_at, calendar_at, rename):
    link = linked_booking(1)
    page = SideRecord(external_id="page", booking_id=BOOKING_ID, start=slot(1)[0], end=slot(1)[1],
                         status="confirmed", name=rename, email="ann@example.com", service="Portrait",
                         edited_at=notion_at)
    event = SideRecord(external_id="event", booking_id=BOOKING_ID, start=slot(4)[0], end=slot(4)[1],
                          edited_at=calendar_at)
    plan = plan_sync({CALENDAR: [event], NOTION: [page]}, [link])
    assert plan.conflicts == []
    assert sorted(plan.of(UpdateBooking), key=lambda u: u.side) == [
        UpdateBooking(BOOKING_ID, CALENDAR, {"start": slot(4)[0], "end": slot(4)[1]}),
        UpdateBooking(BOOKING_ID, NOTION, {"name": rename})]
    assert {push.side for push in plan.of(Push)} == {NOTION}  # the page still shows the old time


# --- end to end, against the emulators --------------------------------------------------------------
def google_then_notion(emu, gcal, booking, *, second: int = 40) -> BookingLink:
    """Move ``booking`` to 14:00 in Google Calendar, then 3 s later (by each side's clock) to 15:00 in Notion."""
    link = BookingLink.objects.get(booking=booking)
    day = booking.start.astimezone(london(booking.start.date(), 0).tzinfo).date()
    # Both edits happen after everything so far, 3 s apart by each side's own clock.
    google_at = (emu.now() + timedelta(minutes=2)).replace(second=second, microsecond=0)
    gcal.clock = lambda: google_at
    gcal.human_move(link.calendar_event_id, london(day, 14), london(day, 15))
    emu.freeze(google_at + timedelta(seconds=3))
    emu.human_edit(link.notion_page_id, {"Date": {"date": {"start": london(day, 15).isoformat(),
                                                            "end": london(day, 16).isoformat()}}})
    return link


@pytest.mark.django_db
@pytest.mark.parametrize("second", [40, 58], ids=["same-minute", "next-minute"])
def test_google_edit_then_notion_edit_3_s_later_notion_wins(both, emu, gcal, monday, second):
    """Issue 11: time edited in Google Calendar, then 3 s later in Notion, before one sync runs."""
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    mail.outbox.clear()
    link = google_then_notion(emu, gcal, booking, second=second)

    result = sync()

    booking.refresh_from_db()
    assert booking.start == london(monday, 15)  # Notion's newer edit
    [event] = our_events(gcal)
    assert event["start"]["dateTime"].startswith(f"{monday}T15:00")  # the calendar is corrected
    assert emu.plain(link.notion_page_id)["Date"]["start"].startswith(f"{monday}T15:00")
    run = SyncRun.objects.filter(dry_run=False).first()
    assert run.summary["conflicts"] == 1
    [audit] = AuditEntry.objects.filter(booking=booking, action="conflict")
    assert audit.detail["winner"] == NOTION and audit.detail["losers"] == [CALENDAR]
    assert audit.detail["field"] == "time" and set(audit.detail["values"]) == {NOTION, CALENDAR}
    assert result["updated"] >= 1
    assert len(mail.outbox) == 1 and "changed" in mail.outbox[0].subject  # one update email, to 15:00
    assert Booking.objects.get(pk=booking.pk).sequence == 1
    assert_quiet()


@pytest.mark.django_db
def test_notion_edit_then_google_edit_a_minute_later_google_wins(both, emu, gcal, monday):
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    notion_at = (emu.now() + timedelta(minutes=2)).replace(second=10, microsecond=0)
    emu.freeze(notion_at)
    emu.human_edit(link.notion_page_id, {"Date": {"date": {"start": london(monday, 15).isoformat(),
                                                            "end": london(monday, 16).isoformat()}}})
    gcal.clock = lambda: notion_at + timedelta(seconds=65)
    gcal.human_move(link.calendar_event_id, london(monday, 14), london(monday, 15))

    sync()

    booking.refresh_from_db()
    assert booking.start == london(monday, 14)
    assert emu.plain(link.notion_page_id)["Date"]["start"].startswith(f"{monday}T14:00")  # Notion corrected
    [audit] = AuditEntry.objects.filter(booking=booking, action="conflict")
    assert audit.detail["winner"] == CALENDAR
    assert_quiet()


# --- the engine's way of planning, over random interleavings -----------------------------------------
class JointWorld(World):
    """The in-memory world of test_plan.py, planned as the engine plans: both sides at once."""

    def plan(self, sides=(NOTION, CALENDAR)):
        links = self.links()
        reported = {side: [self.record(side, ext) for ext in sorted(self.changed[side])] for side in sides}
        plan = plan_sync(reported, links, PlanSettings())
        pushes = {(a.side, a.booking_id) for a in plan.of(Push)}
        plan.actions.extend(a for a in plan_local(links, sides).actions if (a.side, a.booking_id) not in pushes)
        return plan


@settings(max_examples=300, deadline=None)
@given(st.lists(OPS, max_size=25))
def test_planning_both_sides_together_converges_and_a_second_sync_is_quiet(ops):
    world = JointWorld()
    run_ops(world, ops)
    world.sync()
    world.sync()
    assert world.agrees() == []
    assert writes(world.plan()) == []
