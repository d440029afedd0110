"""A studio of several names who the session is with (ADR 0017): emails, the invite, the studio's notice, the pages."""

from __future__ import annotations

import pytest
from django.core import mail

from booksync.bookings import services
from booksync.bookings.messages.emails import build_message
from booksync.bookings.messages.ics import booking_ics
from booksync.bookings.models import Service, Studio
from booksync.bookings.tokens import token_for
from booksync.outbox.delivery import deliver_due
from tests.conftest import london

pytestmark = pytest.mark.django_db


def _family(monday):
    return services.book(services.BookingRequest(start=london(monday, 10), name="Ada", email="ada@example.com",
                                                 service=Service.objects.get(slug="family"))).booking


def _text(message) -> str:
    return message.body if hasattr(message, "body") else str(message)


def test_the_confirmation_and_invite_name_the_photographer_and_room(team_studio, monday):
    booking = _family(monday)
    message = build_message(booking, "confirmation")
    assert "with Alex · Big room" in _text(message)
    html = message.alternatives[0][0] if getattr(message, "alternatives", None) else ""
    assert "with Alex" in html
    assert "With Alex · Big room" in booking_ics(booking, Studio.load(), "REQUEST").decode().replace("\r\n ", "")


def test_the_studio_notice_says_who(team_studio, monday, studio_emails, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STUDIO_NOTIFY_EMAIL = "desk@studio.example"
    _family(monday)
    deliver_due(force=True)
    notices = [m for m in mail.outbox if "desk@studio.example" in m.to]
    assert notices and "Family session with Alex in the Big room" in notices[0].body


def test_the_confirmation_page_names_the_photographer(team_studio, monday, client):
    booking = _family(monday)
    page = client.get(f"/manage/{token_for(booking)}/confirmed/").content.decode()
    assert "Photographer" in page and "Alex · Big room" in page


def test_a_one_person_studio_names_nobody(studio, monday):
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Ada", email="ada@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    assert " with " not in _text(build_message(booking, "confirmation")).split("Portrait session", 1)[1][:20]
