"""Notion and Google Calendar emulators together, with booksync pointed at both."""

import pytest

from tests.integrations.google_fixtures import gcal  # noqa: F401
from tests.integrations.notion_fixtures import emu, notion_db  # noqa: F401


@pytest.fixture
def both(settings, emu, notion_db, gcal, tmp_path, db, studio):  # noqa: F811
    """booksync with Notion (source of truth) and Google Calendar, emails to the locmem outbox."""
    from django.core.cache import cache

    from booksync.integrations.notion import forget_stores

    settings.NOTION_API_KEY = emu.token
    settings.NOTION_API_BASE_URL = emu.url
    settings.NOTION_BOOKINGS_DATABASE_ID = notion_db.database_id
    settings.NOTION_PROPERTY_NAMES = ""
    settings.NOTION_HTTP_TIMEOUT = 2.0
    settings.NOTION_REQUESTS_PER_SECOND = 500.0
    settings.NOTION_MAX_WAIT_SECONDS = 5.0
    settings.NOTION_RATE_FILE = str(tmp_path / "notion-rate.json")
    settings.GOOGLE_CLIENT_ID = gcal.client_id
    settings.GOOGLE_CLIENT_SECRET = gcal.client_secret
    settings.GOOGLE_REFRESH_TOKEN = gcal.refresh_token
    settings.GOOGLE_SERVICE_ACCOUNT_FILE = ""
    settings.GOOGLE_CALENDAR_ID = "primary"
    settings.GOOGLE_API_BASE_URL = gcal.api_endpoint
    settings.GOOGLE_TOKEN_URI = gcal.token_uri
    settings.GOOGLE_HTTP_TIMEOUT = 2.0
    settings.CALDAV_URL = ""
    settings.OUTBOX_WAKE_WORKER = False
    settings.INVITES_VIA = "email"
    settings.CALENDAR_IMPORT = "booking"
    settings.NOTION_WEBHOOK_SECRET = "automation-secret-for-tests"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    forget_stores()
    yield settings
    forget_stores()
