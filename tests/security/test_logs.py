"""Weak: tokens in logs, forged log lines. Checked on the real product (gunicorn + Django logging)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from booksync.bookings import services
from booksync.bookings.models import Service
from tests.conftest import london
from tests.liveserver import running_server

pytestmark = pytest.mark.django_db(transaction=True)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def server_log(url: str) -> str:
    port = url.rsplit(":", 1)[1]
    return (Path(django_settings.DATA_DIR) / f"server-{port}.log").read_text(errors="replace")


@pytest.fixture
def booked(studio, monday):
    from booksync.bookings.models import Studio

    result = services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                                   service=Service.objects.get(slug="portrait")))
    return result.token, Studio.load().feed_token


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_manage_or_feed_token_reaches_any_log_line(booked, log_format):
    token, feed = booked
    with running_server(workers=1, LOG_FORMAT=log_format) as url:
        assert get(f"{url}/manage/{token}/") == 200
        assert get(f"{url}/manage/{token}/invite.ics") == 200
        assert get(f"{url}/api/bookings/manage/{token}") == 200
        assert get(f"{url}/calendar/{feed}.ics") == 200
        # Unknown tokens: Django's error logger names the path too ("Not Found: …").
        assert get(f"{url}/api/bookings/manage/{token}x") == 404
        assert get(f"{url}/calendar/{feed}x.ics") == 404
        log = server_log(url)
    assert token not in log and feed not in log and feed[:8] not in log
    assert log.count("[redacted]") >= 6
    # Access lines (gunicorn), request lines (booksync.request) and error lines (django.request) all ran.
    assert '"GET /manage/[redacted]/ HTTP/1.1" 200' in log
    assert "Not Found: /api/bookings/manage/[redacted]" in log or '"Not Found: /api/bookings/manage/[redacted]' in log
    if log_format == "json":
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        paths = [line["path"] for line in lines if line.get("logger") == "booksync.request"]
        assert "/manage/[redacted]/" in paths


def test_a_path_with_cr_lf_cannot_forge_a_text_log_line(booked):
    forged = "2026-01-01 00:00:00,000 INFO booksync.request POST /admin/ 200"
    with running_server(workers=1, LOG_FORMAT="text") as url:
        get(f"{url}/nothing%0d%0a{forged.replace(' ', '%20')}")
        log = server_log(url)
    assert not re.search(r"^" + re.escape(forged), log, re.MULTILINE)
    assert "\\r\\n" + forged in log  # shown escaped, on the request's own line


def test_the_filter_redacts_tracebacks_and_extra_fields():
    import logging
    import sys

    from booksync.redaction import RedactingFilter

    try:
        raise ValueError("failed on /manage/SECRETTOKEN123/cancel/")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                                   ("/manage/SECRETTOKEN123/",), sys.exc_info())
    record.path = "/calendar/FEEDTOKEN.ics"
    RedactingFilter().filter(record)
    assert "SECRETTOKEN123" not in record.getMessage() + record.exc_text
    assert record.path == "/calendar/[redacted].ics"
