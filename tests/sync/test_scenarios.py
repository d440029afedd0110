"""End-to-end sync scenarios against the Notion and Google Calendar emulators.

One test per line of the seed's "What Needs Manual Sync" list and per Troubleshooting problem,
each asserting Notion, the calendar and the outbox afterwards, then that a second sync changes nothing.
"""

from __future__ import annotations

import pytest
from django.core import mail

from booksync.bookings import services
from booksync.bookings.models import Booking, BookingStatus, Service
from booksync.sync.engine import run_sync
from booksync.sync.models import BookingLink
from booksync.sync.outbox import deliver_due
from tests.conftest import london
from tests.integrations.notion_fixtures import page_properties

pytestmark = pytest.mark.django_db


def sync(**kwargs):
    result = run_sync(trigger="admin", full=kwargs.pop("full", True), **kwargs)
    assert result["success"], result["error_details"]
    return result["summary"]


def assert_quiet():
    second = sync()
    assert (second["created"], second["updated"], second["deleted"]) == (0, 0, 0), second
    incremental = sync(full=False)
    assert (incremental["created"], incremental["updated"], incremental["deleted"]) == (0, 0, 0), incremental


def our_events(gcal):
    return [e for e in gcal.events("primary") if e.get("status") != "cancelled"]


def slot_starts(client, day):
    response = client.get(f"/api/calendar/availability?date={day}&duration=60")
    return {s["start"][11:16] for s in response.json()["slots"]}


def book_on_website(day, hour, email="ann@example.com"):
    return services.book(services.BookingRequest(start=london(day, hour), name="Ann Website", email=email,
                                                 service=Service.objects.get(slug="portrait"))).booking


def test_website_booking_creates_page_event_and_email(both, emu, gcal, monday):
    booking = book_on_website(monday, 10)
    deliver_due()
    link = BookingLink.objects.get(booking=booking)
    page = emu.plain(link.notion_page_id)
    assert page["Name"] == "Ann Website" and page["Booking ID"] == str(booking.pk) and page["Source"] == "Website"
    assert page["Calendar Event ID"] == link.calendar_event_id
    [event] = our_events(gcal)
    assert event["id"] == link.calendar_event_id
    assert event["extendedProperties"]["private"]["bookingId"] == str(booking.pk)
    assert [m.subject for m in mail.outbox] == [mail.outbox[0].subject] and "confirmed" in mail.outbox[0].subject
    assert_quiet()


