""""Add to calendar" links for the web calendars that take an event in their URL: Google and Outlook.

Both open the calendar's own new-event form filled in; the customer saves it.
Texts are in the active language (pages and emails activate the customer's).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from booksync.bookings.tokens import manage_url

from .event_text import customer_event_title

GOOGLE_TEMPLATE_URL = "https://calendar.google.com/calendar/render"
# Outlook on the web (personal accounts; work accounts are redirected from here to outlook.office.com).
OUTLOOK_COMPOSE_URL = "https://outlook.live.com/calendar/0/deeplink/compose"


def _title(booking, studio) -> str:
    return customer_event_title(booking.service_name, studio.name)


def _details(booking) -> str:
    return _("Manage or cancel: %(url)s") % {"url": manage_url(booking)}


def google_calendar_url(booking, studio) -> str:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    params = {
        "action": "TEMPLATE",
        "text": _title(booking, studio),
        "dates": f"{stamp(booking.start)}/{stamp(booking.end)}",
        "details": _details(booking),
    }
    if studio.address:
        params["location"] = studio.address
    return f"{GOOGLE_TEMPLATE_URL}?{urlencode(params)}"


def outlook_calendar_url(booking, studio) -> str:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": _title(booking, studio),
        "startdt": stamp(booking.start),
        "enddt": stamp(booking.end),
        "body": _details(booking),
    }
    if studio.address:
        params["location"] = studio.address
    return f"{OUTLOOK_COMPOSE_URL}?{urlencode(params)}"
