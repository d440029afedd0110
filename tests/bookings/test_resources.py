"""People and rooms (ADR 0017): the demo's Alex and Sam, and the one Big room Family needs."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import timedelta

import pytest

from booksync.bookings import services, staffing, studio_edits
from booksync.bookings.errors import BookingError, SlotUnavailable
from booksync.bookings.models import Block, Booking, BookingResource, Resource, Service
from tests.conftest import london, open_starts

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def body(start, service="portrait", **extra):
    answers = {"answers": {"people": 2}} if service == "family" else {}  # Family asks how many (ADR 0019)
    return {"service": service, "start": start.isoformat(), "name": "Ann", "email": "ann@example.com", **answers,
            **extra}


def held(booking_id) -> set[str]:
    return set(BookingResource.objects.filter(booking_id=booking_id).values_list("resource__slug", flat=True))


def slots(client, day, **query) -> dict[str, list[str]]:
    params = "&".join(f"{k}={v}" for k, v in query.items())
    response = client.get(f"/api/calendar/availability?date={day}&{params}")
    assert response.status_code == 200, response.content
    return {s["start"][11:16]: s.get("people") for s in response.json()["slots"]}


def test_two_photographers_book_the_same_hour(team_studio, monday, api_client):
    first = post(api_client, "/api/bookings", body(london(monday, 10)))
    second = post(api_client, "/api/bookings", body(london(monday, 10), email="bo@example.com"))
    third = post(api_client, "/api/bookings", body(london(monday, 10), email="cy@example.com"))
    assert (first.status_code, second.status_code, third.status_code) == (201, 201, 409)
    people = {first.json()["resources"][0]["slug"], second.json()["resources"][0]["slug"]}
    assert people == {"alex", "sam"}
    assert first.json()["resources"] == [{"slug": "alex", "name": "Alex", "kind": "person"}]


def test_availability_lists_who_is_free(team_studio, monday, api_client):
    assert slots(api_client, monday, service="portrait")["10:00"] == ["alex", "sam"]
    services.book(services.BookingRequest(start=london(monday, 10), name="A", email="a@example.com",
                                          service=Service.objects.get(slug="portrait"), resource="sam"))
    assert slots(api_client, monday, service="portrait")["10:00"] == ["alex"]
    assert "10:00" not in slots(api_client, monday, service="portrait", resource="sam")
    assert slots(api_client, monday, service="portrait", resource="alex")["10:00"] == ["alex"]


def test_family_needs_alex_and_the_big_room(team_studio, monday, api_client):
    family = post(api_client, "/api/bookings", body(london(monday, 10), service="family"))
    assert family.status_code == 201
    assert {r["slug"] for r in family.json()["resources"]} == {"alex", "big-room"}
    # Sam is free at 10:00 but does not take Family, and the one Big room is taken.
    assert "10:00" not in slots(api_client, monday, service="family")
    assert slots(api_client, monday, service="portrait")["10:00"] == ["sam"]


def test_a_room_blocked_blocks_family_only(team_studio, monday, api_client):
    room = Resource.objects.get(slug="big-room")
    Block.objects.create(start=london(monday, 9), end=london(monday, 17), reason="Painting", resource=room)
    assert slots(api_client, monday, service="family") == {}
    assert len(slots(api_client, monday, service="portrait")) == 15


def test_a_person_s_block_blocks_them_only_and_the_studio_s_blocks_both(team_studio, monday, api_client):
    Block.objects.create(start=london(monday, 9), end=london(monday, 12), resource=Resource.objects.get(slug="sam"))
    assert slots(api_client, monday, service="portrait")["10:00"] == ["alex"]
    Block.objects.create(start=london(monday, 13), end=london(monday, 14))
    assert "13:00" not in slots(api_client, monday, service="portrait")


@pytest.mark.parametrize(("extra", "problem"), [
    ({"resource": "nobody"}, "is not one of the studio's people"),
    ({"resource": "big-room"}, "is not a person"),
    ({"resource": "sam", "service": "family"}, "does not take this service"),
])
def test_an_unknown_resource_is_a_422_naming_the_field(team_studio, monday, api_client, extra, problem):
    response = post(api_client, "/api/bookings", body(london(monday, 10), **{"service": "portrait", **extra}))
    assert response.status_code == 422
    assert response.json()["field"] == "resource" and problem in response.json()["message"]
    assert not Booking.objects.exists()
    day = api_client.get(f"/api/calendar/availability?date={monday}&service={extra.get('service', 'portrait')}"
                         f"&resource={extra['resource']}")
    assert day.status_code == 422 and day.json()["field"] == "resource"


def test_an_inactive_person_is_refused_and_offers_nothing(team_studio, monday, api_client):
    Resource.objects.filter(slug="sam").update(active=False)
    from booksync.bookings.busy.cache import bump

    bump()
    response = post(api_client, "/api/bookings", body(london(monday, 10), resource="sam"))
    assert response.status_code == 422 and response.json()["field"] == "resource"
    assert slots(api_client, monday, service="portrait")["10:00"] == ["alex"]


def test_resources_and_services_list_who(team_studio, api_client):
    listed = api_client.get("/api/resources").json()
    assert [(r["slug"], r["kind"], r["services"]) for r in listed] == [
        ("alex", "person", ["portrait", "family", "mini"]), ("sam", "person", ["portrait", "mini"]),
        ("big-room", "room", ["family"])]
    people = {s["slug"]: s["people"] for s in api_client.get("/api/services").json()}
    assert people == {"portrait": ["alex", "sam"], "family": ["alex"], "mini": ["alex", "sam"]}


def test_the_manage_read_names_the_photographer(team_studio, monday, api_client):
    made = post(api_client, "/api/bookings", body(london(monday, 10), resource="sam")).json()
    token = made["manage_url"].rstrip("/").split("/")[-1]
    read = api_client.get(f"/api/bookings/manage/{token}").json()
    assert read["resources"] == [{"slug": "sam", "name": "Sam", "kind": "person"}]


def test_rescheduling_keeps_the_chosen_person(team_studio, monday, api_client):
    made = post(api_client, "/api/bookings", body(london(monday + timedelta(days=1), 10), resource="sam")).json()
    # Alex is the fewer-booked, but the customer chose Sam.
    booking = Booking.objects.get(pk=made["id"])
    moved = services.reschedule(booking, london(monday + timedelta(days=1), 14))
    assert held(moved.pk) == {"sam"}
    services.book(services.BookingRequest(start=london(monday + timedelta(days=1), 16), name="B",
                                          email="b@example.com", service=Service.objects.get(slug="portrait"),
                                          resource="sam"))
    with pytest.raises(SlotUnavailable):
        services.reschedule(moved, london(monday + timedelta(days=1), 16))
    assert held(moved.pk) == {"sam"} and Booking.objects.get(pk=moved.pk).start == london(monday + timedelta(days=1), 14)


def test_a_phone_booking_names_its_people_and_room(team_studio, monday):
    start = london(monday, 11)
    entry = studio_edits.StudioBooking(start=start, end=start + timedelta(minutes=90), name="Phone",
                                       service=Service.objects.get(slug="family"), person="alex", room="big-room")
    booking = studio_edits.add_booking(entry, by="desk")
    assert held(booking.pk) == {"alex", "big-room"}
    again = studio_edits.StudioBooking(start=start, end=start + timedelta(minutes=60), name="Second",
                                       service=Service.objects.get(slug="portrait"), person="alex")
    with pytest.raises(SlotUnavailable, match="Phone"):
        studio_edits.add_booking(again, by="desk")
    with pytest.raises(BookingError):
        studio_edits.add_booking(studio_edits.StudioBooking(start=start, end=start + timedelta(hours=1), name="X",
                                                            service=Service.objects.get(slug="family"), person="sam"),
                                 by="desk")


def test_a_cancelled_booking_frees_its_people_and_room(team_studio, monday, api_client):
    made = post(api_client, "/api/bookings", body(london(monday + timedelta(days=2), 10), service="family")).json()
    services.cancel(Booking.objects.get(pk=made["id"]), actor="admin")
    assert not BookingResource.objects.filter(booking_id=made["id"], active=True).exists()
    again = post(api_client, "/api/bookings", body(london(monday + timedelta(days=2), 10), service="family"))
    assert again.status_code == 201


def test_fairness_over_a_week_of_any_bookings(team_studio, monday, settings):
    """100 "any" bookings spread over a week leave the two photographers within 2 of each other."""
    settings.BOOKING_RATE_PER_CLIENT = "100000/m"
    mini = Service.objects.get(slug="mini")
    starts = [s + timedelta(minutes=m) for s in open_starts(monday, 47) for m in (0, 30)]
    chooser = random.Random(21)
    made = 0
    while made < 100:
        try:
            services.book(services.BookingRequest(start=chooser.choice(starts), name=f"C{made}",
                                                  email=f"c{made}@example.com", service=mini))
            made += 1
        except SlotUnavailable:
            continue
    counts = Counter(BookingResource.objects.filter(active=True).values_list("resource__slug", flat=True))
    assert sum(counts.values()) == 100
    assert abs(counts["alex"] - counts["sam"]) <= 2, counts


def test_a_one_person_studio_is_as_before(studio, monday, api_client):
    """The upgrade's shape: one person named after the studio; a second booking of an hour is refused."""
    assert list(Resource.objects.values_list("slug", "name")) == [("studio", "Memories Studio")]
    assert post(api_client, "/api/bookings", body(london(monday, 10))).status_code == 201
    assert post(api_client, "/api/bookings", body(london(monday, 10), service="mini")).status_code == 409
    assert staffing.team().several is False


