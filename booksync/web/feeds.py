"""Calendar files: the studio's subscribable feed and a booking's own invite download."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpResponse

from booksync.bookings.messages.ics import booking_ics, feed_ics
from booksync.bookings.models import Block, Booking, Resource, Studio
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


def resource_feed(request, feed_token: str) -> HttpResponse:
    """A person's or room's own private feed (ADR 0017): the bookings that hold it, its blocks and the studio's."""
    resource = Resource.objects.filter(feed_token=feed_token, active=True).first()
    if resource is None or not hmac.compare_digest(feed_token.encode(), resource.feed_token.encode()):
        raise Http404("Unknown feed")
    studio = Studio.load()
    bookings = Booking.objects.active().filter(claims__resource=resource)
    blocks = Block.objects.filter(Q(resource__isnull=True) | Q(resource=resource))
    body = feed_ics(studio, bookings, blocks, with_names=settings.CALENDAR_FEED_DETAILS == "names",
                    name=f"{studio.name} · {resource.name}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{resource.slug}.ics"'
    return response


def booking_invite(request, token: str) -> HttpResponse:
    booking = find_booking(token)
    if booking is None:
        raise Http404("Unknown booking")
    method = "REQUEST" if booking.is_active else "CANCEL"
    response = HttpResponse(booking_ics(booking, Studio.load(), method), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="booking.ics"'
    return response
