"""``/embed.js``: the lines a studio pastes into its own site to show the booking flow there.

    <script src="https://booking.example/embed.js" data-service="portrait" async></script>
    <script src="https://booking.example/embed.js" data-mode="button" data-label="Book now" async></script>

Inline mode places a frame that grows and shrinks with its page (the framed
page posts its height; the script accepts it only from this site's origin and
from its own frame). Button mode places a button that opens the same frame in
a modal dialog. The studio's origin must be listed in EMBED_ALLOWED_ORIGINS.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _


def embed_script(request: HttpRequest) -> HttpResponse:
    script = render_to_string("booksync/embed.js", {
        "origin": settings.SITE_URL,
        "languages": [code for code, _name in settings.LANGUAGES],
        "book_now": _("Book now"),
        "close": _("Close"),
        "frame_title": _("Booking"),
    })
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    patch_cache_control(response, public=True, max_age=3600)
    return response
