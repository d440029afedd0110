"""Incoming webhooks (Notion, Google push, email events): verify, record, wake the worker, answer fast.

Nothing here does the sync work itself: a webhook only says "something
changed", and the worker reads the source of truth.
"""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router
from ninja.decorators import decorate_view
from ninja.renderers import JSONRenderer

from booksync.payments.webhooks import receive as receive_stripe
from booksync.sync.calendar_channels import handle_notification
from booksync.sync.notion_webhooks import receive

from .ratelimits import guard_webhook

router = Router(tags=["webhooks"])


def _headers(*names: str) -> list[dict]:
    return [{"in": "header", "name": name, "required": False, "schema": {"type": "string"}} for name in names]


_PROBLEM = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
_GOOGLE_DOC = {
    "parameters": _headers("X-Goog-Channel-ID", "X-Goog-Channel-Token", "X-Goog-Resource-ID",
                           "X-Goog-Resource-State", "X-Goog-Message-Number"),
    # Integer status keys: ninja's own are integers, and a string "200" beside them would be
    # a duplicate key in openapi.json (Swagger UI then refuses the whole document).
    "responses": {200: {"description": "Verified: busy-time cache dropped, worker woken."},
                  "401": {"description": "Unknown channel or wrong channel token."},
                  "429": {"description": "Too many refused calls from this address.", **_PROBLEM}},
}
_NOTION_DOC = {
    "parameters": _headers("X-Notion-Signature", "Authorization"),
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": True,
        "description": "A handshake {verification_token}, an event {id, type, entity} or an automation {data}."}}}},
    "responses": {"400": {"description": "Not a JSON object, or an event without its ids.", **_PROBLEM},
                  "401": {"description": "Neither a valid signature nor the automation bearer secret.", **_PROBLEM},
                  "403": {"description": "A handshake nobody expected (Notion not configured, or no "
                                         "verification window open).", **_PROBLEM},
                  "429": {"description": "Too many refused calls from this address.", **_PROBLEM}},
}


@router.post("/google", summary="Google Calendar push notification", openapi_extra=_GOOGLE_DOC)
@decorate_view(guard_webhook)
def google_push(request):
    """Google Calendar push notification: 200 when verified (cache dropped, worker woken), else 401."""
    return HttpResponse(status=handle_notification(request.headers))


@router.post("/notion", summary="Notion webhook (integration events or database automation)",
             openapi_extra=_NOTION_DOC)
@decorate_view(guard_webhook)
def notion_webhook(request):
    """Handshake, signed integration events (X-Notion-Signature) or automations (Bearer secret)."""
    answer = receive(request.body, request.headers)
    return _json(request, answer.body, answer.status)


_RENDERER = JSONRenderer()  # the API's own renderer (web/api.py's NinjaAPI keeps ninja's default)


def _json(request, body: dict, status: int) -> HttpResponse:
    """``body`` as the API answers it (the same bytes and content type ``api.create_response``
    gives), without importing the API that mounts this router."""
    return HttpResponse(_RENDERER.render(request, body, response_status=status), status=status,
                        content_type=f"{_RENDERER.media_type}; charset={_RENDERER.charset}")


_STRIPE_DOC = {
    "parameters": _headers("Stripe-Signature"),
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": True, "description": "A Stripe event {id, type, data.object}."}}}},
    "responses": {200: {"description": "Verified and recorded (or a duplicate event id); the work happens after."},
                  "400": {"description": "No body, no Stripe-Signature, a signature that does not verify or "
                                         "is too old, or not a Stripe event.", **_PROBLEM},
                  "403": {"description": "Stripe webhooks are not configured.", **_PROBLEM},
                  "429": {"description": "Too many refused calls from this address.", **_PROBLEM}},
}


@router.post("/stripe", summary="Stripe webhook (Checkout Session events)", openapi_extra=_STRIPE_DOC)
@decorate_view(guard_webhook)
def stripe_webhook(request):
    """Verified on the raw body with Stripe-Signature and STRIPE_WEBHOOK_SECRET (ADR 0018)."""
    status, body = receive_stripe(request.body, request.headers.get("Stripe-Signature", ""))
    return _json(request, body, status)
