"""Broken #4: bad input is a 4xx in the caller's language (API JSON, or the form's own error), never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from booksync.bookings import services
from booksync.bookings.models import Booking, Service
from tests.conftest import london

from .conftest import booking_body, post_json

pytestmark = pytest.mark.django_db
FAR = ["0001-01-01T10:00:00+00:00", "9999-12-31T10:00:00+00:00"]


@pytest.fixture
def client():
    # A 500 must show as a status, not as an exception in the test.
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("start", FAR)
def test_booking_form_with_a_far_date_shows_the_form_error(studio, client, start):
    response = client.post("/book/portrait/", {"start": start, "name": "Ann", "email": "ann@example.com",
                                               "date": start[:10], "timezone": "Europe/London"})
    assert response.status_code == 422
    assert "That time could not be read" in response.content.decode()
    assert not Booking.objects.exists()


@pytest.mark.parametrize("start", FAR)
def test_reschedule_form_with_a_far_date_shows_the_form_error(studio, monday, client, start):
    token = services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                                  service=Service.objects.get(slug="portrait"))).token
    response = client.post(f"/manage/{token}/reschedule/", {"start": start, "date": start[:10]})
    assert response.status_code == 422
    assert Booking.objects.get().start == london(monday, 10)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_booking_page_for_a_far_day_still_opens(studio, client, day):
    assert client.get(f"/book/portrait/?date={day}").status_code == 200


@pytest.mark.parametrize(("method", "url", "allowed"), [("TRACE", "/api/ping", "GET"), ("PUT", "/api/bookings", "POST"),
                                                         ("DELETE", "/api/calendar/availability", "GET")])
def test_a_method_the_api_does_not_take_is_a_json_405_naming_the_ones_it_does(studio, client, method, url, allowed):
    response = client.generic(method, url)
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    assert response["Allow"] == allowed  # RFC 9110: a 405 carries Allow


@pytest.mark.parametrize("url", ["/api/bookings", "/api/webhooks/notion", "/api/calendar/availability-batch"])
def test_an_oversized_api_body_is_a_json_413(studio, client, url):
    body = json.dumps({"notes": "x" * 3_000_000})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "payload_too_large"


def test_an_oversized_form_is_a_413_page(studio, client):
    response = client.post("/book/portrait/", {"notes": "x" * 3_000_000, "name": "Ann"})
    assert response.status_code == 413
    assert "We could not read that request" in response.content.decode()


@pytest.mark.parametrize("url", ["/api/bookings", "/api/webhooks/notion", "/api/calendar/availability-batch"])
def test_deeply_nested_json_is_a_json_400(studio, client, url):
    response = client.post(url, "[" * 50_000 + "]" * 50_000, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_every_api_4xx_is_json(studio, client):
    for response in (client.get("/api/no-such-thing"), client.put("/api/bookings", "{}"),
                     client.post("/api/bookings", "{", content_type="application/json")):
        assert 400 <= response.status_code < 500
        assert set(response.json()) >= {"error", "message"} or "detail" in response.json()


def test_far_dates_in_the_api_are_still_422(studio, client):
    response = post_json(client, "/api/bookings", booking_body(london(__import__("datetime").date(2030, 1, 7), 10))
                         | {"start": FAR[0]})
    assert response.status_code == 422 and response.json()["field"] == "start"
