"""The bookings list: upcoming and confirmed by default, searchable by name, email or phone, exportable as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from booksync.bookings import services
from booksync.bookings.models import Booking, BookingStatus, Service
from tests.conftest import london

pytestmark = pytest.mark.django_db
LIST = "/admin/bookings/booking/"


def book(day, hour, name, phone=""):
    return services.book(services.BookingRequest(start=london(day, hour), name=name, email=f"{name.lower()}@example.com",
                                                 phone=phone, service=Service.objects.get(slug="portrait"))).booking


@pytest.fixture
def bookings(studio, monday):
    upcoming = book(monday, 10, "Upcoming", phone="+44 7700 900111")
    cancelled = book(monday, 12, "Cancelled")
    services.cancel(cancelled, actor="admin")
    past = book(monday, 14, "Past")
    Booking.objects.filter(pk=past.pk).update(start=london(monday, 14) - timedelta(days=30),
                                              end=london(monday, 15) - timedelta(days=30),
                                              blocked_start=london(monday, 14) - timedelta(days=30),
                                              blocked_end=london(monday, 15) - timedelta(days=30))
    formula = book(monday, 16, "=HYPERLINK")
    return upcoming, cancelled, past, formula


def names(html: str) -> set[str]:
    return {name for name in ("Upcoming", "Cancelled", "Past") if f"{name.lower()}@example.com" in html}


def test_default_list_is_upcoming_and_confirmed(bookings, staff_client):
    html = staff_client.get(LIST).content.decode()
    assert names(html) == {"Upcoming"}
    everything = staff_client.get(f"{LIST}?when=all&status=all").content.decode()
    assert names(everything) == {"Upcoming", "Cancelled", "Past"}
    cancelled = staff_client.get(f"{LIST}?status=cancelled").content.decode()
    assert names(cancelled) == {"Cancelled"}


@pytest.mark.parametrize("term", ["upcoming@example.com", "900111", "Upcom"])
def test_search_by_email_phone_or_name(bookings, staff_client, term):
    html = staff_client.get(f"{LIST}?q={term}&when=all&status=all").content.decode()
    assert names(html) == {"Upcoming"}


def test_csv_export_holds_the_bookings_shown(bookings, staff_client, monday):
    page = staff_client.get(f"{LIST}?q=upcoming").content.decode()
    assert 'href="/admin/bookings/booking/export.csv?q=upcoming"' in page
    response = staff_client.get(f"{LIST}export.csv?q=upcoming")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["name"], r["start"], r["phone"], r["status"]) for r in rows] == [
        ("Upcoming", f"{monday} 10:00", "+44 7700 900111", "Confirmed")]
    every = list(csv.DictReader(io.StringIO(staff_client.get(f"{LIST}export.csv?when=all&status=all").content.decode())))
    assert len(every) == 4 and {r["status"] for r in every} == {"Confirmed", "Cancelled"}
    assert "'=HYPERLINK" in {r["name"] for r in every}  # not run as a formula by a spreadsheet


def test_export_needs_staff(db, client):
    assert client.get(f"{LIST}export.csv").status_code == 302
    assert BookingStatus.CONFIRMED  # the list's default status exists
