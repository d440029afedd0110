"""The diary's day view of a studio of several in Chromium at 375 and 1280 px: a column per person and room."""

from __future__ import annotations

import pytest

from booksync.bookings import services
from booksync.bookings.models import Service
from tests.conftest import london

from .axe import serious_axe_violations
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"


@pytest.mark.parametrize("width", [375, 1280])
def test_diary_day_columns(site, team_studio, monday, open_page, django_user_model, width):
    django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True, is_superuser=True)
    for hour, person, name, service in ((10, "alex", "Ann Family", "family"), (10, "sam", "Sid Portrait", "portrait"),
                                        (13, "sam", "Sue Mini", "mini")):
        services.book(services.BookingRequest(start=london(monday, hour), name=name, email=f"{name[:3]}@example.com",
                                              service=Service.objects.get(slug=service), resource=person))
    page = open_page(f"{site}/admin/login/", width=width)
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")
    page.goto(f"{site}/admin/diary/?date={monday}&view=day")
    headings = page.locator(".diary-day h2").all_inner_texts()
    assert [h.split(",")[0].strip() for h in headings] == ["Alex", "Sam", "Big room"]
    assert page.locator(".diary-day").nth(0).locator(".diary-entry", has_text="Ann Family").count() == 1
    assert page.locator(".diary-day").nth(1).locator(".diary-entry", has_text="Sid Portrait").count() == 1
    assert page.locator(".diary-day").nth(2).locator(".diary-entry", has_text="Ann Family").count() == 1
    problems = [f"{v['id']} ({v['impact']})" for v in serious_axe_violations(page)]
    assert problems == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"diary-day-columns-{width}.png"), full_page=True)
