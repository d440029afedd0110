"""Framing: the booking and manage pages may sit inside the studio's own sites, nothing else may.

The site-wide policy (settings: CSP ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``) refuses every frame. A view marked ``embeddable``
widens ``frame-ancestors`` to this site and ``EMBED_ALLOWED_ORIGINS`` through
django-csp's per-response replace, and drops X-Frame-Options, whose DENY would
contradict it (and which cannot name several origins). With no origins
configured, nothing changes: the pages refuse frames like every other page.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def allowed_origins() -> list[str]:
    return list(settings.EMBED_ALLOWED_ORIGINS)


def embeddable(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        origins = allowed_origins()
        if origins:
            response._csp_replace = {"frame-ancestors": ["'self'", *origins]}
            response.xframe_options_exempt = True
        return response

    return wrapped
