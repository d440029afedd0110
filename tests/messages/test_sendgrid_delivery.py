"""Customer emails over HTTP to the SendGrid emulator, through django-anymail's real backend."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from booksync.bookings import services
from booksync.bookings.messages.formats import utc_offset
from booksync.outbox.delivery import deliver_due
from booksync.outbox.models import OutboxMessage, OutboxState
from tests.conftest import london

from .conftest import SENDER, book
from .invites import parse_invite

pytestmark = pytest.mark.filterwarnings("ignore:django-anymail has dropped official support for SendGrid")


def deliver_emails() -> dict:
    return deliver_due(force=True, topics=["email"])


def invite_of(message):
    attachment = message.attachment("invite.ics")
    assert attachment.type == "text/calendar"
    return parse_invite(attachment.content)


def test_confirmation_reaches_sendgrid_once_with_a_valid_invite(studio, monday, sendgrid):
    booking = book(london(monday, 10))

    assert deliver_emails() == {"delivered": 1, "failed": 0}
    assert deliver_emails() == {"delivered": 0, "failed": 0}

    [sent] = sendgrid.messages_to("ann@example.com")
    assert sent.from_email == SENDER and sent.from_name == "Memories Studio"
    assert sent.subject.startswith("Your booking is confirmed: Portrait session on")
    assert "Portrait session" in sent.html and "Ann Customer" in sent.text
    calendar, event = invite_of(sent)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"{booking.pk}@booksync"
    assert event["SEQUENCE"] == 0
    assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
    assert event["ORGANIZER"].params["CN"] == "Memories Studio"
    assert str(event["ATTENDEE"]) == "mailto:ann@example.com"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == london(monday, 10)
    message = OutboxMessage.objects.get(booking=booking, topic="email")
    assert message.state == OutboxState.DONE
    # The provider id the outbox keeps is the one SendGrid's events will carry.
    assert message.provider_message_id == sent.custom_args["anymail_id"]


def test_reschedule_sends_an_update_with_the_same_uid_and_a_higher_sequence(studio, monday, sendgrid):
    booking = book(london(monday, 10))
    deliver_emails()
    services.reschedule(booking, london(monday, 14), actor="admin")
    deliver_emails()

    first, update = sendgrid.messages_to("ann@example.com")
    _, original = invite_of(first)
    calendar, moved = invite_of(update)
    assert update.subject.startswith("Your booking has changed")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert moved["UID"] == original["UID"]
    assert moved["SEQUENCE"] > original["SEQUENCE"]
    assert moved.decoded("DTSTART") == london(monday, 14)
    assert "14:00" in update.html


def test_cancel_sends_method_cancel(studio, monday, sendgrid):
    booking = book(london(monday, 10))
    deliver_emails()
    services.cancel(booking, reason="Studio closed", actor="admin")
    deliver_emails()

    first, cancellation = sendgrid.messages_to("ann@example.com")
    calendar, event = invite_of(cancellation)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["UID"] == invite_of(first)[1]["UID"]
    assert event["SEQUENCE"] > invite_of(first)[1]["SEQUENCE"]
    assert "Studio closed" in cancellation.text


@pytest.mark.parametrize("fault", ["500", "503", "429", "timeout"])
def test_a_temporary_failure_then_success_sends_exactly_one_email(studio, monday, sendgrid, fault):
    booking = book(london(monday, 10))
    if fault == "timeout":
        sendgrid.hang_next(3)  # longer than REQUESTS_TIMEOUT (2 s)
    else:
        sendgrid.fail_next(int(fault))

    assert deliver_emails() == {"delivered": 0, "failed": 1}
    message = OutboxMessage.objects.get(booking=booking, topic="email")
    assert message.state == OutboxState.PENDING  # retried later, with backoff
    assert message.attempts == 1
    assert message.not_before > message.updated_at.replace(microsecond=0)
    assert message.last_error

    assert deliver_emails() == {"delivered": 1, "failed": 0}
    assert len(sendgrid.messages_to("ann@example.com")) == 1
    message.refresh_from_db()
    assert message.state == OutboxState.DONE and message.last_error == ""


def test_a_rate_limit_waits_at_least_what_sendgrid_asks(studio, monday, sendgrid):
    booking = book(london(monday, 10))
    sendgrid.fail_next(429, headers={"Retry-After": "3600"})  # far beyond the first backoff

    assert deliver_emails() == {"delivered": 0, "failed": 1}
    message = OutboxMessage.objects.get(booking=booking, topic="email")
    assert message.state == OutboxState.PENDING and message.last_error.startswith("RateLimited: ")
    assert (message.not_before - message.updated_at).total_seconds() >= 3600 - 5


def test_an_address_sendgrid_refuses_fails_for_good_with_the_reason(studio, monday, sendgrid):
    booking = book(london(monday, 10), email="ann@localhost")  # Django accepts it; SendGrid does not

    assert deliver_emails() == {"delivered": 0, "failed": 1}
    message = OutboxMessage.objects.get(booking=booking, topic="email")
    assert message.state == OutboxState.FAILED
    assert message.attempts == 1
    assert "HTTP 400" in message.last_error and "Does not contain a valid address" in message.last_error
    assert "PermanentError" in message.last_error

    assert deliver_emails() == {"delivered": 0, "failed": 0}  # no endless retries
    assert len(sendgrid.calls("POST", "/v3/mail/send")) == 1
    assert sendgrid.messages == []


def test_a_revoked_api_key_stops_retries(studio, monday, sendgrid):
    booking = book(london(monday, 10))
    sendgrid.fail_next(401)
    deliver_emails()
    message = OutboxMessage.objects.get(booking=booking, topic="email")
    assert message.state == OutboxState.FAILED
    assert "HTTP 401" in message.last_error
    assert message.last_error.startswith("NotAuthorised: ")


def test_a_name_with_html_arrives_escaped_and_adds_no_header(studio, monday, sendgrid):
    name = "<script>alert(1)</script>"
    booking = book(london(monday, 10), name=name)
    deliver_emails()

    [sent] = sendgrid.messages_to("ann@example.com")
    assert "<script>" not in sent.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sent.html
    assert name in sent.text  # plain text shows the name as typed
    assert sent.raw["personalizations"][0]["to"] == [{"email": "ann@example.com", "name": name}]
    _, event = invite_of(sent)
    assert event["ATTENDEE"].params["CN"] == name
    assert booking.pk


def test_a_name_cannot_inject_recipients_or_headers(studio, monday, sendgrid):
    book(london(monday, 10), name='Eve, "x" <evil@example.com>\r\nBcc: evil@example.com')
    deliver_emails()

    [sent] = sendgrid.messages
    assert sent.recipients == ["ann@example.com"]
    assert not sent.headers.get("Bcc")
    assert "\n" not in sent.raw["personalizations"][0]["to"][0]["name"]


def test_with_invites_via_calendar_the_email_carries_no_ics(studio, monday, sendgrid, settings):
    settings.INVITES_VIA = "calendar"
    book(london(monday, 10))
    deliver_emails()
    [sent] = sendgrid.messages
    assert sent.attachments == []
    assert "invitation is attached" not in sent.text


def test_the_customers_time_zone_and_the_studio_time_are_shown(studio, monday, sendgrid):
    # Regression: the date filters used to convert to the server's zone (UTC) whatever the label said.
    studio.timezone = "Europe/Paris"
    studio.save()
    start = datetime(monday.year, monday.month, monday.day, 10, tzinfo=ZoneInfo("Europe/Paris"))
    book(start, customer_timezone="America/New_York", language="en-GB")
    deliver_emails()
    [sent] = sendgrid.messages
    in_new_york = start.astimezone(ZoneInfo("America/New_York"))
    new_york, paris = f"New York ({utc_offset(in_new_york)})", f"Paris ({utc_offset(start)})"
    for part in (sent.html, sent.text):
        assert f"{in_new_york:%H:%M}" in part and new_york in part
        assert "At the studio: " in part and "10:00" in part and paris in part
    # The subject names the zone its time is in.
    assert f"{in_new_york:%H:%M} {new_york}" in sent.subject


def test_why_the_invite_bypasses_anymails_attach(sendgrid):
    """django-anymail 15 types a text attachment ``text/calendar; charset="utf-8"``, which SendGrid
    refuses; this is why ``mail.add_invite`` hands SendGrid the attachment itself. If this test
    starts failing, anymail has fixed it and the workaround can go (docs/decisions/0004)."""
    from anymail.exceptions import AnymailAPIError
    from django.core.mail import EmailMessage

    message = EmailMessage("Invite", "Body", SENDER, ["ann@example.com"])
    message.attach("invite.ics", b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", "text/calendar")
    with pytest.raises(AnymailAPIError) as refused:
        message.send()
    assert refused.value.status_code == 400
    assert "attachment type cannot contain ';'" in str(refused.value)
    assert sendgrid.rejected[-1].request_json()["attachments"][0]["type"] == 'text/calendar; charset="utf-8"'


def test_an_email_overtaken_by_a_later_change_is_skipped_not_sent(studio, monday, sendgrid):
    booking = book(london(monday, 10))
    sendgrid.fail_next(503)
    deliver_emails()  # the confirmation waits for its retry…
    services.cancel(booking, actor="admin")  # …while the booking is cancelled
    deliver_emails()

    [sent] = sendgrid.messages_to("ann@example.com")
    assert sent.subject.startswith("Your booking is cancelled")
    confirmation = OutboxMessage.objects.get(booking=booking, action="confirmation")
    assert confirmation.state == OutboxState.DONE and confirmation.delivery_status == "skipped"
    assert "cancelled before this email went out" in confirmation.delivery_detail
