"""The diary (Django test client): the week in studio time, and each change through the booking service."""

from __future__ import annotations

import pytest

from booksync.bookings import services
from booksync.bookings.models import Block, Booking, BookingStatus, Service
from booksync.outbox.models import OutboxMessage
from tests.backoffice.conftest import summer_weekday
from tests.conftest import london

pytestmark = pytest.mark.django_db
DIARY = "/admin/diary/"


def website_booking(day, hour, name="Wendy Web"):
    return services.book(services.BookingRequest(start=london(day, hour), name=name, email="wendy@example.com",
                                                 service=Service.objects.get(slug="portrait"))).booking


def test_week_shows_bookings_at_studio_time_in_summer(studio, staff_client):
    day = summer_weekday(2)
    staff_client.post(f"{DIARY}add/", {"date": day.isoformat(), "start": "14:00", "name": "Summer Sam",
                                       "service": Service.objects.get(slug="portrait").pk})
    booking = Booking.objects.get(name="Summer Sam")
    assert booking.start.astimezone(london(day, 0).tzinfo).hour == 14 and booking.start.utctimetuple().tm_hour == 13
    html = staff_client.get(f"{DIARY}?date={day}").content.decode()
    assert "Times are studio time (Europe/London)" in html
    entry = html[html.index(f'id="booking-{booking.pk}"'):]
    assert "14:00–15:00" in entry[:400] and "Summer Sam" in entry[:400]
    assert f"{DIARY}add/?start={day}T15:00" in html  # the next row is free to click


def test_clash_from_the_diary_is_shown_in_place(studio, monday, staff_client):
    website_booking(monday, 14)
    response = staff_client.post(f"{DIARY}add/", {"date": monday.isoformat(), "start": "14:30", "end": "15:00",
                                                  "name": "Pat Phone"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "That time overlaps Wendy Web · Portrait session" in html and "Free that day for 30 min" in html
    assert not Booking.objects.filter(name="Pat Phone").exists()


def test_move_and_cancel_from_the_diary(studio, monday, staff_client):
    booking = website_booking(monday, 10)
    website_booking(monday, 14, name="Other")
    url = f"{DIARY}booking/{booking.pk}/"
    taken = staff_client.post(url, {"move-date": monday.isoformat(), "move-start": "14:00", "move": "1"})
    assert taken.status_code == 200 and "That time overlaps Other" in taken.content.decode()
    moved = staff_client.post(url, {"move-date": monday.isoformat(), "move-start": "16:00", "move": "1"})
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.start == london(monday, 16) and booking.end == london(monday, 17)
    assert OutboxMessage.objects.filter(key=f"email:{booking.pk}:update:1").exists()
    asked = staff_client.post(url, {"cancel-reason": "Studio flooded", "cancel": "1"})  # asks first (ADR 0021)
    assert asked.status_code == 200 and 'value="Studio flooded"' in asked.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    staff_client.post(f"{url}cancel/", {"cancel-reason": "Studio flooded", "confirm": "yes"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Studio flooded"


def test_block_time_refuses_a_booked_time_and_blocks_a_free_one(studio, monday, staff_client):
    website_booking(monday, 10)
    refused = staff_client.post(f"{DIARY}block/", {"date": monday.isoformat(), "start": "10:30", "end": "12:00",
                                                   "reason": "Dentist"})
    assert "That time overlaps Wendy Web" in refused.content.decode() and not Block.objects.exists()
    staff_client.post(f"{DIARY}block/", {"date": monday.isoformat(), "start": "12:00", "end": "13:00",
                                         "reason": "Dentist"})
    block = Block.objects.get()
    assert block.start == london(monday, 12)
    html = staff_client.get(f"{DIARY}?date={monday}&view=day").content.decode()
    assert "Dentist" in html and "12:00–13:00" in html
    slots = staff_client.get(f"/api/calendar/availability?date={monday}&duration=60").json()["slots"]
    assert "12:00" not in {s["start"][11:16] for s in slots}


def test_block_admin_refuses_blocked_time_over_a_booking(studio, monday, staff_client):
    website_booking(monday, 10)
    response = staff_client.post("/admin/bookings/block/add/", {
        "start_0": monday.isoformat(), "start_1": "10:30", "end_0": monday.isoformat(), "end_1": "11:30",
        "reason": "Boiler", "source": "admin", "external_id": ""})
    assert response.status_code == 200 and "That time overlaps Wendy Web" in response.content.decode()
    assert not Block.objects.exists()
