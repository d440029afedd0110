"""The sync dashboard in the admin: runs, each booking on each side, the backlog, webhooks, a "Sync now" button."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from booksync.bookings.feed_token import feed_url, rotate_feed_token
from booksync.bookings.mail_limits import held_back_emails
from booksync.bookings.models import Booking, Studio

from . import notion_handshake
from .models import AuditEntry, OutboxMessage, OutboxState, SyncRun, SyncState, WebhookDelivery
from .notion_handshake import TOKEN_STATE


def _side_state(messages_for_topic: list[OutboxMessage], has_record: bool, needed: bool) -> dict:
    """✓ when the side has the booking and nothing is owed; ✗ with the reason otherwise."""
    open_ = [m for m in messages_for_topic if m.state != OutboxState.DONE]
    last = open_[-1] if open_ else (messages_for_topic[-1] if messages_for_topic else None)
    ok = (has_record or not needed) and not open_
    from booksync.bookings.delivery_status import PROBLEMS

    bounced = any(m.delivery_status in PROBLEMS for m in messages_for_topic)
    return {
        "ok": ok and not bounced,
        "error": (last.last_error if last and not ok else "") or (
            next(m.delivery_status for m in messages_for_topic if m.delivery_status in PROBLEMS) if bounced else ""),
        "attempts": last.attempts if last else 0,
        "next_retry": last.not_before if last and last.state == OutboxState.PENDING else None,
        "message": last,
    }


def dashboard(request):
    from booksync.integrations.registry import calendar_provider, notion_enabled

    bookings = (
        Booking.objects.select_related("link")
        .prefetch_related(Prefetch("outbox", queryset=OutboxMessage.objects.order_by("created_at", "id")))
        .order_by("-updated_at")[:50]
    )
    rows = []
    for booking in bookings:
        link = getattr(booking, "link", None)
        by_topic: dict[str, list[OutboxMessage]] = {"notion": [], "calendar": [], "email": []}
        for message in booking.outbox.all():
            by_topic.setdefault(message.topic, []).append(message)
        rows.append({
            "booking": booking,
            "notion": _side_state(by_topic["notion"], bool(link and link.notion_page_id), notion_enabled()),
            "calendar": _side_state(by_topic["calendar"], bool(link and link.calendar_event_id),
                                    calendar_provider() != "local" and booking.status != "cancelled"),
            "email": _side_state(by_topic["email"], True, False),
        })
    context = {
        **admin.site.each_context(request),
        "title": "Sync dashboard",
        "runs": SyncRun.objects.all()[:20],
        "rows": rows,
        "backlog": OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.IN_FLIGHT]).count(),
        "failed": OutboxMessage.objects.filter(state=OutboxState.FAILED).order_by("-updated_at")[:20],
        "webhooks": WebhookDelivery.objects.all()[:20],
        "audit": AuditEntry.objects.select_related("booking")[:30],
        "notion_token": SyncState.get(TOKEN_STATE),
        "notion_enabled": notion_enabled(),
        "notion_window_until": notion_handshake.window_closes_at(),
        "held_back": held_back_emails(),
        "feed_url": feed_url(Studio.load()),
        "calendar": calendar_provider(),
    }
    return TemplateResponse(request, "admin/sync/dashboard.html", context)


@require_POST
def sync_now(request):
    from .engine import run_sync
    from .lock import SyncBusy

    try:
        result = run_sync(trigger=SyncRun.Trigger.DASHBOARD, full=True, wait_seconds=5)
    except SyncBusy:
        messages.warning(request, "Another sync is running; try again in a moment.")
        return redirect("admin:sync-dashboard")
    summary = result["summary"]
    level = messages.SUCCESS if result["success"] else messages.WARNING
    messages.add_message(request, level, "Synced: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return redirect("admin:sync-dashboard")


@require_POST
def retry_failed(request):
    from . import outbox

    failed = list(OutboxMessage.objects.filter(state=OutboxState.FAILED))
    for message in failed:
        outbox.retry(message)
    messages.success(request, f"Queued {len(failed)} failed delivery(ies) again.")
    return redirect("admin:sync-dashboard")


@require_POST
def clear_notion_token(request):
    SyncState.objects.filter(name=TOKEN_STATE).delete()
    messages.success(request, "Cleared the Notion verification token: re-create the subscription in Notion.")
    return redirect("admin:sync-dashboard")


@require_POST
def expect_notion_verification(request):
    from booksync.integrations.registry import notion_enabled

    if not notion_enabled():
        messages.error(request, "Notion is not configured: set NOTION_API_KEY and NOTION_BOOKINGS_DATABASE_ID first.")
        return redirect("admin:sync-dashboard")
    until = notion_handshake.open_window()
    messages.success(request, f"Waiting for Notion's verification request until {until:%H:%M} UTC: "
                              "create the webhook subscription in Notion now.")
    return redirect("admin:sync-dashboard")


@require_POST
def rotate_feed(request):
    rotate_feed_token()
    messages.success(request, "The calendar feed has a new address; the old one no longer works.")
    return redirect("admin:sync-dashboard")


def urls() -> list:
    wrap = admin.site.admin_view
    return [
        path("dashboard/", wrap(dashboard), name="sync-dashboard"),
        path("dashboard/sync-now/", wrap(sync_now), name="sync-now"),
        path("dashboard/retry/", wrap(retry_failed), name="sync-retry-failed"),
        path("dashboard/clear-notion-token/", wrap(clear_notion_token), name="sync-clear-notion-token"),
        path("dashboard/expect-notion-verification/", wrap(expect_notion_verification),
             name="sync-expect-notion-verification"),
        path("dashboard/rotate-feed/", wrap(rotate_feed), name="sync-rotate-feed"),
    ]
