"""The HTTP edge of the Notion adapter: the SDK client and running one call.

``call`` is the only place that sees Notion's status codes and the SDK's
exceptions (``translate`` maps them to the ports' named errors: ``NotFound``,
``NotAuthorised``, ``RateLimited``, ``PreconditionFailed``, ``TransientError``,
``PermanentError``). The SDK itself retries 429 (honouring ``Retry-After``)
for every method and 500/503 for GETs; ``call`` adds a short retry of the
retryable ones for requests that are safe to repeat, then gives up (the outbox
retries later, with its own backoff, or a human fixes what the message says).
Every HTTP request, SDK retries included, first takes a turn from the shared
rate budget (``notion_rate``) through an httpx event hook.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast

import httpx
from django.conf import settings
from notion_client import Client, RetryOptions
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from .notion_rate import DatabaseBucket, SharedBucket, budget
from .ports import (
    IntegrationError,
    NotAuthorised,
    NotFound,
    PermanentError,
    PreconditionFailed,
    RateLimited,
    TransientError,
    retry_after_seconds,
)

log = logging.getLogger("booksync.notion")

NOTION_VERSION = "2025-09-03"
RETRY_DELAYS = (0.3, 1.0)  # in-call retries stay short: a worker (or the doctor) is waiting
# Notion allows "an average of three requests per second" and "some bursts beyond" it. Our turns
# are granted when a request leaves, Notion counts them when they arrive, and one request of a
# burst can be delayed on the way while the next is not. A burst one smaller than Notion's (3 at
# 3/s, what the emulator's strict mode enforces) keeps a third of a second of slack for that, so
# a rate close to the average still never draws a 429; see docs/decisions/0011-fast-paths.md.
BURST = 2


def shared_bucket() -> SharedBucket | DatabaseBucket:
    """The request budget every process shares: a database row on PostgreSQL, a file on SQLite."""
    return budget(
        settings.NOTION_RATE_FILE,
        rate=settings.NOTION_REQUESTS_PER_SECOND,
        burst=BURST,
        max_wait=settings.NOTION_MAX_WAIT_SECONDS,
    )


def _retry_after(response: httpx.Response) -> float:
    wait = retry_after_seconds(response.headers.get("retry-after"))
    return 1.0 if wait is None else wait


def make_client(bucket: SharedBucket | DatabaseBucket | None = None) -> Client:
    """A ``notion_client.Client`` on ``NOTION_API_BASE_URL`` that times out and respects the shared budget."""
    bucket = bucket or shared_bucket()

    def before(request: httpx.Request) -> None:
        bucket.take()

    def after(response: httpx.Response) -> None:
        if response.status_code == 429:
            bucket.hold(_retry_after(response))

    http = httpx.Client(event_hooks={"request": [before], "response": [after]})
    return Client(
        client=http,
        auth=settings.NOTION_API_KEY,
        base_url=settings.NOTION_API_BASE_URL.rstrip("/"),
        notion_version=NOTION_VERSION,
        timeout_ms=int(settings.NOTION_HTTP_TIMEOUT * 1000),
        # 429 storms are absorbed here; the cap keeps one call from blocking a worker for long.
        retry=RetryOptions(
            max_retries=5, initial_retry_delay_ms=500, max_retry_delay_ms=int(settings.NOTION_MAX_WAIT_SECONDS * 1000)
        ),
        logger=logging.getLogger("booksync.notion.sdk"),
        log_level=logging.WARNING,
    )


def _header_retry_after(exc: HTTPResponseError) -> float | None:
    headers = getattr(exc, "headers", None)
    return retry_after_seconds(headers.get("retry-after") if headers is not None else None)


def translate(exc: HTTPResponseError, what: str) -> IntegrationError:
    """A Notion error as one of the ports' exceptions, with a message that says what to fix."""
    status, code = exc.status, str(getattr(exc.code, "value", exc.code))
    detail = f"Notion answered {status} {code} while {what}: {exc}"
    if status == 401:
        return NotAuthorised(f"{detail}. Fix: set NOTION_API_KEY to the integration's secret.")
    if status == 403:
        return NotAuthorised(f"{detail}. Fix: give the integration read, update and insert content capabilities.")
    if status == 404:
        return NotFound(f"{detail}. Fix: share the bookings database with the integration "
                        "(••• → Connections) and check NOTION_BOOKINGS_DATABASE_ID.")
    if status == 429:
        return RateLimited(detail, _header_retry_after(exc))
    if status == 409:
        return PreconditionFailed(detail)  # a write collision: try again later
    if status >= 500:
        return TransientError(detail)
    return PermanentError(f"{detail}. Fix: correct the value or the database schema (`booksync doctor`).")


def call(what: str, func: Callable[..., Any], *args: Any, repeatable: bool = True, **kwargs: Any) -> dict[str, Any]:
    """Run one SDK call; its answer, a JSON object. ``repeatable=False`` (a page create) is never
    retried here: the caller looks the page up again before creating it a second time."""
    for delay in (*RETRY_DELAYS, None):
        try:
            # The sync client answers a dict; the SDK types it SyncAsync[Any] for its async twin.
            return cast(dict[str, Any], func(*args, **kwargs))
        except HTTPResponseError as exc:
            error = translate(exc, what)
        except RequestTimeoutError:
            # A hung call is not repeated in-call: the server is likely still stuck.
            raise TransientError(
                f"Notion did not answer within {settings.NOTION_HTTP_TIMEOUT:g} s while {what}"
            ) from None
        except httpx.TransportError as exc:
            error = TransientError(f"cannot reach Notion at {settings.NOTION_API_BASE_URL} while {what} ({exc})")
        if not error.retryable or not repeatable or delay is None:
            raise error
        log.info("retrying after %s", error)
        time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover

