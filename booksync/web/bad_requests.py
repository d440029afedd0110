"""Bad requests answered in the caller's language: JSON under /api/, the site's page elsewhere.

Two things would otherwise reach a client as Django's bare HTML error page:
a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (refused here, by its
declared length, before anything reads it) and the 4xx answers Django itself
makes before a view runs (an unknown /api/ path, a refused Host header, too
many form fields). API callers get the API's ``{"error", "message"}`` shape.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .pages import render_page

API_PREFIX = "/api/"
ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "payload_too_large", 429: "too_many_requests"}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": ERROR_CODES.get(status, "error"), "message": message}, status=status)


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


class BadRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length is None or length < 0:
            return self._refuse(request, 400, "The Content-Length header is not a number.")
        if length > limit:
            return self._refuse(request, 413, f"The request body is larger than {limit} bytes.")
        response = self.get_response(request)
        if is_api(request) and 400 <= response.status_code < 500 and not _is_json(response):
            answer = problem(response.status_code, _reason(response))
            if "Allow" in response:  # a 405 must say which methods the resource takes (RFC 9110 15.5.6)
                answer["Allow"] = response["Allow"]
            return answer
        return response

    @staticmethod
    def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
        if is_api(request):
            response = problem(status, message)
        else:
            response = render_page(request, "400.html", {"status": status, "message": message}, status=status)
        response["Connection"] = "close"  # the unread body must not be taken for the next request
        return response


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _reason(response: HttpResponse) -> str:
    try:
        return HTTPStatus(response.status_code).phrase + "."
    except ValueError:
        return "The request was refused."


__all__ = ["BadRequestMiddleware", "problem"]
