from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from booksync.bookings import studio_edits
from booksync.bookings.messages.studio_contact import studio_address
from booksync.bookings.models import (
    Block,
    Booking,
    BookingStatus,
    Question,
    Resource,
    ResourceHours,
    ResourceOverride,
    Service,
    Studio,
)
from booksync.bookings.questions.answers import answer_lines

from . import outbox_admin, sync_admin, users_admin  # noqa: F401  (registers the outbox's, sync's, users' admins)
from .admin_forms import BlockAdminForm, BookingAdminForm
from .booking_list import StatusFilter, WhenFilter, csv_response, shown
from .diary_forms import CancelForm
from .email_admin import BookingEmailInline, last_email_status
from .holiday_admin import holiday_list, reopen
from .payment_admin import booking_panel, payment_cell
from .payment_admin import urls as payment_urls
from .studio_settings import OpeningHoursInline, SpecialDatesInline, StudioSettingsForm


@admin.register(Studio)
class StudioAdmin(TranslationAdmin):  # tagline and about per language (ADR 0020)
    """The studio settings screen (studio_settings.py, ADR 0021); one studio, never deleted here."""

    form = StudioSettingsForm
    inlines = [OpeningHoursInline, SpecialDatesInline]
    readonly_fields = ["feed_url", "upcoming_holidays", "studio_emails_go_to"]
    # The change form (admin/bookings/studio/change_form.html) puts "Opening hours" after the first
    # group and "Special dates" after the public holidays.
    fieldsets = [
        ("The studio", {"fields": ["name", "timezone", "tagline", "about"]}),
        ("Booking rules", {"fields": ["slot_step_minutes", "minimum_notice_hours", "horizon_days",
                                      "change_notice_hours", "buffer_before_minutes", "buffer_after_minutes"]}),
        ("Payments", {"fields": ["refund_window_hours"]}),
        ("Branding", {"fields": ["primary_color", "accent_color", "logo_url"]}),
        ("Contact", {"fields": ["contact_email", "contact_phone", "address"]}),
        ("Public holidays", {"fields": ["holiday_country", "holiday_region", "upcoming_holidays"],
                             "description": "The studio is closed on these days unless you open one again "
                                            "(that adds a special date with the day's usual hours)."}),
        ("Emails", {"fields": ["notify_studio", "studio_emails_go_to"]}),
        ("Customers", {"fields": ["default_language", "time_leads"]}),
        ("Calendar feed", {"fields": ["feed_url"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the studio is the whole site: there is nothing to delete it for

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {"title": "Studio settings", **(extra_context or {})})

    def changelist_view(self, request, extra_context=None):
        """One studio: its list is its settings."""
        if Studio.objects.exists() and not request.GET:
            return redirect("admin:bookings_studio_change", Studio.load().pk)
        return super().changelist_view(request, extra_context)

    @admin.display(description="The studio's emails go to")
    def studio_emails_go_to(self, obj: Studio) -> str:

        address = studio_address() or "nowhere yet: give the studio an email under Contact"
        return format_html('{} · <a href="{}">See what customers receive</a>. Changes you make in the back office '
                           'are not emailed to you unless you tick "Also email me" on that form.',
                           address, reverse("email-preview"))

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


class LabelledRows:
    """A list whose rows can be edited in place: each row's inputs say which row they are for
    (axe: "label", critical), e.g. "Active: Portrait session"."""

    def get_changelist_form(self, request, **kwargs):
        form = super().get_changelist_form(request, **kwargs)
        editable = self.list_editable

        class LabelledRow(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                for name in editable:
                    if name in self.fields:
                        self.fields[name].widget.attrs["aria-label"] = (
                            f"{self.fields[name].label or name.capitalize()}: {self.instance.name}")

        return LabelledRow


@admin.register(Service)
class ServiceAdmin(LabelledRows, TranslationAdmin):  # name and description per language (ADR 0020)
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
class ResourceAdmin(LabelledRows, admin.ModelAdmin):
    """People and rooms (ADR 0017): who takes which service, their own hours and calendar."""

    list_display = ["name", "kind", "slug", "order", "active", "calendar"]
    list_editable = ["order", "active"]
    list_filter = ["kind", "active"]
    prepopulated_fields = {"slug": ["name"]}
    # A plain multiple select: the two-box widget's buttons carry attributes axe refuses (as for users).
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
    list_display = ["when", "name", "contact", "service_name", "answers_summary", "status", "money", "source",
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

    def _fieldsets(self, obj) -> list:
        booking = [None, {"fields": ["start", "end", "service", "status"]}]
        customer = ["Customer", {"fields": ["name", "email", "phone", "notes"]}]
        notice = ["The studio's notice", {"fields": ["notify_me"]}]
        if obj is None:
            return [booking, customer, notice]
        answers = ["Answers", {"fields": ["answers_shown"]}]
        record = ["Record", {"classes": ["collapse"], "fields": self.readonly_fields}]
        money = ["Payment", {"fields": self.payment_fields}]
        return [booking, customer, answers, money, notice, record]

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

    @admin.display(description="Email · phone", ordering="email")
    def contact(self, booking: Booking) -> str:
        # One column for both, so the list keeps every column inside 1280 px.
        return format_html_join(format_html("<br>"), "{}", ((v,) for v in (booking.email, booking.phone) if v)) or "–"

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
        extra_context = {"subtitle": f"Times are studio time ({zone}).", "shown": shown(request.GET),
                         **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        """Nothing to write: the form's clean() saved the booking through the booking service."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a booking is cancelled (the customer and the other sides hear of it), never deleted

    def get_fieldsets(self, request, obj=None):
        fieldsets = self._fieldsets(obj)
        if obj is not None and obj.is_active and request.method == "POST" \
                and request.POST.get("status") == BookingStatus.CANCELLED:
            fieldsets[0][1]["fields"] = [*fieldsets[0][1]["fields"], "confirm_cancel"]  # asked before it emails
        return fieldsets

    @admin.action(description="Cancel the selected bookings…")
    def cancel_bookings(self, request, queryset):
        """Asks first (a page listing who will be emailed); only its "Yes, cancel" cancels (ADR 0021)."""
        chosen = list(queryset.order_by("start"))
        active = [b for b in chosen if b.is_active]
        form = CancelForm(request.POST if request.POST.get("confirm") == "yes" else None, prefix="cancel")
        if request.POST.get("confirm") == "yes" and form.is_valid():
            by = request.user.get_username()
            for booking in active:
                studio_edits.cancel_booking(booking.pk, by=by, reason=form.cleaned_data["reason"],
                                            notify_studio=form.cleaned_data["notify_me"])
            emailed = sum(1 for b in active if b.email)
            self.message_user(request, f"Cancelled {len(active)} booking(s); {emailed} customer(s) emailed.",
                              messages.SUCCESS)
            return None
        zone = timezone.get_current_timezone()
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel these bookings?",
            "opts": self.model._meta,
            "bookings": [(b, b.start.astimezone(zone)) for b in active],
            "skipped": len(chosen) - len(active),
            "emailed": sum(1 for b in active if b.email),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/bookings/booking/cancel_selected.html", context)
