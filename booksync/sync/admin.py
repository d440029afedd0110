from django.contrib import admin, messages

from booksync.outbox import delivery
from booksync.outbox.models import AuditEntry, OutboxMessage

from .models import BookingLink, SyncRun, SyncState, WebhookDelivery


class LedgerAdmin(admin.ModelAdmin):
    """Records the system writes (runs, deliveries, the audit log): read, never added by hand."""

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(LedgerAdmin):
    list_display = ["created_at", "topic", "action", "booking", "state", "attempts", "not_before", "delivery_status",
                    "last_error"]
    list_filter = ["state", "topic", "action", "delivery_status"]
    search_fields = ["key", "booking__email", "provider_message_id"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    @admin.action(description="Retry now")
    def retry_now(self, request, queryset):
        for message in queryset:
            delivery.retry(message)
        self.message_user(request, f"Queued {queryset.count()} message(s) again.", messages.SUCCESS)


@admin.register(SyncRun)
class SyncRunAdmin(LedgerAdmin):
    """Sync runs; the dashboard (with "Sync now") lives under this model's admin URLs."""

    list_display = ["started_at", "trigger", "full", "dry_run", "finished_at", "summary"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def get_urls(self):
        from .dashboard import urls

        return urls() + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        from django.urls import reverse

        extra_context = {**(extra_context or {}), "dashboard_url": reverse("admin:sync-dashboard")}
        return super().changelist_view(request, extra_context)


@admin.register(BookingLink)
class BookingLinkAdmin(LedgerAdmin):
    list_display = ["booking", "notion_page_id", "calendar_event_id", "last_error", "updated_at"]
    search_fields = ["notion_page_id", "calendar_event_id"]


@admin.register(AuditEntry)
class AuditEntryAdmin(LedgerAdmin):
    list_display = ["at", "actor", "action", "booking", "detail"]
    list_filter = ["actor", "action"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LedgerAdmin):
    list_display = ["received_at", "source", "kind", "entity_id", "processed_at", "outcome"]
    list_filter = ["source", "kind"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin):
    list_display = ["name", "value", "format_version", "updated_at"]
