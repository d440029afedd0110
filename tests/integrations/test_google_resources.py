"""People with their own Google calendars (ADR 0017), against the Google Calendar emulator over real HTTP.

Sam's calendar blocks only Sam; the studio's calendar blocks everyone; one freeBusy request reads
every calendar for a day or a month; booksync's own events on the studio's calendar block only the
booking's own people.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from booksync.bookings import services
from booksync.bookings.busy.cache import bump
from booksync.bookings.models import Resource, Service
from booksync.outbox.delivery import deliver_due
from tests.conftest import london

from .google_fixtures import gcal, google_settings  # noqa: F401

pytestmark = pytest.mark.django_db

SAM = "sam@group.calendar.google.com"


@pytest.fixture
def sams_calendar(team_studio, gcal, google_settings):  # noqa: F811
    gcal.add_calendar(SAM, summary="Sam", time_zone="Europe/London")
    Resource.objects.filter(slug="sam").update(calendar=SAM)
    bump()
    return gcal


def people_at(client, day, hhmm: str) -> list[str] | None:
    response = client.get(f"/api/calendar/availability?date={day}&service=portrait")
    assert response.status_code == 200, response.content
    return {s["start"][11:16]: s["people"] for s in response.json()["slots"]}.get(hhmm)


def freebusy_calls(emulator) -> list:
    return emulator.calls("POST", r"/freeBusy$")


def test_sams_own_event_blocks_only_sam_and_the_studio_s_blocks_both(sams_calendar, monday, api_client):
    google = sams_calendar
    google.human_insert(SAM, london(monday, 10), london(monday, 11), "Dentist")
    google.human_insert("primary", london(monday, 14), london(monday, 15), "Studio closed")
    assert people_at(api_client, monday, "10:00") == ["alex"]
    assert people_at(api_client, monday, "14:00") is None
    assert people_at(api_client, monday, "12:00") == ["alex", "sam"]
    # Booking asks the calendars live: Sam is refused at 10:00, Alex is not.
    portrait = Service.objects.get(slug="portrait")
    with pytest.raises(services.SlotUnavailable):
        services.book(services.BookingRequest(start=london(monday, 10), name="A", email="a@example.com",
                                              service=portrait, resource="sam"))
    made = services.book(services.BookingRequest(start=london(monday, 10), name="B", email="b@example.com",
                                                 service=portrait))
    assert {c.resource.slug for c in made.booking.claims.all()} == {"alex"}


def test_one_freebusy_request_reads_every_calendar_for_a_day_and_for_a_month(sams_calendar, monday, api_client):
    google = sams_calendar
    google.reset_log()
    google.freebusy_items.clear()
    people_at(api_client, monday, "10:00")
    assert len(freebusy_calls(google)) == 1
    assert [set(items) for items in google.freebusy_items] == [{"primary", SAM}]
    google.reset_log()
    google.freebusy_items.clear()
    dates = [str(monday + timedelta(days=7 + n)) for n in range(31)]
    response = api_client.post("/api/calendar/availability-batch", json.dumps({"dates": dates, "service": "portrait"}),
                               content_type="application/json")
    assert response.status_code == 200
    assert len(freebusy_calls(google)) == 1
    assert [set(items) for items in google.freebusy_items] == [{"primary", SAM}]


def test_our_own_event_on_the_studio_s_calendar_blocks_only_its_person(sams_calendar, monday, api_client):
    portrait = Service.objects.get(slug="portrait")
    services.book(services.BookingRequest(start=london(monday, 11), name="A", email="a@example.com",
                                          service=portrait, resource="alex"))
    deliver_due()  # the event is on the studio's calendar now
    assert sams_calendar.calls("POST", r"/calendars/primary/events$")
    assert people_at(api_client, monday, "11:00") == ["sam"]
