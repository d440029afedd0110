"""The customer's emails as the booking admin shows them: what was sent and what became of it."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html

from booksync.bookings.messages.delivery_status import PROBLEMS
from booksync.outbox.models import OutboxMessage


def _status_badge(message: OutboxMessage) -> str:
    status = message.delivery_status or ("not sent" if message.state != "done" else "sent")
    if message.state == "failed":
        status = "failed to send"
    colour = "#b42318" if status in PROBLEMS or message.state == "failed" else "#1f2933"
    return format_html('<strong style="color:{}">{}</strong>', colour, status)


class BookingEmailInline(admin.TabularInline):
    """Read-only ledger of the booking's emails; a bounce or a refused address shows in red."""

    model = OutboxMessage
    fk_name = "booking"
    verbose_name = "email to the customer"
    verbose_name_plural = "emails to the customer"
    fields = ["action", "created_at", "state", "attempts", "delivered_at", "delivery", "delivery_detail",
              "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).filter(topic="email")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="delivery")
    def delivery(self, message: OutboxMessage) -> str:
        return _status_badge(message)


@admin.display(description="last email")
def last_email_status(booking) -> str:
    """List column: the latest email's fate, so bounces stand out in the booking list."""
    message = booking.outbox.filter(topic="email").order_by("-created_at", "-id").first()
    if message is None:
        return "–"
    return format_html("{}: {}", message.action, _status_badge(message))