def test_each_resource_has_its_own_private_feed(team_studio, monday, client):
    services.book(services.BookingRequest(start=london(monday, 10), name="A", email="a@example.com",
                                          service=Service.objects.get(slug="portrait"), resource="sam"))
    Block.objects.create(start=london(monday, 13), end=london(monday, 14), reason="Studio closed")
    sam, alex = Resource.objects.get(slug="sam"), Resource.objects.get(slug="alex")
    sams = client.get(f"/calendar/resource/{sam.feed_token}.ics").content.decode()
    alexs = client.get(f"/calendar/resource/{alex.feed_token}.ics").content.decode()
    assert sams.count("BEGIN:VEVENT") == 2 and alexs.count("BEGIN:VEVENT") == 1  # Sam's booking; the studio's block
    assert "Sam" in sams and "Studio closed" in alexs
    assert client.get("/calendar/resource/not-a-token.ics").status_code == 404


def test_rescheduling_anyone_moves_to_whoever_is_free_at_the_new_time(team_studio, monday):
    """The old person's claim is given up before the move, so their other booking at the new time
    (the PostgreSQL constraint too) does not refuse it."""
    day = monday + timedelta(days=3)
    portrait = Service.objects.get(slug="portrait")
    first = services.book(services.BookingRequest(start=london(day, 10), name="A", email="a@example.com",
                                                  service=portrait)).booking
    assert held(first.pk) == {"alex"}
    services.book(services.BookingRequest(start=london(day, 14), name="B", email="b@example.com", service=portrait,
                                          resource="alex"))
    moved = services.reschedule(first, london(day, 14))
    assert held(moved.pk) == {"sam"} and moved.start == london(day, 14)
