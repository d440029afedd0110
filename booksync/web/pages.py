"""Every page of the site is rendered through ``render_page``: the studio, its colours, the
language switcher and the form token. Its own module, so the middleware that answers before a
view runs (``bad_requests``, ``provider_errors``) renders the site's pages without importing the
views."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from booksync.bookings.models import Studio

from . import form_guard
from .branding import brand
from .embedding import allowed_origins
from .language import request_locale, switcher_links


def render_page(request: HttpRequest, template: str, context: dict | None = None, status: int = 200,
                keep: dict | None = None) -> HttpResponse:
    """Render with the studio, its colours, the language switcher and the form token.

    ``keep`` is the query the language switcher's links carry (the chosen day, zone and slot).
    """
    studio = Studio.load()
    page = {
        "studio": studio,
        "brand": brand(studio),
        "languages": switcher_links(request, keep),
        "locale": request_locale(request),
        "embed_origins": allowed_origins(),
        "form_token": form_guard.form_token(request) if request.resolver_match else "",
        **(context or {}),
    }
    return render(request, template, page, status=status)
