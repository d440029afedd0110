"""Notion webhooks: the one-time handshake, signed integration events, and automation webhooks.

Integration webhooks (Notion's developer settings) first POST a
``verification_token``; we keep it only inside a window an admin opened for it
(notion_handshake.py; the admin pastes it back into Notion to activate the
subscription) and from then on every event must carry
``X-Notion-Signature: sha256=<HMAC-SHA256 of the raw body keyed by that token>``.
Database automations ("Send webhook", as the seed documents) carry no
signature, only the custom header ``Authorization: Bearer $NOTION_WEBHOOK_SECRET``.
Events hold no property values, so all we keep is which pages changed; the
worker fetches them. Duplicates (Notion retries up to 8 times) are dropped by id,
and so are events about pages outside the bookings database (no fetch, no record).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from booksync.bearer import bearer_matches

from . import notion_handshake
from .models import SyncState, WebhookDelivery
from .notion_handshake import TOKEN_STATE

log = logging.getLogger("booksync.webhooks")
PROCESS_TASK = "booksync.sync.tasks.process_webhooks"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


def _signature(token: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(token.encode(), raw, hashlib.sha256).hexdigest()


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
        try:
            async_task(PROCESS_TASK, task_name="process_webhooks")
        except Exception:  # the periodic sync reads the same changes anyway
            log.warning("could not wake the worker for a webhook", exc_info=True)

    transaction.on_commit(enqueue)


def receive(raw: bytes, headers) -> Answer:
    """Verify and record one Notion webhook POST; never does sync work itself."""
    try:
        payload = json.loads(raw or b"null")
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
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
    if bearer_matches(headers.get("Authorization", ""), settings.NOTION_WEBHOOK_SECRET):
        return _automation_event(payload, raw)
    return Answer(401, {"error": "unauthorized",
                        "message": "Send X-Notion-Signature (integration webhook) or Authorization: Bearer "
                                   "<NOTION_WEBHOOK_SECRET> (automation webhook)."})


def _handshake(token: str) -> Answer:
    refused = notion_handshake.refusal()
    if refused:
        # Anyone can send a handshake; only an expected one may set the signing key.
        log.warning("refused a Notion verification handshake: %s", refused)
        return Answer(403, {"error": "forbidden", "message": refused})
    # Notion's tokens are printable ASCII; a NUL would also be refused by PostgreSQL's text type.
    if not token.strip() or len(token) > 500 or not token.isprintable():
        return Answer(400, {"error": "bad_request",
                            "message": "verification_token is empty, too long or not printable."})
    notion_handshake.accept(token)
    return Answer(200, {"ok": True})


def _compact_id(value) -> str:
    return str(value or "").replace("-", "").lower()


def _outside_bookings(parent) -> bool:
    """True when ``parent`` names a database or data source other than the bookings one.

    Integration events carry ``data.parent`` ({id, type: database, data_source_id});
    automations carry the page's own ``parent`` ({database_id, data_source_id}).
    """
    if not isinstance(parent, dict) or not parent:
        return False  # nothing to judge by: the worker's read checks the page's parent anyway
    ours = _compact_id(settings.NOTION_BOOKINGS_DATABASE_ID)
    named = {_compact_id(parent.get(key)) for key in ("data_source_id", "database_id")}
    if parent.get("type") == "database":
        named.add(_compact_id(parent.get("id")))
    named.discard("")
    return not (ours and ours in named)


def _ignored(kind: str, entity: str) -> Answer:
    log.info("ignored a Notion %s about %s: not in the bookings database", kind, entity or "an unnamed page")
    return Answer(200, {"ok": True, "ignored": "not in the bookings database"})


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
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    if entity_id and _outside_bookings(data.get("parent")):
        return _ignored(kind, entity_id)
    fresh = _record("notion", f"notion:{event_id}", kind, entity_id)
    return Answer(200, {"ok": True, "duplicate": not fresh})


def _automation_event(payload: dict, raw: bytes) -> Answer:
    page = payload.get("data") or {}
    page_id = _identifier(page.get("id")) if isinstance(page, dict) else ""
    if not page_id:
        return Answer(400, {"error": "bad_request", "message": "An automation webhook needs data.id (the page)."})
    if _outside_bookings(page.get("parent")):
        return _ignored("automation", page_id)
    # Automations carry no delivery id: the body itself identifies a retry.
    delivery_id = "notion-automation:" + hashlib.sha256(raw).hexdigest()
    fresh = _record("notion-automation", delivery_id, "automation", page_id)
    return Answer(200, {"ok": True, "duplicate": not fresh})


def prune(now=None) -> int:
    """Forget webhook records older than WEBHOOK_RETENTION_DAYS (a schedule runs this daily).

    Notion retries a delivery for about a day, so a fortnight of ids still
    catches every duplicate while the table stays small.
    """

    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(received_at__lt=cutoff).delete()
    if deleted:
        log.info("pruned %s webhook record(s) older than %s days", deleted, settings.WEBHOOK_RETENTION_DAYS)
    return deleted
