"""The studio's back office works in the studio's time zone, whatever zone the server runs in.

Django shows and reads aware datetimes in the *current* time zone; this
middleware makes that the studio's zone for the admin, so a London studio sees
and types 14:00 for a 14:00 session in summer (13:00 UTC). Pages say which zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone

from booksync.bookings.models import Studio

ADMIN_PREFIX = "/admin/"


def studio_zone() -> ZoneInfo:
    return ZoneInfo(Studio.load().timezone)


class StudioTimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(ADMIN_PREFIX):
            return self.get_response(request)
        timezone.activate(studio_zone())
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
