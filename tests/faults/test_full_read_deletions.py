"""A deletion must not be lost when a full read comes before any incremental one.

A full calendar list leaves deleted events out, so the deletion shows only as
absence. Found by test_worker_kill: the killed syncs never stored their cursor,
the next sync was a full one, and a booking whose event a person had deleted
stayed active with no event while every later sync reported nothing to do.
"""

import pytest

from booksync.bookings.models import BookingStatus
from booksync.outbox.delivery import deliver_due
from booksync.sync.engine import run_sync
from booksync.sync.models import BookingLink
from tests.faults.invariants import calendar_problems, notion_problems
from tests.sync.test_scenarios import book_on_website

pytestmark = pytest.mark.django_db


def test_event_deleted_then_full_sync_cancels_the_booking(world, emu, notion_db, gcal, monday):
    booking = book_on_website(monday, 10)
    deliver_due()
    run_sync(trigger="admin", full=True)
    gcal.human_delete(BookingLink.objects.get(booking=booking).calendar_event_id)
    run_sync(trigger="admin", full=True)
    deliver_due(force=True)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert emu.plain(BookingLink.objects.get(booking=booking).notion_page_id)["Status"] == "Cancelled"
    assert notion_problems(emu, notion_db.data_source_id) == ([], 0)
    assert calendar_problems(gcal) == ([], 0)
    again = run_sync(trigger="admin", full=True)["summary"]
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)
