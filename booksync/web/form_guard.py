"""Cross-site request forgery protection for the customer forms that needs no cookie.

The booking and manage pages may run inside a studio's page in a cross-site
frame, where browsers block third-party cookies, so Django's cookie-based CSRF
token cannot work there. These forms are protected instead by:

1. the request's origin: a browser names the page that sent a POST in its
   ``Origin`` header (or, where it sends none, ``Sec-Fetch-Site``); it must be
   this site, which it is for a form inside our own frame and never for a form
   on another site;
2. a signed form token (HMAC with SECRET_KEY, timestamped) bound to the page
   the form belongs to, so a token taken from one page does not post to
   another and expires after ``FORM_TOKEN_MAX_AGE``.

Nothing on these pages is authorised by a cookie (a manage link carries its
own secret token), so there is no ambient credential for a forged request to
ride on; the checks above refuse forged posts all the same. See ADR 0010.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

FIELD = "form_token"
FORM_TOKEN_MAX_AGE = 24 * 3600  # a page left open for a day still books
_SALT = "booksync.web.form"


def _page_of(request: HttpRequest) -> str:
    """The page a form belongs to, independent of its language prefix."""
    match = request.resolver_match
    return f"{match.url_name}:{'/'.join(str(v) for _k, v in sorted(match.kwargs.items()))}"


def form_token(request: HttpRequest) -> str:
    return signing.dumps(_page_of(request), salt=_SALT, compress=False)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origins(request: HttpRequest) -> set[str]:
    return {_origin(settings.SITE_URL), f"{request.scheme}://{request.get_host()}".lower()}


def refusal(request: HttpRequest) -> str:
    """Why ``request`` is refused, or "" when it may go on."""
    origin = request.META.get("HTTP_ORIGIN")
    if origin is not None:
        if origin == "null" or _origin(origin) not in _own_origins(request):
            return "the form was sent from another site"
    elif request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none"):
        return "the form was sent from another site"
    try:
        page = signing.loads(request.POST.get(FIELD, ""), salt=_SALT, max_age=FORM_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        return "the form has expired"
    except signing.BadSignature:
        return "the form token is missing or altered"
    if page != _page_of(request):
        return "the form belongs to another page"
    return ""


def guarded_form(view):
    """Check every POST to ``view`` with the origin and the signed form token instead of a cookie."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Django's test client marks requests it wants unchecked, as CsrfViewMiddleware honours.
        if request.method == "POST" and not getattr(request, "_dont_enforce_csrf_checks", False):
            reason = refusal(request)
            if reason:
                return render(request, "403_csrf.html", {"reason": reason}, status=403)
        return view(request, *args, **kwargs)

    return wrapped
