"""Issue 11, the admin door: every admin change goes through the booking service.

Django test client as a logged-in staff user: add a phone booking; move it onto a
taken slot (form error, nothing saved); move it to a free slot (the customer's
update email, Notion and the calendar follow, the old slot is free); the list and
the form show studio time; the bulk cancel still works (after its confirmation).
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from booksync.bookings import services
from booksync.bookings.models import Booking, BookingSource, BookingStatus, Service
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import AuditEntry, OutboxMessage
from booksync.sync.models import BookingLink
from tests.backoffice.conftest import booking_form, summer_weekday
from tests.conftest import london

pytestmark = pytest.mark.django_db
ADD = "/admin/bookings/booking/add/"


def change_url(booking) -> str:
    return f"/admin/bookings/booking/{booking.pk}/change/"


def add_phone_booking(client, day, hour, **extra):
    values = {"start_0": day.isoformat(), "start_1": f"{hour:02d}:00",
              "service": str(Service.objects.get(slug="portrait").pk), "name": "Pat Phone",
              "email": "pat@example.com", "phone": "+44 7700 900123", "notes": "Rang on Tuesday", **extra}
    data = booking_form(client, ADD, **values)
    return client.post(ADD, data)


def website_booking(day, hour, name="Wendy Web"):
    return services.book(services.BookingRequest(start=london(day, hour), name=name, email="wendy@example.com",
                                                 service=Service.objects.get(slug="portrait"))).booking


def slot_starts(client, day):
    response = client.get(f"/api/calendar/availability?date={day}&duration=60")
    return {s["start"][11:16] for s in response.json()["slots"]}


def test_phone_booking_is_added_through_the_service(studio, monday, staff_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = add_phone_booking(staff_client, monday, 11)
    assert response.status_code == 302, response.content.decode()[:3000]
    booking = Booking.objects.get(name="Pat Phone")
    assert booking.source == BookingSource.ADMIN and booking.status == BookingStatus.CONFIRMED
    assert booking.start == london(monday, 11) and booking.end == london(monday, 12)
    studio.refresh_from_db()
    assert booking.blocked_end == booking.end + studio.buffer_after
    assert AuditEntry.objects.get(booking=booking).detail == {"by": "owner", "start": booking.start.isoformat()}
    assert "11:00" not in slot_starts(staff_client, monday)
    deliver_due(topics=["email"])
    assert [m.to for m in mail.outbox] == [["Pat Phone <pat@example.com>"]]
    assert "confirmed" in mail.outbox[0].subject


def test_any_length_for_a_booking_the_studio_takes(studio, monday, staff_client):
    response = add_phone_booking(staff_client, monday, 9, service="", end_0=monday.isoformat(), end_1="09:25")
    assert response.status_code == 302
    booking = Booking.objects.get(name="Pat Phone")
    assert booking.duration.total_seconds() == 25 * 60 and booking.service_name == "25 min session"


def test_end_before_start_is_a_form_error(studio, monday, staff_client):
    response = add_phone_booking(staff_client, monday, 9, end_0=monday.isoformat(), end_1="08:00")
    assert response.status_code == 200
    assert "The session must end after it starts." in response.content.decode()
    assert not Booking.objects.filter(name="Pat Phone").exists()


def test_adding_onto_a_taken_slot_names_the_clash(studio, monday, staff_client):
    website_booking(monday, 10)
    response = add_phone_booking(staff_client, monday, 10)
    html = response.content.decode()
    assert response.status_code == 200
    assert "That time overlaps Wendy Web · Portrait session" in html
    assert re.search(r"Free that day for 1 h: 09:00, 11:00, [0-9:, ]*13:00\.", html)
    assert "booking_no_overlap" not in html and not Booking.objects.filter(name="Pat Phone").exists()


def test_move_onto_taken_slot_then_to_a_free_one(both, emu, gcal, studio, monday, staff_client):
    add_phone_booking(staff_client, monday, 11)
    booking = Booking.objects.get(name="Pat Phone")
    website_booking(monday, 14)
    deliver_due()
    mail.outbox.clear()
    before = (booking.start, booking.version, OutboxMessage.objects.count())

    taken = staff_client.post(change_url(booking), booking_form(
        staff_client, change_url(booking), start_0=monday.isoformat(), start_1="14:30", end_0=monday.isoformat(),
        end_1="15:30", service=str(booking.service_id), name="Pat Phone", email="pat@example.com"))
    html = taken.content.decode()
    assert taken.status_code == 200
    assert "That time overlaps Wendy Web · Portrait session" in html and "14:00–15:00" in html
    assert re.search(r"Free that day for 1 h: [0-9:, ]*16:00", html)
    booking.refresh_from_db()
    assert (booking.start, booking.version, OutboxMessage.objects.count()) == before  # nothing saved

    moved = staff_client.post(change_url(booking), booking_form(
        staff_client, change_url(booking), start_0=monday.isoformat(), start_1="16:00", end_0=monday.isoformat(),
        end_1="17:00", service=str(booking.service_id), name="Pat Phone", email="pat@example.com"))
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.start == london(monday, 16) and booking.sequence == 1
    deliver_due()
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Your booking has changed"]
    assert "16:00" in mail.outbox[0].subject
    link = BookingLink.objects.get(booking=booking)
    assert emu.plain(link.notion_page_id)["Date"]["start"].startswith(london(monday, 16).isoformat()[:16])
    [event] = [e for e in gcal.events("primary") if e["id"] == link.calendar_event_id]
    assert event["start"]["dateTime"].startswith(f"{monday}T16:00")
    assert "11:00" in slot_starts(staff_client, monday)  # the old slot is free
    assert "16:00" not in slot_starts(staff_client, monday)


def test_list_and_form_show_studio_time(studio, staff_client):
    day = summer_weekday()
    response = add_phone_booking(staff_client, day, 14)
    assert response.status_code == 302
    booking = Booking.objects.get(name="Pat Phone")
    assert booking.start.utcoffset().total_seconds() == 0 and booking.start.hour == 13  # stored in UTC
    listing = staff_client.get(f"/admin/bookings/booking/?start__year={day.year}").content.decode()
    assert "Times are studio time (Europe/London)." in listing
    assert f"{day:%a} {day.day} {day:%b} {day.year}, 14:00" in listing
    form = staff_client.get(change_url(booking)).content.decode()
    assert "Start (Europe/London, studio time)" in form
    assert re.search(r'name="start_1"[^>]*value="14:00:00"', form) or re.search(
        r'value="14:00:00"[^>]*name="start_1"', form)


def test_bulk_cancel_emails_each_customer(studio, monday, staff_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first, second = website_booking(monday, 10, "Ann"), website_booking(monday, 12, "Bob")
    deliver_due()
    mail.outbox.clear()
    chosen = {"action": "cancel_bookings", "_selected_action": [str(first.pk), str(second.pk)], "index": 0}
    asked = staff_client.post("/admin/bookings/booking/", chosen)  # asks first (ADR 0021)
    assert asked.status_code == 200 and "2 customers will be emailed" in asked.content.decode()
    response = staff_client.post("/admin/bookings/booking/", {**chosen, "confirm": "yes",
                                                              "cancel-reason": "Cancelled by the studio"})
    assert response.status_code == 302
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    deliver_due()
    assert sorted(m.subject.split(":")[0] for m in mail.outbox) == ["Your booking is cancelled"] * 2
    assert {"10:00", "12:00"} <= slot_starts(staff_client, monday)
    assert AuditEntry.objects.filter(action="cancelled", detail__by="owner").count() == 2


def test_bookings_cannot_be_deleted_in_the_admin(studio, monday, staff_client):
    booking = website_booking(monday, 10)
    assert staff_client.get(f"/admin/bookings/booking/{booking.pk}/delete/").status_code == 403


def test_a_studio_move_tells_the_customer_the_old_time(studio, monday):
    """A move in the admin or the diary owes the same "was … now …" update email as one from Notion."""
    from booksync.bookings import studio_edits
    from booksync.bookings.messages.emails import previous_time

    booking = studio_edits.add_booking(studio_edits.StudioBooking(
        start=london(monday, 11), end=london(monday, 12), name="Pat Phone", email="pat@example.com"), by="owner")
    studio_edits.move_booking(booking.pk, london(monday, 15), by="owner")
    update = OutboxMessage.objects.get(booking=booking, topic="email", action="update")
    assert previous_time(update.payload) == (london(monday, 11), london(monday, 12))
