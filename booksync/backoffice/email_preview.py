"""Staff-only previews of every customer email, rendered with sample data.

Mounted under ``/admin/email-preview/``. Nothing is saved and nothing is sent:
the sample booking is an unsaved model instance carrying the studio's real
branding, so the studio sees exactly what its customers will.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from csp.decorators import csp_update
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from booksync.bookings.messages import emails
from booksync.bookings.models import Booking, BookingStatus, Service, Studio


def sample_booking(studio: Studio, kind: str) -> Booking:
    """A believable booking next week at 10:00 studio time, for a customer in another zone."""
    service = Service.objects.filter(active=True).first()
    minutes = service.duration_minutes if service else 60
    day = timezone.localdate() + timedelta(days=7)
    start = datetime.combine(day, time(10), tzinfo=ZoneInfo(studio.timezone))
    cancelled = kind == "cancellation"
    return Booking(
        service=service,
        service_name=service.name if service else "Portrait session",
        start=start,
        end=start + timedelta(minutes=minutes),
        blocked_start=start,
        blocked_end=start + timedelta(minutes=minutes),
        status=BookingStatus.CANCELLED if cancelled else BookingStatus.CONFIRMED,
        name="Alex Example",
        email="alex@example.com",
        customer_timezone="America/New_York",
        cancel_reason="Cancelled at your request" if cancelled else "",
        manage_salt="email-preview",
        sequence=1 if cancelled or kind == "update" else 0,
    )


def _kind(kind: str) -> str:
    if kind not in emails.KINDS:
        raise Http404("No such email")
    return kind


# The index's layout uses style attributes; the site-wide policy allows none.
@csp_update({"style-src-attr": ["'unsafe-inline'"]})
def index(request):
    studio = Studio.load()
    previews = [
        {"kind": kind, "subject": emails.subject_for(sample_booking(studio, kind), studio, kind)}
        for kind in emails.KINDS
    ]
    context = {**admin.site.each_context(request), "title": "Email previews", "previews": previews}
    return TemplateResponse(request, "booksync/admin/email_preview.html", context)


def html_part(request, kind: str):
    studio = Studio.load()
    booking = sample_booking(studio, _kind(kind))
    html = render_to_string(f"booksync/emails/{kind}.html", emails.context(booking, studio, kind))
    response = HttpResponse(html)
    response["X-Frame-Options"] = "SAMEORIGIN"  # shown in the index page's iframes
    response["Content-Security-Policy"] = "script-src 'none'"
    return response


def text_part(request, kind: str):
    studio = Studio.load()
    booking = sample_booking(studio, _kind(kind))
    text = render_to_string(f"booksync/emails/{kind}.txt", emails.context(booking, studio, kind))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


# admin_view: staff only (others are sent to the admin login), never cached.
urlpatterns = [
    path("", admin.site.admin_view(index), name="email-preview"),
    path("<str:kind>.html", admin.site.admin_view(html_part), name="email-preview-html"),
    path("<str:kind>.txt", admin.site.admin_view(text_part), name="email-preview-text"),
]
