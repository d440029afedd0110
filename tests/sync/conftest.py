"""Notion and Google Calendar emulators together, with booksync pointed at both."""

import pytest

from tests.integrations.google_fixtures import gcal, point_at_google  # noqa: F401
from tests.integrations.notion_fixtures import emu, notion_db, point_at_notion  # noqa: F401


@pytest.fixture
def both(settings, emu, notion_db, gcal, tmp_path, db, studio):  # noqa: F811
    """booksync with Notion (source of truth) and Google Calendar, emails to the locmem outbox."""
    from django.core.cache import cache

    from booksync.integrations.notion import forget_stores

    point_at_notion(settings, emu, notion_db, tmp_path)
    point_at_google(settings, gcal)
    settings.NOTION_HTTP_TIMEOUT = settings.GOOGLE_HTTP_TIMEOUT = 2.0
    settings.INVITES_VIA = "email"
    settings.CALENDAR_IMPORT = "booking"
    settings.NOTION_WEBHOOK_SECRET = "automation-secret-for-tests"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    forget_stores()
    yield settings
    forget_stores()
