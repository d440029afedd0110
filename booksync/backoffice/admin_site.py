"""The admin site arranged for the studio: its home leads to the diary, bookings, services, settings,
sync status and email previews; the machinery (sync ledgers, worker tasks, users) sits in a
"Technical" section for staff with the ``bookings.view_technical`` permission.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

TECHNICAL_APPS = {"sync", "outbox", "django_q", "auth"}
TECHNICAL_PERMISSION = "bookings.view_technical"


def sees_technical(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm(TECHNICAL_PERMISSION)


class StudioAdminSite(admin.AdminSite):
    site_header = "booksync — studio admin"
    site_title = "booksync"
    index_title = "Your studio"
    index_template = "admin/studio_index.html"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if sees_technical(request.user):
            return apps
        return [app for app in apps if app["app_label"] not in TECHNICAL_APPS]

    def index(self, request, extra_context=None):
        apps = super().get_app_list(request)
        context = {
            "studio_links": self.studio_links(request),
            "today_count": _today_count(),
            "technical_apps": [a for a in apps if a["app_label"] != "bookings"] if sees_technical(request.user) else [],
            **(extra_context or {}),
        }
        return super().index(request, context)

    def studio_links(self, request) -> list[dict]:
        """The studio's own things, in the order a studio day needs them (only those the user may open)."""
        user = request.user
        links = [
            ("Diary", "diary:week", "The week at a glance: add, move, cancel and block time.", "bookings.view_booking"),
            ("Bookings", "admin:bookings_booking_changelist", "Upcoming bookings; search, export as CSV.",
             "bookings.view_booking"),
            ("Services", "admin:bookings_service_changelist", "What customers can book, for how long, at what price.",
             "bookings.view_service"),
            ("Studio settings", "admin:bookings_studio_changelist",
             "Opening hours, public holidays, buffers, contact details, the studio's emails.", "bookings.view_studio"),
            ("Blocked time", "admin:bookings_block_changelist", "Holidays and other closed time.", "bookings.view_block"),
            ("Sync status", "admin:sync-dashboard", "Notion, calendar and email: connected? anything to fix?",
             "sync.view_syncrun"),
            ("Email previews", "email-preview", "What customers receive, with your branding.", "bookings.view_booking"),
        ]
        shown = []
        for title, name, text, permission in links:
            if not user.has_perm(permission):
                continue
            try:
                url = reverse("admin:bookings_studio_change", args=[_studio_pk()]) if title == "Studio settings" \
                    else reverse(name)
                shown.append({"title": title, "url": url, "text": text})
            except NoReverseMatch:
                continue
        return shown


# This module is imported while the apps load (settings.INSTALLED_APPS names StudioAdminConfig),
# before any model can be: the two helpers below import the models when they are called.
def _studio_pk() -> int:
    from booksync.bookings.models import Studio  # app loading

    return Studio.load().pk


def _today_count() -> int:
    from booksync.bookings.models import Booking  # app loading

    return Booking.objects.active().filter(start__date=timezone.localdate()).count()


class StudioAdminConfig(AdminConfig):
    default_site = "booksync.backoffice.admin_site.StudioAdminSite"
