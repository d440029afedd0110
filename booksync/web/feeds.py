"""Calendar files: the studio's subscribable feed and a booking's own invite download."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse

from booksync.bookings.messages.ics import booking_ics, feed_ics
from booksync.bookings.models import Block, Booking, Studio
from booksync.bookings.tokens import find as find_booking


def studio_feed(request, feed_token: str) -> HttpResponse:
    studio = Studio.load()
    if not hmac.compare_digest(feed_token.encode(), studio.feed_token.encode()):
        raise Http404("Unknown feed")
    body = feed_ics(studio, Booking.objects.active(), Block.objects.all(),
                    with_names=settings.CALENDAR_FEED_DETAILS == "names")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="studio.ics"'
    return response


def booking_invite(request, token: str) -> HttpResponse:
    booking = find_booking(token)
    if booking is None:
        raise Http404("Unknown booking")
    method = "REQUEST" if booking.is_active else "CANCEL"
    response = HttpResponse(booking_ics(booking, Studio.load(), method), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="booking.ics"'
    return response
