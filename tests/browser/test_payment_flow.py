"""Pay a deposit in Chromium: the booking page → Checkout on the Stripe emulator → Pay → confirmation;
and Cancel on Checkout → back with the slot held and a way to pay again (ADR 0018). 375 and 1280 px."""

from __future__ import annotations

import re

import pytest

from booksync.bookings.models import Booking, BookingStatus
from booksync.web.picker import slot_value
from tests.conftest import london
from tests.emulators.stripe import DEFAULT_API_KEY, StripeEmulator

from .axe import serious_axe_violations
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "whsec_browser_tests"


@pytest.fixture
def stripe_site(site, settings):
    emulator = StripeEmulator()
    emulator.start()
    emulator.add_endpoint(f"{site}/api/webhooks/stripe", SECRET)  # signed, retried, over real HTTP
    settings.STRIPE_SECRET_KEY = DEFAULT_API_KEY
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_API_BASE = emulator.url
    settings.BOOKING_RATE_PER_CLIENT = settings.BOOKING_RATE_PER_EMAIL = "1000/m"
    yield emulator
    emulator.stop()


def _choose_and_book(page, monday, hour, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.locator("#month .day.has-slots").first.wait_for()
    page.locator(".slot", has=page.locator(f'input[name="start"][value="{slot_value(london(monday, hour))}"]')).click()
    page.get_by_label("Name").fill("Ada Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("How many people?").fill("4")  # the demo's Family session asks (ADR 0019)
    assert "deposit of £54.00" in page.locator("#payment-step").inner_text()
    page.get_by_role("button", name="Book this time").click()
    page.get_by_role("button", name="Pay").wait_for()


@pytest.mark.parametrize("width", [375, 1280])
def test_deposit_paid_on_checkout_then_confirmation_names_deposit_and_balance(stripe_site, studio, monday,
                                                                              open_page, width):
    page = open_page(f"{_site(stripe_site)}/book/family/?date={monday}", width=width)
    assert serious_axe_violations(page) == []
    screenshot(page, f"pay-book-{width}")
    _choose_and_book(page, monday, 10, width)
    assert page.url.startswith(stripe_site.url) and "GBP 54.00" in page.content()
    screenshot(page, f"pay-checkout-{width}")
    page.get_by_role("button", name="Pay").click()
    page.get_by_role("heading", name="You're booked").wait_for()
    text = page.locator("main").inner_text()
    assert re.search(r"Deposit paid\s*£54\.00", text), text
    assert re.search(r"Balance\s*£126\.00, to pay at the studio", text), text
    assert serious_axe_violations(page) == []
    screenshot(page, f"pay-confirmed-{width}")
    assert Booking.objects.get().status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("width", [375, 1280])
def test_cancel_on_checkout_comes_back_held_with_a_way_to_pay(stripe_site, studio, monday, open_page, width):
    page = open_page(f"{_site(stripe_site)}/book/family/?date={monday}", width=width)
    _choose_and_book(page, monday, 11, width)
    checkout_url = page.url
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("heading", name="Your time is held").wait_for()
    assert serious_axe_violations(page) == []
    screenshot(page, f"pay-again-{width}")
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.AWAITING_PAYMENT
    # Still held: the slot is not offered to the next customer.
    other = open_page(f"{_site(stripe_site)}/book/family/?date={monday}", width=width)
    other.locator("#month .day.has-slots").first.wait_for()
    assert other.locator(f'input[name="start"][value="{slot_value(london(monday, 11))}"]').count() == 0
    page.get_by_role("link", name="Pay now").click()
    page.get_by_role("button", name="Pay").wait_for()
    assert page.url == checkout_url
    page.get_by_role("button", name="Pay").click()
    page.get_by_role("heading", name="You're booked").wait_for()


def screenshot(page, name: str) -> None:
    """The page at its own width, full length, as var/artifacts/pages/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _site(stripe_emulator) -> str:
    from django.conf import settings

    return settings.SITE_URL
