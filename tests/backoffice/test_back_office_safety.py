"""Issue 23, back-office safety (Django test client; ADR 0021).

- The bookings search finds any booking, any date, any status, and the list says what it shows.
- Cancelling from the diary, the list's bulk action or the change form asks first; nothing is owed
  (no email to the customer, no push) before the confirmation.
- The studio's own changes owe no studio notice unless "Also email me" is ticked.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from booksync.bookings import services
from booksync.bookings.models import Booking, BookingStatus, Service
from booksync.outbox.models import OutboxMessage
from tests.backoffice.conftest import booking_form
from tests.conftest import london

pytestmark = pytest.mark.django_db
LIST = "/admin/bookings/booking/"
DIARY = "/admin/diary/"


def book(day, hour, name, email=None):
    return services.book(services.BookingRequest(
        start=london(day, hour), name=name, email=email if email is not None else f"{name.split()[0].lower()}@example.com",
        service=Service.objects.get(slug="portrait"))).booking


def listed(html: str, *names: str) -> set[str]:
    return {name for name in names if f"{name.split()[0].lower()}@example.com" in html}


# --- the search -------------------------------------------------------------------------------------------

@pytest.fixture
def past_and_cancelled(studio, monday):
    cancelled = book(monday, 12, "Carla Cancelled")
    services.cancel(cancelled, actor="customer")
    past = book(monday, 14, "Pablo Past")
    month_ago = timedelta(days=30)
    Booking.objects.filter(pk=past.pk).update(start=past.start - month_ago, end=past.end - month_ago,
                                              blocked_start=past.blocked_start - month_ago,
                                              blocked_end=past.blocked_end - month_ago,
                                              status=BookingStatus.COMPLETED)
    book(monday, 10, "Una Upcoming")
    return cancelled, past


def test_search_finds_a_cancelled_or_past_booking_and_says_what_it_searched(past_and_cancelled, staff_client):
    default = staff_client.get(LIST).content.decode()
    assert listed(default, "Carla", "Pablo", "Una") == {"Una"}
    assert "Showing upcoming confirmed bookings." in default
    assert 'href="?when=all&amp;status=all"' in default  # "Show every booking"

    for term in ("Carla", "carla@example.com", "Pablo"):
        found = staff_client.get(LIST, {"q": term}).content.decode()
        assert listed(found, "Carla", "Pablo", "Una") == {term.split("@")[0].capitalize()}, term
        assert f"Searching every booking (any date, any status) for “{term}”." in found
        assert "0 results" not in found

    # A filter the studio picks still applies to a search, and the line says so, with a way out.
    narrowed = staff_client.get(LIST, {"q": "Carla", "status": "confirmed"}).content.decode()
    assert listed(narrowed, "Carla") == set()
    assert "Searching confirmed bookings for “Carla”." in narrowed
    assert 'href="?q=Carla&amp;when=all&amp;status=all"' in narrowed


def test_export_of_a_search_holds_what_the_search_found(past_and_cancelled, staff_client):
    rows = staff_client.get(f"{LIST}export.csv", {"q": "Carla"}).content.decode().splitlines()
    assert len(rows) == 2 and "Carla Cancelled" in rows[1] and "Cancelled" in rows[1]


# --- cancelling asks first --------------------------------------------------------------------------------

def owed_cancellations(booking) -> int:
    return OutboxMessage.objects.filter(booking=booking, topic="email", action="cancellation").count()


def test_diary_cancel_asks_first_and_nothing_is_emailed_before(studio, monday, staff_client):
    booking = book(monday, 10, "Wendy Web")
    page = staff_client.get(f"{DIARY}booking/{booking.pk}/").content.decode()
    assert f'href="{DIARY}booking/{booking.pk}/cancel/"' in page and "Cancel booking…" in page
    pushes = OutboxMessage.objects.count()

    asked = staff_client.get(f"{DIARY}booking/{booking.pk}/cancel/")
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "Wendy Web will be emailed</strong> at wendy@example.com" in html
    assert "Yes, cancel and email Wendy Web" in html and "No, keep the booking" in html
    # The old one-click form (a POST to the booking page) now only asks.
    again = staff_client.post(f"{DIARY}booking/{booking.pk}/", {"cancel": "1", "cancel-reason": "Ill"})
    assert again.status_code == 200 and "will be emailed" in again.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert owed_cancellations(booking) == 0 and OutboxMessage.objects.count() == pushes

    done = staff_client.post(f"{DIARY}booking/{booking.pk}/cancel/", {"cancel-reason": "Ill", "confirm": "yes"})
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Ill"
    assert owed_cancellations(booking) == 1
    assert "is emailed the cancellation" in staff_client.get(done["Location"]).content.decode()


def test_diary_cancel_of_a_customer_without_email_says_nobody_is_told(studio, monday, staff_client):
    booking = book(monday, 10, "Walk In", email="")
    html = staff_client.get(f"{DIARY}booking/{booking.pk}/cancel/").content.decode()
    assert "Walk In has no email address, so nobody is emailed." in html


def test_bulk_cancel_lists_who_will_be_emailed_and_waits_for_yes(studio, monday, staff_client):
    first, second = book(monday, 10, "Ann Able"), book(monday, 12, "Bob Baker", email="")
    chosen = {"action": "cancel_bookings", "_selected_action": [str(first.pk), str(second.pk)], "index": 0}
    asked = staff_client.post(LIST, chosen)
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "1 customer will be emailed" in html
    assert "Ann Able · Portrait session · emailed at ann@example.com" in html and "Bob Baker" in html
    assert "no email: not told" in html and "Yes, cancel 2 bookings" in html
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert owed_cancellations(first) == 0

    done = staff_client.post(LIST, {**chosen, "confirm": "yes", "cancel-reason": "Studio closed"})
    assert done.status_code == 302
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    assert owed_cancellations(first) == 1


def test_change_form_cancel_needs_the_tick(studio, monday, staff_client):
    booking = book(monday, 10, "Cara Change")
    url = f"{LIST}{booking.pk}/change/"
    values = {"start_0": monday.isoformat(), "start_1": "10:00", "end_0": monday.isoformat(), "end_1": "11:00",
              "service": str(booking.service_id), "name": booking.name, "email": booking.email,
              "status": "cancelled"}
    refused = staff_client.post(url, booking_form(staff_client, url, **values))
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "Cancelling emails Cara Change at cara@example.com." in html
    assert 'name="confirm_cancel"' in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and owed_cancellations(booking) == 0

    done = staff_client.post(url, booking_form(staff_client, url, **values, confirm_cancel="on"))
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and owed_cancellations(booking) == 1


# --- the studio is not told of its own changes ------------------------------------------------------------

def studio_notices() -> list[str]:
    """What each studio notice owed is about (its key: studio:<booking>:<what>:v<version>)."""
    return sorted(key.split(":")[2] for key in OutboxMessage.objects.filter(topic="studio").values_list("key", flat=True))


def test_changes_made_in_the_back_office_do_not_notify_the_studio_unless_asked(
        studio_emails, studio, monday, staff_client):
    portrait = str(Service.objects.get(slug="portrait").pk)
    staff_client.post(f"{DIARY}add/", {"date": monday.isoformat(), "start": "10:00", "name": "Quiet Add",
                                       "email": "quiet@example.com", "service": portrait})
    quiet = Booking.objects.get(name="Quiet Add")
    assert OutboxMessage.objects.filter(booking=quiet, topic="email", action="confirmation").exists()  # customer
    assert studio_notices() == []

    staff_client.post(f"{DIARY}booking/{quiet.pk}/", {"move-date": monday.isoformat(), "move-start": "15:00",
                                                      "move": "1"})
    staff_client.post(f"{DIARY}booking/{quiet.pk}/cancel/", {"cancel-reason": "x", "confirm": "yes"})
    quiet.refresh_from_db()
    assert quiet.status == BookingStatus.CANCELLED and studio_notices() == []

    staff_client.post(f"{DIARY}add/", {"date": monday.isoformat(), "start": "12:00", "name": "Loud Add",
                                       "service": portrait, "notify_me": "on"})
    loud = Booking.objects.get(name="Loud Add")
    assert studio_notices() == ["created"]
    staff_client.post(f"{DIARY}booking/{loud.pk}/", {"move-date": monday.isoformat(), "move-start": "16:00",
                                                     "move": "1", "move-notify_me": "on"})
    staff_client.post(f"{DIARY}booking/{loud.pk}/cancel/", {"cancel-reason": "x", "confirm": "yes",
                                                            "cancel-notify_me": "on"})
    assert studio_notices() == ["cancelled", "created", "rescheduled"]

    # The admin's own forms: the same rule.
    add = "/admin/bookings/booking/add/"
    staff_client.post(add, booking_form(staff_client, add, start_0=monday.isoformat(), start_1="09:00",
                                        service=portrait, name="Admin Quiet"))
    staff_client.post(add, booking_form(staff_client, add, start_0=monday.isoformat(), start_1="13:00",
                                        service=portrait, name="Admin Loud", notify_me="on"))
    assert Booking.objects.filter(name__startswith="Admin").count() == 2
    assert studio_notices() == ["cancelled", "created", "created", "rescheduled"]

    # A customer's own booking still tells the studio.
    book(monday, 11, "Web Customer")
    assert studio_notices() == ["cancelled", "created", "created", "created", "rescheduled"]
