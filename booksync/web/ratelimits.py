"""Per-address limits (django-ratelimit): the pages' POSTs, and refused webhook calls.

Addresses are the real client's behind TRUSTED_PROXIES (``RATELIMIT_IP_META_KEY``
points at web/client_ip.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage, is_ratelimited
from django_ratelimit.decorators import ratelimit

from .bad_requests import problem

WEBHOOK_FAILURES = "webhook-failures"


def post_rate(group: str, request: HttpRequest) -> str:
    # Read on every request so tests and operators can change it without a restart of the module.
    return settings.PAGE_POST_RATE


def limit_posts(group: str, on_limited: Callable[[HttpRequest], HttpResponse]):
    """Count POSTs per client address in ``group``; over the rate, answer with ``on_limited``."""

    def decorator(view):
        @ratelimit(group=group, key="ip", rate=post_rate, method="POST", block=False)
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if getattr(request, "limited", False):
                return on_limited(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _failure_rate(group: str, request: HttpRequest) -> str:
    return settings.WEBHOOK_FAILURE_RATE


def webhook_client_blocked(request: HttpRequest) -> bool:
    """Has this address used up its refused webhook calls? (Counts nothing itself.)"""
    usage = get_usage(request, group=WEBHOOK_FAILURES, key="ip", rate=_failure_rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def note_webhook_failure(request: HttpRequest) -> None:
    is_ratelimited(request, group=WEBHOOK_FAILURES, key="ip", rate=_failure_rate, increment=True)


def guard_webhook(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A client whose webhook calls keep failing (guessing signatures or secrets) gets 429 for a while."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if webhook_client_blocked(request):
            return problem(429, "Too many refused webhook calls from this address; try again later.")
        response = view(request, *args, **kwargs)
        if response.status_code in (400, 401, 403):
            note_webhook_failure(request)
        return response

    return wrapped
