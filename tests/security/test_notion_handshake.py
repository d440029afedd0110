"""Broken #1: nobody but Notion, while the admin expects it, can plant the webhook signing key."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from booksync.sync.models import SyncState, WebhookDelivery

from .conftest import post_json

pytestmark = pytest.mark.django_db
URL = "/api/webhooks/notion"
DATABASE_ID = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"
TOKEN = "secret_the_real_notion_token"


def token_state() -> str | None:
    from booksync.sync.notion_webhooks import TOKEN_STATE

    return SyncState.get(TOKEN_STATE)


@pytest.fixture
def notion_on(settings):
    settings.NOTION_API_KEY = "secret_integration_key"
    settings.NOTION_BOOKINGS_DATABASE_ID = DATABASE_ID
    settings.OUTBOX_WAKE_WORKER = False


def open_window():
    from booksync.sync.notion_handshake import open_window

    return open_window()


def test_a_handshake_is_refused_when_notion_is_not_configured(settings, api_client, caplog):
    settings.NOTION_API_KEY = ""
    open_window()
    with caplog.at_level(logging.WARNING, logger="booksync.webhooks"):
        response = post_json(api_client, URL, {"verification_token": "secret_attacker"})
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert token_state() is None
    assert any("refused a Notion verification handshake" in r.getMessage() for r in caplog.records)


def test_a_handshake_nobody_expected_is_refused_and_logged(notion_on, api_client, caplog):
    with caplog.at_level(logging.WARNING, logger="booksync.webhooks"):
        response = post_json(api_client, URL, {"verification_token": "secret_attacker"})
    assert response.status_code == 403
    assert token_state() is None
    assert any("no verification is expected" in r.getMessage().lower() for r in caplog.records)


def test_the_expected_handshake_is_kept_once_and_closes_the_window(notion_on, api_client):
    open_window()
    assert post_json(api_client, URL, {"verification_token": TOKEN}).status_code == 200
    assert token_state() == TOKEN
    # The window closed with it: a second sender (an attacker racing Notion) is refused.
    assert post_json(api_client, URL, {"verification_token": "secret_attacker"}).status_code == 403
    assert token_state() == TOKEN


def test_an_expired_window_accepts_nothing(notion_on, api_client):
    from booksync.sync.notion_handshake import open_window as opener

    opener(now=timezone.now() - timedelta(hours=1), minutes=15)
    assert post_json(api_client, URL, {"verification_token": TOKEN}).status_code == 403
    assert token_state() is None


def test_after_the_admin_clears_the_token_an_anonymous_handshake_does_not_win(notion_on, client, api_client):
    from booksync.sync.notion_webhooks import TOKEN_STATE

    SyncState.put(TOKEN_STATE, TOKEN)
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-123")
    client.force_login(admin)
    assert client.post(reverse("admin:sync-clear-notion-token")).status_code == 302
    assert post_json(api_client, URL, {"verification_token": "secret_attacker"}).status_code == 403
    assert token_state() is None


def test_the_dashboard_button_opens_the_window(notion_on, client, api_client):
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw-for-tests-123")
    client.force_login(admin)
    page = client.get(reverse("admin:sync-dashboard"))
    assert b"Expect a Notion verification" in page.content
    assert client.post(reverse("admin:sync-expect-notion-verification")).status_code == 302
    assert b"waiting for Notion's verification request" in client.get(reverse("admin:sync-dashboard")).content
    assert post_json(api_client, URL, {"verification_token": TOKEN}).status_code == 200
    assert token_state() == TOKEN


@pytest.fixture
def cli(monkeypatch):
    """The `booksync` command in-process; Django is already set up (setting it up again would
    point the log handlers at this test's captured output)."""
    from booksync import cli as module

    monkeypatch.setattr(module, "_django", lambda: None)
    return module.main


def test_the_command_opens_the_window(notion_on, api_client, capsys, cli):
    main = cli

    assert main(["notion", "expect-verification", "--minutes", "5"]) == 0
    assert "Waiting for Notion's verification request" in capsys.readouterr().out
    assert post_json(api_client, URL, {"verification_token": TOKEN}).status_code == 200


def test_the_command_refuses_when_notion_is_not_configured(settings, capsys, cli):
    main = cli
    from booksync.sync.notion_handshake import window_closes_at

    settings.NOTION_API_KEY = ""
    assert main(["notion", "expect-verification"]) == 2
    assert window_closes_at() is None


def signed(body: dict, token: str = TOKEN) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, "sha256=" + hmac.new(token.encode(), raw, hashlib.sha256).hexdigest()


def page_event(event_id: str, parent: dict) -> dict:
    # The shape Notion documents for page events (2025-09-03): the parent names database and data source.
    return {"id": event_id, "type": "page.properties_updated", "entity": {"id": "page-1", "type": "page"},
            "data": {"parent": parent, "updated_properties": ["title"]}}


def test_events_for_pages_outside_the_bookings_database_are_dropped_without_a_record(notion_on, api_client):
    from booksync.sync.notion_webhooks import TOKEN_STATE

    SyncState.put(TOKEN_STATE, TOKEN)
    elsewhere = page_event("evt-other", {"id": "9f9f9f9f-0000-4000-8000-000000000000", "type": "database",
                                         "data_source_id": "ds-other"})
    raw, signature = signed(elsewhere)
    response = api_client.post(URL, raw, content_type="application/json", headers={"X-Notion-Signature": signature})
    assert response.status_code == 200 and response.json()["ignored"]
    workspace_page = page_event("evt-space", {"id": "ws-1", "type": "space"})
    raw, signature = signed(workspace_page)
    assert api_client.post(URL, raw, content_type="application/json",
                           headers={"X-Notion-Signature": signature}).json()["ignored"]
    assert not WebhookDelivery.objects.exists()  # nothing for the worker to fetch

    ours = page_event("evt-ours", {"id": DATABASE_ID.replace("-", ""), "type": "database", "data_source_id": "ds-1"})
    raw, signature = signed(ours)
    assert api_client.post(URL, raw, content_type="application/json",
                           headers={"X-Notion-Signature": signature}).json() == {"ok": True, "duplicate": False}
    assert list(WebhookDelivery.objects.values_list("entity_id", flat=True)) == ["page-1"]


def test_automations_for_pages_outside_the_bookings_database_are_dropped(notion_on, settings, api_client):
    settings.NOTION_WEBHOOK_SECRET = "automation-secret"
    body = {"data": {"id": "page-9", "parent": {"type": "data_source_id", "data_source_id": "ds-other",
                                                "database_id": "another-database"}}}
    response = post_json(api_client, URL, body, Authorization="Bearer automation-secret")
    assert response.status_code == 200 and response.json()["ignored"]
    assert not WebhookDelivery.objects.exists()


def test_deeply_nested_json_is_a_400_not_a_crash(notion_on, api_client):
    raw = "[" * 100_000 + "]" * 100_000
    response = api_client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_old_webhook_rows_are_pruned_on_a_schedule(settings):
    from django_q.models import Schedule

    from booksync.sync.notion_webhooks import prune

    settings.WEBHOOK_RETENTION_DAYS = 14
    old = WebhookDelivery.objects.create(source="notion", delivery_id="notion:old", kind="page.created")
    WebhookDelivery.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=15))
    WebhookDelivery.objects.create(source="notion", delivery_id="notion:new", kind="page.created")
    assert prune() == 1
    assert list(WebhookDelivery.objects.values_list("delivery_id", flat=True)) == ["notion:new"]
    # The migrations created the schedule that runs it (the worker's django-q2 scheduler).
    schedule = Schedule.objects.get(func="booksync.sync.notion_webhooks.prune")
    assert schedule.minutes == 24 * 60 and schedule.repeats == -1


def test_repeated_failures_from_one_client_are_limited(notion_on, settings, api_client):
    settings.WEBHOOK_FAILURE_RATE = "5/h"
    bad = {"id": "evt", "type": "page.created", "entity": {"id": "p", "type": "page"}}
    statuses = [post_json(api_client, URL, bad, **{"X-Notion-Signature": "sha256=" + "0" * 64}).status_code
                for _ in range(8)]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3
    # Another client is not affected.
    other = api_client.post(URL, json.dumps(bad), content_type="application/json", REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 401


def test_notions_own_handshake_replaces_a_planted_token_once_the_admin_expects_it(notion_on, api_client):
    """Issue: the real Notion's handshake got a 409 after a stranger's token was stored."""
    from booksync.sync.notion_webhooks import TOKEN_STATE

    SyncState.put(TOKEN_STATE, "secret_planted_by_a_stranger")
    open_window()
    assert post_json(api_client, URL, {"verification_token": TOKEN}).status_code == 200
    assert token_state() == TOKEN
