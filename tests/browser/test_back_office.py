"""Issue 14 in Chromium at 375 and 1280 px: the studio's back office as the owner uses it.

Log in; the week view shows the week's bookings in studio time (a London booking in summer at its
local hour); add a phone booking from the diary; move it onto a taken time (error in place), then to a
free time (the customer's update email is in the outbox, and the studio's notification because
"Also email me" was ticked; the unticked add sent the studio none); export CSV
and check the row; the dashboard without Notion says "not connected". Screenshots of the diary, the
dashboard and the admin home; axe-core finds no serious or critical violation on the diary and dashboard.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from booksync.bookings import services
from booksync.bookings.models import Booking, Service
from tests.backoffice.conftest import summer_weekday
from tests.conftest import london

from .axe import serious_axe_violations
from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True,
                                                 is_superuser=True)


def shot(page, name: str, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


def serious_violations(page) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in serious_axe_violations(page)]


def test_back_office(site, studio, studio_emails, owner, open_page, outbox, width):
    studio.horizon_days = 400  # so the website takes a booking next summer
    studio.save()
    summer = summer_weekday(2)
    services.book(services.BookingRequest(start=london(summer, 14), name="Summer Sam", email="sam@example.com",
                                          service=Service.objects.get(slug="portrait")))
    page = open_page(f"{site}/admin/login/", width=width)
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")
    page.get_by_role("heading", name="Your studio").wait_for()
    shot(page, "admin-home", width)

    page.get_by_role("link", name="Diary").first.click()
    page.goto(f"{site}/admin/diary/?date={summer}")
    entry = page.locator(".diary-entry", has_text="Summer Sam")
    assert entry.locator(".diary-time").inner_text() == "14:00–15:00"  # 13:00 UTC, BST in July
    assert page.get_by_text("Times are studio time (Europe/London).", exact=False).count() == 1
    shot(page, "diary-week", width)
    assert serious_violations(page) == []

    # A phone booking from the diary, at a clicked free time (a phone opens the day first).
    if width < 768:
        page.get_by_role("link", name=f"{summer:%a} {summer.day} {summer:%b} (day view)").click()
        assert page.locator(".diary-entry", has_text="Summer Sam").count() == 1
        shot(page, "diary-day", width)
    page.get_by_role("link", name=f"Add a booking on {summer:%a} {summer.day} {summer:%b} at 10:00").click()
    assert page.get_by_label("Date").input_value() == summer.isoformat()
    assert page.get_by_label("Start time (Europe/London)").input_value() == "10:00"
    page.get_by_label("Service").select_option(label="Portrait session")
    page.get_by_label("Name").fill("Pat Phone")
    page.get_by_role("textbox", name="Email").fill("pat@example.com")
    page.get_by_label("Phone").fill("+44 7700 900123")
    page.get_by_role("button", name="Book").click()
    page.get_by_text("Booked Pat Phone").wait_for()
    booking = Booking.objects.get(name="Pat Phone")
    assert booking.start == london(summer, 10)

    # Move it onto the taken 14:00: the error shows in place and nothing changes.
    page.locator(".diary-entry", has_text="Pat Phone").click()
    page.get_by_label("Start time (Europe/London)").fill("14:30")
    page.get_by_role("button", name="Move booking").click()
    error = page.locator(".errorlist", has_text="overlaps")
    error.wait_for()
    assert "That time overlaps Summer Sam · Portrait session" in error.inner_text()
    assert "Free that day for 1 h:" in error.inner_text()
    shot(page, "diary-move-clash", width)
    booking.refresh_from_db()
    assert booking.start == london(summer, 10) and booking.version == 1

    outbox.deliver()
    before = len(outbox.messages())
    page.get_by_label("Start time (Europe/London)").fill("16:00")
    page.get_by_label("End time (Europe/London)").fill("17:00")
    page.get_by_label("Also email me").check()  # the studio's own changes notify it only when asked (issue 23)
    page.get_by_role("button", name="Move booking").click()
    page.get_by_text("Moved Pat Phone").wait_for()
    booking.refresh_from_db()
    assert booking.start == london(summer, 16)
    from booksync.outbox.delivery import deliver_due

    deliver_due(force=True)
    new = outbox.messages()[before:]
    update = [m for m in new if m["To"] == "Pat Phone <pat@example.com>"]
    notices = [m["Subject"].split(",")[0] for m in new if m["To"] == "hello@studio.example"]
    notice = [m for m in new if m["To"] == "hello@studio.example" and m["Subject"].startswith("Booking moved")]
    assert len(update) == 1 and "has changed" in update[0]["Subject"] and "16:00" in update[0]["Subject"]
    assert notices == ["New booking: Summer Sam", "Booking moved: Pat Phone"]
    assert "by owner in the admin" in notice[0].get_body(preferencelist=("plain",)).get_content()

    # Export CSV of the list and find the row.
    page.goto(f"{site}/admin/bookings/booking/?q=Pat")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [(r["name"], r["start"], r["phone"], r["time zone"]) for r in rows] == [
        ("Pat Phone", f"{summer} 16:00", "+44 7700 900123", "Europe/London")]

    # The dashboard without Notion.
    page.goto(f"{site}/admin/sync/syncrun/dashboard/")
    notion = page.locator(".dash-side", has_text="Notion:")
    assert "not connected" in notion.inner_text() and "NOTION_API_KEY" in notion.inner_text()
    assert page.get_by_text("✓").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot(page, "dashboard", width)
    assert serious_violations(page) == []


@pytest.fixture(params=[375, 1280])
def width(request):
    return request.param
