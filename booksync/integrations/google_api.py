"""The HTTP edge of the Google Calendar adapter: building the client and running one call.

``execute`` is the only place that sees status codes. It retries what is
worth retrying a few times within the call (429, 5xx, 403 rate limits,
connection errors and timeouts), then gives up with ``IntegrationError`` so
the outbox retries later with its own, longer backoff; anything else becomes
``PermanentError``. Callers that treat a status as an answer (409 "exists",
404/410 "gone", 412 "changed") pass it in ``expect`` and get a ``GoogleStatus``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any

import httplib2
from django.conf import settings

from .ports import IntegrationError, PermanentError

log = logging.getLogger("booksync.google")

# In-call retries stay short: a web request may be waiting on them.
RETRY_DELAYS = (0.2, 0.6)
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


class GoogleStatus(Exception):
    """An expected non-2xx answer (``expect``) that the caller handles itself."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"{status} {reason}")
        self.status, self.reason = status, reason


def build_service(credentials: Any) -> Any:
    """A calendar v3 client on ``settings.GOOGLE_API_BASE_URL`` whose requests time out.

    httplib2 has no default timeout, so a silent server would hang a worker
    for ever; the ``Http`` object is per client because httplib2 is not
    thread-safe.
    """
    import google_auth_httplib2
    from googleapiclient.discovery import build

    http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=settings.GOOGLE_HTTP_TIMEOUT))
    return build(
        "calendar", "v3", http=http, static_discovery=True, cache_discovery=False,
        client_options={"api_endpoint": settings.GOOGLE_API_BASE_URL},
    )


def error_reason(exc: Any) -> str:
    """The first ``errors[].reason`` of a Google error body ('' when there is none)."""
    try:
        error = json.loads(exc.content)["error"]
        return error.get("errors", [{}])[0].get("reason") or error.get("status", "")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""


def _retryable(status: int, reason: str) -> bool:
    return status == 429 or status >= 500 or (status == 403 and reason in RATE_LIMIT_REASONS)


def execute(request: Any, what: str, *, expect: tuple[int, ...] = ()) -> Any:
    """Run one prepared googleapiclient request, translating failures into the ports' exceptions."""
    from google.auth.exceptions import RefreshError, TransportError
    from googleapiclient.errors import HttpError

    for attempt in range(len(RETRY_DELAYS) + 1):
        try:
            return request.execute()
        except HttpError as exc:
            status, reason = exc.resp.status, error_reason(exc)
            if status in expect:
                raise GoogleStatus(status, reason) from None
            if status == 403 and reason == "quotaExceeded":
                # The daily quota: in-call retries cannot help, the outbox's backoff may.
                raise IntegrationError(f"Google Calendar {what}: daily quota exceeded") from None
            if not _retryable(status, reason):
                raise PermanentError(f"Google Calendar {what}: {status} {reason or exc.reason}") from None
            failure = f"{status} {reason}"
        except RefreshError as exc:
            if getattr(exc, "retryable", False):  # the token endpoint itself had a hiccup
                failure = f"token refresh: {exc}"
            else:
                # invalid_grant / invalid_client: the refresh token or client was revoked.
                raise PermanentError(f"Google refused the credentials ({exc.args[0] if exc.args else exc}); "
                                     "run `booksync google auth` again.") from None
        except (TransportError, OSError, httplib2.HttpLib2Error) as exc:  # OSError covers timeouts
            failure = f"{type(exc).__name__}: {exc}"
        if attempt < len(RETRY_DELAYS):
            delay = RETRY_DELAYS[attempt] * random.uniform(0.8, 1.2)
            log.info("Google Calendar %s failed (%s); retrying in %.1f s", what, failure, delay)
            time.sleep(delay)
    raise IntegrationError(f"Google Calendar {what}: {failure} (after {len(RETRY_DELAYS) + 1} attempts)")
