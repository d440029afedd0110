"""An incremental sync's local work follows what changed, not how many bookings exist,
and it still sends every local change (and every booking a side never received)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booksync.bookings import services, tokens
from booksync.bookings.models import Booking, BookingStatus, Service
from booksync.outbox.delivery import deliver_due
from booksync.sync import engine
from booksync.sync.engine import run_sync
from booksync.sync.ledger import LOCAL_SWEEP, SETTLE, base_to_json
from booksync.sync.models import BookingLink, SyncState
from booksync.sync.plan import CALENDAR, NOTION, project
from booksync.sync.snapshot import local_record
from tests.conftest import london

pytestmark = pytest.mark.django_db


def sync(full: bool) -> dict:
    result = run_sync(trigger="admin", full=full)
    assert result["success"], result["error_details"]
    return result["summary"]


@pytest.fixture
def planned(monkeypatch) -> list[int]:
    """How many links each run compared with the sides (what plan_local was handed)."""
    sizes: list[int] = []
    original = engine.plan_local

    def counting(links, sides):
        links = list(links)
        sizes.append(len(links))
        return original(links, sides)

    monkeypatch.setattr(engine, "plan_local", counting)
    return sizes


def old_bookings(count: int, first_day) -> list[Booking]:
    """Bookings synced long ago: linked on both sides, nothing owed, last touched a day back."""
    service = Service.objects.get(slug="portrait")
    bookings = []
    for i in range(count):
        start = london(first_day + timedelta(days=1 + i // 6), 9 + i % 6)
        booking = Booking(service=service, service_name=service.name, start=start, end=start + timedelta(hours=1),
                          blocked_start=start, blocked_end=start + timedelta(hours=1),
                          status=BookingStatus.CONFIRMED, name=f"Old {i}", email=f"old{i}@example.com")
        booking.manage_salt = tokens.new_salt()
        booking.manage_token_hash = tokens.token_hash(tokens.derive(booking.pk, booking.manage_salt))
        bookings.append(booking)
    Booking.objects.bulk_create(bookings)
    BookingLink.objects.bulk_create(
        BookingLink(booking=b, notion_page_id=f"page-{uuid.uuid4()}", calendar_event_id=f"event{uuid.uuid4().hex}",
                    notion_base=base_to_json(project(NOTION, local_record(b))),
                    calendar_base=base_to_json(project(CALENDAR, local_record(b))))
        for b in bookings)
    day_ago = timezone.now() - timedelta(days=1)
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(updated_at=day_ago)
    BookingLink.objects.filter(booking__in=bookings).update(updated_at=day_ago)
    return bookings


def quiet_incremental() -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        summary = sync(full=False)
    assert (summary["created"], summary["updated"], summary["deleted"], summary["errors"]) == (0, 0, 0, 0)
    return summary, len(queries.captured_queries)


def test_a_no_change_incremental_sync_does_not_grow_with_the_bookings(both, monday, planned):
    services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                          service=Service.objects.get(slug="portrait")))
    deliver_due()
    sync(full=True)
    _, small_queries = quiet_incremental()
    old_bookings(300, monday)
    summary, large_queries = quiet_incremental()
    assert summary["total"] == 301  # still reported over every booking
    assert large_queries == small_queries
    assert planned[-1] <= 1  # the 300 old bookings were not read
    run_sync(trigger="admin", full=True, dry_run=True)  # the daily full run still compares them all
    assert planned[-1] == 301


def test_local_changes_still_reach_the_sides(both, emu, monday, planned):
    portrait = Service.objects.get(slug="portrait")
    booked = [services.book(services.BookingRequest(start=london(monday, hour), name=f"Client {hour}",
                                                    email=f"c{hour}@example.com", service=portrait)).booking
              for hour in range(9, 17)]
    deliver_due()
    sync(full=False)  # the first incremental run compares everything, then marks where it looked
    assert planned[-1] == len(booked)
    day_ago = timezone.now() - timedelta(days=1)
    Booking.objects.update(updated_at=day_ago)
    BookingLink.objects.update(updated_at=day_ago)
    quiet_incremental()
    assert planned[-1] == 0

    changed, late, never_sent = booked[1], booked[4], booked[6]
    changed = Booking.objects.get(pk=changed.pk)
    changed.notes = "Bring the dog"
    changed.save()  # a local edit that queued nothing: only the sync's own look can find it
    # Saved before the last look began but committed after it (a slow transaction): within SETTLE.
    mark = datetime.fromisoformat(SyncState.get(LOCAL_SWEEP))
    Booking.objects.filter(pk=late.pk).update(notes="Late commit", updated_at=mark - SETTLE / 2)
    BookingLink.objects.filter(booking=never_sent).update(notion_page_id="")
    summary = sync(full=False)
    assert planned[-1] == 3 and summary["errors"] == 0
    pages = {b.pk: emu.plain(BookingLink.objects.get(booking=b).notion_page_id) for b in (changed, late, never_sent)}
    assert pages[changed.pk]["Notes"] == "Bring the dog"
    assert pages[late.pk]["Notes"] == "Late commit"
    assert pages[never_sent.pk]["Booking ID"] == str(never_sent.pk)
    quiet_incremental()
