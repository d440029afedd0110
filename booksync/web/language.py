"""Which language and locale a page speaks, without cookies (pages may live in a cross-site frame).

Order: a language prefix in the path (``/fr/book/…``: the switcher's links) →
the browser's Accept-Language → the studio's default language. No cookie and
no session is involved, so the choice holds inside a frame whose third-party
cookies are blocked: every link the page renders carries the prefix.

The *locale* adds the region the browser asked for when its language matches
("en-US" gives 12-hour times, "en-GB" 24-hour); see bookings/formats.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import (
    get_supported_language_variant,
    parse_accept_lang_header,
)

from booksync.bookings.messages.formats import locale_tag
from booksync.bookings.models import Studio

MACHINE_PATHS = ("/api/", "/anymail/", "/admin/", "/static/")


def accepted_language(request: HttpRequest) -> str | None:
    """The first shipped language in Accept-Language, or None when it names none of ours."""
    for tag, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if tag == "*":
            break
        try:
            return get_supported_language_variant(tag)
        except LookupError:
            continue
    return None


def studio_default_language() -> str:
    try:
        return Studio.load().default_language or settings.LANGUAGE_CODE
    except DatabaseError:  # before migrations: the project's default
        return settings.LANGUAGE_CODE


class CustomerLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware with the studio's default language as the last resort."""

    def process_request(self, request: HttpRequest) -> None:
        language = translation.get_language_from_path(request.path_info)
        if not language:
            language = accepted_language(request)
        if not language:
            # Machines (the API, webhooks) get the project default without a database read.
            is_page = not request.path_info.startswith(MACHINE_PATHS)
            language = studio_default_language() if is_page else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response):
        # Unlike Django's, no redirect of a 404 to a prefixed path: unprefixed pages are served as
        # they are, so their 404 is a real one.
        if not translation.get_language_from_path(request.path_info):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def language_from_path(request: HttpRequest) -> str | None:
    return translation.get_language_from_path(request.path_info)


def request_locale(request: HttpRequest) -> str:
    """The page's language with the region the browser asked for in that language ("en-US")."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    for tag, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if tag.split("-")[0].lower() == language and "-" in tag:
            return locale_tag(tag)
    return locale_tag(language)


def api_locale(request: HttpRequest) -> str:
    """The locale an API caller's Accept-Language asks for, or "" (the studio's default) when it names none of ours."""
    return request_locale(request) if accepted_language(request) else ""


def switcher_links(request: HttpRequest, keep: dict | None = None) -> list[dict]:
    """One link per shipped language to this page in that language, keeping ``keep`` as query."""
    query = f"?{urlencode({k: v for k, v in (keep or {}).items() if v})}" if keep else ""
    current = translation.get_language()
    links = []
    for code, name in settings.LANGUAGES:
        path = translate_url(request.path, code)
        links.append({"code": code, "name": name, "url": path + query, "current": code == current})
    return links
