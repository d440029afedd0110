"""The booking page while Google Calendar is down (issue 17, ADR 0012), in Chromium."""

from __future__ import annotations

import pytest

from booksync.bookings.models import Booking
from booksync.integrations.google_calendar import google_calendar
from tests.conftest import london
from tests.integrations.google_fixtures import gcal, google_settings  # noqa: F401 - fixtures

from .conftest import screenshot
from .test_booking_flow import _fill_details, _slot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def calendar_down(google_settings, gcal):  # noqa: F811 - the fixture imported above
    google_calendar().forget_busy()
    gcal.fail_backend(status=503, times=None, path=r"^/calendar/v3/")
    return gcal


def test_under_refuse_the_page_keeps_the_form_and_says_to_try_again(site, studio, monday, open_page, settings,
                                                                     calendar_down):
    settings.CALENDAR_OUTAGE_POLICY = "refuse"
    page = open_page(f"{site}/book/portrait/?date={monday}", javascript=False)
    ten = london(monday, 10)
    page.locator(".slot", has=_slot(page, ten)).click()  # slots still show, from local bookings and blocks
    _fill_details(page)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Book this time").click()
    assert answer.value.status == 503
    page.get_by_role("alert").filter(has_text="try again in a few minutes").wait_for()
    assert page.get_by_label("Name").input_value() == "Ada Lovelace"
    assert page.get_by_label("Email").input_value() == "ada@example.com"
    assert page.get_by_label("Anything we should know?").input_value() == "Bringing a dog."
    assert _slot(page, ten).is_checked()
    screenshot(page, "book-calendar-unavailable")
    assert not Booking.objects.exists()


def test_under_accept_the_customer_books_as_usual(site, studio, monday, open_page, settings, calendar_down):
    settings.CALENDAR_OUTAGE_POLICY = "accept"
    page = open_page(f"{site}/book/portrait/?date={monday}", javascript=False)
    page.locator(".slot", has=_slot(page, london(monday, 10))).click()
    _fill_details(page)
    page.get_by_role("button", name="Book this time").click()
    page.get_by_role("heading", name="You're booked").wait_for()
    assert Booking.objects.get().start == london(monday, 10)
