"""The customer pages through Django's test client: no JavaScript, abuse controls, error pages."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from booksync.bookings import services
from booksync.bookings.models import Booking, Service
from booksync.web.branding import DARK_TEXT, contrast, readable_on
from booksync.web.picker import slot_value
from tests.conftest import london

pytestmark = pytest.mark.django_db


def _details(start, **extra) -> dict:
    data = {"start": slot_value(start), "date": start.date().isoformat(), "timezone": "Europe/London",
            "name": "Ada Lovelace", "email": "ada@example.com", "phone": "", "notes": "Window light, please."}
    data.update(extra)
    return data


def _book_directly(start, name="Grace Hopper"):
    return services.book(services.BookingRequest(start=start, name=name, email="grace@example.com",
                                                 service=Service.objects.get(slug="portrait")))


def test_home_shows_the_studio_and_its_services(client, studio):
    studio.primary_color = "#fafafa"  # a pale brand colour must still get readable text
    studio.save()
    page = client.get("/").content.decode()
    assert studio.name in page and studio.contact_email in page
    assert "--primary:#fafafa" in page and f"--on-primary:{DARK_TEXT}" in page
    for service in Service.objects.filter(active=True):
        assert f'href="/en/book/{service.slug}/"' in page  # links name the page's language


def test_brand_text_colour_has_enough_contrast():
    for background in ("#1f4e79", "#f2b134", "#ffffff", "#000000", "#777777", "#767676", "#808080"):
        assert contrast(readable_on(background), background) >= 4.5


def test_booking_without_javascript(client, studio, monday, outbox):
    page = client.get(f"/book/portrait/?date={monday}").content.decode()
    ten = london(monday, 10)
    assert f'value="{slot_value(ten)}"' in page
    assert "Free times on " + monday.strftime("%A") in page

    response = client.post("/book/portrait/", _details(ten))
    booking = Booking.objects.get()
    assert booking.start == ten and booking.notes == "Window light, please."
    assert response.status_code == 302 and response.url.endswith("/confirmed/")
    confirmation = client.get(response.url).content.decode()
    assert "You're booked" in confirmation
    assert "/invite.ics" in confirmation and "calendar.google.com/calendar/render?action=TEMPLATE" in confirmation
    assert ten.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") in confirmation


def test_times_can_be_shown_in_another_zone_without_javascript(client, studio, monday):
    studio.time_leads = "customer"
    studio.save()
    page = client.get(f"/book/portrait/?date={monday}&tz=Asia/Tokyo", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    tokyo = london(monday, 10).astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{tokyo:%H:%M}" in page and "studio 10:00" in page
    # By default the studio's time leads (in-person sessions happen there); the customer's is beside it.
    studio.time_leads = "studio"
    studio.save()
    page = client.get(f"/book/portrait/?date={monday}&tz=Asia/Tokyo", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert f'<span class="slot-time">10:00</span><span class="slot-other">your time {tokyo:%H:%M}</span>' in page


def test_the_same_form_sent_twice_books_once(client, studio, monday):
    data = _details(london(monday, 11), idempotency_key="web:double-click")
    first, second = client.post("/book/portrait/", data), client.post("/book/portrait/", data)
    assert first.url == second.url
    assert Booking.objects.count() == 1


def test_slot_just_taken_offers_nearest_times_and_keeps_the_details(client, studio, monday):
    ten = london(monday, 10)
    _book_directly(ten)
    response = client.post("/book/portrait/", _details(ten))
    page = response.content.decode()
    assert response.status_code == 409
    assert "that time was just taken" in page
    assert f'value="{slot_value(london(monday, 9))}"' in page  # nearest, same day
    assert f'value="{slot_value(london(monday, 11))}"' in page
    assert f'value="{slot_value(london(monday + timedelta(days=1), 9))}"' in page  # and the next days
    assert f'value="{slot_value(ten)}"' not in page
    assert 'value="Ada Lovelace"' in page and "Window light, please." in page


def test_missing_details_are_explained_and_the_slot_stays_chosen(client, studio, monday):
    response = client.post("/book/portrait/", _details(london(monday, 10), name="", email="not-an-email"))
    page = response.content.decode()
    assert response.status_code == 422
    assert "Tell us your name." in page and "does not look right" in page
    assert f'value="{slot_value(london(monday, 10))}" required checked' in page
    assert not Booking.objects.exists()


def test_csrf_token_is_required(studio, monday):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/book/portrait/", _details(london(monday, 10)))
    assert response.status_code == 403 and "This form has expired" in response.content.decode()
    assert not Booking.objects.exists()
    page = client.get(f"/book/portrait/?date={monday}").content.decode()
    assert 'name="form_token"' in page


def test_honeypot_refuses_bots_silently(client, studio, monday):
    response = client.post("/book/portrait/", _details(london(monday, 10), website="http://spam.example"))
    assert response.status_code == 200 and "Your request has been received" in response.content.decode()
    assert not Booking.objects.exists()


def test_booking_posts_are_rate_limited_per_address(client, studio, monday, settings):
    settings.PAGE_POST_RATE = "2/m"
    statuses = [client.post("/book/portrait/", _details(london(monday, 9 + i))).status_code for i in range(3)]
    assert statuses == [302, 302, 429]
    other = Client(REMOTE_ADDR="10.0.0.9").post("/book/portrait/", _details(london(monday, 14)))
    assert other.status_code == 302
    assert "Please wait a moment" in client.post("/book/portrait/", _details(london(monday, 15))).content.decode()


def test_manage_posts_are_rate_limited(client, studio, monday, settings):
    settings.PAGE_POST_RATE = "1/m"
    token = _book_directly(london(monday, 10)).token
    client.post(f"/manage/{token}/reschedule/", {"start": "nonsense"})
    assert client.post(f"/manage/{token}/cancel/", {}).status_code == 429
    assert Booking.objects.get().is_active


def test_unknown_pages_and_manage_links_explain_themselves(client, studio):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "We could not find that page" in missing.content.decode()
    assert client.get("/book/no-such-service/").status_code == 404
    link = client.get("/manage/not-a-real-token/")
    page = link.content.decode()
    assert link.status_code == 404 and "This link does not open a booking" in page
    assert "most recent" in page and studio.contact_email in page


def test_reschedule_and_cancel_without_javascript(client, studio, monday, outbox):
    result = _book_directly(london(monday, 10))
    token = result.token
    page = client.get(f"/manage/{token}/").content.decode()
    assert "Change the time" in page and "Cancel booking" in page
    tuesday = monday + timedelta(days=1)
    form = client.get(f"/manage/{token}/reschedule/?date={tuesday}").content.decode()
    assert f'value="{slot_value(london(tuesday, 14))}"' in form
    moved = client.post(f"/manage/{token}/reschedule/", {"start": slot_value(london(tuesday, 14)),
                                                         "date": tuesday.isoformat()})
    assert moved.status_code == 302
    assert Booking.objects.get().start == london(tuesday, 14)
    assert "Your booking has moved" in client.get(moved.url).content.decode()

    assert "Cancel this booking?" in client.get(f"/manage/{token}/cancel/").content.decode()
    client.post(f"/manage/{token}/cancel/", {"reason": "Ill"})
    booking = Booking.objects.get()
    assert booking.status == "cancelled" and booking.cancel_reason == "Ill"
    gone = client.get(f"/manage/{token}/reschedule/")
    assert gone.status_code == 410 and "can no longer be changed" in gone.content.decode()


def test_inside_the_notice_window_changes_are_closed_with_a_reason(client, studio, monday):
    result = _book_directly(london(monday, 10))
    soon = timezone.now() + timedelta(hours=5)
    Booking.objects.filter(pk=result.booking.pk).update(start=soon, end=soon + timedelta(hours=1))
    page = client.get(f"/manage/{result.token}/").content.decode()
    assert "Online changes are closed" in page and "24 hours before the session" in page
    assert "Change the time" not in page
    refused = client.post(f"/manage/{result.token}/cancel/", {})
    assert refused.status_code == 409 and Booking.objects.get().is_active


def test_rescheduling_onto_a_taken_slot_offers_alternatives(client, studio, monday):
    token = _book_directly(london(monday, 10)).token
    _book_directly(london(monday, 14), name="Someone else")
    response = client.post(f"/manage/{token}/reschedule/", {"start": slot_value(london(monday, 14)),
                                                            "date": monday.isoformat()})
    page = response.content.decode()
    assert response.status_code == 409 and "that time was just taken" in page
    assert f'value="{slot_value(london(monday, 15))}"' in page
    assert Booking.objects.get(name="Grace Hopper").start == london(monday, 10)


def test_server_error_page_needs_no_database_or_context():
    from django.template.loader import render_to_string

    page = render_to_string("500.html")
    assert "Something went wrong on our side" in page and "Nothing was booked" in page
