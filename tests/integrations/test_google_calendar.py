"""Google Calendar through booksync's own HTTP API, against the emulator over real HTTP.

A foreign event blocks its slot, a transparent one does not; a booking made
with POST /api/bookings becomes exactly one event once the outbox delivers it,
with the customer invited by Google or not (INVITES_VIA); reschedule moves the
event, cancel removes it; failures and timeouts during the insert never
produce a duplicate.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.bookings.booking_view import booking_view, calendar_ref
from booksync.bookings.models import Booking
from booksync.integrations.event_ids import event_id_for
from booksync.sync.models import BookingLink, OutboxMessage
from booksync.sync.outbox import deliver_due
from tests.conftest import london

from .google_fixtures import post_json, slot_starts

pytestmark = pytest.mark.usefixtures("google_settings")


def book(client, start, email="ann@example.com"):
    body = {"service": "portrait", "start": start.isoformat(), "name": "Ann Example", "email": email}
    response = post_json(client, "/api/bookings", body)
    assert response.status_code == 201, response.content
    return response.json()


def manage_token(booking_json) -> str:
    return booking_json["manage_url"].rstrip("/").rsplit("/", 1)[-1]


def deliver_calendar() -> dict:
    return deliver_due(force=True, topics=["calendar"])


def live_events(gcal):
    return gcal.events("primary")


def test_foreign_event_blocks_its_slot_and_a_transparent_one_does_not(studio, monday, api_client, gcal):
    assert "10:00" in slot_starts(api_client, monday)
    gcal.human_insert("primary", london(monday, 10), london(monday, 11), "Dentist")
    gcal.human_insert("primary", london(monday, 14), london(monday, 15), "Reminder", transparent=True)
    # A fresh cache (nothing was cached for that day before the insert in this test run).
    from booksync.integrations.google_calendar import google_calendar

    google_calendar().forget_busy()
    starts = slot_starts(api_client, monday)
    assert "10:00" not in starts and "09:30" not in starts and "10:30" not in starts
    assert {"09:00", "11:00", "14:00"} <= starts


def test_all_day_event_blocks_the_whole_day(studio, monday, api_client, gcal):
    gcal.human_insert("primary", monday, monday + timedelta(days=1), "Holiday", all_day=True)
    assert slot_starts(api_client, monday) == set()
    assert slot_starts(api_client, monday + timedelta(days=1))  # Tuesday is open


def test_slot_picker_reads_busy_time_from_the_cache(studio, monday, api_client, gcal):
    slot_starts(api_client, monday)
    calls = len(gcal.calls("POST", r"/freeBusy$"))
    slot_starts(api_client, monday)
    slot_starts(api_client, monday, duration=30)
    assert len(gcal.calls("POST", r"/freeBusy$")) == calls  # answered from the cache
    # Booking never trusts the cache: it asks Google live.
    book(api_client, london(monday, 9))
    assert len(gcal.calls("POST", r"/freeBusy$")) == calls + 1


def test_booking_refused_when_the_live_calendar_has_just_filled_the_slot(studio, monday, api_client, gcal):
    slot_starts(api_client, monday)  # cached: 10:00 free
    gcal.human_insert("primary", london(monday, 10), london(monday, 11), "Walk-in")
    assert "10:00" in slot_starts(api_client, monday)  # the cache does not know yet
    body = {"service": "portrait", "start": london(monday, 10).isoformat(), "name": "B", "email": "b@example.com"}
    response = post_json(api_client, "/api/bookings", body)
    assert response.status_code == 409
    assert "10:00" not in slot_starts(api_client, monday)  # the live read refreshed the cache


@pytest.mark.parametrize("invites_via", ["calendar", "email"])
def test_booking_creates_exactly_one_event(studio, monday, api_client, gcal, settings, invites_via):
    settings.INVITES_VIA = invites_via
    made = book(api_client, london(monday, 10))
    assert OutboxMessage.objects.filter(topic="calendar").count() == 1
    assert deliver_calendar() == {"delivered": 1, "failed": 0}
    events = live_events(gcal)
    assert len(events) == 1
    event = events[0]
    assert event["id"] == event_id_for(made["id"])
    assert event["extendedProperties"]["private"]["bookingId"] == made["id"]
    assert event["summary"] == "Portrait session – Ann Example"
    assert event["location"] == studio.address
    # The manage link only where the customer reads it: the invitation; else the studio's admin page.
    admin_page = f"/admin/bookings/booking/{made['id']}/change/"
    if invites_via == "calendar":
        assert made["manage_url"] in event["description"] and admin_page not in event["description"]
    else:
        assert "/manage/" not in event["description"] and admin_page in event["description"]
    assert event["start"]["dateTime"].startswith(f"{monday}T10:00:00")
    link = BookingLink.objects.get(booking_id=made["id"])
    assert link.calendar_event_id == event["id"] and link.calendar_etag == event["etag"]
    invited = gcal.invitations_for(event["id"])
    if invites_via == "calendar":
        assert [a["email"] for a in event["attendees"]] == ["ann@example.com"]
        assert [(i.email, i.kind) for i in invited] == [("ann@example.com", "invitation")]
    else:
        assert "attendees" not in event or event["attendees"] == []
        assert invited == []
        assert {c.send_updates for c in gcal.send_updates_log} == {"none"}
    # Delivering again writes nothing: the ledger already matches.
    gcal.reset_log()
    assert deliver_calendar() == {"delivered": 0, "failed": 0}
    assert gcal.calls(path=r"/events") == []


def test_reschedule_moves_the_event_and_cancel_removes_it(studio, monday, api_client, gcal, settings):
    settings.INVITES_VIA = "calendar"
    made = book(api_client, london(monday, 10))
    deliver_calendar()
    token = manage_token(made)
    moved = post_json(api_client, f"/api/bookings/manage/{token}/reschedule",
                      {"start": london(monday, 14).isoformat()})
    assert moved.status_code == 200, moved.content
    deliver_calendar()
    events = live_events(gcal)
    assert len(events) == 1 and events[0]["start"]["dateTime"].startswith(f"{monday}T14:00:00")
    assert [i.kind for i in gcal.invitations_for(events[0]["id"])] == ["invitation", "update"]

    cancelled = post_json(api_client, f"/api/bookings/manage/{token}/cancel", {"reason": "ill"})
    assert cancelled.status_code == 200
    deliver_calendar()
    assert live_events(gcal) == []
    assert [i.kind for i in gcal.invitations_for(events[0]["id"])][-1] == "cancellation"
    # The freed time shows up in the picker again (the write dropped the cached busy days).
    assert {"10:00", "14:00"} <= slot_starts(api_client, monday)


def test_a_500_during_insert_then_a_retry_makes_no_duplicate(studio, monday, api_client, gcal):
    made = book(api_client, london(monday, 10))
    # More failures than the in-call retries: the outbox must try again later.
    gcal.add_fault(kind="status", status=500, body={"error": {"code": 500, "message": "Backend Error"}},
                   method="POST", path=r"/events$", times=3)
    assert deliver_calendar() == {"delivered": 0, "failed": 1}
    message = OutboxMessage.objects.get(topic="calendar")
    assert message.state == "pending" and "500" in message.last_error
    assert deliver_calendar() == {"delivered": 1, "failed": 0}
    assert [e["id"] for e in live_events(gcal)] == [event_id_for(made["id"])]


def test_a_timeout_after_google_created_the_event_makes_no_duplicate(studio, monday, api_client, gcal):
    made = book(api_client, london(monday, 10))
    # Each insert is slower than the client's timeout, but Google still carries it out:
    # the classic "did it happen?" case. The retries meet 409 and adopt the event.
    gcal.add_fault(kind="latency", seconds=1.3, method="POST", path=r"/events$", times=3)
    assert deliver_calendar() == {"delivered": 0, "failed": 1}
    assert "timed out" in OutboxMessage.objects.get(topic="calendar").last_error
    assert deliver_calendar() == {"delivered": 1, "failed": 0}
    assert [e["id"] for e in live_events(gcal)] == [event_id_for(made["id"])]
    # The outbox's retry met 409 "already exists" and adopted the event with one patch.
    assert 409 in [c.status for c in gcal.calls("POST", r"/events$")] and len(gcal.calls("PATCH")) == 1


def test_an_event_deleted_by_a_person_is_recreated_under_a_new_id(studio, monday, api_client, gcal):
    made = book(api_client, london(monday, 10))
    deliver_calendar()
    first = event_id_for(made["id"])
    gcal.human_delete(first)
    booking = Booking.objects.get(pk=made["id"])
    BookingLink.objects.filter(booking=booking).update(calendar_written_hash="")  # owe a push again
    from booksync.integrations.google_calendar import google_calendar

    result = google_calendar().upsert(booking_view(booking), calendar_ref(BookingLink.objects.get(booking=booking)))
    assert result.external_id == event_id_for(made["id"], 1) and result.generation == 1
    assert [e["id"] for e in live_events(gcal)] == [result.external_id]


def test_a_stale_etag_is_re_read_and_the_booking_wins(studio, monday, api_client, gcal):
    made = book(api_client, london(monday, 10))
    deliver_calendar()
    event_id = event_id_for(made["id"])
    gcal.human_move(event_id, london(monday, 12), london(monday, 13))  # new etag
    booking = Booking.objects.get(pk=made["id"])
    from booksync.integrations.google_calendar import google_calendar

    google_calendar().upsert(booking_view(booking), calendar_ref(BookingLink.objects.get(booking=booking)))
    assert [c.status for c in gcal.calls("PATCH")] == [412, 200]
    assert gcal.event(event_id)["start"]["dateTime"].startswith(f"{monday}T10:00:00")
