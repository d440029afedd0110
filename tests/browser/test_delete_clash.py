"""Issue 24 in Chromium at 375 and 1280 px: a delete that met another side's edit, on the sync dashboard.

The booking's Google event is deleted while its Notion page is moved and its Notes edited; the
Notion webhook's run finds the event deleted and keeps the delete. The dashboard names the clash
in one sentence; one click on "Restore the booking" confirms it again, and every side shows it.
Screenshots: var/artifacts/pages/delete-clash-<width>.png.
"""

from __future__ import annotations

import pytest

from booksync.bookings.models import Booking, BookingStatus
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import AuditEntry
from booksync.sync.engine import run_sync
from booksync.sync.models import BookingLink
from tests.conftest import london
from tests.integrations.google_fixtures import gcal, point_at_google  # noqa: F401
from tests.integrations.notion_fixtures import emu, notion_db, point_at_notion  # noqa: F401
from tests.sync.test_scenarios import book_on_website

from .axe import serious_axe_violations
from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-for-tests"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner", "owner@studio.example", PASSWORD, is_staff=True,
                                                 is_superuser=True)


def test_the_dashboard_names_the_clash_and_restores_in_one_click(
        site, settings, studio, owner, open_page, emu, notion_db, gcal, tmp_path, monday):  # noqa: F811
    point_at_notion(settings, emu, notion_db, tmp_path)
    point_at_google(settings, gcal)
    settings.INVITES_VIA = "email"
    booking = book_on_website(monday, 10)
    deliver_due()
    assert run_sync(trigger="admin", full=True)["success"]
    link = BookingLink.objects.get(booking=booking)
    gcal.human_delete(link.calendar_event_id)
    emu.human_edit(link.notion_page_id, {
        "Date": {"date": {"start": london(monday, 14).isoformat(), "end": london(monday, 15).isoformat()}},
        "Notes": {"rich_text": [{"text": {"content": "Bring the dog"}}]}})
    run_sync(trigger="webhook", full=False, sides=["notion"], notion_page_ids=[link.notion_page_id])
    deliver_due()
    [entry] = AuditEntry.objects.filter(action="delete_clash")
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED

    page = open_page(f"{site}/admin/login/", width=375)
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/admin/")
    page.goto(f"{site}/admin/sync/syncrun/dashboard/")
    clash = page.locator("#delete-clashes")
    assert entry.detail["sentence"] in clash.inner_text()
    screenshot(page, "delete-clash")  # at 375 and 1280 px
    assert [v["id"] for v in serious_axe_violations(page)] == []
    clash.get_by_role("button", name="Restore the booking").click()
    page.get_by_text("Restored", exact=False).first.wait_for()
    assert page.locator("#delete-clashes").get_by_role("button", name="Restore the booking").count() == 0
    deliver_due()
    restored = Booking.objects.get(pk=booking.pk)
    assert restored.status == BookingStatus.CONFIRMED and restored.start == london(monday, 14)
    assert len([e for e in gcal.events("primary") if e.get("status") != "cancelled"]) == 1
    assert emu.plain(link.notion_page_id)["Status"] == "Confirmed"
