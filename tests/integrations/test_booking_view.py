"""The neutral booking view (ADR 0013 (a)): built once by bookings, read by every adapter.

An adapter's translation is tested with a ``BookingView`` literal and no database.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from booksync.bookings.booking_view import booking_view, calendar_ref, notion_ref
from booksync.bookings.models import Service
from booksync.bookings.services import BookingRequest, book
from booksync.integrations.google_events import BOOKING_ID_PROPERTY, event_body
from booksync.integrations.ports import BookingView, ExternalRef, StudioView
from tests.conftest import london

LITERAL = BookingView(
    booking_id="7d2c1f2e-0000-4000-8000-000000000001", start=datetime(2030, 3, 4, 10, tzinfo=UTC),
    end=datetime(2030, 3, 4, 11, tzinfo=UTC), studio=StudioView("Lumen", "Europe/Berlin", "Hauptstr. 1"),
    name="Ann", email="ann@example.com", phone="", notes="", service="Portrait", status="confirmed",
    active=True, source="website", sequence=2, manage_url="https://x.test/manage/t/",
    admin_url="https://x.test/admin/b/", title="Portrait – Ann", description="studio text",
    shared_description="customer text",
)


def test_an_adapter_reads_a_view_literal_without_a_database(settings):
    settings.INVITES_VIA = "email"
    body = event_body(LITERAL)
    assert body["summary"] == "Portrait – Ann" and body["description"] == "studio text"
    assert body["start"] == {"dateTime": "2030-03-04T11:00:00+01:00", "timeZone": "Europe/Berlin"}
    assert body["location"] == "Hauptstr. 1" and body["attendees"] == []
    assert body["extendedProperties"]["private"][BOOKING_ID_PROPERTY] == LITERAL.booking_id
    settings.INVITES_VIA = "calendar"  # Google invites the customer, who then reads the event
    assert event_body(LITERAL)["description"] == "customer text"


@pytest.mark.django_db
def test_the_view_is_built_once_with_clean_text_and_both_links(studio, monday):
    request = BookingRequest(start=london(monday, 10), name="Ann\x07 Example", email="ann@example.com",
                             phone="+44 7700 900123", notes="Line one\nLine\x00 two",
                             service=Service.objects.get(slug="portrait"))
    booking = book(request).booking
    view = booking_view(booking, calendar_event_id="evt1")
    assert view.name == "Ann Example" and view.notes == "Line one\nLine two"  # control characters gone
    assert view.studio.zone == studio.timezone and view.active and view.sequence == booking.sequence
    assert view.title == f"{booking.service_name} – Ann Example" and view.calendar_event_id == "evt1"
    assert view.description.endswith(f"Booking in booksync: {view.admin_url}")
    assert view.shared_description.endswith(f"Change or cancel: {view.manage_url}")
    assert "/manage/" not in view.description and "Email: ann@example.com" in view.description
    assert calendar_ref(None) == notion_ref(None) == ExternalRef()
