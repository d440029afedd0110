from django.contrib import admin
from django.urls import reverse

from booksync.sync.models import BookingLink, SyncRun, SyncState, WebhookDelivery

from .dashboard import urls
from .outbox_admin import LedgerAdmin


@admin.register(SyncRun)
class SyncRunAdmin(LedgerAdmin):
    """Sync runs; the dashboard (with "Sync now") lives under this model's admin URLs."""

    list_display = ["started_at", "trigger", "full", "dry_run", "finished_at", "summary"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def get_urls(self):
        return urls() + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "dashboard_url": reverse("admin:sync-dashboard")}
        return super().changelist_view(request, extra_context)


@admin.register(BookingLink)
class BookingLinkAdmin(LedgerAdmin):
    list_display = ["booking", "notion_page_id", "calendar_event_id", "last_error", "updated_at"]
    search_fields = ["notion_page_id", "calendar_event_id"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LedgerAdmin):
    list_display = ["received_at", "source", "kind", "entity_id", "processed_at", "outcome"]
    list_filter = ["source", "kind"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin):
    list_display = ["name", "value", "format_version", "updated_at"]
