"""Booking the Family session with its questions in Chromium, in English and German, at 375 and 1280 px
(ADR 0019, ADR 0020): a refused answer is marked beside its question, the confirmation shows the
answers; axe finds nothing serious or critical on either page."""

from __future__ import annotations

import pytest

from booksync.bookings.models import Booking
from booksync.web.picker import slot_value
from tests.conftest import london

from .axe import serious_axe_violations
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"title": "Book: Family session", "people": "How many people?", "occasion": "What is the occasion?",
           "choice": "New baby", "book": "Book this time", "booked": "You're booked", "error": "Give a number from 1 to 6."},
    "de": {"title": "Buchen: Familien-Sitzung", "people": "Wie viele Personen?", "occasion": "Was ist der Anlass?",
           "choice": "Neues Baby", "book": None, "booked": None, "error": "Bitte eine Zahl von 1 bis 6 angeben."},
}


def shot(page, name: str, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


def no_serious_axe(page, where: str) -> None:
    found = serious_axe_violations(page)
    assert found == [], f"{where}: " + "; ".join(f"{v['id']} ({v['impact']}): {len(v['nodes'])}" for v in found)


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("language", ["en", "de"])
def test_booking_with_questions(site, studio, monday, open_page, language, width):
    text = TEXTS[language]
    page = open_page(f"{site}/{language}/book/family/?date={monday}", locale="de-DE" if language == "de" else "en-GB",
                     width=width)
    assert page.get_by_role("heading", level=1).inner_text() == text["title"]
    page.locator("#month .day.has-slots").first.wait_for()
    ten = london(monday, 10)
    page.locator(".slot", has=page.locator(f'input[name="start"][value="{slot_value(ten)}"]')).click()
    page.locator("#id_name").fill("Ada Lovelace")
    page.locator("#id_email").fill("ada@example.com")
    people = page.get_by_label(text["people"])
    people.fill("9")
    # The browser's own check (max=6) stops the form first; switch it off to see the server's answer too.
    assert people.evaluate("input => input.validity.rangeOverflow") is True
    page.locator("form.booking-form").evaluate("form => form.noValidate = true")
    page.locator("form.booking-form button.button-large[type=submit]").click()
    error = page.locator("#id_answer-people-error")
    error.wait_for()
    assert error.inner_text() == text["error"]
    assert page.get_by_label(text["people"]).input_value() == "9"  # kept as typed
    assert page.locator("#id_name").input_value() == "Ada Lovelace"
    shot(page, f"book-questions-error-{language}", width)
    no_serious_axe(page, f"booking form with a refused answer ({language}, {width} px)")
    assert not Booking.objects.exists()

    page.get_by_label(text["people"]).fill("4")
    page.get_by_label(text["occasion"]).select_option(label=text["choice"])
    if page.locator('input[name="start"]:checked').count() == 0:
        page.locator(".slot", has=page.locator(f'input[name="start"][value="{slot_value(ten)}"]')).click()
    page.locator("form.booking-form button.button-large[type=submit]").click()
    page.locator(".summary dd.answer").first.wait_for()
    booking = Booking.objects.get()
    assert booking.answers == {"people": 4, "occasion": "new_baby"}
    summary = page.locator(".summary").inner_text()
    assert text["people"] in summary and text["choice"] in summary
    shot(page, f"book-questions-confirmed-{language}", width)
    no_serious_axe(page, f"confirmation with answers ({language}, {width} px)")


def test_booking_with_questions_without_javascript(site, studio, monday, open_page):
    page = open_page(f"{site}/de/book/family/?date={monday}", locale="de-DE", javascript=False, width=375)
    page.locator(".slot", has=page.locator(f'input[name="start"][value="{slot_value(london(monday, 15))}"]')).click()
    page.locator("#id_name").fill("Ada Lovelace")
    page.locator("#id_email").fill("ada@example.com")
    page.get_by_label("Wie viele Personen?").fill("2")
    page.get_by_label("Was ist der Anlass?").select_option("birthday")
    shot(page, "book-questions-no-js-de", 375)
    page.locator("form.booking-form button.button-large[type=submit]").click()
    page.locator(".summary dd.answer").first.wait_for()
    assert Booking.objects.get().answers == {"people": 2, "occasion": "birthday"}
