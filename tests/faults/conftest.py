"""Notion, Google Calendar and SendGrid emulators together, with booksync pointed at all three."""

import pytest

from tests.integrations.google_fixtures import gcal  # noqa: F401
from tests.integrations.notion_fixtures import emu, notion_db  # noqa: F401
from tests.messages.conftest import _sendgrid_server, sendgrid  # noqa: F401
from tests.sync.conftest import both  # noqa: F401

# Client timeouts the fault tests run with: a hang fault sleeps just longer than these.
HTTP_TIMEOUT = 1.0


@pytest.fixture
def world(both, sendgrid, settings):  # noqa: F811
    """``both`` plus email through anymail's SendGrid backend, every client timing out after ~1 s."""
    settings.EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    settings.ANYMAIL = {**settings.ANYMAIL, "REQUESTS_TIMEOUT": HTTP_TIMEOUT}
    settings.NOTION_HTTP_TIMEOUT = HTTP_TIMEOUT
    settings.GOOGLE_HTTP_TIMEOUT = HTTP_TIMEOUT
    settings.NOTION_MAX_WAIT_SECONDS = 2.0
    return settings
