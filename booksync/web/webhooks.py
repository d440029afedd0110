"""Incoming webhooks (Notion, Google push, email events): verify, record, wake the worker, answer fast.

Nothing here does the sync work itself: a webhook only says "something
changed", and the worker reads the source of truth.
"""

from __future__ import annotations

from ninja import Router

router = Router(tags=["webhooks"])


@router.post("/google", include_in_schema=False)
def google_push(request):
    """Google Calendar push notification: 200 when verified (cache dropped, worker woken), else 401."""
    from django.http import HttpResponse

    from booksync.integrations.google_push import handle_notification

    return HttpResponse(status=handle_notification(request.headers))


@router.post("/notion", summary="Notion webhook (integration events or database automation)")
def notion_webhook(request):
    """Handshake, signed integration events (X-Notion-Signature) or automations (Bearer secret)."""
    from booksync.sync.notion_webhooks import receive

    from .api import api

    answer = receive(request.body, request.headers)
    return api.create_response(request, answer.body, status=answer.status)
