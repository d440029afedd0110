"""Notion webhooks: the one-time handshake, signed integration events, and automation webhooks.

Integration webhooks (Notion's developer settings) first POST a
``verification_token``; we keep it (the admin pastes it back into Notion to
activate the subscription) and from then on every event must carry
``X-Notion-Signature: sha256=<HMAC-SHA256 of the raw body keyed by that token>``.
Database automations ("Send webhook", as the seed documents) carry no
signature, only the custom header ``Authorization: Bearer $NOTION_WEBHOOK_SECRET``.
Events hold no property values, so all we keep is which pages changed; the
worker fetches them. Duplicates (Notion retries up to 8 times) are dropped by id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import SyncState, WebhookDelivery

log = logging.getLogger("booksync.webhooks")
TOKEN_STATE = "notion_verification_token"
PROCESS_TASK = "booksync.sync.tasks.process_webhooks"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


def _signature(token: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(token.encode(), raw, hashlib.sha256).hexdigest()


def _bearer_ok(header: str) -> bool:
    secret = settings.NOTION_WEBHOOK_SECRET
    scheme, _, supplied = header.partition(" ")
    return bool(secret) and scheme.lower() == "bearer" and hmac.compare_digest(
        supplied.strip().encode(), secret.encode())


def _record(source: str, delivery_id: str, kind: str, entity_id: str) -> bool:
    """Keep the delivery unless we have it already. Returns False for a duplicate."""
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(source=source, delivery_id=delivery_id, kind=kind, entity_id=entity_id)
    except IntegrityError:
        return False
    _wake()
    return True


def _wake() -> None:
    def enqueue() -> None:
        from django_q.tasks import async_task

        try:
            async_task(PROCESS_TASK, task_name="process_webhooks")
        except Exception:  # the periodic sync reads the same changes anyway
            log.warning("could not wake the worker for a webhook", exc_info=True)

    transaction.on_commit(enqueue)


def receive(raw: bytes, headers) -> Answer:
    """Verify and record one Notion webhook POST; never does sync work itself."""
    try:
        payload = json.loads(raw or b"null")
    except ValueError:
        return Answer(400, {"error": "bad_request", "message": "The body is not JSON."})
    if not isinstance(payload, dict):
        return Answer(400, {"error": "bad_request", "message": "The body must be a JSON object."})

    signature = headers.get("X-Notion-Signature", "")
    if "verification_token" in payload and not signature and "type" not in payload:
        return _handshake(str(payload["verification_token"]))
    if signature:
        token = SyncState.get(TOKEN_STATE)
        if not token or not hmac.compare_digest(signature.encode(), _signature(token, raw).encode()):
            return Answer(401, {"error": "unauthorized", "message": "X-Notion-Signature does not match."})
        return _integration_event(payload)
    if _bearer_ok(headers.get("Authorization", "")):
        return _automation_event(payload, raw)
    return Answer(401, {"error": "unauthorized",
                        "message": "Send X-Notion-Signature (integration webhook) or Authorization: Bearer "
                                   "<NOTION_WEBHOOK_SECRET> (automation webhook)."})


def _handshake(token: str) -> Answer:
    # Notion's tokens are printable ASCII; a NUL would also be refused by PostgreSQL's text type.
    if not token.strip() or len(token) > 500 or not token.isprintable():
        return Answer(400, {"error": "bad_request",
                            "message": "verification_token is empty, too long or not printable."})
    current = SyncState.get(TOKEN_STATE)
    if current and current != token:
        # Accepting a second token would let anyone who can reach us replace the signing key.
        # The admin clears the stored token (sync dashboard) before re-subscribing.
        log.warning("ignored a second Notion verification token; clear the stored one to re-subscribe")
        return Answer(409, {"error": "conflict",
                            "message": "A verification token is already stored; clear it in the admin first."})
    SyncState.put(TOKEN_STATE, token)
    log.info("stored the Notion webhook verification token; paste it into Notion to activate the subscription")
    return Answer(200, {"ok": True})


def _identifier(value) -> str:
    """A short printable id from a payload, else '' (ids go into length-limited columns)."""
    text = str(value) if isinstance(value, str | int) else ""
    return text if len(text) <= 100 and text.isprintable() else ""


def _integration_event(payload: dict) -> Answer:
    event_id = _identifier(payload.get("id"))
    kind = _identifier(payload.get("type"))
    entity = payload.get("entity") if isinstance(payload.get("entity"), dict) else {}
    if not event_id or not kind:
        return Answer(400, {"error": "bad_request", "message": "An event needs a short id and type."})
    entity_id = _identifier(entity.get("id")) if entity.get("type") == "page" else ""
    fresh = _record("notion", f"notion:{event_id}", kind, entity_id)
    return Answer(200, {"ok": True, "duplicate": not fresh})


def _automation_event(payload: dict, raw: bytes) -> Answer:
    page = payload.get("data") or {}
    page_id = _identifier(page.get("id")) if isinstance(page, dict) else ""
    if not page_id:
        return Answer(400, {"error": "bad_request", "message": "An automation webhook needs data.id (the page)."})
    # Automations carry no delivery id: the body itself identifies a retry.
    delivery_id = "notion-automation:" + hashlib.sha256(raw).hexdigest()
    fresh = _record("notion-automation", delivery_id, "automation", page_id)
    return Answer(200, {"ok": True, "duplicate": not fresh})
