"""The sync dashboard in the admin, in plain language: is each side connected, what needs attention
(one sentence each, grouped by booking, with what to do), recent syncs and changes; raw details folded away."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from booksync.backoffice.studio_time import studio_zone
from booksync.bookings.calendar_outage import open_clashes
from booksync.bookings.errors import BookingError
from booksync.bookings.feed_token import feed_url, rotate_feed_token
from booksync.bookings.messages.mail_limits import held_back_emails
from booksync.bookings.messages.sentences import change_sentence
from booksync.bookings.models import Studio
from booksync.integrations.registry import notion_enabled
from booksync.outbox import delivery
from booksync.outbox.liveness import last_successes
from booksync.outbox.models import AuditEntry, OutboxMessage, OutboxState
from booksync.sync import notion_handshake
from booksync.sync.deletes import recent_clashes, restore
from booksync.sync.engine import run_sync
from booksync.sync.lock import SyncBusy
from booksync.sync.models import SyncRun, SyncState, WebhookDelivery
from booksync.sync.notion_handshake import TOKEN_STATE

from . import dashboard_problems as plain
from .payment_admin import dashboard_context


def payments_context() -> dict:
    return dashboard_context()


def dashboard(request):
    zone = studio_zone()
    open_messages = list(
        OutboxMessage.objects.exclude(state=OutboxState.DONE).select_related("booking", "booking__link")
        .order_by("created_at", "id")[:200])
    bounced = list(OutboxMessage.objects.filter(topic="email", delivery_status__in=plain.EMAIL_PROBLEMS)
                   .select_related("booking", "booking__link").order_by("-updated_at")[:50])
    runs = list(SyncRun.objects.all()[:10])
    last_finished = next((run for run in runs if run.finished_at), None)
    backlog = OutboxMessage.objects.filter(state__in=[OutboxState.PENDING, OutboxState.IN_FLIGHT]).count()
    audit = AuditEntry.objects.select_related("booking")[:30]
    context = {
        **admin.site.each_context(request),
        "title": "Sync status",
        "zone": zone.key,
        "sides": plain.sides(last_successes()),
        "groups": plain.booking_problems(open_messages + bounced, zone),
        "run_problems": plain.run_errors(last_finished, zone) if last_finished else [],
        "backlog": backlog,
        "failed_count": sum(1 for m in open_messages if m.state == OutboxState.FAILED),
        "runs": [(run, plain.run_sentence(run, zone)) for run in runs],
        "webhooks": WebhookDelivery.objects.all()[:20],
        "audit": [(entry, change_sentence(entry.booking, entry.action, entry.actor, entry.detail or {}, zone))
                  for entry in audit],
        "notion_token": SyncState.get(TOKEN_STATE),
        "failed": [m for m in open_messages if m.state == OutboxState.FAILED],
        "calendar_clashes": open_clashes(),
        "delete_clashes": recent_clashes(),
        "notion_enabled": notion_enabled(),
        "notion_window_until": notion_handshake.window_closes_at(),
        "held_back": held_back_emails(),
        "feed_url": feed_url(Studio.load()),
        **payments_context(),
    }
    return TemplateResponse(request, "admin/sync/dashboard.html", context)


@require_POST
def sync_now(request):
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
def restore_deleted(request, entry_id: int):
    """Restore a booking a delete cancelled while it was edited elsewhere (one step, from the dashboard)."""
    try:
        booking = restore(entry_id, by=request.user.get_username())
    except BookingError as exc:
        messages.error(request, f"Not restored: {exc.message}")
    else:
        messages.success(request, f"Restored {booking}: it is confirmed again, and every side shows it again.")
    return redirect("admin:sync-dashboard")


@require_POST
def retry_failed(request):
    failed = list(OutboxMessage.objects.filter(state=OutboxState.FAILED))
    for message in failed:
        delivery.retry(message)
    messages.success(request, f"Queued {len(failed)} failed delivery(ies) again.")
    return redirect("admin:sync-dashboard")


@require_POST
def clear_notion_token(request):
    SyncState.objects.filter(name=TOKEN_STATE).delete()
    messages.success(request, "Cleared the Notion verification token: re-create the subscription in Notion.")
    return redirect("admin:sync-dashboard")


@require_POST
def expect_notion_verification(request):
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
        path("dashboard/restore/<int:entry_id>/", wrap(restore_deleted), name="sync-restore-deleted"),
        path("dashboard/clear-notion-token/", wrap(clear_notion_token), name="sync-clear-notion-token"),
        path("dashboard/expect-notion-verification/", wrap(expect_notion_verification),
             name="sync-expect-notion-verification"),
        path("dashboard/rotate-feed/", wrap(rotate_feed), name="sync-rotate-feed"),
    ]
