"""Issue 23 in Chromium at 375 and 1280 px: the studio settings screen an owner can read.

Grouped in plain words; a time zone chosen from zoneinfo's list; opening hours as weekday rows of
HH:MM inputs, each labelled; colour pickers; no Delete and no "Now". Saving converts hours to the
model's minutes. axe-core: 0 critical, 0 serious. Screenshots: var/artifacts/pages/settings-<width>.png.
"""

from __future__ import annotations

import pytest

from booksync.bookings.models import Studio

from .axe import serious_axe_violations
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True,
                                                 is_superuser=True)


def log_in(page, site):
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")


@pytest.mark.parametrize("width", [375, 1280])
def test_settings_screen(site, studio, owner, open_page, width):
    page = open_page(f"{site}/admin/login/", width=width)
    log_in(page, site)
    page.get_by_role("link", name="Studio settings").click()
    page.wait_for_url(f"{site}/admin/bookings/studio/{studio.pk}/change/")

    assert page.get_by_role("heading", name="Studio settings").count() == 1
    headings = [h.strip() for h in page.locator("#content-main h2").all_text_contents()]
    for group in ("The studio", "Opening hours", "Booking rules", "Branding", "Contact", "Public holidays",
                  "Special dates", "Emails"):
        assert any(h.strip().startswith(group) for h in headings), (group, headings)
    assert headings.index("Opening hours") < headings.index("Booking rules")
    body = page.locator("#content-main").inner_text()
    for jargon in ("Slot step", "minutes notice", "Minimum notice minutes", "Horizon"):
        assert jargon not in body
    assert "Bookings close this many hours before the start" in body

    # The time zone: a box with zoneinfo's zones as suggestions, refusing anything else.
    zone = page.get_by_label("Time zone")
    assert zone.get_attribute("list") == "time-zones"
    assert page.locator("datalist#time-zones option[value='Europe/Berlin']").count() == 1
    assert page.locator("datalist#time-zones option").count() > 300

    # Opening hours: each row's day, opens, closes and remove are labelled; HH:MM, no seconds, no "Now".
    monday = page.get_by_label("Opens, Monday 09:00–17:00")
    assert monday.get_attribute("placeholder") == "HH:MM" and monday.input_value() == "09:00"
    assert page.get_by_label("Closes, Monday 09:00–17:00").input_value() == "17:00"
    assert page.get_by_label("Day, Monday 09:00–17:00").locator("option:checked").inner_text() == "Monday"
    assert page.get_by_label("Remove Monday 09:00–17:00").get_attribute("type") == "checkbox"
    assert page.get_by_role("link", name="Now").count() == 0
    assert page.get_by_role("link", name="Delete").count() == 0
    assert page.get_by_label("Main colour").get_attribute("type") == "color"
    assert page.get_by_label("Accent colour").get_attribute("type") == "color"
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    violations = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                  for v in serious_axe_violations(page)]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"settings-{width}.png"), full_page=True)
    page.locator("#weekly_hours-group").screenshot(path=str(ARTIFACTS / f"settings-hours-{width}.png"))
    assert violations == []

    # A zone that is not in the list is refused, naming the field; a real one is saved.
    zone.fill("Berlin")
    page.get_by_label("Bookings close this many hours before the start").fill("3")
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator(".field-timezone .errorlist")
    assert "'Berlin' is not a time zone. Did you mean Europe/Berlin?" in error.inner_text()
    assert Studio.load().timezone == "Europe/London"
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Opens, Monday 09:00–17:00").fill("08:30")
    page.get_by_label("Main colour").fill("#aa3300")
    page.get_by_role("button", name="Save and continue editing").click()
    page.locator(".messagelist .success").wait_for()
    saved = Studio.load()
    assert (saved.timezone, saved.minimum_notice_minutes, saved.primary_color) == ("Europe/Berlin", 180, "#aa3300")
    assert saved.weekly_hours.filter(weekday=0).values_list("start", flat=True).first().strftime("%H:%M") == "08:30"
    assert page.get_by_label("Bookings close this many hours before the start").input_value() == "3"
