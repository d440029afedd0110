"""Weak: cacheable manage pages; production HTTPS settings that could not be turned on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from booksync.bookings import services
from booksync.bookings.models import Service, Studio
from tests.conftest import london

from .conftest import booking_body, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(studio, monday, settings):
    settings.OUTBOX_WAKE_WORKER = False
    return services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                                 service=Service.objects.get(slug="portrait"))).token


def test_every_answer_carrying_a_token_or_personal_data_is_no_store(token, monday, client):
    feed = Studio.load().feed_token
    answers = {
        "manage": client.get(f"/manage/{token}/"),
        "confirmed": client.get(f"/manage/{token}/confirmed/"),
        "reschedule": client.get(f"/manage/{token}/reschedule/"),
        "cancel": client.get(f"/manage/{token}/cancel/"),
        "invite": client.get(f"/manage/{token}/invite.ics"),
        "feed": client.get(f"/calendar/{feed}.ics"),
        "api manage": client.get(f"/api/bookings/manage/{token}"),
        "api create": post_json(client, "/api/bookings", booking_body(london(monday, 14), email="b@example.com")),
        "form error": client.post("/book/portrait/", {"name": "Ann", "email": "ann@example.com"}),
    }
    for name, response in answers.items():
        assert response.status_code < 500, name
        assert "no-store" in response.get("Cache-Control", ""), name


def test_pages_carry_a_strict_csp_with_a_nonce_and_no_framing(studio, client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["frame-ancestors"] == "'none'" and response["X-Frame-Options"] == "DENY"
    assert directives["default-src"] == "'self'" and "'unsafe-inline'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()  # the inline bootstrap runs
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_a_view_can_allow_framing_with_django_csps_decorator(rf):
    """How the embed pages (EMBED_ALLOWED_ORIGINS) override the default for one view."""
    from csp.decorators import csp_replace
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.middleware.clickjacking import XFrameOptionsMiddleware
    from django.views.decorators.clickjacking import xframe_options_exempt

    view = xframe_options_exempt(csp_replace({"frame-ancestors": ["https://studio.example"]})(
        lambda request: HttpResponse("ok")))
    response = XFrameOptionsMiddleware(CSPMiddleware(view))(rf.get("/embed/"))
    assert "frame-ancestors https://studio.example;" in response["Content-Security-Policy"] + ";"
    assert "X-Frame-Options" not in response
    assert "script-src 'self'" in response["Content-Security-Policy"]  # the rest of the policy stays


def product(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    # A deployment's environment: none of ours, nor the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE.
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("HSTS", "SECURE_", "TRUSTED", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))}
    return subprocess.run([sys.executable, "-c", code], env={**base, "DATA_DIR": str(django_settings.DATA_DIR),
                                                              "DJANGO_SETTINGS_MODULE": "booksync.settings", **env},
                          capture_output=True, text=True, timeout=120)


PRODUCTION = {"SITE_URL": "https://studio.example", "TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8",
              "SECRET_KEY": "x7Qp2vL9mR4tW8zK3bN6cJ1hF5dS0gYuA-e3Hn8Ls2Vq7Wd1Xr5Zt9Bm4Kf6Jc0Py", "ADMIN_API_TOKEN": "a" * 40}


def test_https_site_url_turns_on_the_production_settings():
    code = ("import django, json; django.setup(); from django.conf import settings as s; print(json.dumps("
            "[s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_PROXY_SSL_HEADER]))")
    assert json.loads(product(PRODUCTION, code).stdout.splitlines()[-1]) == [
        True, True, 31536000, True, ["HTTP_X_FORWARDED_PROTO", "https"]]
    tuned = json.loads(product({**PRODUCTION, "HSTS_SECONDS": "600", "SECURE_SSL_REDIRECT": "false"},
                               code).stdout.splitlines()[-1])
    assert tuned[2:4] == [600, False]
    local = json.loads(product({}, code.replace("s.SECURE_PROXY_SSL_HEADER", "0")).stdout.splitlines()[-1])
    assert local == [False, False, 0, False, 0]  # plain-HTTP development keeps working


def test_check_deploy_is_clean_and_the_doctor_runs_it():
    check = product(PRODUCTION, "from booksync.cli import main; main(['manage', 'check', '--deploy'])")
    assert check.returncode == 0, check.stderr
    assert "System check identified no issues" in check.stdout + check.stderr
    doctor = product(PRODUCTION, "from booksync.cli import main; raise SystemExit(main(['doctor']))")
    assert "[deployment]" not in doctor.stdout, doctor.stdout
    # Without a trusted proxy the doctor says what is missing, with Django's own warning id.
    bare = product({**PRODUCTION, "TRUSTED_PROXIES": ""},
                   "from booksync.cli import main; raise SystemExit(main(['doctor']))")
    assert "PROBLEM [deployment] security.W008" in bare.stdout and "TRUSTED_PROXIES is not set" in bare.stdout
