"""The Content-Security-Policy and Permissions-Policy every answer carries (django-csp 4.x).

Pages load only their own scripts and styles; the two inline blocks the base
template needs (the ``js`` class switch and the studio's colours) carry the
request's nonce. ``frame-ancestors 'none'`` (with X-Frame-Options DENY) is the
default; a view that may be framed says so with django-csp's decorators, e.g.
``@csp_replace({"frame-ancestors": ["https://studio.example"]})`` (replace, not
update: ``'none'`` beside a source is meaningless) together with Django's
``@xframe_options_exempt``.
"""

from __future__ import annotations

from csp.constants import NONCE, NONE, SELF


def content_security_policy() -> dict:
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, NONCE],
            "style-src": [SELF, NONCE],
            # A studio's logo may live on its own website.
            "img-src": [SELF, "data:", "https:"],
            "font-src": [SELF],
            "connect-src": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
            "base-uri": [NONE],
            "object-src": [NONE],
        }
    }


# Features no booksync page uses: a page that is injected into cannot turn them on.
PERMISSIONS = {
    "accelerometer": [], "camera": [], "geolocation": [], "gyroscope": [], "magnetometer": [],
    "microphone": [], "payment": [], "usb": [], "browsing-topics": [],
}
