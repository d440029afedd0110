"""The booking site in Debian's Chromium: booking, races, manage links from the outbox, zones, keyboard."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from booksync.bookings import services
from booksync.bookings.models import Booking, Service
from booksync.web.picker import slot_value
from tests.conftest import london

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _slot(page, start):
    return page.locator(f'input[name="start"][value="{slot_value(start)}"]')


def _wait_for_month(page):
    page.locator("#month .day.has-slots").first.wait_for()


def _pick_day(page, day):
    """Click ``day`` in the month view, turning to the next month when it lies there."""
    cell = page.locator(f'#month .day[data-date="{day}"]')
    for _ in range(3):
        if cell.count():
            break
        page.get_by_role("button", name="Next month").click()
        page.locator(f'#month .day[data-date^="{day:%Y-%m}"]').first.wait_for()
    cell.click()


def _fill_details(page, name="Ada Lovelace", email="ada@example.com"):
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Phone").fill("+44 7700 900123")
    page.get_by_label("Anything we should know?").fill("Bringing a dog.")


def test_book_a_slot_end_to_end_and_it_disappears_for_the_next_customer(site, studio, monday, open_page, outbox):
    home = open_page(site + "/")
    screenshot(home, "home")
    home.get_by_role("link", name="Book a portrait session").click()
    _wait_for_month(home)
    screenshot(home, "book")

    page = open_page(f"{site}/book/portrait/?date={monday}")
    _wait_for_month(page)
    assert page.locator(f'#month .day[data-date="{monday}"]').get_attribute("aria-selected") == "true"
    ten = london(monday, 10)
    page.locator(".slot", has=_slot(page, ten)).click()
    _fill_details(page)
    page.get_by_role("button", name="Book this time").click()

    page.get_by_role("heading", name="You're booked").wait_for()
    booking = Booking.objects.get()
    assert booking.start == ten and booking.name == "Ada Lovelace" and booking.customer_timezone == "Europe/London"
    assert page.get_by_role("link", name="Add to calendar (.ics)").get_attribute("href").endswith("/invite.ics")
    assert "calendar.google.com" in page.get_by_role("link", name=re.compile("Add to Google Calendar")).get_attribute("href")
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    assert "BEGIN:VEVENT" in Path(download.value.path()).read_text()
    screenshot(page, "confirmed")

    later = open_page(f"{site}/book/portrait/?date={monday}")
    _wait_for_month(later)
    assert _slot(later, ten).count() == 0, "the booked slot is still offered"
    assert _slot(later, london(monday, 11)).count() == 1
    # The same holds for the script's own rendering of the day, from the batch API.
    later.locator(f'#month .day.has-slots:not([data-date="{monday}"])').first.click()
    later.locator(f'#month .day[data-date="{monday}"]').click()
    later.locator(".slot", has=_slot(later, london(monday, 11))).wait_for()
    assert _slot(later, ten).count() == 0


def test_two_browsers_racing_for_one_slot(site, studio, monday, open_page):
    ten = london(monday, 10)
    pages = [open_page(f"{site}/book/portrait/?date={monday}") for _ in range(2)]
    for number, page in enumerate(pages):
        _wait_for_month(page)
        page.locator(".slot", has=_slot(page, ten)).click()
        _fill_details(page, name=f"Racer {number}", email=f"racer{number}@example.com")
    # Send both forms before either answer arrives.
    for page in pages:
        page.evaluate("document.querySelector('form.booking-form').requestSubmit()")
    for page in pages:
        page.wait_for_load_state()
        page.locator("h1, #slot-taken").first.wait_for()

    winners = [page for page in pages if page.get_by_role("heading", name="You're booked").count()]
    losers = [page for page in pages if page.locator("#slot-taken").count()]
    assert len(winners) == 1 and len(losers) == 1
    loser = losers[0]
    assert "that time was just taken" in loser.locator("#slot-taken").inner_text()
    alternatives = loser.locator('#slot-grid input[name="start"]')
    assert alternatives.count() >= 3 and _slot(loser, ten).count() == 0
    assert _slot(loser, london(monday, 9)).count() == 1 and _slot(loser, london(monday, 11)).count() == 1
    loser_name = loser.get_by_label("Name").input_value()
    assert loser_name.startswith("Racer") and loser.get_by_label("Anything we should know?").input_value() == "Bringing a dog."
    screenshot(loser, "book-slot-taken")

    # The loser takes an alternative without typing anything again.
    loser.locator(".slot", has=_slot(loser, london(monday, 11))).click()
    loser.get_by_role("button", name="Book this time").click()
    loser.get_by_role("heading", name="You're booked").wait_for()
    assert sorted(b.start for b in Booking.objects.active()) == [ten, london(monday, 11)]
    assert Booking.objects.get(start=london(monday, 11)).name == loser_name


def test_reschedule_and_cancel_from_the_emailed_manage_link(site, studio, monday, open_page, outbox):
    services.book(services.BookingRequest(start=london(monday, 10), name="Grace Hopper", email="grace@example.com",
                                          service=Service.objects.get(slug="portrait")))
    outbox.deliver()
    link = outbox.manage_link()
    assert link.startswith(site)

    page = open_page(link)
    page.get_by_role("heading", name="Your booking").wait_for()
    screenshot(page, "manage")
    page.get_by_role("link", name="Change the time").click()
    _wait_for_month(page)
    screenshot(page, "reschedule")
    tuesday = monday + timedelta(days=1)
    _pick_day(page, tuesday)
    page.locator(".slot", has=_slot(page, london(tuesday, 14))).click()
    page.get_by_role("button", name="Move my booking").click()
    page.get_by_text("Your booking has moved").wait_for()
    assert Booking.objects.get().start == london(tuesday, 14)
    assert "14:00" in page.locator(".summary").inner_text()

    messages = outbox.deliver()
    assert messages[-1]["Subject"].startswith("Your booking has changed")
    page.goto(outbox.manage_link())
    page.get_by_role("link", name="Cancel booking").click()
    page.get_by_role("heading", name="Cancel this booking?").wait_for()
    screenshot(page, "cancel")
    page.get_by_label("Reason").fill("Plans changed")
    page.get_by_role("button", name="Yes, cancel my booking").click()
    page.get_by_text("Your booking is cancelled").wait_for()
    booking = Booking.objects.get()
    assert booking.status == "cancelled" and booking.cancel_reason == "Plans changed"
    assert "Cancelled" in page.locator(".summary").inner_text()
    screenshot(page, "manage-cancelled")
    assert outbox.deliver()[-1]["Subject"].startswith("Your booking is cancelled")


def test_customer_in_new_york_sees_converted_times_and_books_the_right_instant(site, studio, monday, open_page):
    studio.time_leads = "customer"  # e.g. sessions by video call: the customer's clock leads
    studio.save()
    page = open_page(f"{site}/book/portrait/?date={monday}", timezone_id="America/New_York")
    _wait_for_month(page)
    assert page.get_by_label("Show times in").input_value() == "America/New_York"
    ten_london = london(monday, 10)
    new_york = f"{ten_london.astimezone(ZoneInfo('America/New_York')):%H:%M}"
    slot = page.locator(".slot", has=page.locator(".slot-time", has_text=re.compile(f"^{new_york}$")))
    assert slot.locator(".slot-other").inner_text() == "studio 10:00"
    screenshot(page, "book-new-york")
    slot.click()
    _fill_details(page)
    page.get_by_role("button", name="Book this time").click()
    page.get_by_role("heading", name="You're booked").wait_for()

    booking = Booking.objects.get()
    assert booking.start == ten_london  # the same instant, compared in UTC
    assert booking.start.utcoffset() == timedelta(0) and booking.customer_timezone == "America/New_York"
    summary = page.locator(".summary").inner_text()
    assert f"{new_york}" in summary and "New York (UTC" in summary and "London (UTC" in summary

    # Choosing another zone relabels the same instants.
    again = open_page(f"{site}/book/portrait/?date={monday}", timezone_id="America/New_York")
    _wait_for_month(again)
    again.locator("#tz").select_option("Asia/Tokyo")
    tokyo = f"{london(monday, 11).astimezone(ZoneInfo('Asia/Tokyo')):%H:%M}"
    assert again.locator(".slot", has=_slot(again, london(monday, 11))).locator(".slot-time").inner_text() == tokyo


class Keys:
    """The keyboard, counting every key pressed (a typed character counts as one press)."""

    def __init__(self, page):
        self.page, self.presses = page, 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.presses += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.presses += len(text)

    def focused(self, selector: str, wait: bool = True) -> bool:
        """Whether focus is on ``selector`` (waiting a moment: a move into another month loads it first)."""
        script = "s => !!document.activeElement && document.activeElement.matches(s)"
        if not wait:
            return self.page.evaluate(script, selector)
        try:
            self.page.wait_for_function(script, arg=selector, timeout=5000)
        except Exception:
            return False
        return True

    def tab_until(self, selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            self.press("Tab")
            if self.focused(selector, wait=False):
                return
        raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_booking_with_the_month_grid(site, studio, monday, open_page):
    """From page load to the confirmation with keys only; the month grid is one tab stop."""
    page = open_page(f"{site}/book/portrait/?date={monday}")
    _wait_for_month(page)
    keys = Keys(page)
    keys.tab_until("#month .day")
    assert keys.focused(f'#month .day[data-date="{monday}"]'), "the grid's tab stop is the chosen day"
    assert page.locator("#month .day[tabindex='0']").count() == 1
    # Arrows move day by day (Tuesday after Monday), Home/End to the week's ends, PageDown a month on.
    keys.press("ArrowRight")
    tuesday = monday + timedelta(days=1)
    assert keys.focused(f'#month .day[data-date="{tuesday}"]')
    keys.press("End")
    assert keys.focused(f'#month .day[data-date="{monday + timedelta(days=6)}"]')
    keys.press("Home")
    assert keys.focused(f'#month .day[data-date="{monday}"]')
    keys.press("PageDown")
    page.wait_for_function("m => document.activeElement.dataset.date && !document.activeElement.dataset.date.startsWith(m)",
                           arg=f"{monday:%Y-%m}")
    next_month = date.fromisoformat(page.evaluate("document.activeElement.dataset.date"))
    assert (next_month.year * 12 + next_month.month) - (monday.year * 12 + monday.month) == 1
    assert next_month.day == monday.day or next_month.day < monday.day  # same day number, or the month's last
    keys.press("PageUp")
    page.wait_for_function("m => (document.activeElement.dataset.date || '').startsWith(m)", arg=f"{monday:%Y-%m}")
    back = date.fromisoformat(page.evaluate("document.activeElement.dataset.date"))
    for _ in range((monday - back).days):  # PageDown/PageUp clamp the 29th–31st to a shorter month
        keys.press("ArrowRight")
    assert keys.focused(f'#month .day[data-date="{monday}"]')
    keys.press("ArrowRight")
    keys.press("Enter")
    page.locator("#slots-legend", has_text=tuesday.strftime("%A")).wait_for()
    keys.tab_until('#slot-grid input[name="start"]')
    keys.press("Space")
    chosen = page.evaluate("document.activeElement.checked && document.activeElement.value")
    screenshot(page, "book-keyboard-focus")
    keys.tab_until("#id_name")
    keys.type("Keyboard User")
    keys.press("Tab")
    keys.type("keys@example.com")
    keys.tab_until("button[type=submit]")
    keys.press("Enter")
    page.get_by_role("heading", name="You're booked").wait_for()
    booking = Booking.objects.get()
    assert slot_value(booking.start) == chosen and booking.start.date() == tuesday
    assert booking.name == "Keyboard User"
    typed = len("Keyboard User") + len("keys@example.com")
    print(f"\nkeyboard-only booking: {keys.presses} key presses from page load to confirmation "
          f"({keys.presses - typed} without the {typed} typed characters; the grid tour Right/End/Home/"
          "PageDown/PageUp adds 5)")


def test_booking_works_without_javascript(site, studio, monday, open_page):
    page = open_page(f"{site}/book/portrait/", javascript=False)
    page.get_by_label("Day", exact=True).fill(monday.isoformat())
    page.get_by_role("button", name="Show times").click()
    screenshot(page, "book-no-js")
    page.locator(".slot", has=_slot(page, london(monday, 15))).click()
    _fill_details(page)
    page.get_by_role("button", name="Book this time").click()
    page.get_by_role("heading", name="You're booked").wait_for()
    assert Booking.objects.get().start == london(monday, 15)


def test_error_pages(site, studio, monday, open_page):
    page = open_page(site + "/no-such-page/")
    page.get_by_role("heading", name="We could not find that page").wait_for()
    screenshot(page, "404")
    page.goto(site + "/manage/not-a-real-token/")
    page.get_by_role("heading", name="This link does not open a booking").wait_for()
    screenshot(page, "manage-unknown")

    result = services.book(services.BookingRequest(start=london(monday, 10), name="Soon", email="soon@example.com",
                                                   service=Service.objects.get(slug="mini")))
    from django.utils import timezone

    soon = timezone.now() + timedelta(hours=5)
    Booking.objects.filter(pk=result.booking.pk).update(start=soon, end=soon + timedelta(minutes=30))
    page.goto(f"{site}/manage/{result.token}/")
    page.get_by_role("heading", name="Online changes are closed").wait_for()
    screenshot(page, "manage-changes-closed")
    services.cancel(Booking.objects.get(), actor="admin")
    page.goto(f"{site}/manage/{result.token}/cancel/")
    page.get_by_role("heading", name="This booking can no longer be changed").wait_for()
    screenshot(page, "410")
