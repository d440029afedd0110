"""CalDAV against a real Radicale server: busy time, booking events, and the change feed."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import pytest
from icalendar import Calendar, Event

from booksync.bookings.booking_view import booking_view
from booksync.integrations.caldav import BOOKING_PROPERTY, caldav_calendar, resource_name
from booksync.integrations.ports import ExternalRef
from booksync.outbox.delivery import deliver_due
from tests.conftest import london

from .google_fixtures import post_json, slot_starts

pytestmark = [pytest.mark.radicale, pytest.mark.usefixtures("caldav_settings")]


def foreign_event(dav_calendar, start, end, summary="Dentist", transparent=False) -> str:
    """A person adds an event with another client; returns its resource name."""
    event = Event()
    event.add("UID", f"{uuid.uuid4()}@phone")
    event.add("DTSTAMP", start)
    event.add("DTSTART", start)
    event.add("DTEND", end)
    event.add("SUMMARY", summary)
    if transparent:
        event.add("TRANSP", "TRANSPARENT")
    calendar = Calendar()
    calendar.add("PRODID", "-//phone//EN")
    calendar.add("VERSION", "2.0")
    calendar.add_component(event)
    saved = dav_calendar.save_event(calendar.to_ical().decode())
    return unquote(str(saved.url).rstrip("/").rsplit("/", 1)[-1])


def stored_events(dav_calendar) -> list:
    return [obj.icalendar_component for obj in dav_calendar.events()]


def test_foreign_event_blocks_its_slot_and_a_transparent_one_does_not(studio, monday, api_client, dav_calendar):
    foreign_event(dav_calendar, london(monday, 10), london(monday, 11))
    foreign_event(dav_calendar, london(monday, 14), london(monday, 15), "Note", transparent=True)
    starts = slot_starts(api_client, monday)
    assert "10:00" not in starts and "10:30" not in starts
    assert {"09:00", "11:00", "14:00"} <= starts


def test_booking_creates_moves_and_removes_its_event(studio, monday, api_client, dav_calendar):
    body = {"service": "portrait", "start": london(monday, 10).isoformat(), "name": "Ann", "email": "ann@example.com"}
    made = post_json(api_client, "/api/bookings", body).json()
    assert deliver_due(force=True, topics=["calendar"]) == {"delivered": 1, "failed": 0}
    [event] = stored_events(dav_calendar)
    assert str(event["UID"]) == f"{made['id']}@booksync"
    assert str(event[BOOKING_PROPERTY]) == made["id"]
    from booksync.bookings.models import Booking

    sequence = Booking.objects.get(pk=made["id"]).sequence
    assert event["DTSTART"].dt == london(monday, 10) and int(event["SEQUENCE"]) == sequence
    assert "ATTENDEE" not in event  # CalDAV: our email carries the invitation
    # Only the studio reads a CalDAV event: its admin page, never the customer's manage link.
    assert "/manage/" not in str(event["DESCRIPTION"])
    assert f"/admin/bookings/booking/{made['id']}/change/" in str(event["DESCRIPTION"])

    token = made["manage_url"].rstrip("/").rsplit("/", 1)[-1]
    moved = post_json(api_client, f"/api/bookings/manage/{token}/reschedule", {"start": london(monday, 14).isoformat()})
    assert moved.status_code == 200
    deliver_due(force=True, topics=["calendar"])
    [event] = stored_events(dav_calendar)
    assert event["DTSTART"].dt == london(monday, 14) and int(event["SEQUENCE"]) == sequence + 1

    post_json(api_client, f"/api/bookings/manage/{token}/cancel", {})
    deliver_due(force=True, topics=["calendar"])
    assert stored_events(dav_calendar) == []
    assert "10:00" in slot_starts(api_client, monday) and "14:00" in slot_starts(api_client, monday)


def test_writing_twice_makes_one_event(studio, monday, api_client, dav_calendar):
    body = {"service": "portrait", "start": london(monday, 10).isoformat(), "name": "Ann", "email": "ann@example.com"}
    made = post_json(api_client, "/api/bookings", body).json()
    from booksync.bookings.models import Booking

    booking = Booking.objects.get(pk=made["id"])
    store = caldav_calendar()
    first = store.upsert(booking_view(booking), ExternalRef())
    second = store.upsert(booking_view(booking), ExternalRef())  # a retry after a lost answer
    assert first.external_id == second.external_id == resource_name(booking.pk)
    assert len(stored_events(dav_calendar)) == 1
    store.remove(booking_view(booking), ExternalRef())
    store.remove(booking_view(booking), ExternalRef())  # already gone: still fine


def test_change_feed_sees_a_moved_and_a_deleted_event(studio, monday, dav_calendar):
    store = caldav_calendar()
    moved = foreign_event(dav_calendar, london(monday, 9), london(monday, 10), "Moved")
    gone = foreign_event(dav_calendar, london(monday, 11), london(monday, 12), "Gone")
    first = store.changes(None)
    assert first.full and first.cursor and {r.external_id for r in first.records} == {moved, gone}

    obj = dav_calendar.event_by_url(dav_calendar.url.join(moved))
    component = obj.icalendar_component
    del component["DTSTART"], component["DTEND"]
    component.add("DTSTART", london(monday, 15))
    component.add("DTEND", london(monday, 16))
    obj.save()
    dav_calendar.event_by_url(dav_calendar.url.join(gone)).delete()

    second = store.changes(first.cursor)
    assert not second.full
    by_name = {r.external_id: r for r in second.records}
    assert set(by_name) == {moved, gone}
    assert by_name[moved].start == london(monday, 15) and not by_name[moved].deleted
    assert by_name[gone].deleted
    assert store.changes(second.cursor).records == []
    assert store.fetch(gone) is None and store.fetch(moved).name == "Moved"


def test_a_forgotten_sync_token_falls_back_to_a_full_listing(studio, monday, dav_calendar):
    store = caldav_calendar()
    name = foreign_event(dav_calendar, london(monday, 9), london(monday, 10))
    batch = store.changes("c1:http://radicale.org/ns/sync/" + "0" * 64)
    assert batch.full and [r.external_id for r in batch.records] == [name]
    assert store.changes(batch.cursor).full is (batch.cursor is None)


def test_a_calendar_move_newer_than_a_pushed_change_is_not_undone(studio, monday, dav_calendar):
    """The PUT carries our last ETag as If-Match: a person's move since is read, not overwritten."""
    from datetime import UTC, datetime, timedelta

    from booksync.bookings import services
    from booksync.bookings.models import Booking, Service
    from booksync.sync.engine import run_sync
    from booksync.sync.models import BookingLink

    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    deliver_due(force=True)
    assert run_sync(trigger="admin", full=True)["success"]
    services.reschedule(Booking.objects.get(pk=booking.pk), london(monday, 12), actor="admin")  # not delivered yet
    name = BookingLink.objects.get(booking=booking).calendar_event_id
    obj = dav_calendar.event_by_url(dav_calendar.url.join(name))
    component = obj.icalendar_component
    for key in ("DTSTART", "DTEND", "LAST-MODIFIED"):
        component.pop(key, None)
    component.add("DTSTART", london(monday, 15))
    component.add("DTEND", london(monday, 16))
    # A person, a few seconds after the reschedule (LAST-MODIFIED has whole seconds).
    component.add("LAST-MODIFIED", datetime.now(UTC) + timedelta(seconds=5))
    obj.save(increase_seqno=False)

    deliver_due(force=True)  # 412 on our old ETag: the event is read again and keeps the person's time
    [event] = stored_events(dav_calendar)
    assert event["DTSTART"].dt == london(monday, 15)
    assert run_sync(trigger="admin", full=False)["success"]
    assert Booking.objects.get(pk=booking.pk).start == london(monday, 15)  # the newer edit won


def test_a_guarded_write_to_an_event_deleted_over_there_lets_the_delete_stand(studio, monday, dav_calendar):
    """The If-Match guard fails on a deleted event too. A delete no sync has read is a cancellation
    (ADR 0016): nothing is written and the booking is cancelled at its new time. Confirmed again
    afterwards (a status set after the delete), the event is written afresh, once."""
    from booksync.bookings import services
    from booksync.bookings.models import Booking, BookingStatus, Service
    from booksync.sync.models import BookingLink

    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    deliver_due(force=True)
    name = BookingLink.objects.get(booking=booking).calendar_event_id
    dav_calendar.event_by_url(dav_calendar.url.join(name)).delete()
    services.reschedule(Booking.objects.get(pk=booking.pk), london(monday, 12), actor="admin")
    assert deliver_due(force=True)["failed"] == 0
    assert stored_events(dav_calendar) == []
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.start == london(monday, 12)
    services.apply_change(booking.pk, {"status": BookingStatus.CONFIRMED}, actor="admin")
    assert deliver_due(force=True)["failed"] == 0
    [event] = stored_events(dav_calendar)
    assert event["DTSTART"].dt == london(monday, 12)
