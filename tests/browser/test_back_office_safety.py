"""Issue 23 in Chromium: the diary's cancel asks first (375 and 1280 px, without JavaScript), and the
bookings list fits 1280 px with every column visible (measured). Screenshots in var/artifacts/pages/:
diary-cancel-confirm-<width>.png, booking-list-1280.png."""

from __future__ import annotations

import pytest

from booksync.bookings import services
from booksync.bookings.models import Booking, BookingStatus, Service
from booksync.outbox.models import OutboxMessage
from tests.conftest import london

from .axe import serious_axe_violations
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True,
                                                 is_superuser=True)


def logged_in(open_page, site, width, javascript=True):
    page = open_page(f"{site}/admin/login/", width=width, javascript=javascript)
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")
    return page


def book(day, hour, name, email, phone=""):
    return services.book(services.BookingRequest(start=london(day, hour), name=name, email=email, phone=phone,
                                                 service=Service.objects.get(slug="portrait"))).booking


@pytest.mark.parametrize("width", [375, 1280])
def test_diary_cancel_asks_first_without_javascript(site, studio, monday, owner, open_page, width):
    booking = book(monday, 10, "Wendy Web", "wendy@example.com")
    page = logged_in(open_page, site, width, javascript=False)
    page.goto(f"{site}/admin/diary/?date={monday}&view=day")
    page.locator(".diary-entry", has_text="Wendy Web").click()
    page.get_by_role("link", name="Cancel booking…").click()
    page.get_by_role("heading", name="Cancel Wendy Web's booking?").wait_for()
    warning = page.locator(".diary-warning").inner_text()
    assert "Wendy Web will be emailed at wendy@example.com" in warning
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert not OutboxMessage.objects.filter(booking=booking, action="cancellation").exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_label("Reason").fill("The studio is flooded")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"diary-cancel-confirm-{width}.png"), full_page=True)

    # "No" leaves it as it was; "Yes" cancels and says the customer is emailed.
    page.get_by_role("link", name="No, keep the booking").click()
    page.get_by_role("link", name="Cancel booking…").click()
    page.get_by_label("Reason").fill("The studio is flooded")
    page.get_by_role("button", name="Yes, cancel and email Wendy Web").click()
    page.get_by_text("Cancelled Wendy Web's booking. Wendy Web is emailed the cancellation.").wait_for()
    cancelled = Booking.objects.get(pk=booking.pk)
    assert cancelled.status == BookingStatus.CANCELLED and cancelled.cancel_reason == "The studio is flooded"
    assert OutboxMessage.objects.filter(booking=booking, action="cancellation").count() == 1


def test_booking_list_fits_1280_with_every_column(site, studio, monday, owner, open_page):
    book(monday, 10, "Wilhelmina Featherstonehaugh-Smythe", "wilhelmina.featherstonehaugh@example-customers.com",
         phone="+44 7700 900123")
    book(monday, 12, "Bo", "bo@example.com")
    services.book(services.BookingRequest(  # a booking with answers, for the list's answers column
        start=london(monday, 14), name="Fay Family", email="fay@example.com", service=Service.objects.get(slug="family"),
        answers={"people": 4, "occasion": "anniversary"}))
    page = logged_in(open_page, site, 1280)
    page.goto(f"{site}/admin/bookings/booking/")
    measured = page.evaluate("""() => {
        const results = document.querySelector('#changelist .results');
        return {page: document.documentElement.scrollWidth,
                results: [results.scrollWidth, results.clientWidth],
                columns: [...document.querySelectorAll('#result_list thead th')].map(th => {
                    const box = th.getBoundingClientRect();
                    return [th.innerText.trim(), Math.round(box.left), Math.round(box.right)];
                })};
    }""")
    print("\nbookings list at 1280 px:", measured)
    names = [name for name, _, _ in measured["columns"] if name]
    for column in ("START (STUDIO TIME)", "NAME", "EMAIL · PHONE", "SERVICE NAME", "STATUS", "PAYMENT", "SOURCE",
                   "LAST EMAIL"):
        assert column in names, (column, names)  # and whatever other columns the list has (answers, …)
    assert measured["page"] <= 1280
    assert measured["results"][0] <= measured["results"][1]  # nothing scrolled out of the results box
    results_right = page.evaluate("document.querySelector('#changelist .results').getBoundingClientRect().right")
    assert all(right <= results_right + 1 for _, _, right in measured["columns"])
    assert "Showing upcoming confirmed bookings." in page.locator(".bs-shown").inner_text()
    page.screenshot(path=str(ARTIFACTS / "booking-list-1280.png"), full_page=True)
    assert serious_axe_violations(page) == []

    # A search for a cancelled booking finds it and says it searched everything.
    services.cancel(Booking.objects.get(name="Bo"), actor="customer")
    page.locator("#searchbar").fill("Bo")
    page.get_by_role("button", name="Search").click()
    assert "Searching every booking (any date, any status) for “Bo”." in page.locator(".bs-shown").inner_text()
    assert page.locator("#result_list tbody tr", has_text="bo@example.com").count() == 1
    page.screenshot(path=str(ARTIFACTS / "booking-list-search-1280.png"), full_page=True)
