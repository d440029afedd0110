"""Fixtures for the customer pages: the cache table rate limits use, Chromium, screenshots, the outbox."""

from __future__ import annotations

import email
import os
import re
from email import policy
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# the tests themselves are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
WIDTHS = (375, 1280)
ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "artifacts" / "pages"


@pytest.fixture(autouse=True)
def rate_limit_cache(db):
    """pytest-django builds tables from migrations only; the cache table comes from createcachetable."""
    call_command("createcachetable", verbosity=0)
    cache.clear()
    caches["ratelimit"].clear()  # the rate-limit counters' own table (a flush keeps cache tables)


@pytest.fixture
def outbox(settings, tmp_path):
    """Emails go to a fresh folder; ``outbox.deliver()`` sends what bookings owe and returns the messages."""
    settings.EMAIL_BACKEND = "booksync.integrations.mail.OutboxFolderBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.OUTBOX_WAKE_WORKER = False
    return Outbox(settings.EMAIL_OUTBOX_DIR)


class Outbox:
    def __init__(self, folder: Path):
        self.folder = folder

    def deliver(self) -> list[email.message.EmailMessage]:
        from booksync.outbox.delivery import deliver_due

        deliver_due(force=True, topics=["email"])
        return self.messages()

    def messages(self) -> list[email.message.EmailMessage]:
        if not self.folder.exists():
            return []
        return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted(self.folder.glob("*.eml"))]

    def manage_link(self) -> str:
        """The manage link in the newest message's plain-text body."""
        body = self.messages()[-1].get_body(preferencelist=("plain",)).get_content()
        return re.search(r"https?://\S+/manage/[^/\s]+/", body).group(0)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (scripts/system-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, settings, outbox):
    """The live site with links in emails pointing at it and a rate limit browsers do not hit."""
    settings.SITE_URL = live_server.url
    settings.PAGE_POST_RATE = "1000/m"
    return live_server.url


@pytest.fixture
def open_page(chromium):
    """``open_page(url, locale=..., timezone_id=..., width=...)``: a page in a fresh browser context (own cookies)."""
    contexts = []

    def opener(url: str, *, locale: str = "en-GB", timezone_id: str = "Europe/London", width: int = 1280,
               javascript: bool = True):
        context = chromium.new_context(locale=locale, timezone_id=timezone_id, java_script_enabled=javascript,
                                       viewport={"width": width, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield opener
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    """Save ``page`` at each width as var/artifacts/pages/<name>-<width>.png (full length)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(original)
