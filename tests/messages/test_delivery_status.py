"""SendGrid's event webhook, posted by the emulator to the running app, updates each email's status."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage
from tests.conftest import london

from .conftest import book

pytestmark = [
    pytest.mark.filterwarnings("ignore:django-anymail has dropped official support for SendGrid"),
    pytest.mark.django_db(transaction=True),
]
TRACKING = "/anymail/sendgrid/tracking/"
SECRET = ("sendgrid", "webhook-secret-for-tests")


@pytest.fixture
def tracking_url(live_server, sendgrid, settings) -> str:
    """The app's tracking webhook, protected by basic auth and SendGrid's signature."""
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "WEBHOOK_SECRET": ":".join(SECRET),
        "SENDGRID_TRACKING_WEBHOOK_VERIFICATION_KEY": sendgrid.webhook_public_key_b64,
    }
    return live_server.url + TRACKING


def sent_email(sendgrid, booking):
    deliver_due(force=True, topics=["email"])
    [sent] = sendgrid.messages_to(booking.email)
    return sent, OutboxMessage.objects.get(booking=booking, topic="email")


def test_a_bounce_shows_on_the_booking_in_the_admin(studio, monday, sendgrid, tracking_url, client):
    booking = book(london(monday, 10))
    sent, message = sent_email(sendgrid, booking)

    events = [sendgrid.event_for(sent, "processed"), sendgrid.event_for(sent, "bounce")]
    response = sendgrid.post_events(tracking_url, events, basic_auth=SECRET, sign_with=True)
    assert response.status_code == 200

    message.refresh_from_db()
    assert message.delivery_status == "bounced"
    assert "550 5.1.1" in message.delivery_detail and "ann@example.com" in message.delivery_detail

    client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw"))
    page = client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    assert "emails to the customer" in page.lower()
    assert "bounced" in page and "550 5.1.1" in page
    listing = client.get("/admin/bookings/booking/").content.decode()
    assert "confirmation: " in listing and "bounced" in listing


def test_events_out_of_order_never_hide_a_worse_status(studio, monday, sendgrid, tracking_url):
    booking = book(london(monday, 10))
    sent, message = sent_email(sendgrid, booking)

    def post(*kinds: str) -> None:
        events = [sendgrid.event_for(sent, kind) for kind in kinds]
        assert sendgrid.post_events(tracking_url, events, basic_auth=SECRET, sign_with=True).status_code == 200
        message.refresh_from_db()

    post("delivered")
    assert message.delivery_status == "delivered"
    post("deferred")  # late and stale
    assert message.delivery_status == "delivered"
    post("spamreport")
    assert message.delivery_status == "spam report"
    post("open", "delivered")
    assert message.delivery_status == "spam report"


def test_dropped_is_recorded_with_its_reason(studio, monday, sendgrid, tracking_url):
    booking = book(london(monday, 10))
    sent, message = sent_email(sendgrid, booking)
    events = [sendgrid.event_for(sent, "dropped")]
    assert sendgrid.post_events(tracking_url, events, basic_auth=SECRET, sign_with=True).status_code == 200
    message.refresh_from_db()
    assert message.delivery_status == "dropped"
    assert "reason: bounced" in message.delivery_detail and "Bounced Address" in message.delivery_detail


def test_events_without_the_secret_or_signature_are_refused(studio, monday, sendgrid, tracking_url):
    booking = book(london(monday, 10))
    sent, message = sent_email(sendgrid, booking)
    events = [sendgrid.event_for(sent, "bounce")]

    # anymail answers 400 to a failed basic-auth or signature check
    assert sendgrid.post_events(tracking_url, events, sign_with=True).status_code == 400
    assert sendgrid.post_events(tracking_url, events, basic_auth=SECRET).status_code == 400
    forged = sendgrid.post_events(tracking_url, events, basic_auth=("sendgrid", "guess"), sign_with=True)
    assert forged.status_code == 400
    message.refresh_from_db()
    assert message.delivery_status == ""
