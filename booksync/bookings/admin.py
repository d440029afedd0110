from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html

from . import services
from .email_admin import BookingEmailInline, last_email_status
from .models import Block, Booking, DateOverride, Service, Studio, WeeklyHours


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class DateOverrideInline(admin.TabularInline):
    model = DateOverride
    extra = 0


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    inlines = [WeeklyHoursInline, DateOverrideInline]
    readonly_fields = ["feed_url"]
    fieldsets = [
        (None, {"fields": ["name", "timezone", "tagline", "about"]}),
        ("Booking rules", {"fields": ["slot_step_minutes", "buffer_before_minutes", "buffer_after_minutes",
                                      "minimum_notice_minutes", "horizon_days", "change_notice_hours"]}),
        ("Branding and contact", {"fields": ["primary_color", "accent_color", "logo_url", "contact_email",
                                             "contact_phone", "address"]}),
        ("Customers", {"fields": ["default_language", "time_leads"]}),
        ("Calendar feed", {"fields": ["feed_url"]}),
    ]

    @admin.display(description="Subscribe to this .ics feed")
    def feed_url(self, obj: Studio) -> str:
        url = f"{settings.SITE_URL}/calendar/{obj.feed_token}.ics"
        return format_html('<a href="{}">{}</a>', url, url)

    def has_add_permission(self, request) -> bool:
        return not Studio.objects.exists()


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "duration_minutes", "active", "position"]
    list_editable = ["active", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["reason", "start", "end", "source"]
    list_filter = ["source"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["start", "name", "email", "service_name", "status", "source", last_email_status]
    list_filter = ["status", "source", "service"]
    inlines = [BookingEmailInline]
    search_fields = ["name", "email", "id"]
    date_hierarchy = "start"
    readonly_fields = ["id", "blocked_start", "blocked_end", "sequence", "version", "created_at", "updated_at"]
    exclude = ["manage_salt", "manage_token_hash"]
    actions = ["cancel_bookings"]

    @admin.action(description="Cancel the selected bookings (emails the customers)")
    def cancel_bookings(self, request, queryset):
        count = 0
        for booking in queryset:
            if booking.is_active:
                services.cancel(booking, reason="Cancelled by the studio", actor="admin")
                count += 1
        self.message_user(request, f"Cancelled {count} booking(s).", messages.SUCCESS)
