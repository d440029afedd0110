"""Customers in their language and their clock's format, in Chromium: German from the browser, a switch to
French that keeps the chosen slot, 12- and 24-hour times, axe on every page in every language."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from booksync.bookings import services
from booksync.bookings.models import Booking, Service
from booksync.web.picker import slot_value
from tests.conftest import london

from .axe import serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts" / "i18n"
LANGUAGES = [code for code, _name in django_settings.LANGUAGES]
BROWSER_LOCALE = {"en": "en-GB", "de": "de-DE", "fr": "fr-FR"}


def _month_ready(page):
    page.locator("#month .day.has-slots").first.wait_for()


def _slot(page, start):
    return page.locator(".slot", has=page.locator(f'input[name="start"][value="{slot_value(start)}"]'))


def test_a_german_browser_gets_german_pages_and_a_german_confirmation(site, studio, monday, open_page, outbox):
    page = open_page(f"{site}/book/portrait/?date={monday}", locale="de-DE")
    assert page.evaluate("navigator.language") == "de-DE"
    _month_ready(page)
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Tag wählen").count() == 1
    assert "Stunden vor dem Termin" in page.locator("#policy").inner_text()  # the policy, before booking
    _slot(page, london(monday, 15)).click()
    page.get_by_label("Name").fill("Grete Müller")
    page.get_by_label("E-Mail").fill("grete@example.com")
    page.get_by_role("button", name="Diese Zeit buchen").click()
    page.get_by_role("heading", name="Sie sind gebucht").wait_for()
    summary = page.locator(".summary").inner_text()
    assert "15:00–16:00" in summary and "Preis" in summary  # 24-hour clock, and the price is still there
    assert Booking.objects.get().language == "de-DE"

    [message] = outbox.deliver()
    assert message["Subject"].strip().startswith("Ihre Buchung ist bestätigt: ")
    assert "15:00 London (UTC" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Hallo Grete Müller,") and "15:00–16:00" in text and "Buchung verwalten" in text
    assert '<html lang="de">' in html and "Outlook.com" in html and "In Outlook.com eintragen:" in text
    # Every later email keeps the booking's language, whatever the studio's default.
    studio.default_language = "fr"
    studio.save()
    services.cancel(Booking.objects.get(), actor="admin")
    assert outbox.deliver()[-1]["Subject"].strip().startswith("Ihre Buchung ist storniert: ")


def test_switching_to_french_keeps_the_chosen_slot(site, studio, monday, open_page):
    page = open_page(f"{site}/book/portrait/?date={monday}", locale="en-GB")
    _month_ready(page)
    tuesday = monday + timedelta(days=1)
    cell = page.locator(f'#month .day[data-date="{tuesday}"]')
    if not cell.count():
        page.get_by_role("button", name="Next month").click()
    page.locator(f'#month .day[data-date="{tuesday}"]').click()
    chosen = london(tuesday, 14)
    _slot(page, chosen).click()
    page.get_by_role("link", name="Français").click()
    page.get_by_role("heading", name="Choisissez un jour").wait_for()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator('input[name="start"]:checked').get_attribute("value") == slot_value(chosen)
    assert page.locator("#slots-legend").inner_text().startswith("Créneaux libres le mardi")
    # And it books in French.
    page.get_by_label("Nom").fill("Jeanne")
    page.get_by_label("E-mail").fill("jeanne@example.com")
    page.get_by_role("button", name="Réserver ce créneau").click()
    page.get_by_role("heading", name="C’est réservé").wait_for()
    assert Booking.objects.get().start == chosen and Booking.objects.get().language.startswith("fr")


@pytest.mark.parametrize(("locale", "twelve_hour", "first_weekday"),
                         [("en-US", True, "Sun"), ("en-GB", False, "Mon"), ("de-DE", False, "Mo")])
def test_times_follow_the_browsers_locale(site, studio, monday, open_page, locale, twelve_hour, first_weekday):
    page = open_page(f"{site}/book/portrait/?date={monday}", locale=locale)
    _month_ready(page)
    times = page.locator(".slot-time").all_inner_texts()
    assert times, "no slots shown"
    clock = re.compile(r"^\d{1,2}:\d{2}\s?[AP]M$") if twelve_hour else re.compile(r"^\d{2}:\d{2}$")
    assert all(clock.match(time.replace("\u202f", " ")) for time in times), times
    assert page.locator(".month-grid th").first.inner_text().startswith(first_weekday)
    # The server's first paint says the same as the script (Babel and Intl share CLDR).
    server_times = page.evaluate("""url => fetch(url).then(r => r.text()).then(html =>
        [...new DOMParser().parseFromString(html, 'text/html').querySelectorAll('.slot-time')].map(e => e.textContent))""",
                                 f"{site}/book/portrait/?date={monday}")
    assert [t.replace("\u202f", " ") for t in server_times] == [t.replace("\u202f", " ") for t in times]


def _customer_pages(site, studio, monday) -> dict[str, str]:
    """Every page a customer can reach, with a booking for the manage pages."""
    result = services.book(services.BookingRequest(start=london(monday, 10), name="Axe Tester", email="axe@example.com",
                                                   service=Service.objects.get(slug="portrait")))
    soon = services.book(services.BookingRequest(start=london(monday, 16), name="Too Late", email="late@example.com",
                                                 service=Service.objects.get(slug="mini")))
    from django.utils import timezone

    start = timezone.now() + timedelta(hours=3)
    Booking.objects.filter(pk=soon.booking.pk).update(start=start, end=start + timedelta(minutes=30))
    gone = services.book(services.BookingRequest(start=london(monday, 12), name="Gone", email="gone@example.com",
                                                 service=Service.objects.get(slug="portrait")))
    services.cancel(gone.booking, actor="admin")
    return {
        "home": "/",
        "book": f"/book/portrait/?date={monday}",
        "confirmed": f"/manage/{result.token}/confirmed/",
        "manage": f"/manage/{result.token}/",
        "reschedule": f"/manage/{result.token}/reschedule/",
        "cancel": f"/manage/{result.token}/cancel/",
        "manage-closed": f"/manage/{soon.token}/",
        "gone-410": f"/manage/{gone.token}/cancel/",
        "manage-unknown": "/manage/not-a-token/",
        "not-found-404": "/no-such-page/",
    }


def test_axe_finds_no_serious_violation_on_any_customer_page_in_any_language(site, studio, monday, open_page):
    pages = _customer_pages(site, studio, monday)
    found = {}
    page = open_page(site + "/")
    for language in LANGUAGES:
        for name, path in pages.items():
            page.goto(f"{site}/{language}{path}")
            if name in ("book", "reschedule"):
                _month_ready(page)
            serious = [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in serious_axe_violations(page)]
            assert page.locator("html").get_attribute("lang") == language
            if serious:
                found[f"{language} {name}"] = serious
    assert found == {}, found
    print(f"\naxe: {len(LANGUAGES) * len(pages)} page/language pairs, no serious or critical violation")


@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshots_of_the_booking_page_in_each_language(site, studio, monday, open_page, language):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        page = open_page(f"{site}/book/portrait/?date={monday}", locale=BROWSER_LOCALE[language], width=width)
        _month_ready(page)
        assert page.locator("html").get_attribute("lang") == language
        page.screenshot(path=str(ARTIFACTS / f"book-{language}-{width}.png"), full_page=True)


def test_the_zone_list_is_searchable_and_relabels_the_times(site, studio, monday, open_page):
    page = open_page(f"{site}/book/portrait/?date={monday}", locale="en-GB")
    _month_ready(page)
    page.get_by_label("Find a time zone by city").fill("kolk")
    page.locator("#tz-count", has_text="1 time zone matches").wait_for()
    visible = page.evaluate("[...document.querySelectorAll('#tz option')].filter(o => !o.hidden).map(o => o.value)")
    assert "Asia/Kolkata" in visible and len(visible) <= 2  # the match (and the zone still selected)
    page.locator("#tz").select_option("Asia/Kolkata")
    ten = london(monday, 10)
    slot = _slot(page, ten)
    assert slot.locator(".slot-time").inner_text() == "10:00"  # the studio's time leads by default
    assert slot.locator(".slot-other").inner_text() == "your time 15:30"
