"""Issue 11 in Chromium: the studio's admin takes a phone booking, hits a clash, moves it, bulk-cancels it
(after the confirmation page, issue 23)."""

from __future__ import annotations

import pytest

from booksync.bookings import services
from booksync.bookings.models import Booking, BookingStatus, Service
from tests.conftest import london

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True,
                                                 is_superuser=True)


def log_in(page, site):
    page.goto(f"{site}/admin/login/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")


def set_times(page, day, start, end=""):
    page.fill("#id_start_0", day.isoformat())
    page.fill("#id_start_1", start)
    page.fill("#id_end_0", day.isoformat() if end else "")
    page.fill("#id_end_1", end)


def test_phone_booking_clash_move_and_bulk_cancel(site, studio, monday, owner, open_page, outbox):
    services.book(services.BookingRequest(start=london(monday, 14), name="Wendy Web", email="wendy@example.com",
                                          service=Service.objects.get(slug="portrait")))
    page = open_page(f"{site}/admin/login/")
    log_in(page, site)

    page.goto(f"{site}/admin/bookings/booking/add/")
    assert page.get_by_text("Start (Europe/London, studio time)").count() == 1
    set_times(page, monday, "11:00")
    page.select_option("#id_service", label="Portrait session")
    page.fill("#id_name", "Pat Phone")
    page.fill("#id_email", "pat@example.com")
    page.fill("#id_phone", "+44 7700 900123")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{site}/admin/bookings/booking/")
    booking = Booking.objects.get(name="Pat Phone")
    assert booking.start == london(monday, 11)
    assert [m["Subject"].split(":")[0] for m in outbox.deliver()] == ["Your booking is confirmed"] * 2

    change = f"{site}/admin/bookings/booking/{booking.pk}/change/"
    page.goto(change)
    set_times(page, monday, "14:30", "15:30")
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator(".field-start .errorlist")
    error.wait_for()
    assert "That time overlaps Wendy Web · Portrait session" in error.inner_text()
    assert "16:00" in error.inner_text()
    screenshot(page, "admin-booking-clash")
    booking.refresh_from_db()
    assert booking.start == london(monday, 11) and booking.version == 1

    set_times(page, monday, "16:00", "17:00")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{site}/admin/bookings/booking/")
    booking.refresh_from_db()
    assert booking.start == london(monday, 16)
    update = outbox.deliver()[-1]
    assert update["To"] == "Pat Phone <pat@example.com>" and "has changed" in update["Subject"]
    assert "16:00" in update["Subject"]

    assert page.get_by_text("Times are studio time (Europe/London).").count() == 1
    row = page.locator("#result_list tr", has_text="Pat Phone")
    assert f"{monday:%a} {monday.day} {monday:%b} {monday.year}, 16:00" in row.inner_text()
    screenshot(page, "admin-booking-list")

    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "cancel_bookings")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("1 customer will be emailed").wait_for()  # asks first (ADR 0021)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    page.get_by_role("button", name="Yes, cancel 1 booking").click()
    page.get_by_text("Cancelled 1 booking(s)").wait_for()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "is cancelled" in outbox.deliver()[-1]["Subject"]
