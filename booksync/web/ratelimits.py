"""Per-address limits on the pages' POSTs (django-ratelimit), answered with a friendly 429 page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_ratelimit.decorators import ratelimit

# Generous for a person, tight for a script. A deployment can change it with PAGE_POST_RATE.
DEFAULT_RATE = "10/m"


def post_rate(group: str, request: HttpRequest) -> str:
    # Read on every request so tests and operators can change it without a restart of the module.
    return getattr(settings, "PAGE_POST_RATE", DEFAULT_RATE)


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
