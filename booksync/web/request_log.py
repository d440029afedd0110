"""One log line per request: method, path, status, duration and a request id.

The id comes from the proxy's ``X-Request-ID`` when it sends a sane one (so a
line can be matched with the proxy's log), else it is made here; either way it
is echoed in the response header for the customer or the studio to quote.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .client_ip import client_ip

log = logging.getLogger("booksync.request")
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id(request: HttpRequest) -> str:
    supplied = request.headers.get("X-Request-ID", "")
    return supplied if _SANE_ID.fullmatch(supplied) else uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id(request)
        started = time.perf_counter()
        status = 500  # what the client gets if the view raises past every handler
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request.request_id
            return response
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            # The path is redacted (manage and feed tokens) and escaped by the log filter.
            log.info("%s %s %s %.1f ms", request.method, request.path, status, duration_ms,
                     extra={"request_id": request.request_id, "method": request.method, "path": request.path,
                            "client": client_ip(request), "status": status, "duration_ms": duration_ms})
