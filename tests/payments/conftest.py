"""A Stripe emulator with booksync pointed at it (the real SDK over HTTP), beside Notion and Google."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.emulators.stripe import DEFAULT_API_KEY, StripeEmulator, sign
from tests.integrations.google_fixtures import gcal, point_at_google  # noqa: F401
from tests.integrations.notion_fixtures import SEED_SCHEMA, NotionDB, emu, point_at_notion  # noqa: F401

WEBHOOK_SECRET = "whsec_booksync_tests"


# The seed's database with the money columns `booksync notion init` adds (ADR 0018).
PAYMENT_SCHEMA = {
    **SEED_SCHEMA,
    "Payment": {"select": {"options": [{"name": n} for n in (
        "Not required", "Awaiting payment", "Deposit paid", "Paid", "Partly refunded", "Refunded")]}},
    "Paid": {"number": {"format": "number"}},
    "Price": {"number": {"format": "number"}},
}


@pytest.fixture
def notion_db(emu) -> NotionDB:  # noqa: F811
    return NotionDB(*emu.create_database("Bookings", PAYMENT_SCHEMA))


@pytest.fixture
def stripe_emu() -> Iterator[StripeEmulator]:
    emulator = StripeEmulator()
    emulator.hold_events = True  # the tests deliver them: late, twice, out of order
    emulator.start()
    emulator.add_endpoint("http://testserver/api/webhooks/stripe", WEBHOOK_SECRET)
    yield emulator
    emulator.stop()


@pytest.fixture
def paying(settings, stripe_emu, emu, notion_db, gcal, tmp_path, db, studio):  # noqa: F811
    """booksync taking money through the Stripe emulator, with Notion and Google Calendar, emails in locmem."""
    from django.core.cache import cache

    from booksync.integrations.notion import forget_stores

    point_at_notion(settings, emu, notion_db, tmp_path)
    point_at_google(settings, gcal)
    settings.NOTION_HTTP_TIMEOUT = settings.GOOGLE_HTTP_TIMEOUT = 2.0
    settings.INVITES_VIA = "email"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STRIPE_SECRET_KEY = DEFAULT_API_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_emu.url
    settings.PAYMENT_HOLD_MINUTES = 30
    settings.OUTBOX_WAKE_WORKER = False
    settings.BOOKING_RATE_PER_CLIENT = "1000/m"
    settings.BOOKING_RATE_PER_EMAIL = "1000/m"
    cache.clear()
    forget_stores()
    yield settings
    forget_stores()


def post_event(client, event: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    """Deliver one event to booksync's endpoint as Stripe signs it."""
    body = json.dumps(event).encode()
    return client.post("/api/webhooks/stripe", data=body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=sign(body, secret, timestamp))


@pytest.fixture
def staff_client(db, client, django_user_model):
    user = django_user_model.objects.create_user("owner", "owner@studio.example", "pw-for-tests-only",
                                                 is_staff=True, is_superuser=True)
    client.force_login(user)
    return client
