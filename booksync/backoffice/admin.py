from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from booksync.bookings import studio_edits
from booksync.bookings.models import (
    Block,
    Booking,
    DateOverride,
    Question,
    Resource,
    ResourceHours,
    ResourceOverride,
    Service,
    Studio,
    WeeklyHours,
)
from booksync.bookings.questions import answer_lines

from . import outbox_admin, sync_admin  # noqa: F401  (registers the outbox's and sync's model admins)
from .admin_forms import BlockAdminForm, BookingAdminForm
from .booking_list import StatusFilter, WhenFilter, csv_response
from .email_admin import BookingEmailInline, last_email_status
from .holiday_admin import holiday_list, reopen
from .payment_admin import booking_panel, payment_cell
from .payment_admin import urls as payment_urls


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    extra = 0


class DateOverrideInline(admin.TabularInline):
    model = DateOverride
    extra = 0


@admin.register(Studio)
class StudioAdmin(TranslationAdmin):  # tagline and about per language (ADR 0020)
    inlines = [WeeklyHoursInline, DateOverrideInline]
    readonly_fields = ["feed_url", "upcoming_holidays"]
    fieldsets = [
        (None, {"fields": ["name", "timezone", "tagline", "about"]}),
        ("Public holidays", {"fields": ["holiday_country", "holiday_region", "upcoming_holidays"],
                             "description": "The studio is closed on these days unless you open one again "
                                            "(that adds a date override with the day's usual hours)."}),
        ("The studio's emails", {"fields": ["notify_studio"]}),
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

    @admin.display(description="Coming up")
    def upcoming_holidays(self, obj: Studio) -> str:
        return holiday_list(obj)

    def get_urls(self):
        reopen = path("reopen-holiday/", self.admin_site.admin_view(self.reopen_holiday),
                      name="bookings_studio_reopen_holiday")
        return [reopen, *super().get_urls()]

    def reopen_holiday(self, request):
        studio = Studio.load()
        if request.method == "POST" and self.has_change_permission(request, studio):
            level, text = reopen(studio, request.POST.get("reopen", ""))
            self.message_user(request, text, level)
        return redirect("admin:bookings_studio_change", studio.pk)


class QuestionInline(TranslationStackedInline):
    """The service's booking questions (ADR 0019): label and help per language; the key never changes."""

    model = Question
    extra = 0
    fields = ["label", "help_text", "key", "type", "required", "order", "active", "choices", "min_value",
              "max_value", "notion_column"]


@admin.register(Service)
class ServiceAdmin(TranslationAdmin):  # name and description per language (ADR 0020)
    list_display = ["name", "slug", "duration_minutes", "active", "position"]
    list_editable = ["active", "position"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [QuestionInline]


class ResourceHoursInline(admin.TabularInline):
    model = ResourceHours
    extra = 0
    verbose_name_plural = "Own weekly hours (none: the studio's)"


class ResourceOverrideInline(admin.TabularInline):
    model = ResourceOverride
    extra = 0
    verbose_name_plural = "Own date overrides (over the studio's)"


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    """People and rooms (ADR 0017): who takes which service, their own hours and calendar."""

    list_display = ["name", "kind", "slug", "order", "active", "calendar"]
    list_editable = ["order", "active"]
    list_filter = ["kind", "active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["services"]
    readonly_fields = ["feed_token"]
    inlines = [ResourceHoursInline, ResourceOverrideInline]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    form = BlockAdminForm
    list_display = ["reason", "start", "end", "source"]
    list_filter = ["source"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Every Save, add and bulk action goes through the booking service (studio_edits)."""

    form = BookingAdminForm
    list_display = ["when", "name", "email", "phone", "service_name", "answers_summary", "status", "money", "source",
                    last_email_status]
    list_filter = [WhenFilter, StatusFilter, "source", "service"]
    inlines = [BookingEmailInline]
    search_fields = ["name", "email", "phone", "id"]
    date_hierarchy = "start"
    readonly_fields = ["id", "source", "blocked_start", "blocked_end", "sequence", "version", "created_at",
                       "updated_at"]
    payment_fields = ["payment_panel"]
    actions = ["cancel_bookings"]
    save_as = False

    def get_fieldsets(self, request, obj=None):
        booking = [None, {"fields": ["start", "end", "service", "status"]}]
        customer = ["Customer", {"fields": ["name", "email", "phone", "notes"]}]
        if obj is None:
            return [booking, customer]
        answers = ["Answers", {"fields": ["answers_shown"]}]
        record = ["Record", {"classes": ["collapse"], "fields": self.readonly_fields}]
        money = ["Payment", {"fields": self.payment_fields}]
        return [booking, customer, answers, money, record]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "answers_shown", *self.payment_fields] if obj is not None \
            else self.readonly_fields

    def get_queryset(self, request):
        # The answers column reads each booking's questions: one query for the page, not one per row.
        # And who and where (ADR 0017): the claims with their resources, one query too.
        return super().get_queryset(request).select_related("service").prefetch_related("service__questions",
                                                                                          "claims__resource")

    @admin.display(description="Answers to the service's questions")
    def answers_shown(self, booking: Booking) -> str:
        lines = answer_lines(booking)
        if not lines:
            return "–"
        return format_html("<dl class=\"answers\">{}</dl>",
                           format_html_join("", "<dt>{}</dt><dd>{}</dd>", lines))

    @admin.display(description="Answers")
    def answers_summary(self, booking: Booking) -> str:
        return " · ".join(f"{label} {value}" for label, value in answer_lines(booking)) or "–"

    @admin.display(description="Payment")
    def money(self, booking: Booking) -> str:
        return payment_cell(booking)

    @admin.display(description="Payment and its timeline")
    def payment_panel(self, booking: Booking) -> str:
        return booking_panel(booking)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        by = request.user.get_username()

        class StaffForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, by=by, **kw)

        return StaffForm

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if Resource.objects.filter(active=True).count() > 1:  # a studio of several: who and where
            shown.insert(shown.index("service_name") + 1, "who")
        return shown

    @admin.display(description="Photographer · room")
    def who(self, booking: Booking) -> str:
        held = sorted((c.resource for c in booking.claims.all()), key=lambda r: (r.kind != "person", r.order))
        return " · ".join(r.name for r in held)

    @admin.display(description="Start (studio time)", ordering="start")
    def when(self, booking: Booking) -> str:
        return formats.date_format(timezone.localtime(booking.start), "D j M Y, H:i")

    def get_urls(self):
        export = path("export.csv", self.admin_site.admin_view(self.export_csv), name="bookings_booking_export")
        return [export, *payment_urls(self.admin_site.admin_view), *super().get_urls()]

    def export_csv(self, request):
        """The bookings the list shows now (its filters and search), every page of them."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return csv_response(changelist.get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        zone = timezone.get_current_timezone_name()
        extra_context = {"subtitle": f"Times are studio time ({zone}).", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        """Nothing to write: the form's clean() saved the booking through the booking service."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a booking is cancelled (the customer and the other sides hear of it), never deleted

    @admin.action(description="Cancel the selected bookings (emails the customers)")
    def cancel_bookings(self, request, queryset):
        by = request.user.get_username()
        count = 0
        for booking in queryset:
            if booking.is_active:
                studio_edits.cancel_booking(booking.pk, by=by)
                count += 1
        self.message_user(request, f"Cancelled {count} booking(s).", messages.SUCCESS)
