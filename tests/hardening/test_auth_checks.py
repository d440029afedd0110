"""Signature and token checks: missing, wrong, right, replayed; compared in constant time; stored hashed.

"Timing-safe" is shown by the code path, not by a stopwatch: a spy wrapped
around ``hmac.compare_digest`` must see the supplied secret and the expected
one, and the answer must follow what it returns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.conftest import london

ADMIN_TOKEN = "admin-token-for-tests"
NOTION_SECRET = "automation-secret-for-tests"
SIGNING_TOKEN = "secret_notion_signing_token"


@pytest.fixture
def digest_spy(monkeypatch):
    """Every ``hmac.compare_digest`` call, as (a, b) pairs of str, still answered truthfully."""
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append(tuple(x.decode() if isinstance(x, bytes) else x for x in (a, b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


def post_json(client, url, body, **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(url, raw, content_type="application/json", headers=headers)


# --- admin sync -------------------------------------------------------------------------------
@pytest.fixture
def admin_enabled(settings, db):
    settings.ADMIN_API_TOKEN = ADMIN_TOKEN
    settings.OUTBOX_WAKE_WORKER = False


def test_admin_sync_is_disabled_without_a_configured_token(settings, db, api_client):
    settings.ADMIN_API_TOKEN = ""
    response = api_client.post("/api/admin/sync", headers={"Authorization": "Bearer "})
    assert response.status_code == 403


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer wrong-token", f"Basic {ADMIN_TOKEN}",
                                    f"Bearer {ADMIN_TOKEN}x", f"Bearer {ADMIN_TOKEN[:-1]}"])
def test_admin_sync_refuses_a_missing_or_wrong_token(admin_enabled, api_client, header):
    from booksync.sync.models import SyncRun

    headers = {"Authorization": header} if header is not None else {}
    response = api_client.post("/api/admin/sync", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert not SyncRun.objects.exists()  # refused before any work


def test_admin_sync_runs_with_the_right_token_compared_in_constant_time(admin_enabled, api_client, digest_spy):
    from booksync.sync.models import SyncRun

    response = api_client.post("/api/admin/sync?dry_run=true", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 200 and response.json()["dry_run"] is True
    assert SyncRun.objects.count() == 1
    assert (ADMIN_TOKEN, ADMIN_TOKEN) in digest_spy

    digest_spy.clear()
    assert api_client.post("/api/admin/sync", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert digest_spy == [("guess", ADMIN_TOKEN)]


# --- Notion webhooks ----------------------------------------------------------------------------
@pytest.fixture
def notion_hooks(settings, db):
    from booksync.sync.models import SyncState
    from booksync.sync.notion_webhooks import TOKEN_STATE

    settings.NOTION_WEBHOOK_SECRET = NOTION_SECRET
    SyncState.put(TOKEN_STATE, SIGNING_TOKEN)


def signed(body: dict, token: str = SIGNING_TOKEN) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, "sha256=" + hmac.new(token.encode(), raw, hashlib.sha256).hexdigest()


def event(event_id: str = "evt-1") -> dict:
    return {"id": event_id, "type": "page.properties_updated", "entity": {"id": "page-1", "type": "page"}}


def deliveries() -> list[str]:
    from booksync.sync.models import WebhookDelivery

    return sorted(WebhookDelivery.objects.values_list("delivery_id", flat=True))


def test_notion_event_without_signature_or_bearer_is_refused(notion_hooks, api_client):
    response = post_json(api_client, "/api/webhooks/notion", event())
    assert response.status_code == 401
    assert deliveries() == []


@pytest.mark.parametrize("signature", [
    "sha256=" + "0" * 64,
    "sha256=",
    "md5=abc",
    "signed(by another token)",
])
def test_notion_event_with_a_wrong_signature_is_refused(notion_hooks, api_client, signature):
    if signature == "signed(by another token)":
        signature = signed(event(), token="secret_someone_else")[1]
    response = post_json(api_client, "/api/webhooks/notion", event(), **{"X-Notion-Signature": signature})
    assert response.status_code == 401
    assert deliveries() == []


def test_notion_signature_must_cover_the_exact_body(notion_hooks, api_client):
    _raw, signature = signed(event())
    tampered = json.dumps({**event(), "entity": {"id": "page-2", "type": "page"}}).encode()
    response = post_json(api_client, "/api/webhooks/notion", tampered, **{"X-Notion-Signature": signature})
    assert response.status_code == 401


def test_notion_event_is_accepted_once_and_its_replay_is_dropped(notion_hooks, api_client, digest_spy):
    raw, signature = signed(event("evt-7"))
    first = post_json(api_client, "/api/webhooks/notion", raw, **{"X-Notion-Signature": signature})
    replay = post_json(api_client, "/api/webhooks/notion", raw, **{"X-Notion-Signature": signature})
    assert (first.status_code, first.json()) == (200, {"ok": True, "duplicate": False})
    assert (replay.status_code, replay.json()) == (200, {"ok": True, "duplicate": True})
    assert deliveries() == ["notion:evt-7"]
    assert (signature, signature) in digest_spy


def test_notion_signature_is_refused_before_any_token_is_stored(settings, db, api_client):
    raw, signature = signed(event())
    response = post_json(api_client, "/api/webhooks/notion", raw, **{"X-Notion-Signature": signature})
    assert response.status_code == 401


def test_a_second_handshake_cannot_replace_the_signing_token(notion_hooks, api_client):
    from booksync.sync.models import SyncState
    from booksync.sync.notion_webhooks import TOKEN_STATE

    response = post_json(api_client, "/api/webhooks/notion", {"verification_token": "secret_attacker"})
    assert response.status_code == 403  # no verification window is open
    assert SyncState.get(TOKEN_STATE) == SIGNING_TOKEN


@pytest.mark.parametrize("header", ["Bearer wrong", f"Token {NOTION_SECRET}", f"Bearer {NOTION_SECRET}extra", ""])
def test_notion_automation_with_a_wrong_bearer_is_refused(notion_hooks, api_client, header):
    response = post_json(api_client, "/api/webhooks/notion", {"data": {"id": "page-1"}}, Authorization=header)
    assert response.status_code == 401
    assert deliveries() == []


def test_notion_automation_with_the_right_bearer_is_accepted_once(notion_hooks, api_client, digest_spy):
    body = {"source": {"type": "automation"}, "data": {"id": "page-1", "object": "page"}}
    first = post_json(api_client, "/api/webhooks/notion", body, Authorization=f"Bearer {NOTION_SECRET}")
    again = post_json(api_client, "/api/webhooks/notion", body, Authorization=f"Bearer {NOTION_SECRET}")
    assert first.json() == {"ok": True, "duplicate": False}
    assert again.json() == {"ok": True, "duplicate": True}
    assert len(deliveries()) == 1
    assert (NOTION_SECRET, NOTION_SECRET) in digest_spy


def test_notion_automation_is_refused_when_no_secret_is_configured(settings, db, api_client):
    settings.NOTION_WEBHOOK_SECRET = ""
    response = post_json(api_client, "/api/webhooks/notion", {"data": {"id": "page-1"}}, Authorization="Bearer ")
    assert response.status_code == 401


# --- Google push --------------------------------------------------------------------------------
@pytest.fixture
def channel(db):
    from booksync.sync.models import CalendarChannel

    return CalendarChannel.objects.create(channel_id="chan-1", resource_id="res-1", calendar_id="primary",
                                          expires_at=timezone.now() + timedelta(days=7))


def push(client, channel_id: str, token: str, state: str = "sync"):
    return client.post("/api/webhooks/google", headers={
        "X-Goog-Channel-ID": channel_id, "X-Goog-Channel-Token": token,
        "X-Goog-Resource-ID": "res-1", "X-Goog-Resource-State": state})


def test_google_push_with_a_wrong_or_missing_channel_token_is_refused(channel, api_client):
    from booksync.integrations.google_push import channel_token

    assert push(api_client, "chan-1", "wrong").status_code == 401
    assert push(api_client, "chan-1", "").status_code == 401
    assert push(api_client, "chan-1", channel_token("chan-2")).status_code == 401  # another channel's token
    assert push(api_client, "chan-9", channel_token("chan-9")).status_code == 401  # right token, unknown channel


def test_google_push_with_the_right_channel_token_is_accepted(channel, api_client, digest_spy):
    from booksync.integrations.google_push import channel_token

    token = channel_token("chan-1")
    assert push(api_client, "chan-1", token).status_code == 200
    assert (token, token) in digest_spy


# --- manage links -------------------------------------------------------------------------------
@pytest.fixture
def bookings(studio, monday, settings):
    from booksync.bookings import services
    from booksync.bookings.models import Service

    settings.OUTBOX_WAKE_WORKER = False
    portrait = Service.objects.get(slug="portrait")
    return [services.book(services.BookingRequest(start=london(monday, hour), name=f"Customer {hour}",
                                                  email=f"c{hour}@example.com", service=portrait)).booking
            for hour in (10, 12, 14)]


def test_manage_tokens_carry_at_least_128_random_bits(bookings):
    from booksync.bookings.tokens import token_for

    tokens = [token_for(b) for b in bookings]
    for booking, token in zip(bookings, tokens, strict=True):
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
        assert len(bytes.fromhex(booking.manage_salt)) * 8 >= 128  # the random part, not just the booking id
    assert len(set(tokens)) == len(tokens)


def test_a_fresh_token_replaces_the_old_one(bookings, api_client):
    from booksync.bookings import tokens

    booking = bookings[0]
    old = tokens.token_for(booking)
    new = tokens.assign(booking)
    booking.save()
    assert new != old
    assert api_client.get(f"/api/bookings/manage/{old}").status_code == 404
    assert api_client.get(f"/api/bookings/manage/{new}").status_code == 200


def test_manage_tokens_exist_only_as_hashes_in_the_database(bookings, settings, tmp_path):
    from booksync.bookings.tokens import token_for, token_hash
    from booksync.sync.outbox import deliver_due

    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    deliver_due(force=True)  # the emails that carry the links are sent (and whatever they log is stored)
    dump = database_dump()
    sent = "".join(p.read_text(errors="replace") for p in (tmp_path / "outbox").glob("*.eml"))
    for booking in bookings:
        token = token_for(booking)
        assert token in sent.replace("=\n", "")  # the customer did get it …
        assert token not in dump  # … but the database never held it
        assert token_hash(token) in dump


def database_dump() -> str:
    """Every row of every table, as text (both SQLite and PostgreSQL)."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


def test_a_wrong_manage_token_opens_nothing(bookings, api_client):
    from booksync.bookings.tokens import token_for

    token = token_for(bookings[0])
    for guess in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], "", "x" * 101):
        assert api_client.get(f"/api/bookings/manage/{guess}").status_code == 404
        assert api_client.get(f"/manage/{guess}/invite.ics").status_code == 404


# --- the studio's calendar feed ------------------------------------------------------------------
def test_feed_opens_only_with_its_token(studio, api_client, digest_spy):
    assert api_client.get(f"/calendar/{studio.feed_token}.ics").status_code == 200
    assert api_client.get(f"/calendar/{studio.feed_token[:-1]}.ics").status_code == 404
    assert api_client.get("/calendar/guess.ics").status_code == 404
    assert ("guess", studio.feed_token) in digest_spy
