"""``/embed.js``: the lines a studio pastes into its own site to show the booking flow there.

    <script src="https://booking.example/embed.js" data-service="portrait" async></script>
    <script src="https://booking.example/embed.js" data-mode="button" data-label="Book now" async></script>

Inline mode places a frame that grows and shrinks with its page (the framed
page posts its height; the script accepts it only from this site's origin and
from its own frame). Button mode places a button that opens the same frame in
a modal dialog. The studio's origin must be listed in EMBED_ALLOWED_ORIGINS:
on any other page the script places a sentence and a link that opens the
booking page instead of a frame the browser would refuse (frame-ancestors),
and should a frame be refused all the same (the list changed while the
script was cached), it is replaced by the same sentence and link once it has
loaded without a word from our page.

The attributes (all optional): ``data-service`` (a service's slug: its booking
page; else the list of services), ``data-mode="button"`` (a button opening a
dialog; else the frame in place), ``data-label`` (the button's text),
``data-language`` (en, de, fr; else the visitor's), ``data-title`` (the frame's
accessible name).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .embedding import allowed_origins

# How long a loaded frame may stay silent before it counts as refused (our page posts at once).
REFUSED_AFTER_MS = 2500


def framers() -> list[str]:
    """The origins whose pages may frame ours: the allowed ones and this site; none without a list
    (``frame-ancestors 'none'``, embedding.py)."""
    origins = [origin.rstrip("/") for origin in allowed_origins()]
    return [*origins, origin_of(settings.SITE_URL)] if origins else []


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def embed_script(request: HttpRequest) -> HttpResponse:
    script = render_to_string("booksync/embed.js", {
        "framers": json.dumps(framers()).replace("<", "\\u003c"),
        "refused_after_ms": REFUSED_AFTER_MS,
        "refused": _("This booking page cannot be shown inside this website."),
        "open_page": _("Open the booking page"),
        "origin": settings.SITE_URL,
        "languages": [code for code, _name in settings.LANGUAGES],
        "book_now": _("Book now"),
        "close": _("Close"),
        "frame_title": _("Booking"),
    })
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    patch_cache_control(response, public=True, max_age=3600)
    return response