def test_manual_notion_booking_gets_event_and_confirmation(both, emu, gcal, notion_db, monday, client):
    """Seed: Notion → Google Calendar (manual bookings in Notion don't auto-create calendar events)."""
    page_id = emu.human_create(notion_db.data_source_id, page_properties(
        "Nora Notion", london(monday, 11), london(monday, 12), email="nora@example.com"))
    summary = sync()
    assert summary["created"] >= 1 and summary["errors"] == 0
    booking = Booking.objects.get(name="Nora Notion")
    assert booking.source == "notion" and booking.status == BookingStatus.CONFIRMED
    [event] = our_events(gcal)
    assert event["start"]["dateTime"].startswith(f"{monday}T11:00")
    page = emu.plain(page_id)
    assert page["Booking ID"] == str(booking.pk) and page["Calendar Event ID"] == event["id"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to[0].endswith("<nora@example.com>")
    # Troubleshooting: "Time slots show as available but are booked in Notion" — no longer.
    assert "11:00" not in slot_starts(client, monday)
    assert_quiet()
    assert len(mail.outbox) == 1  # the confirmation went out once


def test_manual_calendar_event_appears_in_notion(both, emu, gcal, notion_db, monday, client):
    """Seed: Google Calendar → Notion (manual calendar events don't create Notion records)."""
    gcal.human_insert("primary", london(monday, 14), london(monday, 15), "Dentist")
    assert "14:00" not in slot_starts(client, monday)  # it blocks the slot …
    sync()
    booking = Booking.objects.get(name="Dentist")  # … and now shows in Notion too
    assert booking.source == "calendar"
    pages = [emu.plain(p) for p in emu.page_ids(notion_db.data_source_id)]
    assert [(p["Name"], p["Source"]) for p in pages] == [("Dentist", "Calendar")]
    assert len(our_events(gcal)) == 1  # the event itself was adopted, not copied
    assert mail.outbox == []  # no customer to tell
    assert_quiet()


def test_notion_time_edit_moves_the_event_and_emails_an_update(both, emu, gcal, monday):
    """Seed: Notion edits → Google Calendar (changes to time/date in Notion don't update calendar)."""
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    mail.outbox.clear()
    page_id = BookingLink.objects.get(booking=booking).notion_page_id
    emu.advance(90)
    emu.human_edit(page_id, {"Date": {"date": {"start": london(monday, 15).isoformat(),
                                                "end": london(monday, 16).isoformat()}}})
    summary = sync(full=False)
    assert summary["updated"] >= 1
    booking.refresh_from_db()
    assert booking.start == london(monday, 15)
    [event] = our_events(gcal)
    assert event["start"]["dateTime"].startswith(f"{monday}T15:00")
    assert len(mail.outbox) == 1 and "changed" in mail.outbox[0].subject
    assert_quiet()
    assert len(mail.outbox) == 1


def test_notion_cancellation_deletes_the_event_and_frees_the_slot(both, emu, gcal, monday, client):
    """Seed: Notion cancellation → Google Calendar; Troubleshooting: cancelled bookings still block slots."""
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    mail.outbox.clear()
    page_id = BookingLink.objects.get(booking=booking).notion_page_id
    emu.advance(90)
    emu.human_edit(page_id, {"Status": {"status": {"name": "Cancelled"}}})
    summary = sync(full=False)
    assert summary["deleted"] >= 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert our_events(gcal) == []
    assert "10:00" in slot_starts(client, monday)
    assert len(mail.outbox) == 1 and "cancelled" in mail.outbox[0].subject
    assert emu.page(page_id)["in_trash"] is False  # Notion keeps the record
    assert_quiet()


def test_trashed_page_cancels_but_never_deletes(both, emu, gcal, monday):
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    page_id = BookingLink.objects.get(booking=booking).notion_page_id
    emu.advance(90)
    emu.human_trash(page_id)
    sync(full=False)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and Booking.objects.filter(pk=booking.pk).exists()
    assert our_events(gcal) == []
    assert_quiet()


def test_calendar_move_and_delete_flow_back_to_notion(both, emu, gcal, monday):
    """Seed's Phase 3: two-way sync Calendar → Notion."""
    moved = book_on_website(monday, 10, email="m@example.com")
    deleted = book_on_website(monday, 13, email="d@example.com")
    deliver_due()
    sync()
    mail.outbox.clear()
    moved_link = BookingLink.objects.get(booking=moved)
    deleted_link = BookingLink.objects.get(booking=deleted)
    gcal.human_move(moved_link.calendar_event_id, london(monday, 16), london(monday, 17))
    gcal.human_delete(deleted_link.calendar_event_id)
    sync(full=False)
    moved.refresh_from_db()
    deleted.refresh_from_db()
    assert moved.start == london(monday, 16)
    assert deleted.status == BookingStatus.CANCELLED
    assert emu.plain(moved_link.notion_page_id)["Date"]["start"].startswith(london(monday, 16).isoformat()[:16])
    assert emu.plain(deleted_link.notion_page_id)["Status"] == "Cancelled"
    subjects = sorted(m.subject.split(":")[0] for m in mail.outbox)
    assert subjects == ["Your booking has changed", "Your booking is cancelled"]
    assert_quiet()


def test_overlapping_notion_edit_is_reported_on_the_page(both, emu, gcal, monday):
    a = book_on_website(monday, 10, email="a@example.com")
    b = book_on_website(monday, 13, email="b@example.com")
    deliver_due()
    sync()
    page_b = BookingLink.objects.get(booking=b).notion_page_id
    emu.advance(90)
    emu.human_edit(page_b, {"Date": {"date": {"start": london(monday, 10).isoformat(),
                                               "end": london(monday, 11).isoformat()}}})
    result = run_sync(trigger="admin", full=False)
    assert not result["success"] and result["summary"]["errors"] >= 1
    b.refresh_from_db()
    assert b.start == london(monday, 13)  # no double booking
    assert "overlap" in emu.plain(page_b)["Sync Error"].lower() or "taken" in emu.plain(page_b)["Sync Error"].lower()
    assert Booking.objects.filter(pk=a.pk, start=london(monday, 10)).exists()


def test_unreadable_page_is_reported_not_fatal(both, emu, gcal, notion_db, monday):
    bad = emu.human_create(notion_db.data_source_id, page_properties("No date", None, None))
    good = emu.human_create(notion_db.data_source_id, page_properties("Fine", london(monday, 9), london(monday, 10)))
    result = run_sync(trigger="admin", full=True)
    assert result["summary"]["errors"] == 1
    assert Booking.objects.filter(name="Fine").exists() and not Booking.objects.filter(name="No date").exists()
    assert emu.plain(bad)["Sync Error"]
    assert not emu.plain(good).get("Sync Error")


def test_a_page_fixed_by_a_person_loses_its_sync_error(both, emu, gcal, notion_db, monday):
    bad = emu.human_create(notion_db.data_source_id, page_properties("No date", None, None))
    result = run_sync(trigger="admin", full=True)
    assert result["summary"]["errors"] == 1
    assert emu.plain(bad)["Sync Error"].startswith("Date is empty")

    emu.advance(90)
    emu.human_edit(bad, {"Date": {"date": {"start": london(monday, 9).isoformat(),
                                           "end": london(monday, 10).isoformat()}}})
    sync(full=False)
    assert emu.plain(bad)["Sync Error"] == ""
    assert Booking.objects.filter(name="No date", start=london(monday, 9)).exists()

    emu.advance(90)
    patches = len(emu.calls("PATCH"))
    sync(full=False)
    sync()
    assert len(emu.calls("PATCH")) == patches  # settled: the cleared page is not written again


def test_dry_run_writes_nothing(both, emu, gcal, notion_db, monday):
    emu.human_create(notion_db.data_source_id, page_properties("Dry", london(monday, 9), london(monday, 10)))
    result = run_sync(trigger="admin", full=True, dry_run=True)
    assert result["dry_run"] and result["summary"]["created"] == 1
    assert not Booking.objects.exists() and our_events(gcal) == []


def test_admin_endpoint_runs_a_full_reconcile(both, emu, gcal, notion_db, monday, client):
    both.ADMIN_API_TOKEN = "a-long-admin-token-for-tests"
    emu.human_create(notion_db.data_source_id, page_properties("Via API", london(monday, 9), london(monday, 10)))
    response = client.post("/api/admin/sync", HTTP_AUTHORIZATION="Bearer a-long-admin-token-for-tests")
    body = response.json()
    assert response.status_code == 200 and body["success"] is True
    assert body["summary"]["created"] >= 1 and "conflicts" in body
    again = client.post("/api/admin/sync", HTTP_AUTHORIZATION="Bearer a-long-admin-token-for-tests").json()
    assert (again["summary"]["created"], again["summary"]["updated"], again["summary"]["deleted"]) == (0, 0, 0)


def test_cli_sync_prints_a_summary(both, emu, notion_db, monday, capsys):
    from booksync.sync.cli import run_from_shell

    emu.human_create(notion_db.data_source_id, page_properties("Shell", london(monday, 9), london(monday, 10)))
    assert run_from_shell(full=True, dry_run=False) == 0
    out = capsys.readouterr().out
    assert "created" in out and "Sync summary" in out





def test_calendar_import_as_block(both, emu, gcal, notion_db, monday, client):
    """CALENDAR_IMPORT=block: a hand-made event shows in Notion as blocked time and follows its event."""
    both.CALENDAR_IMPORT = "block"
    event = gcal.human_insert("primary", london(monday, 14), london(monday, 15), "Closed for lunch")
    sync()
    block = Booking.objects.get(name="Closed for lunch")
    assert block.service_name == "Blocked time" and block.source == "calendar"
    assert (block.blocked_start, block.blocked_end) == (block.start, block.end)  # no buffers around a block
    [page] = [emu.plain(p) for p in emu.page_ids(notion_db.data_source_id)]
    assert (page["Name"], page["Service"], page["Source"]) == ("Closed for lunch", "Blocked time", "Calendar")
    assert "14:00" not in slot_starts(client, monday)
    assert_quiet()
    gcal.human_move(event["id"], london(monday, 16), london(monday, 17))
    sync(full=False)
    block.refresh_from_db()
    assert block.start == london(monday, 16)
    gcal.human_delete(event["id"])
    sync(full=False)
    block.refresh_from_db()
    assert block.status == BookingStatus.CANCELLED
    assert emu.plain(page_id_of(block))["Status"] == "Cancelled"
    assert "14:00" in slot_starts(client, monday) and "16:00" in slot_starts(client, monday)
    assert mail.outbox == []


def page_id_of(booking):
    return BookingLink.objects.get(booking=booking).notion_page_id


def test_google_push_wakes_the_calendar_to_notion_direction(both, emu, gcal, monday, client):
    from booksync.integrations.google_push import channel_token
    from booksync.sync import tasks
    from booksync.sync.calendar_channels import watch

    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    channel = watch()
    link = BookingLink.objects.get(booking=booking)
    gcal.human_move(link.calendar_event_id, london(monday, 15), london(monday, 16))
    response = client.post("/api/webhooks/google", b"", content_type="application/octet-stream",
                           HTTP_X_GOOG_CHANNEL_ID=channel.channel_id,
                           HTTP_X_GOOG_CHANNEL_TOKEN=channel_token(channel.channel_id),
                           HTTP_X_GOOG_RESOURCE_STATE="exists", HTTP_X_GOOG_MESSAGE_NUMBER="2")
    assert response.status_code == 200
    tasks.calendar_changed()  # what the woken worker runs
    booking.refresh_from_db()
    assert booking.start == london(monday, 15)
    assert emu.plain(link.notion_page_id)["Date"]["start"].startswith(london(monday, 15).isoformat()[:16])


def test_schedules_exist_after_migrations(db):
    from django_q.models import Schedule

    names = set(Schedule.objects.values_list("name", flat=True))
    assert {"booksync: outbox sweep", "booksync: incremental sync", "booksync: daily full reconcile",
            "booksync: reminders"} <= names
    sync_schedule = Schedule.objects.get(name="booksync: incremental sync")
    assert sync_schedule.func == "booksync.sync.tasks.periodic_sync" and sync_schedule.minutes == 5


def test_daily_reconcile_runs_once_per_studio_day_after_six(both, monkeypatch):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from booksync.sync import tasks
    from booksync.sync.models import SyncRun

    london_tz = ZoneInfo("Europe/London")
    assert tasks.daily_sync_if_due(now=datetime(2026, 12, 7, 5, 50, tzinfo=london_tz)) is None
    assert tasks.daily_sync_if_due(now=datetime(2026, 12, 7, 6, 5, tzinfo=london_tz)) is not None
    SyncRun.objects.filter(full=True).update(started_at=datetime(2026, 12, 7, 6, 5, tzinfo=london_tz))
    assert tasks.daily_sync_if_due(now=datetime(2026, 12, 7, 9, 0, tzinfo=london_tz)) is None
    assert tasks.daily_sync_if_due(now=datetime(2026, 12, 8, 6, 1, tzinfo=london_tz)) is not None
