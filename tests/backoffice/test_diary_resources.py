"""The diary of a studio of several (ADR 0017): day columns per person and room, the week filter,
phone bookings with people and room, moves that change the photographer, clash naming the blocker."""

from __future__ import annotations

import pytest

from booksync.bookings import services
from booksync.bookings.models import Booking, BookingResource, Service
from booksync.outbox.models import OutboxMessage
from tests.conftest import london

pytestmark = pytest.mark.django_db
DIARY = "/admin/diary/"


def book(day, hour, person, name, service="portrait"):
    return services.book(services.BookingRequest(start=london(day, hour), name=name, email=f"{name[:3]}@example.com",
                                                 service=Service.objects.get(slug=service), resource=person)).booking


def held(booking) -> set[str]:
    return set(BookingResource.objects.filter(booking=booking).values_list("resource__slug", flat=True))


def test_the_day_has_a_column_per_person_and_room(team_studio, monday, staff_client):
    book(monday, 10, "alex", "Ann Alex")
    book(monday, 10, "sam", "Sid Sam")
    html = staff_client.get(f"{DIARY}?date={monday}&view=day").content.decode()
    columns = html.split('<section class="diary-day')[1:]
    labels = [c.split("<h2", 1)[1].split(">", 1)[1].split("<", 1)[0] for c in columns]
    assert labels == ["Alex", "Sam", "Big room"]
    assert "Ann Alex" in columns[0] and "Sid Sam" not in columns[0]
    assert "Sid Sam" in columns[1] and "Ann Alex" not in columns[1]
    assert "Ann Alex" not in columns[2]


def test_the_week_can_be_filtered_by_resource(team_studio, monday, staff_client):
    book(monday, 10, "alex", "Ann Alex")
    book(monday, 11, "sam", "Sid Sam")
    everyone = staff_client.get(f"{DIARY}?date={monday}").content.decode()
    assert "Ann Alex" in everyone and "Sid Sam" in everyone and "Portrait session · Alex" in everyone
    sam = staff_client.get(f"{DIARY}?date={monday}&resource=sam").content.decode()
    assert "Sid Sam" in sam and "Ann Alex" not in sam


def test_a_phone_booking_chooses_its_people_and_room(team_studio, monday, staff_client):
    response = staff_client.post(f"{DIARY}add/", {"date": monday.isoformat(), "start": "10:00", "name": "Pat Phone",
                                                  "service": Service.objects.get(slug="portrait").pk,
                                                  "person": "sam"})
    assert response.status_code == 302
    assert held(Booking.objects.get(name="Pat Phone")) == {"sam"}
    clash = staff_client.post(f"{DIARY}add/", {"date": monday.isoformat(), "start": "10:00", "name": "Second",
                                               "service": Service.objects.get(slug="portrait").pk, "person": "sam"})
    assert clash.status_code == 200 and "Sam: Pat Phone · Portrait session" in clash.content.decode()


def test_a_move_changes_the_photographer_clash_checked(team_studio, monday, staff_client):
    ann = book(monday, 10, "alex", "Ann Alex")
    book(monday, 10, "sam", "Sid Sam")
    url = f"{DIARY}booking/{ann.pk}/"
    taken = staff_client.post(url, {"move-date": monday.isoformat(), "move-start": "10:00", "move-person": "sam",
                                    "move": "1"})
    assert taken.status_code == 200 and "Sam: Sid Sam · Portrait session" in taken.content.decode()
    assert held(ann) == {"alex"}
    moved = staff_client.post(url, {"move-date": monday.isoformat(), "move-start": "12:00", "move-person": "sam",
                                    "move": "1"})
    assert moved.status_code == 302
    ann.refresh_from_db()
    assert held(ann) == {"sam"} and ann.start == london(monday, 12)
    assert OutboxMessage.objects.filter(key=f"email:{ann.pk}:update:1").exists()


def test_the_list_and_the_csv_have_the_resources(team_studio, monday, staff_client):
    import csv
    import io

    book(monday, 10, "alex", "Ann Alex", service="family")
    listing = staff_client.get("/admin/bookings/booking/").content.decode()
    assert "Photographer · room" in listing and "Alex · Big room" in listing
    rows = list(csv.reader(io.StringIO(staff_client.get("/admin/bookings/booking/export.csv").content.decode())))
    assert rows[0][-2:] == ["photographer", "room"] and rows[1][-2:] == ["Alex", "Big room"]


def test_a_one_person_studio_s_csv_is_as_before(studio, monday, staff_client):
    import csv
    import io

    book(monday, 10, None, "Solo")
    rows = list(csv.reader(io.StringIO(staff_client.get("/admin/bookings/booking/export.csv").content.decode())))
    assert "photographer" not in rows[0] and len(rows[0]) == len(rows[1]) == 11
    assert "Photographer · room" not in staff_client.get("/admin/bookings/booking/").content.decode()


def test_the_resource_admin_lists_people_and_rooms(team_studio, staff_client):
    page = staff_client.get("/admin/bookings/resource/").content.decode()
    assert "Alex" in page and "Big room" in page


def test_a_free_row_in_sam_s_column_books_sam(team_studio, monday, staff_client):
    html = staff_client.get(f"{DIARY}?date={monday}&view=day").content.decode()
    assert f"add/?start={monday}T10:00&amp;person=sam" in html
    form = staff_client.get(f"{DIARY}add/?start={monday}T10:00&person=sam").content.decode()
    assert '<option value="sam" selected>' in form
