"""The studio hears once of each booking made, moved or cancelled, whichever side it happened on."""

from __future__ import annotations

import pytest
from django.core import mail

from booksync.bookings import services
from booksync.bookings.models import Booking, Service
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from booksync.sync.engine import run_sync
from booksync.sync.models import BookingLink
from tests.conftest import london

pytestmark = pytest.mark.django_db


def studio_mail():
    return [m for m in mail.outbox if m.extra_headers.get("X-Booksync-Notice") == "studio"]


def settle():
    """Deliver, sync twice and deliver again: whatever is owed twice would show up now."""
    for _ in range(2):
        deliver_due(force=True)
        assert run_sync(trigger="admin", full=True)["success"]
    deliver_due(force=True)


def test_one_notice_per_change_on_each_side(both, studio_emails, emu, gcal, studio, monday):
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ada Lovelace",
                                                    email="ada@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    settle()
    [notice] = studio_mail()
    assert notice.to == ["hello@studio.example"]
    assert notice.subject == f"New booking: Ada Lovelace, {london(monday, 10):%a %d %b} 10:00"
    assert "Ada Lovelace: Portrait session booked for" in notice.body
    assert "by the customer on the website" in notice.body
    assert f"/admin/bookings/booking/{booking.pk}/change/" in notice.body
    [(html, kind)] = notice.alternatives  # the HTML part, rendered from studio/booking_made.html
    assert kind == "text/html" and "New booking: Ada Lovelace" in html and "ada@example.com" in html

    link = BookingLink.objects.get(booking=booking)
    emu.advance(90)
    emu.human_edit(link.notion_page_id, {"Date": {"date": {"start": london(monday, 15).isoformat(),
                                                           "end": london(monday, 16).isoformat()}}})
    settle()
    assert len(studio_mail()) == 2
    moved = studio_mail()[-1]
    assert moved.subject.startswith("Booking moved: Ada Lovelace") and "in Notion" in moved.body

    gcal.human_move(link.calendar_event_id, london(monday, 12), london(monday, 13))
    settle()
    assert len(studio_mail()) == 3
    assert "in the calendar" in studio_mail()[-1].body and "12:00" in studio_mail()[-1].subject

    services.cancel(Booking.objects.get(pk=booking.pk), actor="customer", now=london(monday, 0).replace(day=1))
    settle()
    subjects = [m.subject.split(":")[0] for m in studio_mail()]
    assert subjects == ["New booking", "Booking moved", "Booking moved", "Booking cancelled"]
    assert OutboxMessage.objects.filter(topic="studio").count() == 4
    ids = [m.extra_headers["Message-ID"] for m in studio_mail()]
    assert len(set(ids)) == 4


def test_studio_can_turn_the_notices_off(studio_emails, studio, monday, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    studio.notify_studio = False
    studio.save()
    services.book(services.BookingRequest(start=london(monday, 10), name="Quiet", email="q@example.com",
                                          service=Service.objects.get(slug="portrait")))
    deliver_due(force=True)
    assert studio_mail() == [] and len(mail.outbox) == 1


def test_notice_goes_to_studio_notify_email(studio_emails, studio, monday, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STUDIO_NOTIFY_EMAIL = "frontdesk@studio.example"
    services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="a@example.com",
                                          service=Service.objects.get(slug="portrait")))
    deliver_due(force=True)
    assert [m.to for m in studio_mail()] == [["frontdesk@studio.example"]]


def test_dashboard_links_a_problem_to_its_notion_page(both, emu, gcal, studio, monday, staff_client):
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ada Lovelace",
                                                    email="ada@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    deliver_due(force=True)
    page_id = BookingLink.objects.get(booking=booking).notion_page_id
    services.reschedule(Booking.objects.get(pk=booking.pk), london(monday, 15), actor="admin")
    OutboxMessage.objects.filter(booking=booking, topic="notion", state="pending").update(
        state="failed", attempts=12, last_error="PermanentError: the page is in the trash; restore it")
    html = staff_client.get("/admin/sync/syncrun/dashboard/").content.decode()
    group = html[html.index(f"/admin/bookings/booking/{booking.pk}/change/"):]
    group = group[: group.index("</article>")]
    assert f'href="https://www.notion.so/{page_id.replace("-", "")}"' in group
    assert "Could not update Notion: the page is in the trash; restore it. Fix the cause, then press" in group
    notion = html[html.index("<strong>Notion:</strong>"):]
    assert "connected" in notion[:200] and "not connected" not in notion[:200]
