"""Broken #2 and #3: one client cannot fill the diary, nor mail-bomb an address through the studio.

The limits are the same for the API and the forms (one django-ratelimit group),
follow the real client behind TRUSTED_PROXIES only, and are lifted for the
admin token. Emails over the per-recipient limit are held back, not dropped.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from booksync.bookings.models import Booking
from booksync.outbox.models import OutboxMessage, OutboxState
from booksync.web.picker import slot_value
from tests.conftest import london, open_starts

from .conftest import ADMIN_TOKEN, booking_body, post_json

pytestmark = pytest.mark.django_db


slots = open_starts


def form_details(start, email="ada@example.com") -> dict:
    return {"start": slot_value(start), "date": start.date().isoformat(), "timezone": "Europe/London",
            "name": "Ada", "email": email}


# --- per client address ------------------------------------------------------------------------
def test_one_client_is_limited_across_the_api_and_the_forms(studio, monday, settings, api_client, quiet_outbox):
    settings.BOOKING_RATE_PER_CLIENT = "4/h"
    settings.PAGE_POST_RATE = "1000/m"
    starts = slots(monday, 6)
    statuses = [post_json(api_client, "/api/bookings", booking_body(s, email=f"c{i}@example.com")).status_code
                for i, s in enumerate(starts[:2])]
    statuses += [api_client.post("/book/portrait/", form_details(s, f"f{i}@example.com")).status_code
                 for i, s in enumerate(starts[2:5])]
    assert statuses == [201, 201, 302, 302, 429]
    refused = post_json(api_client, "/api/bookings", booking_body(starts[5], email="late@example.com"))
    assert refused.status_code == 429 and refused.json()["error"] == "too_many_bookings"
    assert Booking.objects.count() == 4


def test_the_default_limit_stops_a_diary_filler(studio, monday, api_client, quiet_outbox):
    """Issue: 86 bookings in 2 s from one client. Defaults now let through BOOKING_RATE_PER_CLIENT."""
    created = [post_json(api_client, "/api/bookings", booking_body(s, email=f"x{i}@example.com")).status_code
               for i, s in enumerate(slots(monday, 20))]
    assert created.count(201) == 6 and created.count(429) == 14


def test_a_rotating_x_forwarded_for_does_not_make_new_clients(studio, monday, settings, quiet_outbox):
    settings.BOOKING_RATE_PER_CLIENT = "2/h"
    client = Client()
    statuses = [client.post("/api/bookings", booking_body(s, email=f"r{i}@example.com"),
                            content_type="application/json", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
                for i, s in enumerate(slots(monday, 4))]
    assert statuses == [201, 201, 429, 429]


def test_behind_a_trusted_proxy_each_customer_has_their_own_bucket(studio, monday, settings, quiet_outbox):
    settings.BOOKING_RATE_PER_CLIENT = "1/h"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    a, b, c = slots(monday, 3)

    def via_proxy(start, forwarded, email):
        return proxy.post("/api/bookings", booking_body(start, email=email), content_type="application/json",
                          HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert via_proxy(a, "203.0.113.1", "a@example.com") == 201
    assert via_proxy(b, "203.0.113.2", "b@example.com") == 201
    # A client's own spoofed hop to the left of what the proxy appended changes nothing.
    assert via_proxy(c, "10.9.9.9, 203.0.113.1", "c@example.com") == 429


# --- per email address ----------------------------------------------------------------------------
def test_active_future_bookings_per_email_are_capped(studio, monday, settings, api_client, quiet_outbox):
    settings.BOOKING_RATE_PER_CLIENT = settings.BOOKING_RATE_PER_EMAIL = "1000/m"
    settings.BOOKING_ACTIVE_PER_EMAIL = 3
    statuses = [post_json(api_client, "/api/bookings", booking_body(s, email="Same@Example.com")).status_code
                for s in slots(monday, 4)]
    assert statuses == [201, 201, 201, 429]
    refused = post_json(api_client, "/api/bookings", booking_body(slots(monday, 6)[5], email="same@example.com"))
    assert refused.status_code == 429 and refused.json()["field"] == "email"


def test_bookings_per_hour_per_email_are_capped_in_the_forms_too(studio, monday, settings, client, quiet_outbox):
    settings.BOOKING_RATE_PER_CLIENT, settings.BOOKING_RATE_PER_EMAIL = "1000/m", "2/h"
    settings.PAGE_POST_RATE = "1000/m"
    responses = [client.post("/book/portrait/", form_details(s, "victim@example.com")) for s in slots(monday, 3)]
    assert [r.status_code for r in responses] == [302, 302, 429]
    assert "Many bookings were just made for this email address" in responses[-1].content.decode()
    assert Booking.objects.count() == 2


def test_the_admin_token_lifts_the_limits(studio, monday, settings, api_client, quiet_outbox):
    settings.ADMIN_API_TOKEN = ADMIN_TOKEN
    settings.BOOKING_RATE_PER_CLIENT = "1/h"
    statuses = [post_json(api_client, "/api/bookings", booking_body(s), Authorization=f"Bearer {ADMIN_TOKEN}")
                .status_code for s in slots(monday, 3)]
    assert statuses == [201, 201, 201]


# --- durations ----------------------------------------------------------------------------------------
def test_a_public_booking_needs_a_service_length(studio, monday, api_client, quiet_outbox):
    odd = post_json(api_client, "/api/bookings", booking_body(london(monday, 9), service=None, duration=480))
    assert odd.status_code == 422 and odd.json()["field"] == "duration"
    assert not Booking.objects.exists()
    # A duration one active service has books that service.
    same = post_json(api_client, "/api/bookings", booking_body(london(monday, 9), service=None, duration=60))
    assert same.status_code == 201 and same.json()["service"] == "portrait"


def test_the_admin_may_book_any_length(studio, monday, settings, api_client, quiet_outbox):
    settings.ADMIN_API_TOKEN = ADMIN_TOKEN
    response = post_json(api_client, "/api/bookings", booking_body(london(monday, 9), service=None, duration=45),
                         Authorization=f"Bearer {ADMIN_TOKEN}")
    assert response.status_code == 201
    assert Booking.objects.get().duration == timedelta(minutes=45)


# --- emails to one recipient -----------------------------------------------------------------------
def test_book_and_cancel_cycles_cannot_mail_bomb_an_address(studio, monday, settings, api_client, quiet_outbox,
                                                            no_booking_limits, client):
    """Issue: 15 book-and-cancel cycles sent 18 emails to a victim. Now at most the hourly limit go out;
    the rest wait (PENDING, held back, listed on the dashboard), none is dropped or failed."""
    from booksync.outbox.delivery import deliver_due

    settings.EMAILS_PER_RECIPIENT_PER_HOUR = 5
    for _ in range(15):
        created = post_json(api_client, "/api/bookings",
                            booking_body(london(monday, 10), email="victim@example.com", name="Buy pills now"))
        token = created.json()["manage_url"].rstrip("/").rsplit("/", 1)[1]
        assert post_json(api_client, f"/api/bookings/manage/{token}/cancel", {}).status_code == 200
        deliver_due(force=True, topics=["email"])
    sent = list(quiet_outbox.glob("*.eml"))
    assert len(sent) == 5
    emails = OutboxMessage.objects.filter(topic="email")
    held = emails.filter(state=OutboxState.PENDING, last_error__startswith="Held back:")
    assert held.exists() and not emails.filter(state=OutboxState.FAILED).exists()
    assert all(m.attempts == 0 for m in held)  # waiting spends no delivery attempt
    assert all(m.not_before > m.updated_at for m in held)

    # An hour later the held emails go out (never dropped): move the sent ones back two hours.
    from datetime import timedelta as hours_ago

    from django.utils import timezone

    OutboxMessage.objects.filter(topic="email", state=OutboxState.DONE).update(
        delivered_at=timezone.now() - hours_ago(hours=2))
    waiting = held.count()
    held.update(not_before=timezone.now())
    deliver_due(topics=["email"])
    assert len(list(quiet_outbox.glob("*.eml"))) == 5 + min(waiting, 5)

    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-123")
    client.force_login(admin)
    dashboard = client.get(reverse("admin:sync-dashboard")).content.decode()
    assert "Emails held back" in dashboard and dashboard.count("victim@example.com") >= held.count()
