"""The outbox and the audit log in the admin: records the system writes, read and retried, never added."""

from django.contrib import admin, messages

from booksync.outbox import delivery
from booksync.outbox.models import AuditEntry, OutboxMessage


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


@admin.register(AuditEntry)
class AuditEntryAdmin(LedgerAdmin):
    list_display = ["at", "actor", "action", "booking", "detail"]
    list_filter = ["actor", "action"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
