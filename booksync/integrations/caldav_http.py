"""The HTTP edge of the CalDAV adapter: running one ``caldav`` library call and naming its failure.

``call`` is the only place that sees the library's exceptions, as
``notion_http.call`` and ``google_api.execute`` are for the other providers.
``translate`` maps them to the ports' named errors:

* ``NotFoundError`` → ``NotFound``. An event that is gone is an answer (the
  adapter catches it); the calendar itself missing is retryable, because it
  may have been moved or renamed and is looked up again next time, except
  while finding it, when CALDAV_URL itself is wrong.
* ``AuthorizationError`` → ``NotAuthorised``, retryable here: a rotated
  password is fixed by a person, then what waited goes out.
* ``RateLimitError`` (429, 503 with Retry-After) → ``RateLimited``;
  ``ETagMismatchError`` (412) → ``PreconditionFailed``; anything else
  (timeouts, connection errors, 5xx, an unreadable answer) → ``TransientError``.
  That includes finding the calendar failing inside a call: the call is retried
  later, by when the calendar may be back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from caldav.lib import error as caldav_error
from django.conf import settings

from .ports import (
    IntegrationError,
    NotAuthorised,
    NotFound,
    PreconditionFailed,
    RateLimited,
    TransientError,
)

FINDING_THE_CALENDAR = "finding the calendar"
T = TypeVar("T")


def translate(exc: Exception, what: str) -> IntegrationError:
    """A ``caldav`` library failure as one of the ports' exceptions, with a message saying what failed."""
    if isinstance(exc, caldav_error.AuthorizationError):
        return NotAuthorised(f"CalDAV {what}: the server refused CALDAV_USERNAME/CALDAV_PASSWORD", retryable=True)
    if isinstance(exc, caldav_error.NotFoundError):
        if what == FINDING_THE_CALENDAR:
            return NotFound(f"CalDAV {what}: nothing at CALDAV_URL {settings.CALDAV_URL}")
        return NotFound(f"CalDAV {what}: {type(exc).__name__}: {exc}", retryable=True)
    if isinstance(exc, caldav_error.RateLimitError):
        return RateLimited(f"CalDAV {what}: {type(exc).__name__}: {exc}",
                           getattr(exc, "retry_after_seconds", None))
    if isinstance(exc, caldav_error.ETagMismatchError):
        return PreconditionFailed(f"CalDAV {what}: {type(exc).__name__}: {exc}")
    return TransientError(f"CalDAV {what}: {type(exc).__name__}: {exc}")


def call(what: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one library call; a failure comes out as one of the ports' exceptions."""
    try:
        return func(*args, **kwargs)
    except Exception as exc:
        raise translate(exc, what) from exc
