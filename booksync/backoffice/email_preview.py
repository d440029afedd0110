"""Staff-only previews of every message booksync sends, rendered with sample data: the
customer's emails and the studio's notices (``bookings.messages.catalogue``).

Mounted under ``/admin/email-preview/``. Nothing is saved and nothing is sent:
the sample booking is an unsaved model instance carrying the studio's real
branding, so the studio sees exactly what its customers (and its own inbox) will.
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

from booksync.bookings.calendar_outage import clash_message
from booksync.bookings.messages import emails, studio_mail
from booksync.bookings.messages.catalogue import CUSTOMER, STUDIO_EVENTS, template
from booksync.bookings.messages.sentences import admin_link, change_sentence, notice_subject
from booksync.bookings.models import Booking, BookingSource, BookingStatus, Service, Studio
from booksync.bookings.services import new_booking


def sample_booking(studio: Studio, kind: str) -> Booking:
    """A believable booking next week at 10:00 studio time, for a customer in another zone."""
    service = Service.objects.filter(active=True).first()
    minutes = service.duration_minutes if service else 60
    day = timezone.localdate() + timedelta(days=7)
    start = datetime.combine(day, time(10), tzinfo=ZoneInfo(studio.timezone))
    cancelled = kind == "cancellation"
    booking = new_booking(
        studio, start=start, end=start + timedelta(minutes=minutes), service=service,
        service_name=service.name if service else "Portrait session", source=BookingSource.WEBSITE,
        status=BookingStatus.CANCELLED if cancelled else BookingStatus.CONFIRMED,
        name="Alex Example", email="alex@example.com", customer_timezone="America/New_York", buffers=False,
    )
    booking.cancel_reason = "Cancelled at your request" if cancelled else ""
    booking.manage_salt = "email-preview"
    booking.sequence = 1 if cancelled or kind == "update" else 0
    return booking


def sample_notice_booking(studio: Studio, what: str) -> Booking:
    """The sample booking as the studio hears of it: with a phone number and notes."""
    booking = sample_booking(studio, "cancellation" if what == "cancelled" else "confirmation")
    booking.phone = "+44 20 7946 0958"
    booking.notes = "Bringing our dog, Biscuit. Step-free access, please."
    if what == "cancelled":
        booking.cancel_reason = "Our flight was moved; we will book again."
    return booking


def sample_notice(studio: Studio, what: str) -> tuple[Booking, str, str]:
    """A sample booking and the subject and sentence its notice about ``what`` would carry."""
    if what not in STUDIO_EVENTS:
        raise Http404("No such notice")
    booking = sample_notice_booking(studio, what)
    zone = ZoneInfo(studio.timezone)
    if what == "calendar_clash":
        subject, sentence = clash_message(booking, [{"summary": "Dentist (Sam)", "start": booking.start.isoformat(),
                                                     "end": (booking.start + timedelta(minutes=30)).isoformat()}],
                                          studio)
        return booking, subject, sentence
    actor, detail = "customer", {}
    if what == "rescheduled":
        before = booking.start - timedelta(days=1)
        actor, detail = "notion", {"from": before.isoformat(), "to": booking.start.isoformat()}
    elif what == "cancelled":
        detail = {"reason": booking.cancel_reason}
    return booking, notice_subject(booking, what, zone), change_sentence(booking, what, actor, detail, zone)


def notice_context(studio: Studio, what: str) -> dict:
    booking, _subject, sentence = sample_notice(studio, what)
    # The admin link of an unsaved booking: the bookings list stands in for it.
    link = admin_link(booking).replace(f"{booking.pk}/change/", "")
    return studio_mail.notice_context(booking, studio, what, sentence=sentence, link=link)


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
    notices = [
        {"what": what, "event": event, "title": event.replace("_", " ").capitalize(),
         "subject": sample_notice(studio, what)[1]}
        for what, event in STUDIO_EVENTS.items()
    ]
    context = {**admin.site.each_context(request), "title": "Email previews", "previews": previews,
               "notices": notices}
    return TemplateResponse(request, "booksync/admin/email_preview.html", context)


def _html(html: str) -> HttpResponse:
    response = HttpResponse(html)
    response["X-Frame-Options"] = "SAMEORIGIN"  # shown in the index page's iframes
    response["Content-Security-Policy"] = "script-src 'none'"
    return response


def _text(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def html_part(request, kind: str):
    studio = Studio.load()
    booking = sample_booking(studio, _kind(kind))
    return _html(render_to_string(template(CUSTOMER, kind, "html"), emails.context(booking, studio, kind)))


def text_part(request, kind: str):
    studio = Studio.load()
    booking = sample_booking(studio, _kind(kind))
    return _text(render_to_string(template(CUSTOMER, kind, "txt"), emails.context(booking, studio, kind)))


def studio_html_part(request, what: str):
    return _html(studio_mail.render_notice(notice_context(Studio.load(), what), "html"))


def studio_text_part(request, what: str):
    return _text(studio_mail.render_notice(notice_context(Studio.load(), what), "txt"))


# admin_view: staff only (others are sent to the admin login), never cached.
urlpatterns = [
    path("", admin.site.admin_view(index), name="email-preview"),
    path("<str:kind>.html", admin.site.admin_view(html_part), name="email-preview-html"),
    path("<str:kind>.txt", admin.site.admin_view(text_part), name="email-preview-text"),
    path("studio/<str:what>.html", admin.site.admin_view(studio_html_part), name="email-preview-studio-html"),
    path("studio/<str:what>.txt", admin.site.admin_view(studio_text_part), name="email-preview-studio-text"),
]
