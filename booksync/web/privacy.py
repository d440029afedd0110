"""Answers that carry a manage or feed token, or a customer's details, are never stored by caches.

A shared or browser cache keeping a manage page would hand the next user of
that cache someone else's booking and the link that changes it. The paths
are listed here in one place (``redaction`` hides the same tokens in logs).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# Paths whose answers are personal: manage pages and their invite, the studio feed, the API's
# manage endpoints, the health details, and a booking's creation (its answer holds the manage URL).
PRIVATE_PATHS = re.compile(r"^/(manage/|calendar/|api/bookings|api/health|book/|admin/)")


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if PRIVATE_PATHS.match(request.path):
            add_never_cache_headers(response)  # Cache-Control: max-age=0, no-cache, no-store, …
        return response
