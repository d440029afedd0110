"""The HTTP edge of the Google Calendar adapter: building the client and running one call.

``execute`` is the only place that sees status codes (``google_error`` maps
them to the ports' named errors). It retries what is worth retrying a few times
within the call (429, 5xx, 403 rate limits, connection errors and timeouts),
then gives up with ``TransientError``/``RateLimited`` so the outbox retries
later with its own, longer backoff. An answer is raised at once as
``NotFound`` (404, 410: a deleted event, an expired sync token),
``PreconditionFailed`` (409: the id exists; 412: If-Match failed),
``NotAuthorised`` (401, other 403s, a refused client), ``SignInRefused`` (a revoked or expired
refresh token, Google's ``invalid_grant``: retryable, the studio signs in again) or
``PermanentError``; callers that take one as an answer catch that class.
"""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any

import google_auth_httplib2
import httplib2
from django.conf import settings
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from .ports import (
    IntegrationError,
    NotAuthorised,
    NotFound,
    PermanentError,
    PreconditionFailed,
    RateLimited,
    SignInRefused,
    TransientError,
    retry_after_seconds,
)

log = logging.getLogger("booksync.google")

# The one sentence the dashboard, the doctor and the studio's email give when Google refuses the sign-in.
SIGN_IN_AGAIN = ("Google refused booksync's sign-in to the studio's calendar (invalid_grant), so calendar changes "
                 "are waiting: the studio must sign in to Google again with `booksync google auth`.")

# In-call retries stay short: a web request may be waiting on them.
RETRY_DELAYS = (0.2, 0.6)
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}


def build_service(credentials: Any) -> Any:
    """A calendar v3 client on ``settings.GOOGLE_API_BASE_URL`` whose requests time out.

    httplib2 has no default timeout, so a silent server would hang a worker
    for ever; the ``Http`` object is per client because httplib2 is not
    thread-safe.
    """

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


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "resp", None)
    return retry_after_seconds(response.get("retry-after") if response is not None else None)


def google_error(exc: Any, what: str) -> IntegrationError:
    """A googleapiclient ``HttpError`` as one of the ports' named errors."""
    status, reason = exc.resp.status, error_reason(exc)
    text = f"Google Calendar {what}: {status} {reason or exc.reason}"
    if status in (404, 410):
        return NotFound(text)
    if status in (409, 412):
        return PreconditionFailed(text)
    if status == 429 or (status == 403 and reason in RATE_LIMIT_REASONS):
        return RateLimited(f"Google Calendar {what}: {status} {reason}", _retry_after(exc))
    if status == 403 and reason == "quotaExceeded":
        # The daily quota: in-call retries cannot help, the outbox's backoff may.
        return RateLimited(f"Google Calendar {what}: daily quota exceeded")
    if status >= 500:
        return TransientError(f"Google Calendar {what}: {status} {reason}")
    if status in (401, 403):
        return NotAuthorised(text)
    return PermanentError(text)


def execute(request: Any, what: str) -> Any:
    """Run one prepared googleapiclient request, translating failures into the ports' named errors."""

    error: IntegrationError | None = None
    for attempt in range(len(RETRY_DELAYS) + 1):
        try:
            return request.execute()
        except HttpError as exc:
            error = google_error(exc, what)
            if not isinstance(error, TransientError) or error_reason(exc) == "quotaExceeded":
                raise error from None
        except RefreshError as exc:
            if not getattr(exc, "retryable", False):
                detail = str(exc.args[0] if exc.args else exc)
                if "invalid_grant" in detail:
                    # The refresh token was revoked or expired: what is owed waits for a new sign-in.
                    raise SignInRefused(SIGN_IN_AGAIN) from None
                # invalid_client: the OAuth client itself was deleted or its secret changed.
                raise NotAuthorised(f"Google refused the credentials ({detail}); "
                                    "run `booksync google auth` again.") from None
            error = TransientError(f"token refresh: {exc}")  # the token endpoint itself had a hiccup
        except (TransportError, OSError, httplib2.HttpLib2Error) as exc:  # OSError covers timeouts
            error = TransientError(f"{type(exc).__name__}: {exc}")
        if attempt < len(RETRY_DELAYS):
            delay = RETRY_DELAYS[attempt] * random.uniform(0.8, 1.2)
            log.info("Google Calendar %s failed (%s); retrying in %.1f s", what, _failure(error, what), delay)
            time.sleep(delay)
    assert error is not None
    failure = f"Google Calendar {what}: {_failure(error, what)} (after {len(RETRY_DELAYS) + 1} attempts)"
    if isinstance(error, RateLimited):
        raise RateLimited(failure, error.retry_after)
    raise TransientError(failure)


def _failure(error: IntegrationError, what: str) -> str:
    return str(error).removeprefix(f"Google Calendar {what}: ")
