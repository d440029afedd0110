"""Fixtures for the email tests: a SendGrid emulator reached through django-anymail's real backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from booksync.bookings import services
from booksync.bookings.models import Service
from tests.emulators.sendgrid import SendGridEmulator

SENDER = "bookings@studio.example"


@pytest.fixture(scope="session")
def _sendgrid_server() -> Iterator[SendGridEmulator]:
    with SendGridEmulator() as emulator:
        yield emulator  # type: ignore[misc]


@pytest.fixture
def sendgrid(_sendgrid_server: SendGridEmulator, settings) -> SendGridEmulator:
    """The emulator, emptied, with settings pointing anymail's SendGrid backend at it.

    Django's test runner swaps EMAIL_BACKEND for locmem at set-up, so it is set here, per test.
    """
    _sendgrid_server.clear()
    _sendgrid_server.clear_faults()
    _sendgrid_server.reset_log()
    settings.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    settings.SENDGRID_API_KEY = _sendgrid_server.api_key
    settings.SENDGRID_FROM_EMAIL = SENDER
    settings.SENDGRID_API_BASE_URL = f"{_sendgrid_server.url}/v3/"
    settings.DEFAULT_FROM_EMAIL = SENDER
    settings.ANYMAIL = {
        "SENDGRID_API_KEY": _sendgrid_server.api_key,
        "SENDGRID_API_URL": f"{_sendgrid_server.url}/v3/",
        "REQUESTS_TIMEOUT": 2,
    }
    settings.INVITES_VIA = "email"
    settings.OUTBOX_WAKE_WORKER = False
    return _sendgrid_server


def book(day_start, *, name: str = "Ann Customer", email: str = "ann@example.com", **extra):
    request = services.BookingRequest(
        start=day_start, name=name, email=email, service=Service.objects.get(slug="portrait"), **extra
    )
    return services.book(request).booking
