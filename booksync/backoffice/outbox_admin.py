"""The outbox and the audit log in the admin: records the system writes, read and retried, never added."""

from django.contrib import admin, messages

from booksync.outbox import delivery
from booksync.outbox.models import AuditEntry, OutboxMessage


class LedgerAdmin(admin.ModelAdmin):
    """Records the system writes (runs, deliveries, the audit log): read, never added by hand."""

    def has_add_permission(self, request) -> bool:
        return False


class DeliveryStatusFilter(admin.SimpleListFilter):
    """The delivery statuses seen, an empty one named ("none yet"; a nameless link is axe's link-name)."""

    title = "delivery status"
    parameter_name = "delivery_status"

    def lookups(self, request, model_admin):
        seen = OutboxMessage.objects.order_by("delivery_status").values_list("delivery_status", flat=True).distinct()
        return [(value or "-", value or "none yet") for value in seen]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(delivery_status="" if self.value() == "-" else self.value())


@admin.register(OutboxMessage)
class OutboxMessageAdmin(LedgerAdmin):
    list_display = ["created_at", "topic", "action", "booking", "state", "attempts", "not_before", "delivery_status",
                    "last_error"]
    list_filter = ["state", "topic", "action", DeliveryStatusFilter]
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
