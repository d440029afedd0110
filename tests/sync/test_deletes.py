"""A person's delete is never undone (issue 24, ADR 0016).

A deleted event, or a page in the trash, is a change of the booking's status on that side, under
the same rule as any edit: the newer edit wins, Notion wins ties, a field changed on one side only
is taken from that side. A push that finds its record deleted since the base applies the rule
before it writes; whenever a delete meets another side's edit before booksync read both, the
studio is told in one sentence, and an admin can restore the booking in one step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from booksync.bookings.models import BookingStatus
from booksync.integrations.ports import SideRecord
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import AuditEntry
from booksync.sync import tasks
from booksync.sync.models import BookingLink
from booksync.sync.plan import (
    CALENDAR,
    NOTION,
    Link,
    UpdateBooking,
    plan_sync,
    project,
    unread_edits,
)
from tests.conftest import london
from tests.integrations.caldav_fixtures import caldav_settings, dav_calendar, radicale  # noqa: F401
from tests.sync.test_scenarios import book_on_website, sync
from tests.sync.test_webhooks import handshake, post

T0 = datetime(2026, 12, 7, 9, tzinfo=UTC)
NOTES = "Bring the dog"
DASHBOARD = "/admin/sync/syncrun/dashboard/"


# --- the rule, pure ------------------------------------------------------------------------------
def agreed(**changes) -> Link:
    base = SideRecord(external_id="b1", booking_id="b1", start=T0, end=T0 + timedelta(hours=1), status="confirmed",
                      name="Ann", email="ann@example.com", notes="", service="Portrait")
    ours = replace(base, **changes)
    return Link("b1", ours, booking_edited_at=T0 + timedelta(minutes=30), notion_id="page", calendar_id="event",
                notion_base=project(NOTION, base), calendar_base=project(CALENDAR, base))


def gone(edited_at: datetime) -> SideRecord:
    return SideRecord(external_id="event", booking_id="b1", deleted=True, edited_at=edited_at)


def test_a_delete_since_the_base_is_an_unread_edit_the_push_keeps():
    moved = agreed(start=T0 + timedelta(hours=3), end=T0 + timedelta(hours=4), notes=NOTES)  # Notion's edits, applied
    assert "present" in unread_edits(CALENDAR, moved, gone(T0 + timedelta(minutes=30)))


def test_a_delete_already_read_is_not_kept_a_status_set_after_it_brings_the_event_back():
    link = agreed()
    link = replace(link, calendar_base={**link.calendar_base, "present": False})  # booksync read the delete
    assert unread_edits(CALENDAR, link, gone(T0)) == frozenset()


def test_a_delete_and_an_edit_read_together_cancel_at_the_new_time_and_name_the_clash():
    link = agreed()
    page = SideRecord(external_id="page", booking_id="b1", start=T0 + timedelta(hours=3), end=T0 + timedelta(hours=4),
                      status="confirmed", name="Ann", email="ann@example.com", notes=NOTES, service="Portrait",
                      edited_at=T0 + timedelta(minutes=40))
    for order in ((NOTION, CALENDAR), (CALENDAR, NOTION)):
        records = {NOTION: [page], CALENDAR: [gone(T0 + timedelta(minutes=40))]}
        planned = plan_sync({side: records[side] for side in order}, [link])
        changes = {}
        for action in planned.of(UpdateBooking):
            changes.update(action.changes)
        assert changes["status"] == "cancelled" and changes["notes"] == NOTES
        assert changes["start"] == T0 + timedelta(hours=3)
        [clash] = planned.clashes
        assert clash.deleted_on == CALENDAR and set(clash.edited) >= {"time", "notes"}


def test_a_status_set_back_in_notion_after_the_delete_wins_over_it():
    link = agreed()
    later = T0 + timedelta(minutes=50)
    page = SideRecord(external_id="page", booking_id="b1", start=T0, end=T0 + timedelta(hours=1), status="pending",
                      name="Ann", email="ann@example.com", notes="", service="Portrait", edited_at=later)
    planned = plan_sync({NOTION: [page], CALENDAR: [gone(T0 + timedelta(minutes=40))]}, [link])
    statuses = [a.changes.get("status") for a in planned.of(UpdateBooking) if "status" in a.changes]
    assert statuses == ["pending"]  # the newer status edit won; the delete lost
    assert [c.field for c in planned.conflicts] == ["status"]


# --- end to end, against the emulators ------------------------------------------------------------
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(db, client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-only")
    client.force_login(user)
    return client


def customer_mail(kind: str) -> list:
    return [m for m in mail.outbox if "ann@example.com" in " ".join(m.to) and kind in m.subject]


def studio_mail() -> list:
    return [m for m in mail.outbox if m.extra_headers.get("X-Booksync-Notice") == "studio"]


def move_and_note_in_notion(emu, page_id, day):
    emu.human_edit(page_id, {
        "Date": {"date": {"start": london(day, 14).isoformat(), "end": london(day, 15).isoformat()}},
        "Notes": {"rich_text": [{"text": {"content": NOTES}}]},
    })


def webhook(client, emu, page_id):
    assert post(client, emu.build_event("page.properties_updated", page_id)).status_code == 200
    tasks.process_webhooks()
    deliver_due()


def _check_clash_told(staff_client):
    [entry] = AuditEntry.objects.filter(action="delete_clash")
    sentence = entry.detail["sentence"]
    assert any(word in sentence for word in ("deleted", "trash", "cancelled")) and "Notion" in sentence
    assert "kept" in sentence  # who deleted what, who edited what, what booksync kept
    [notice] = [m for m in studio_mail() if sentence in m.body]  # the studio's notice, once
    html = staff_client.get(DASHBOARD).content.decode()
    assert sentence.split(";")[0] in html.replace("&#x27;", "'").replace("&quot;", '"')
    return entry


def calendar_read(gcal, client, how: str) -> None:
    """booksync reads the calendar's delete: by Google's push notification, or by the periodic poll."""
    if how == "push":
        from booksync.integrations.google_push import channel_token
        from booksync.sync.calendar_channels import watch

        channel = watch()
        response = client.post("/api/webhooks/google", b"", content_type="application/octet-stream",
                               HTTP_X_GOOG_CHANNEL_ID=channel.channel_id,
                               HTTP_X_GOOG_CHANNEL_TOKEN=channel_token(channel.channel_id),
                               HTTP_X_GOOG_RESOURCE_STATE="exists", HTTP_X_GOOG_MESSAGE_NUMBER="2")
        assert response.status_code == 200
        tasks.calendar_changed()  # what the notification wakes in the worker
    elif how == "poll":
        tasks.periodic_sync()
    deliver_due()


@pytest.mark.parametrize(("calendar_first", "how"), [
    (False, "never"),  # the case: the notification comes after the two syncs
    (False, "push"), (False, "poll"), (True, "push"), (True, "poll")])
def test_google_delete_meets_a_notion_move_and_notes(
        both, emu, gcal, monday, client, studio_emails, staff_client, how, calendar_first):
    """The issue's case (webhook first, the calendar's notification late) and the other order."""
    handshake(client, emu)
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    mail.outbox.clear()
    gcal.human_delete(link.calendar_event_id)  # a person deletes the event …
    move_and_note_in_notion(emu, link.notion_page_id, monday)  # … and in the same second the page is edited
    if calendar_first:
        calendar_read(gcal, client, how)
        webhook(client, emu, link.notion_page_id)
    else:
        webhook(client, emu, link.notion_page_id)
        calendar_read(gcal, client, how)  # late
    sync()
    sync()
    booking.refresh_from_db()
    live = [e for e in gcal.events("primary") if e.get("status") != "cancelled"]
    assert live == [], live  # the event is not live, under any id
    assert booking.status == BookingStatus.CANCELLED
    assert booking.start == london(monday, 14) and booking.notes == NOTES
    page = emu.plain(link.notion_page_id)
    assert page["Status"] == "Cancelled" and page["Notes"] == NOTES
    assert len(customer_mail("cancelled")) == 1
    _check_clash_told(staff_client)


def test_a_page_set_back_to_confirmed_after_the_delete_brings_the_event_back_once(
        both, emu, gcal, monday, client, studio_emails, staff_client):
    handshake(client, emu)
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    gcal.human_delete(link.calendar_event_id)
    move_and_note_in_notion(emu, link.notion_page_id, monday)
    webhook(client, emu, link.notion_page_id)
    sync()
    inserts = len(gcal.calls("POST", r"/events$"))
    mail.outbox.clear()
    emu.advance(90)
    emu.human_edit(link.notion_page_id, {"Status": {"status": {"name": "Confirmed"}}})
    webhook(client, emu, link.notion_page_id)
    sync()
    sync()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.start == london(monday, 14)
    live = [e for e in gcal.events("primary") if e.get("status") != "cancelled"]
    assert len(live) == 1 and live[0]["start"]["dateTime"].startswith(london(monday, 14).isoformat()[:16])
    assert len(gcal.calls("POST", r"/events$")) == inserts + 1  # brought back once
    assert studio_mail(), "the studio is told the booking is back"


def test_an_admin_restores_the_booking_from_the_dashboard_in_one_step(
        both, emu, gcal, monday, client, studio_emails, staff_client):
    handshake(client, emu)
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    gcal.human_delete(link.calendar_event_id)
    move_and_note_in_notion(emu, link.notion_page_id, monday)
    webhook(client, emu, link.notion_page_id)
    entry = _check_clash_told(staff_client)
    response = staff_client.post(f"{DASHBOARD}restore/{entry.pk}/")
    assert response.status_code == 302
    deliver_due()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    live = [e for e in gcal.events("primary") if e.get("status") != "cancelled"]
    assert len(live) == 1
    assert emu.plain(link.notion_page_id)["Status"] == "Confirmed"
    assert "Restore the booking" not in staff_client.get(DASHBOARD).content.decode()  # settled
    sync()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED  # the next sync does not undo the restore


# --- CalDAV: a real Radicale, read by polling only ------------------------------------------------
@pytest.fixture
def notion_and_caldav(caldav_settings, emu, notion_db, tmp_path, studio):  # noqa: F811
    from django.core.cache import cache

    from booksync.integrations.notion import forget_stores
    from tests.integrations.notion_fixtures import point_at_notion

    point_at_notion(caldav_settings, emu, notion_db, tmp_path)
    caldav_settings.INVITES_VIA = "email"
    caldav_settings.CALENDAR_IMPORT = "booking"
    caldav_settings.NOTION_WEBHOOK_SECRET = "automation-secret-for-tests"
    caldav_settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    forget_stores()
    yield caldav_settings
    forget_stores()


def dav_events(dav_calendar):  # noqa: F811
    from icalendar import Calendar

    return [component for obj in dav_calendar.events()
            for component in Calendar.from_ical(obj.data).walk("VEVENT")
            if str(component.get("STATUS", "")).upper() != "CANCELLED"]


@pytest.mark.radicale
@pytest.mark.parametrize("calendar_read_first", [False, True], ids=["webhook-first", "poll-first"])
def test_caldav_delete_meets_a_notion_move_and_notes(
        notion_and_caldav, emu, dav_calendar, monday, client, studio_emails, staff_client,  # noqa: F811
        calendar_read_first):
    handshake(client, emu)
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    mail.outbox.clear()
    dav_calendar.event_by_url(dav_calendar.url.join(link.calendar_event_id)).delete()  # a person deletes it
    move_and_note_in_notion(emu, link.notion_page_id, monday)  # and the page is edited in the same second
    if calendar_read_first:
        sync(full=False, sides=["calendar"])  # the five-minute poll reads the delete first
    webhook(client, emu, link.notion_page_id)
    sync()
    sync()
    booking.refresh_from_db()
    assert dav_events(dav_calendar) == []  # not written again, at its name or any other
    assert booking.status == BookingStatus.CANCELLED
    assert booking.start == london(monday, 14) and booking.notes == NOTES
    page = emu.plain(link.notion_page_id)
    assert page["Status"] == "Cancelled" and page["Notes"] == NOTES
    assert len(customer_mail("cancelled")) == 1
    entry = _check_clash_told(staff_client)
    assert "CalDAV" in entry.detail["sentence"]


@pytest.mark.radicale
def test_caldav_page_set_back_to_confirmed_brings_the_event_back_once(
        notion_and_caldav, emu, dav_calendar, monday, client, studio_emails, staff_client):  # noqa: F811
    handshake(client, emu)
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    dav_calendar.event_by_url(dav_calendar.url.join(link.calendar_event_id)).delete()
    move_and_note_in_notion(emu, link.notion_page_id, monday)
    webhook(client, emu, link.notion_page_id)
    sync()
    assert dav_events(dav_calendar) == []
    mail.outbox.clear()
    emu.advance(90)
    emu.human_edit(link.notion_page_id, {"Status": {"status": {"name": "Confirmed"}}})
    webhook(client, emu, link.notion_page_id)
    sync()
    sync()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    [event] = dav_events(dav_calendar)
    assert event["DTSTART"].dt == london(monday, 14)
    assert [m for m in studio_mail() if "again" in m.body]


# --- a page in the trash meets a calendar move ----------------------------------------------------
@pytest.mark.parametrize("calendar_first", [True, False], ids=["calendar-first", "webhook-first"])
def test_a_notion_trash_meets_a_google_move(both, emu, gcal, monday, client, studio_emails, staff_client,
                                            calendar_first):
    handshake(client, emu)
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    mail.outbox.clear()
    emu.human_trash(link.notion_page_id)  # a person moves the page to the trash …
    gcal.human_move(link.calendar_event_id, london(monday, 16), london(monday, 17))  # … another moves the event
    if calendar_first:
        calendar_read(gcal, client, "push")
        webhook(client, emu, link.notion_page_id)
    else:
        webhook(client, emu, link.notion_page_id)
        calendar_read(gcal, client, "push")
    sync()
    sync()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.start == london(monday, 16)  # the time only the calendar changed comes from the calendar
    assert [e for e in gcal.events("primary") if e.get("status") != "cancelled"] == []
    assert emu.page(link.notion_page_id)["in_trash"] is True  # the trash stands
    assert len(customer_mail("cancelled")) == 1
    entry = _check_clash_told(staff_client)
    assert "Notion" in entry.detail["sentence"] and "Google Calendar" in entry.detail["sentence"]


def test_restoring_a_trash_clash_takes_the_page_out_of_the_trash_and_writes_the_event_again(
        both, emu, gcal, monday, client, studio_emails, staff_client):
    handshake(client, emu)
    booking = book_on_website(monday, 10)
    deliver_due()
    sync()
    link = BookingLink.objects.get(booking=booking)
    emu.human_trash(link.notion_page_id)
    gcal.human_move(link.calendar_event_id, london(monday, 16), london(monday, 17))
    calendar_read(gcal, client, "push")  # the move is read; its push to Notion finds the page in the trash
    entry = _check_clash_told(staff_client)
    assert staff_client.post(f"{DASHBOARD}restore/{entry.pk}/").status_code == 302
    deliver_due()
    sync()
    sync()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.start == london(monday, 16)
    assert emu.page(link.notion_page_id)["in_trash"] is False
    assert emu.plain(link.notion_page_id)["Status"] == "Confirmed"
    live = [e for e in gcal.events("primary") if e.get("status") != "cancelled"]
    assert len(live) == 1 and live[0]["start"]["dateTime"].startswith(london(monday, 16).isoformat()[:16])
