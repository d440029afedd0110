"""Notion webhooks end to end: handshake, signatures, the automation's Bearer secret, duplicates, echoes."""

from __future__ import annotations

import pytest

from booksync.bookings.models import Booking
from booksync.sync import tasks
from booksync.sync.models import SyncState, WebhookDelivery
from booksync.sync.notion_webhooks import TOKEN_STATE
from booksync.sync.outbox import deliver_due
from tests.conftest import london
from tests.integrations.notion_fixtures import page_properties

pytestmark = pytest.mark.django_db
URL = "/api/webhooks/notion"


def post(client, message):
    return client.post(URL, message.body, content_type="application/json", **{
        "HTTP_" + k.upper().replace("-", "_"): v for k, v in message.headers.items() if k.lower() != "content-type"})


def handshake(client, emu):
    from booksync.sync.notion_handshake import open_window

    open_window()  # the admin expects Notion's verification (dashboard button / CLI)
    response = post(client, emu.build_verification())
    assert response.status_code == 200
    assert SyncState.get(TOKEN_STATE) == emu.webhook_verification_token


def test_handshake_stores_the_token_once(both, emu, client):
    handshake(client, emu)
    other = client.post(URL, '{"verification_token": "attacker"}', content_type="application/json")
    assert other.status_code == 403  # the window closed with the first handshake
    assert SyncState.get(TOKEN_STATE) == emu.webhook_verification_token


def test_signed_event_is_processed_and_creates_the_booking(both, emu, gcal, notion_db, monday, client):
    handshake(client, emu)
    page_id = emu.human_create(notion_db.data_source_id, page_properties(
        "Hook", london(monday, 9), london(monday, 10), email="hook@example.com"))
    response = post(client, emu.build_event("page.created", page_id))
    assert response.status_code == 200 and response.json()["duplicate"] is False
    assert not Booking.objects.exists()  # the request only records; the worker does the work
    tasks.process_webhooks()
    booking = Booking.objects.get(name="Hook")
    assert len([e for e in gcal.events("primary")]) == 1
    assert WebhookDelivery.objects.get().processed_at is not None
    assert booking.source == "notion"


def test_invalid_or_missing_signature_is_401_and_queues_nothing(both, emu, notion_db, monday, client):
    handshake(client, emu)
    page_id = emu.human_create(notion_db.data_source_id, page_properties("X", london(monday, 9), london(monday, 10)))
    message = emu.build_event("page.created", page_id)
    forged = {**message.headers, "X-Notion-Signature": "sha256=" + "0" * 64}
    response = client.post(URL, message.body, content_type="application/json",
                           HTTP_X_NOTION_SIGNATURE=forged["X-Notion-Signature"])
    assert response.status_code == 401
    assert client.post(URL, message.body, content_type="application/json").status_code == 401
    tampered = message.body.replace(page_id.encode(), b"00000000-0000-0000-0000-000000000000") \
        if isinstance(message.body, bytes) else message.body.replace(page_id, "00000000-0000-0000-0000-000000000000")
    response = client.post(URL, tampered, content_type="application/json",
                           HTTP_X_NOTION_SIGNATURE=message.headers["X-Notion-Signature"])
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_signed_event_before_handshake_is_refused(both, emu, notion_db, monday, client):
    page_id = emu.human_create(notion_db.data_source_id, page_properties("X", london(monday, 9), london(monday, 10)))
    assert post(client, emu.build_event("page.created", page_id)).status_code == 401


def test_duplicate_delivery_is_recorded_once(both, emu, notion_db, monday, client):
    handshake(client, emu)
    page_id = emu.human_create(notion_db.data_source_id, page_properties("Dup", london(monday, 9), london(monday, 10)))
    message = emu.build_event("page.created", page_id)
    assert post(client, message).json()["duplicate"] is False
    assert post(client, message).json()["duplicate"] is True
    assert WebhookDelivery.objects.count() == 1
    tasks.process_webhooks()
    assert Booking.objects.filter(name="Dup").count() == 1


def test_automation_webhook_with_bearer_secret(both, emu, notion_db, monday, client):
    page_id = emu.human_create(notion_db.data_source_id, page_properties("Auto", london(monday, 9), london(monday, 10)))
    good = emu.build_automation(page_id, headers={"Authorization": "Bearer automation-secret-for-tests"})
    bad = emu.build_automation(page_id, headers={"Authorization": "Bearer wrong"})
    assert post(client, bad).status_code == 401
    assert not WebhookDelivery.objects.exists()
    assert post(client, good).status_code == 200
    tasks.process_webhooks()
    assert Booking.objects.filter(name="Auto").count() == 1


def test_our_own_echo_changes_nothing(both, emu, gcal, monday, client):
    from booksync.bookings import services
    from booksync.bookings.models import Service
    from booksync.sync.models import BookingLink, SyncRun

    handshake(client, emu)
    booking = services.book(services.BookingRequest(start=london(monday, 10), name="Echo", email="e@example.com",
                                                    service=Service.objects.get(slug="portrait"))).booking
    deliver_due()  # our own writes to Notion …
    page_id = BookingLink.objects.get(booking=booking).notion_page_id
    writes_before = len([c for c in gcal.calls() if c.method != "GET"])
    notion_writes_before = len(emu.calls("PATCH")) + len(emu.calls("POST", r"/v1/pages$"))
    # … come back as a webhook event authored by our own bot.
    assert post(client, emu.build_event("page.properties_updated", page_id)).status_code == 200
    tasks.process_webhooks()
    run = SyncRun.objects.filter(trigger="webhook").latest("started_at")
    assert (run.summary["created"], run.summary["updated"], run.summary["deleted"]) == (0, 0, 0)
    assert len([c for c in gcal.calls() if c.method != "GET"]) == writes_before
    assert len(emu.calls("PATCH")) + len(emu.calls("POST", r"/v1/pages$")) == notion_writes_before
