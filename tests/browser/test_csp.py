"""The Content-Security-Policy holds in a real browser: the site's pages and the admin run without a violation.

Chromium reports every blocked script, style or frame as a console error
("Refused to …"); a page that needed 'unsafe-inline' would lose its month view
or its colours silently, so the test listens for those reports and also
checks that the nonce-carrying inline code ran.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from booksync.bookings import services
from booksync.bookings.models import Service
from tests.conftest import london

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations_on(open_page, url: str, *, login: tuple[str, str] | None = None, wait_for: str | None = None):
    """Open ``url`` (after logging into the admin when ``login``) and return the CSP reports seen."""
    page = open_page(url if login is None else url.split("/admin/")[0] + "/admin/login/")
    reports: list[str] = []
    page.on("console", lambda m: reports.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('Content Security Policy violation: ' + e.violatedDirective));")
    if login:
        page.fill("#id_username", login[0])
        page.fill("#id_password", login[1])
        page.click("input[type=submit]")
        page.wait_for_load_state()
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if wait_for:
        page.locator(wait_for).first.wait_for()
    return page, reports


def test_customer_pages_pass_the_policy(site, studio, monday, open_page):
    token = services.book(services.BookingRequest(start=london(monday, 10), name="Ann", email="ann@example.com",
                                                  service=Service.objects.get(slug="portrait"))).token
    for path, ready in (("/", None), ("/book/portrait/", "#month .day.has-slots"),
                        (f"/manage/{token}/", None), (f"/manage/{token}/reschedule/", "#month .day.has-slots"),
                        (f"/manage/{token}/cancel/", None)):
        page, reports = violations_on(open_page, site + path, wait_for=ready)
        assert reports == [], (path, reports)
        # The inline bootstrap (nonce) ran, and the studio's colours (nonce'd <style>) apply.
        assert "js" in page.evaluate("document.documentElement.className"), path
        assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--primary')").strip(), path


def test_the_admin_and_api_docs_pass_the_policy(site, studio, open_page):
    User.objects.create_superuser("owner", "owner@example.com", "pw-for-browser-tests-1")
    login = ("owner", "pw-for-browser-tests-1")
    for path, ready in (("/admin/", "#content"), ("/admin/sync/syncrun/dashboard/", ".dash"),
                        ("/admin/bookings/booking/add/", "#booking_form"), ("/admin/email-preview/", "iframe")):
        page, reports = violations_on(open_page, site + path, login=login, wait_for=ready)
        assert reports == [], (path, reports)
        if path.endswith("dashboard/"):
            screenshot(page, "admin-sync-dashboard")  # the held-back emails, Notion window and feed rows
    _page, reports = violations_on(open_page, site + "/api/docs", wait_for=".swagger-ui .info")
    assert reports == [], ("/api/docs", reports)
