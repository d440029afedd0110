"""Pages never show a bare 500 for an outside service's failure (ADR 0012).

The booking pages handle calendar outages themselves (the last known busy
time, or the form kept with a "try again" note); this catches whatever
provider error still escapes a page view and answers a 503 page that says
what happened and what to do. The API maps the same errors in web/api.py.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse

from booksync.bookings.errors import CalendarUnavailable
from booksync.integrations.ports import IntegrationError

from .pages import render_page

log = logging.getLogger("booksync.web")


class ProviderErrorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, IntegrationError):
            return None
        log.error("provider error on %s: %s", request.path, exception)
        response = render_page(request, "503_calendar.html", status=503)
        response["Retry-After"] = str(CalendarUnavailable.retry_after)
        return response
