"""The booking page's photographer choice (ADR 0017): Anyone, Alex or Sam; the slots follow the choice."""

from __future__ import annotations

import pytest

from booksync.bookings import services
from booksync.bookings.models import Booking, Service
from booksync.web.picker import slot_value
from tests.conftest import london

from .axe import serious_axe_violations
from .conftest import screenshot

pytestmark = pytest.mark.django_db


def _details(start, **extra) -> dict:
    return {"start": slot_value(start), "date": start.date().isoformat(), "timezone": "Europe/London",
            "name": "Ada Lovelace", "email": "ada@example.com", "phone": "", "notes": "", **extra}


def _taken_by_sam(monday):
    services.book(services.BookingRequest(start=london(monday, 10), name="Grace", email="grace@example.com",
                                          service=Service.objects.get(slug="portrait"), resource="sam"))


def test_the_choice_filters_the_slots_and_books_the_chosen_person_without_javascript(client, team_studio, monday):
    _taken_by_sam(monday)
    ten = f'value="{slot_value(london(monday, 10))}"'
    anyone = client.get(f"/book/portrait/?date={monday}").content.decode()
    assert "Choose a photographer" in anyone and "Anyone" in anyone and "Sam" in anyone
    assert ten in anyone  # Alex is free at 10:00
    sam = client.get(f"/book/portrait/?date={monday}&person=sam").content.decode()
    assert ten not in sam and 'name="person" value="sam"' in sam
    response = client.post("/book/portrait/", _details(london(monday, 11), person="sam"))
    assert response.status_code == 302
    booking = Booking.objects.get(name="Ada Lovelace")
    assert [c.resource.slug for c in booking.claims.all()] == ["sam"] and booking.resource_choice == "sam"


def test_family_names_alex_and_a_one_person_studio_shows_no_choice(client, team_studio, monday):
    family = client.get(f"/book/family/?date={monday}").content.decode()
    assert "Choose a photographer" not in family and "With Alex" in family


def test_no_choice_for_a_one_person_studio(client, studio, monday):
    page = client.get(f"/book/portrait/?date={monday}").content.decode()
    assert "Choose a photographer" not in page and "person" not in page.split("<main", 1)[-1].split("booking-form")[0]


@pytest.mark.browser
def test_photographer_choice_in_the_browser(site, team_studio, monday, open_page):
    _taken_by_sam(monday)
    page = open_page(f"{site}/book/portrait/?date={monday}")
    page.locator("#month .day.has-slots").first.wait_for()
    assert page.locator(f'input[name="start"][value="{slot_value(london(monday, 10))}"]').count() == 1
    page.get_by_role("link", name="Sam").click()
    page.locator("#month .day.has-slots").first.wait_for()
    assert page.locator(".person-chosen .person-name").inner_text() == "Sam"
    assert page.locator(f'input[name="start"][value="{slot_value(london(monday, 10))}"]').count() == 0
    assert page.locator(f'input[name="start"][value="{slot_value(london(monday, 11))}"]').count() == 1
    assert serious_axe_violations(page) == []
    screenshot(page, "book-photographer-choice")
