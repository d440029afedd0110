"""The email-preview page in Chromium at 375 and 1280 px, showing a notice to the studio (issue 20).

Log in; the preview page lists the customer's emails and the studio's notices; the "booking made"
notice, in its frame, shows the booking's details (phone, notes) and the admin button; the page does
not scroll sideways at either width. Screenshots of the studio section go to
var/artifacts/email-preview-studio-<width>.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"
ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "artifacts"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True,
                                                 is_superuser=True)


@pytest.mark.parametrize("width", [375, 1280])
def test_the_preview_page_shows_a_studio_notice(site, studio, owner, open_page, width):
    page = open_page(f"{site}/admin/login/", width=width)
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")

    page.goto(f"{site}/admin/email-preview/")
    page.get_by_role("heading", name="To the studio").wait_for()
    assert page.get_by_role("heading", name="Booking made").count() == 1
    notice = page.frame_locator('iframe[title="studio notice: booking_made"]')
    notice.get_by_role("heading", name="New booking: Alex Example").wait_for()
    assert notice.get_by_text("+44 20 7946 0958").count() == 1
    assert notice.get_by_text("Bringing our dog, Biscuit.", exact=False).count() == 1
    assert notice.get_by_role("link", name="Open it in the admin").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.locator("#studio-created").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('studio-created').scrollIntoView()")
    page.wait_for_timeout(200)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"email-preview-studio-{width}.png"))
